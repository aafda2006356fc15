"""Conversation flows: exchanges that span several messages (choose a hamlet, confirm a deletion, …).

A flow is a module with two coroutines:
- `start(ctx, argument="") -> list[Reply]`: begin (from a command such as `/hoicanbo`, or an `f:<name>`
  button). Call `ctx.begin_flow(name, **data)` to receive the household's next typed message.
- `step(ctx) -> list[Reply] | None`: the next typed message while the flow is active (`ctx.inbound.text`), or a
  tap on one of its own buttons (`f:<name>:<data>`, `ctx.inbound.payload`). Return None to decline the text
  ("not for me"): the engine then ends the flow and handles the text as usual.
Optionally `cancel(ctx) -> list[Reply]`: the household typed "hủy"/"thôi" (`wants_cancel`) while the flow waits;
without it such words go through the usual command handling ("hủy" alone unsubscribes from bulletins).
Commands (`/menu`, `/start`…) and menu buttons end the active flow first. State kept with
`ctx.begin_flow(...)` lives in `Contact.state`, so a flow survives restarts.

To add a flow, write the module and add it to `FLOWS`; its name is what `f:<name>` buttons and `ctx.flow` use.
"""

from __future__ import annotations

from typing import Protocol

from bot.engine.context import Context
from bot.engine.flows import delete, hamlet, handoff, selfcheck
from bot.engine.types import Reply
from core.answers.normalise import fold


class Flow(Protocol):
    async def start(self, ctx: Context, argument: str = "") -> list[Reply]: ...

    async def step(self, ctx: Context) -> list[Reply] | None: ...


FLOWS: dict[str, Flow] = {
    "hamlet": hamlet,  # type: ignore[dict-item]  # modules satisfy the protocol structurally
    "delete": delete,  # type: ignore[dict-item]
    "handoff": handoff,  # type: ignore[dict-item]
    "selfcheck": selfcheck,  # type: ignore[dict-item]
}


def get_flow(name: str) -> Flow | None:
    return FLOWS.get(name)


# Whole messages that mean "stop this" inside a flow: folded, plus accented ones whose folded form is also "yes"
# ("dừng" folds to "dung", like "đúng").
CANCEL_FOLDED = frozenset({"huy", "huy bo", "thoi", "thoi khoi", "thoi khong", "khong lam nua", "dung lai", "ngung",
                           "cancel"})
CANCEL_ACCENTED = frozenset({"dừng"})


def wants_cancel(text: str) -> bool:
    """Whether a message asks to leave the flow in progress."""
    words = " ".join(text.casefold().replace(",", " ").replace(".", " ").replace("!", " ").split())
    return words in CANCEL_ACCENTED or fold(words) in CANCEL_FOLDED


async def cancel_flow(ctx: Context) -> list[Reply] | None:
    """The active flow's own "cancelled" replies, or None when it has no `cancel` (the text goes on as usual)."""
    flow = get_flow(ctx.flow or "")
    cancel = getattr(flow, "cancel", None)
    return await cancel(ctx) if cancel is not None else None
