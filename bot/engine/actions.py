"""What each command does: welcome, menu, help, subscribe, unsubscribe, bulletins, my data, delete."""

from __future__ import annotations

import re

from bot.engine import mydata
from bot.engine.commands import Command
from bot.engine.context import Context
from bot.engine.flows import get_flow, hamlet
from bot.engine.render import menu_button, menu_buttons, menu_reply
from bot.engine.subscriptions import recent_bulletins, subscribe, subscriptions_of, unsubscribe
from bot.engine.types import Button, Reply
from core import ui_texts as texts
from core.places.areas import HAMLET, get_area, place_label, resolve_area
from core.settings import get_settings

# What a start payload may hold: Telegram deep links allow A-Z, a-z, 0-9, _ and - (up to 64 characters).
START_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def welcome(ctx: Context) -> list[Reply]:
    """The welcome; then "Bạn ở ấp nào?" when the hamlet is not known yet, else the menu."""
    ctx.end_flow()
    first_time = not ctx.state.get("welcomed")
    ctx.state["welcomed"] = True
    if ctx.contact.hamlet_code:
        key = "engine.welcome" if first_time else "engine.welcome_back"
        return [menu_reply(texts.get(key))]
    return [Reply(texts.get("engine.welcome")), *await hamlet.ask(ctx)]


async def welcome_to_area(ctx: Context, code: str) -> list[Reply]:
    """A QR or link carried a hamlet (`/start <code>`, `/?ap=<code>`): one tap on "Đồng ý" subscribes to it.

    A commune's code lists its hamlets (one tap on the hamlet subscribes); an unknown code gets a polite word
    and the normal welcome. Nothing is subscribed before the household taps.
    """
    ctx.end_flow()
    area = await resolve_area(ctx.session, code) if START_CODE.fullmatch(code) else None
    if area is None:
        return [Reply(texts.get("engine.start_area.unknown")), *await welcome(ctx)]
    first_time = not ctx.state.get("welcomed")
    ctx.state["welcomed"] = True
    greeting = [Reply(texts.get("engine.welcome"))] if first_time else []
    if area.kind != HAMLET:
        return [*greeting, *(await hamlet.hamlets_of(ctx, area.code) or await hamlet.ask(ctx))]
    place = await place_label(ctx.session, area.code)
    active = any(s.active and s.area_code == area.code for s in await subscriptions_of(ctx.session, ctx.contact))
    if active:
        return [*greeting, menu_reply(texts.get("engine.subscribe.already", place=place))]
    buttons = [[Button(texts.get("engine.buttons.agree"), f"h:{area.code}"),
                Button(texts.get("engine.buttons.not_now"), "m")]]
    return [*greeting, Reply(texts.get("engine.start_area.confirm", place=place), buttons)]


def help_reply() -> list[Reply]:
    buttons = [[Button(texts.get("engine.buttons.about"), "t:gioi-thieu"), menu_button()]]
    return [Reply(texts.get("engine.help"), buttons)]


async def subscribe_command(ctx: Context, argument: str) -> list[Reply]:
    """/dangky [ấp]: choose (or re-enable) the hamlet whose bulletins the household receives."""
    if argument:
        return await hamlet.start(ctx, argument)
    code = ctx.contact.hamlet_code
    hamlet_area = await get_area(ctx.session, code) if code else None
    if hamlet_area is None:
        return await hamlet.ask(ctx)
    place = await place_label(ctx.session, hamlet_area.code)
    active = any(s.active and s.area_code == hamlet_area.code for s in await subscriptions_of(ctx.session,
                                                                                          ctx.contact))
    if active:
        buttons = [[Button(texts.get("engine.buttons.other_commune"), "ap"), menu_button()]]
        return [Reply(texts.get("engine.subscribe.already", place=place), buttons)]
    await subscribe(ctx.session, ctx.contact, hamlet_area)
    return [Reply(texts.get("engine.subscribe.resumed", place=place), menu_buttons())]


async def unsubscribe_command(ctx: Context) -> list[Reply]:
    """/huydangky: stop every bulletin subscription (the hamlet stays known, for answers)."""
    stopped = await unsubscribe(ctx.session, ctx.contact, "user")
    if not stopped:
        return [Reply(texts.get("engine.unsubscribe.none"), [[menu_button()]])]
    buttons = [[Button(texts.get("engine.buttons.subscribe"), "cmd:subscribe"), menu_button()]]
    return [Reply(texts.get("engine.unsubscribe.done"), buttons)]


async def bulletins_command(ctx: Context) -> list[Reply]:
    """/bantin: the last five bulletins sent to the household's hamlet, oldest last."""
    code = ctx.contact.hamlet_code
    if not code:
        buttons = [[Button(texts.get("engine.buttons.choose_hamlet"), "ap"), menu_button()]]
        return [Reply(texts.get("engine.bulletins.need_hamlet"), buttons)]
    place = await place_label(ctx.session, code)
    sent = await recent_bulletins(ctx.session, code)
    if not sent:
        return [Reply(texts.get("engine.bulletins.none", place=place), [[menu_button()]])]
    tz = get_settings().tz
    replies = [Reply(texts.get("engine.bulletins.heading", place=place))]
    for item in sent:
        day = item.sent_at.astimezone(tz).strftime("%d/%m/%Y")
        key, sender = ("engine.bulletins.item_sender", item.sender) if item.sender else ("engine.bulletins.item", "")
        replies.append(Reply(texts.get(key, title=item.title, date=day, body=item.body, sender=sender)))
    replies[-1].buttons = [[menu_button()]]
    return replies


async def mydata_command(ctx: Context) -> list[Reply]:
    buttons = [[Button(texts.get("engine.buttons.delete_data"), "cmd:deletedata"), menu_button()]]
    return [Reply(await mydata.describe(ctx), buttons)]


async def run_command(ctx: Context, command: Command) -> list[Reply]:
    """Carry out a recognised command; any flow in progress is left."""
    ctx.end_flow()
    name = command.name
    if name == "start":
        return await welcome_to_area(ctx, command.argument) if command.argument else await welcome(ctx)
    if name == "menu":
        return [menu_reply()]
    if name == "help":
        return help_reply()
    if name == "subscribe":
        return await subscribe_command(ctx, command.argument)
    if name == "unsubscribe":
        return await unsubscribe_command(ctx)
    if name == "bulletins":
        return await bulletins_command(ctx)
    if name == "mydata":
        return await mydata_command(ctx)
    flow = get_flow({"deletedata": "delete"}.get(name, name))
    if flow is not None:
        return await flow.start(ctx, command.argument)
    return [menu_reply()]
