"""The terminal channel's tests: the engine tests' small map, and the content's knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.area_names import search_key
from core.db import session_scope
from core.knowledge import KnowledgeBase, get_knowledge_base
from core.models import Area

ROOT = Path(__file__).resolve().parents[3]
PLACES = ROOT / "tests" / "bot" / "engine" / "places.yaml"
PLACE_ROWS = yaml.safe_load(PLACES.read_text(encoding="utf-8"))


@pytest.fixture
async def places(database: str) -> None:
    """The map of tests/bot/engine/places.yaml in the database, as the area loader would put it."""
    async with session_scope() as session:
        for row in PLACE_ROWS:
            aliases = row.get("aliases", [])
            session.add(Area(code=row["code"], name=row["name"], kind=row["kind"], parent_code=row.get("parent"),
                             aliases=aliases, folded_names=search_key(row["name"], aliases),
                             merged_into=row.get("merged_into"), source="tests"))


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return get_knowledge_base(ROOT / "content")
