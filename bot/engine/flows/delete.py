"""/xoadulieu: ask for a yes/no confirmation, then erase the contact and everything linked to it."""

from __future__ import annotations

from bot.engine.contacts import erase_contact
from bot.engine.context import Context
from bot.engine.render import menu_buttons
from bot.engine.types import Button, Reply
from core import ui_texts as texts
from core.answers.normalise import fold

NAME = "delete"
YES = frozenset({"co", "co xoa", "xoa", "xoa het", "dong y", "yes", "ok", "uh", "u", "chac chan"})
NO = frozenset({"khong", "ko", "no", "thoi", "huy", "giu lai", "khong xoa"})


async def start(ctx: Context, argument: str = "") -> list[Reply]:
    """Ask whether to erase everything."""
    ctx.begin_flow(NAME)
    buttons = [[Button(texts.get("engine.buttons.delete_yes"), "f:delete:y"),
                Button(texts.get("engine.buttons.delete_no"), "f:delete:n")]]
    return [Reply(texts.get("engine.delete.confirm"), buttons)]


async def step(ctx: Context) -> list[Reply] | None:
    """Yes erases, no keeps; anything else declines, so the text is handled as usual (and nothing erased)."""
    if ctx.flow != NAME:  # a confirmation button from an earlier, finished exchange
        return None
    answer = _answer(ctx)
    if answer is None:
        return None
    ctx.end_flow()
    if not answer:
        return [Reply(texts.get("engine.delete.cancelled"), menu_buttons())]
    await erase_contact(ctx.session, ctx.contact)
    ctx.erased = True
    return [Reply(texts.get("engine.delete.done"))]


def _answer(ctx: Context) -> bool | None:
    if ctx.inbound.kind == "button":
        return {"f:delete:y": True, "f:delete:n": False}.get(ctx.inbound.payload)
    words = " ".join(fold(ctx.inbound.text).replace(",", " ").replace(".", " ").replace("!", " ").split())
    if words in YES:
        return True
    return False if words in NO else None


async def cancel(ctx: Context) -> list[Reply]:
    """"hủy"/"thôi" while we wait for the confirmation keeps everything (and does not unsubscribe)."""
    ctx.end_flow()
    return [Reply(texts.get("engine.delete.cancelled"), menu_buttons())]
