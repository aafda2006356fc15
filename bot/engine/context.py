"""What a step of the conversation works with: the message, the household's contact, and its state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine.types import Inbound
from core.answers.ranking import KnowledgeBase
from core.models import Contact


@dataclass
class Context:
    """One inbound being handled. `state` is a working copy of `Contact.state`, saved when handling ends."""

    inbound: Inbound
    session: AsyncSession
    knowledge: KnowledgeBase
    contact: Contact
    state: dict[str, Any] = field(default_factory=dict)
    erased: bool = False  # the contact was deleted: nothing may be saved for it any more

    @property
    def flow(self) -> str | None:
        """The name of the flow waiting for this household's next message, if any."""
        current = self.state.get("flow")
        return current.get("name") if isinstance(current, dict) else None

    @property
    def flow_data(self) -> dict[str, Any]:
        current = self.state.get("flow")
        return current if isinstance(current, dict) else {}

    def begin_flow(self, name: str, **data: Any) -> None:
        """Route the next typed message to flow `name`; `data` is kept with it (JSON values only)."""
        self.state["flow"] = {"name": name, **data}

    def end_flow(self) -> None:
        self.state.pop("flow", None)

    @property
    def text(self) -> str:
        return self.inbound.text
