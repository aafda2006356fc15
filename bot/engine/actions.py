"""What each command does: welcome, menu, help, subscribe, unsubscribe, bulletins, my data, delete."""

from __future__ import annotations

from bot.engine import mydata
from bot.engine.commands import Command
from bot.engine.context import Context
from bot.engine.flows import get_flow, hamlet
from bot.engine.render import menu_button, menu_buttons, menu_reply
from bot.engine.subscriptions import recent_bulletins, subscribe, subscriptions_of, unsubscribe
from bot.engine.types import Button, Reply
from core import ui_texts as texts
from core.places.areas import get_area, place_label
from core.settings import get_settings


async def welcome(ctx: Context) -> list[Reply]:
    """The welcome; then "Bạn ở ấp nào?" when the hamlet is not known yet, else the menu."""
    ctx.end_flow()
    first_time = not ctx.state.get("welcomed")
    ctx.state["welcomed"] = True
    if ctx.contact.hamlet_code:
        key = "engine.welcome" if first_time else "engine.welcome_back"
        return [menu_reply(texts.get(key))]
    return [Reply(texts.get("engine.welcome")), *await hamlet.ask(ctx)]


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
        replies.append(Reply(texts.get("engine.bulletins.item", title=item.title, date=day, body=item.body)))
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
        return await welcome(ctx)
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
