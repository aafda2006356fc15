"""The small test map (tests/bot/engine/places.yaml), put in the database as the area loader would."""

from __future__ import annotations

from pathlib import Path

import yaml

from core.db import session_scope
from core.models import Area
from core.places.names import search_key

PLACES = Path(__file__).resolve().parents[1] / "bot" / "engine" / "places.yaml"
PLACE_ROWS = yaml.safe_load(PLACES.read_text(encoding="utf-8"))


async def insert_places() -> None:
    async with session_scope() as session:
        for row in PLACE_ROWS:
            aliases = row.get("aliases", [])
            session.add(Area(code=row["code"], name=row["name"], kind=row["kind"], parent_code=row.get("parent"),
                             aliases=aliases, folded_names=search_key(row["name"], aliases),
                             merged_into=row.get("merged_into"), source="tests"))
