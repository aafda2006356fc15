"""What every process does before it serves: migrate the database and load the data files."""

from __future__ import annotations

import logging

from core.db import upgrade_database
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)


def prepare(settings: Settings | None = None) -> None:
    """Apply migrations and load content-side data (idempotent), so a fresh DATABASE_URL just works."""
    settings = settings or get_settings()
    upgrade_database(settings)
    log.info("database ready")
