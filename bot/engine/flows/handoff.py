""""Hỏi cán bộ": the household's question goes to the officials of its hamlet; their reply comes back here.

Started from the menu, after a fallback ("Hỏi cán bộ" under "mình chưa trả lời được"), after a 👎, or with
`/hoicanbo <câu hỏi>`. When the engine kept the last question it could not answer (`state["last_question"]`),
the household is offered to send that one; otherwise, or on "Hỏi câu khác", its next message is the question.
Replies that could not be pushed (web, console, Zalo's closed window) are shown at the next message
(`undelivered_replies`, called by the engine).
"""

from __future__ import annotations

from datetime import timedelta

from bot.engine.context import Context
from bot.engine.render import menu_button, menu_buttons
from bot.engine.types import Button, Reply
from core import rates
from core import ui_texts as texts
from core.answers.normalise import fold
from core.handoff import questions as handoff
from core.places.areas import place_label
from core.settings import get_settings

NAME = "handoff"
HANDOFF_WINDOW = timedelta(hours=1)
SEND_LAST, OTHER, CANCEL = "f:handoff:send", "f:handoff:other", "f:handoff:x"
YES = frozenset({"co", "gui", "gui di", "dong y", "ok", "u", "uh", "yes", "co gui"})
NO = frozenset({"khong", "ko", "no", "cau khac", "hoi cau khac"})


def _cancel_row() -> list[Button]:
    return [Button(texts.get("handoff.buttons.cancel"), CANCEL)]


def _ask(ctx: Context) -> list[Reply]:
    ctx.begin_flow(NAME, step="ask")
    return [Reply(texts.get("handoff.ask"), [_cancel_row()])]


async def start(ctx: Context, argument: str = "") -> list[Reply]:
    """Offer the last unanswered question, or ask for one; `/hoicanbo <câu hỏi>` sends at once."""
    if argument:
        return await _submit(ctx, argument)
    full = await _too_many_open(ctx)
    if full:
        return full
    last = ctx.state.get("last_question")
    if not last:
        return _ask(ctx)
    ctx.begin_flow(NAME, step="offer")
    buttons = [[Button(texts.get("handoff.buttons.send_last"), SEND_LAST),
                Button(texts.get("handoff.buttons.other"), OTHER)], _cancel_row()]
    return [Reply(texts.get("handoff.offer_last", question=last), buttons)]


async def step(ctx: Context) -> list[Reply] | None:
    """A tap on the offer, or the typed question; a stale button (flow not active) is declined."""
    if ctx.flow != NAME:
        return None
    if ctx.inbound.kind == "button":
        return await _tapped(ctx, ctx.inbound.payload)
    if ctx.flow_data.get("step") == "offer":
        said = " ".join(fold(ctx.text).replace(",", " ").replace(".", " ").split())
        if said in YES:
            return await _tapped(ctx, SEND_LAST)
        if said in NO:
            return _ask(ctx)
    return await _submit(ctx, ctx.text)


async def cancel(ctx: Context) -> list[Reply]:
    """"hủy"/"thôi" while asking: nothing is sent."""
    ctx.end_flow()
    return [Reply(texts.get("handoff.cancelled"), menu_buttons())]


async def _tapped(ctx: Context, data: str) -> list[Reply] | None:
    if data == CANCEL:
        return await cancel(ctx)
    if data == OTHER:
        return _ask(ctx)
    if data == SEND_LAST and ctx.state.get("last_question"):
        return await _submit(ctx, ctx.state["last_question"])
    return None


async def _too_many_open(ctx: Context) -> list[Reply] | None:
    count = await handoff.open_count(ctx.session, ctx.contact.id)  # type: ignore[arg-type]
    if count < get_settings().handoff_max_open_per_contact:
        return None
    ctx.end_flow()
    return [Reply(texts.get("handoff.too_many_open", count=count), [[menu_button()]])]


async def _too_many_recent(ctx: Context) -> list[Reply] | None:
    """Count this question per household and per web client address; a reply when either is over its hourly
    limit (counted atomically in `core.rates`, so concurrent requests cannot slip past)."""
    settings = get_settings()
    limits = [(f"handoff:contact:{ctx.contact.id}", settings.handoff_max_per_contact_per_hour)]
    if ctx.inbound.origin:
        limits.append((f"handoff:address:{ctx.inbound.origin}", settings.handoff_max_per_address_per_hour))
    for key, limit in limits:
        if await rates.bump(ctx.session, key, window=HANDOFF_WINDOW) > limit:
            ctx.end_flow()
            return [Reply(texts.get("handoff.too_many_recent"), [[menu_button()]])]
    return None


async def _submit(ctx: Context, raw: str) -> list[Reply]:
    """Store the question and say who will answer; a too-short text is asked again."""
    text = handoff.question_text(raw)
    if text is None:
        ctx.begin_flow(NAME, step="ask")
        return [Reply(texts.get("handoff.too_short"), [_cancel_row()])]
    full = await _too_many_open(ctx) or await _too_many_recent(ctx)
    if full:
        return full
    ctx.end_flow()
    question = await handoff.ask(ctx.session, ctx.contact, text)
    ctx.state.pop("last_question", None)
    received = Reply(texts.get("handoff.received", number=question.id, who=await _who(ctx)))
    if ctx.contact.hamlet_code:
        received.buttons = menu_buttons()
        return [received]
    choose = [[Button(texts.get("engine.buttons.choose_hamlet"), "ap"), menu_button()]]
    return [received, Reply(texts.get("handoff.no_hamlet"), choose)]


async def _who(ctx: Context) -> str:
    code = ctx.contact.hamlet_code
    if not code:
        return texts.get("handoff.who_commune")
    place = await place_label(ctx.session, code)
    names = [o.name for o in await handoff.answerers(ctx.session, code)][: handoff.MAX_NAMED_ANSWERERS]
    if not names:
        return texts.get("handoff.who_place", place=place)
    return texts.get("handoff.who_named", place=place, names=", ".join(names))


async def undelivered_replies(ctx: Context) -> list[Reply]:
    """Officials' replies this household has not received yet (shown once, before what it asked now)."""
    if ctx.inbound.kind == "unfollow" or ctx.erased or ctx.contact.id is None:
        return []
    found = await handoff.take_undelivered(ctx.session, ctx.contact.id)
    return [Reply(handoff.reply_message(item.question, item.official_name)) for item in found]
