"""The engine's test kit: a small map in the database and a household chatting through the real engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine.engine import handle
from bot.engine.types import Button, Inbound, Reply
from core.answers.ranking import KnowledgeBase, get_knowledge_base
from core.db import session_scope
from tests.kit.places import insert_places


@pytest.fixture
async def places(database: str) -> None:
    await insert_places()


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return get_knowledge_base(Path(__file__).resolve().parents[3] / "content")


class Household:
    """One household on one channel, sending through `handle` with a fresh session per message (as adapters do)."""

    def __init__(self, knowledge: KnowledgeBase, channel: str = "console", user_id: str = "u1") -> None:
        self.knowledge, self.channel, self.user_id = knowledge, channel, user_id
        self.last: list[Reply] = []

    async def send(self, inbound: Inbound) -> list[Reply]:
        async with session_scope() as session:
            replies = await handle(inbound, session=session, knowledge=self.knowledge)
        self.last = replies  # a local first: concurrent sends must each get their own replies
        return replies

    async def say(self, text: str) -> list[Reply]:
        return await self.send(Inbound(self.channel, self.user_id, "text", text=text))

    async def press(self, data: str) -> list[Reply]:
        return await self.send(Inbound(self.channel, self.user_id, "button", payload=data))

    async def start(self) -> list[Reply]:
        return await self.send(Inbound(self.channel, self.user_id, "start"))

    async def tap(self, label_part: str) -> list[Reply]:
        """Tap the first button of the last replies whose label contains `label_part`."""
        return await self.press(self.button(label_part).data)

    def button(self, label_part: str) -> Button:
        for reply in self.last:
            for button in reply.all_buttons():
                if label_part in button.label:
                    return button
        raise AssertionError(f"no button {label_part!r} in {[b.label for r in self.last for b in r.all_buttons()]}")

    def labels(self) -> list[str]:
        return [b.label for r in self.last for b in r.all_buttons()]

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)


@pytest.fixture
def household(knowledge: KnowledgeBase, places: None) -> Household:
    return Household(knowledge)


@pytest.fixture
def another(knowledge: KnowledgeBase, places: None) -> Callable[..., Household]:
    """Make more households: `another(channel="zalo", user_id="z-1")`, or with `knowledge=` a fresh engine."""

    def make(channel: str = "console", user_id: str = "u2", knowledge: KnowledgeBase = knowledge) -> Household:
        return Household(knowledge, channel, user_id)

    return make
