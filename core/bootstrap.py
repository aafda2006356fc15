"""What every process does before it serves: migrate the database and load the data files."""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.db import make_sync_engine, upgrade_database
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)


def load_areas(settings: Settings) -> None:
    """Load the country's map and `content/areas/` into `Area`; skips sources already loaded unchanged."""
    from core.places.map import load_content_areas, load_country_map

    started = time.perf_counter()
    engine = make_sync_engine(settings)
    try:
        for attempt in (1, 2):
            try:
                with Session(engine) as session:
                    country = load_country_map(session)
                    files = load_content_areas(session, settings.content_dir / "areas")
                    session.commit()
                break
            except IntegrityError:
                # Another process (scheduler, worker) loaded the same rows first; the second pass updates them.
                if attempt == 2:
                    raise
                log.info("area map loaded concurrently by another process; loading again")
    finally:
        engine.dispose()
    loaded = [f"{f.path.name}: {f.report.loaded}" for f in files if f.report is not None]
    log.info("area map ready in %.2f s (country rows written: %d; files: %s)", time.perf_counter() - started,
             country, ", ".join(loaded) or "unchanged")


def prepare(settings: Settings | None = None) -> None:
    """Apply migrations and load content-side data (idempotent), so a fresh DATABASE_URL just works."""
    settings = settings or get_settings()
    upgrade_database(settings)
    load_areas(settings)
    log.info("database ready")
