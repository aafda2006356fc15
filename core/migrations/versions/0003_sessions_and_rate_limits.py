"""Sessions and rate limits: official session versions, counted button taps, rate windows by key.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ratewindow",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("window_start", core.models.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("ratewindow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratewindow_window_start"), ["window_start"], unique=False)
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flood_taps", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("official", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("official", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("flood_taps")
    with op.batch_alter_table("ratewindow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratewindow_window_start"))
    op.drop_table("ratewindow")
