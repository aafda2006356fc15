"""The terminal channel's tests: the engine tests' small map, and the content's knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.answers.ranking import KnowledgeBase, get_knowledge_base
from tests.kit.places import insert_places

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
async def places(database: str) -> None:
    """The map of tests/bot/engine/places.yaml in the database, as the area loader would put it."""
    await insert_places()


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return get_knowledge_base(ROOT / "content")
