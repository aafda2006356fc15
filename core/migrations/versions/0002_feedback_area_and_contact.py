"""feedback: the asking household's area (scopes the gaps views) and contact (erased on deletion); redact old text

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.privacy import redact

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

feedback = sa.table('feedback', sa.column('id', sa.Integer()), sa.column('folded_question', sa.Text()))


def upgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_feedback_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_contact_id'), ['contact_id'], unique=False)
    # Rows stored before redaction existed: strip their phone, ID and account numbers now. Their area is unknown,
    # so they stay visible to admins only.
    connection = op.get_bind()
    rows = connection.execute(sa.select(feedback.c.id, feedback.c.folded_question)
                              .where(feedback.c.folded_question != '')).all()
    for row_id, text in rows:
        cleaned = redact(text)
        if cleaned != text:
            connection.execute(feedback.update().where(feedback.c.id == row_id).values(folded_question=cleaned))


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_contact_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_area_code'))
        batch_op.drop_column('contact_id')
        batch_op.drop_column('area_code')
