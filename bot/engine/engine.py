"""The conversation engine: one `Inbound` in, the `Reply` list out, the same on every channel.

`handle` finds (or creates) the household's contact by (channel, user id), counts the message against the
flood guard (messages and button taps apart; anything over the limit gets a short "chậm lại" reply, never
silence), then routes it: a tap to its button, a command to its action, text to the active flow or to the
answer engine. Conversation state lives in `Contact.state` and is written back at the end, so a restart
forgets nothing. The work runs in a savepoint: if anything fails, it is undone, logged, and the household
gets a polite message instead of silence; the contact's counters are kept.

Channel adapters call `handle` inside their own session and commit it. A Zalo tap arrives as text; text that
is exactly one of our button codes is treated as that tap (`payloads.is_payload_text`).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import replace

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine import actions, answers, payloads
from bot.engine.commands import Command, is_unknown_slash_command, parse_command
from bot.engine.contacts import count_inbound, get_or_create_contact
from bot.engine.context import Context
from bot.engine.flows import cancel_flow, get_flow, hamlet, handoff, wants_cancel
from bot.engine.places import HAMLET_OPENINGS, opens_like_a_place, resolve_place
from bot.engine.render import TOPIC_GROUPS, menu_buttons, menu_reply, topic_page
from bot.engine.subscriptions import unsubscribe
from bot.engine.types import Inbound, Reply
from core import clock
from core import ui_texts as texts
from core.answers.normalise import clean
from core.answers.ranking import Answer, KnowledgeBase
from core.metrics import count_question
from core.models import Delivery
from core.settings import get_settings

log = logging.getLogger(__name__)
MAX_TEXT_CHARS = 4000


async def handle(inbound: Inbound, *, session: AsyncSession, knowledge: KnowledgeBase) -> list[Reply]:
    """Answer one message or tap from a household (an empty list: nothing to say)."""
    settings = get_settings()
    tap = inbound.kind == "button" or payloads.is_payload_text(inbound.text)
    contact, created = await get_or_create_contact(session, inbound.channel, inbound.user_id, tap=tap)
    # Blocking the bot is always honoured; a contact created now had this event counted in its INSERT.
    if inbound.kind != "unfollow" and not created:
        counted = await count_inbound(session, contact, tap=tap,
                                      limits=(settings.flood_max_per_minute, settings.flood_max_taps_per_minute))
        if counted.over:
            # Every message over the limit gets this short reply: one reply per message cannot amplify a
            # flood, and silence would leave a household thinking the bot is broken.
            log.info("flood guard: %s user slowed down (%d messages, %d taps this minute)", inbound.channel,
                     counted.messages, counted.taps)
            return [Reply(texts.get("engine.flood"))]
    saved = contact.state or {}
    ctx = Context(inbound, session, knowledge, contact, state=copy.deepcopy(saved))
    try:
        async with session.begin_nested():  # the counters are written before it: kept if the turn fails
            replies = await _route(ctx, created)
            if not created:  # officials' replies not yet received (a contact created just now has none)
                replies = [*await handoff.undelivered_replies(ctx), *replies]
            if not ctx.erased and ctx.state != saved:  # an unchanged state is not written again
                contact.state = ctx.state
                flag_modified(contact, "state")
            await session.flush()
    except Exception:
        log.exception("engine failed on a %s message from %s", inbound.kind, inbound.channel)
        return [Reply(texts.get("engine.error"), menu_buttons())]
    return replies


async def _route(ctx: Context, created: bool) -> list[Reply]:
    inbound = ctx.inbound
    if inbound.kind == "unfollow":
        ctx.end_flow()
        await unsubscribe(ctx.session, ctx.contact, "unfollow")
        return []
    if inbound.kind in ("start", "follow"):
        command = parse_command(inbound.text) if inbound.text else None
        if command is not None and command.name == "start" and command.argument:
            return await actions.welcome_to_area(ctx, command.argument)  # a QR code's `/start <area code>`
        return await actions.welcome(ctx)
    if inbound.kind == "unsupported":
        return [Reply(texts.get("engine.unsupported"), menu_buttons())]
    if inbound.kind == "voice":
        return [Reply(texts.get("engine.voice.incoming"), menu_buttons())]
    if inbound.kind == "button":
        return await _on_button(ctx, inbound.payload)
    if payloads.is_payload_text(inbound.text):
        ctx.inbound = replace(inbound, kind="button", payload=inbound.text.strip(), text="")
        return await _on_button(ctx, ctx.inbound.payload)
    return await _on_text(ctx, created)


async def _on_text(ctx: Context, created: bool) -> list[Reply]:
    text = clean(ctx.inbound.text)[:MAX_TEXT_CHARS]
    ctx.inbound = replace(ctx.inbound, text=text)
    if not text:
        return [Reply(texts.get("engine.empty"), menu_buttons())]
    if ctx.flow and wants_cancel(text):
        cancelled = await cancel_flow(ctx)
        if cancelled is not None:
            return cancelled
    command = parse_command(text)
    if command is not None:
        return await actions.run_command(ctx, command)
    if is_unknown_slash_command(text):
        return [Reply(texts.get("engine.unknown_command", command=text.split()[0]), menu_buttons())]
    if ctx.flow:
        flow = get_flow(ctx.flow)
        replies = await flow.step(ctx) if flow is not None else None
        if replies is not None:
            return replies
        ctx.end_flow()
    if created:
        return await _first_message(ctx, text)
    if opens_like_a_place(text, HAMLET_OPENINGS):
        # "ấp Thạnh Hòa" typed out of the blue: the household is telling us where it lives (if it names a place).
        resolution = await resolve_place(ctx.session, text)
        if resolution.outcome in ("hamlet", "commune", "which"):
            return await hamlet.from_text(ctx, text, resolution) or []
    _, replies = await _answer(ctx, text)
    return replies


async def _first_message(ctx: Context, text: str) -> list[Reply]:
    """A first message that is a question gets its answer between the welcome and "Bạn ở ấp nào?"."""
    welcome = await actions.welcome(ctx)
    result, replies = await _answer(ctx, text)
    if result.kind not in ("answer", "fallback"):
        return welcome
    return [welcome[0], *replies, *welcome[1:]]


async def _answer(ctx: Context, text: str) -> tuple[Answer, list[Reply]]:
    """Free text to the answer engine, counted for /metrics by channel and whether an entry matched."""
    result, replies = await answers.answer(ctx, text)
    count_question(ctx.inbound.channel, result.matched, result.kind)
    return result, replies


async def _on_button(ctx: Context, data: str) -> list[Reply]:
    """A tap: run what the button stands for, or say that it is stale and show the menu."""
    payload = payloads.parse(data)
    replies = await _run_button(ctx, payload)
    if replies is None:
        log.info("stale or unknown button data from %s: %.20r", ctx.inbound.channel, data)
        return [Reply(texts.get("engine.stale_button"), menu_buttons())]
    return replies


async def _run_button(ctx: Context, payload: payloads.Payload) -> list[Reply] | None:
    kind, arg = payload.kind, payload.arg(0)
    if kind == "fb":
        return answers.feedback(ctx, arg, payload.arg(1))
    if kind == "ack":
        return await _acknowledge(ctx, arg)
    if kind == "more":
        return answers.details(ctx, arg)
    if kind == "no":
        return answers.wrong(ctx, arg)
    if kind == "say":
        return answers.say(ctx, arg) if arg else None
    if kind == "f":
        return await _flow_button(ctx, payload)
    if kind not in ("m", "t", "e", "ap", "c", "h", "skip", "cmd"):
        return None
    ctx.end_flow()  # any navigation leaves the flow in progress
    if kind == "m" and not payload.args:
        return [menu_reply()]
    if kind == "t":
        page = payload.page(1)
        if arg not in TOPIC_GROUPS or page is None:
            return None
        return [topic_page(ctx.knowledge, arg, page, await answers.area_codes(ctx))]
    if kind == "e":
        return answers.show_entry(ctx, ":".join(payload.args))
    if kind == "ap":
        page = payload.page(0)
        return await hamlet.ask(ctx, page) if page is not None else None
    if kind == "c":
        page = payload.page(1)
        return await hamlet.hamlets_of(ctx, arg, page) if page is not None else None
    if kind == "h":
        return await hamlet.choose(ctx, ":".join(payload.args))
    if kind == "skip":
        return hamlet.skip(ctx)
    if kind == "cmd" and arg in _BUTTON_COMMANDS:
        return await actions.run_command(ctx, Command(arg))
    return None


async def _flow_button(ctx: Context, payload: payloads.Payload) -> list[Reply] | None:
    """`f:<name>` starts a flow; `f:<name>:<data>` is a step of it (None when that flow is not waiting)."""
    flow = get_flow(payload.arg(0))
    if flow is None:
        return None
    if len(payload.args) == 1:
        ctx.end_flow()
        return await flow.start(ctx)
    return await flow.step(ctx)


async def _acknowledge(ctx: Context, raw_id: str) -> list[Reply] | None:
    """"Đã biết" on a bulletin: mark the household's own delivery as acknowledged (others' are ignored)."""
    if not raw_id.isdigit() or len(raw_id) > 18:
        return None
    delivery = await ctx.session.get(Delivery, int(raw_id))
    if delivery is None or delivery.contact_id != ctx.contact.id:
        return None
    if delivery.acknowledged_at is None:
        delivery.acknowledged_at = clock.now()
        ctx.session.add(delivery)
    return [Reply(texts.get("engine.ack"))]


_BUTTON_COMMANDS = frozenset({"start", "menu", "help", "subscribe", "unsubscribe", "bulletins", "mydata",
                              "deletedata", "handoff", "selfcheck", "listen"})
