""""Bạn ở ấp nào?": choose the commune then the hamlet with buttons, or type its name; the choice subscribes.

Buttons (`ap[:page]` communes, `c:<code>[:page]` a commune's hamlets, `h:<code>` a hamlet, `skip`) work at any
time; while this flow is active a typed message is read as a place name. A typed message that names no place
but is a question the answer engine knows is declined, so the household gets its answer.
"""

from __future__ import annotations

from bot.engine.context import Context
from bot.engine.places import Resolution, opens_like_a_place, resolve_place
from bot.engine.render import label, menu_buttons
from bot.engine.subscriptions import subscribe
from bot.engine.types import Button, Reply
from core import clock
from core import ui_texts as texts
from core.models import Area
from core.places.areas import HAMLET, child_areas, get_area, list_communes_with_hamlets, place_label, resolve_area

NAME = "hamlet"
PAGE_SIZE = 8


def _skip_button() -> Button:
    return Button(texts.get("engine.buttons.skip"), "skip")


def _paged(buttons: list[Button], page: int, more: str) -> tuple[list[list[Button]], int, int]:
    """Rows of two for one page, a "more" button pointing at `more` + next page; also (page, pages)."""
    pages = max((len(buttons) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    shown = buttons[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [shown[i : i + 2] for i in range(0, len(shown), 2)]
    if page + 1 < pages:
        rows.append([Button(texts.get("engine.buttons.next"), f"{more}:{page + 1}")])
    return rows, page, pages


async def ask(ctx: Context, page: int = 0, text: str | None = None) -> list[Reply]:
    """The commune buttons (paged), "Bỏ qua", and a prompt; typed names are read from now on."""
    communes = await list_communes_with_hamlets(ctx.session)
    if not communes:
        ctx.end_flow()
        return [Reply(texts.get("engine.hamlet.not_loaded"), menu_buttons())]
    ctx.begin_flow(NAME)
    rows, page, pages = _paged([Button(label(c.name), f"c:{c.code}") for c in communes], page, "ap")
    rows.append([_skip_button()])
    prompt = text or (texts.get("engine.hamlet.ask") if page == 0
                      else texts.get("engine.hamlet.ask_more", page=page + 1, pages=pages))
    return [Reply(prompt, rows)]


async def hamlets_of(ctx: Context, commune_code: str, page: int = 0) -> list[Reply] | None:
    """A commune's hamlets as buttons; None when the code names no commune (a stale button)."""
    commune = await resolve_area(ctx.session, commune_code)
    if commune is None or commune.kind == HAMLET:
        return None
    ctx.begin_flow(NAME)
    hamlets = await child_areas(ctx.session, commune.code, kind=HAMLET)
    other = [Button(texts.get("engine.buttons.other_commune"), "ap"), _skip_button()]
    if not hamlets:
        return [Reply(texts.get("engine.hamlet.no_hamlets", commune=commune.name), [other])]
    rows, _, _ = _paged([Button(label(h.name), f"h:{h.code}") for h in hamlets], page, f"c:{commune.code}")
    rows.append(other)
    return [Reply(texts.get("engine.hamlet.in_commune", commune=commune.name), rows)]


async def choose(ctx: Context, hamlet_code: str) -> list[Reply] | None:
    """Set the household's hamlet and subscribe it to its bulletins; None for an unknown hamlet code."""
    hamlet = await resolve_area(ctx.session, hamlet_code)
    if hamlet is None or hamlet.kind != HAMLET:
        return None
    ctx.end_flow()
    await subscribe(ctx.session, ctx.contact, hamlet)
    place = await place_label(ctx.session, hamlet.code)
    return [Reply(texts.get("engine.hamlet.chosen", place=place)), Reply(texts.get("engine.menu.prompt"),
                                                                          menu_buttons())]


def skip(ctx: Context) -> list[Reply]:
    ctx.end_flow()
    ctx.state["hamlet_skipped_at"] = clock.now().isoformat()
    return [Reply(texts.get("engine.hamlet.skipped"), menu_buttons())]


async def _choice_label(ctx: Context, area: Area) -> str:
    if area.kind != HAMLET:
        return label(area.name)
    return label(await place_label(ctx.session, area.code))


async def from_text(ctx: Context, text: str, resolution: Resolution | None = None) -> list[Reply] | None:
    """Read a typed place name; None when it names nothing (the caller decides what to say)."""
    resolution = resolution or await resolve_place(ctx.session, text)
    if resolution.outcome == "none":
        return None
    if resolution.outcome == "hamlet":
        return await choose(ctx, resolution.areas[0].code)
    if resolution.outcome == "commune":
        return await hamlets_of(ctx, resolution.areas[0].code)
    ctx.begin_flow(NAME)
    rows = [[Button(await _choice_label(ctx, a), f"{'h' if a.kind == HAMLET else 'c'}:{a.code}")]
            for a in resolution.areas]
    rows.append([Button(texts.get("engine.buttons.other_commune"), "ap"), _skip_button()])
    key = "engine.hamlet.which" if resolution.outcome == "which" else "engine.hamlet.suggest"
    return [Reply(texts.get(key, query=text), rows)]


async def start(ctx: Context, argument: str = "") -> list[Reply]:
    """Ask for the hamlet, or read it straight from `argument` (a name or an area code)."""
    if not argument:
        return await ask(ctx)
    area = await get_area(ctx.session, argument.strip())
    if area is not None:
        replies = await (choose(ctx, area.code) if area.kind == HAMLET else hamlets_of(ctx, area.code))
        if replies is not None:
            return replies
    replies = await from_text(ctx, argument)
    if replies is not None:
        return replies
    return await ask(ctx, text=texts.get("engine.hamlet.not_found", query=argument))


async def step(ctx: Context) -> list[Reply] | None:
    """A typed place name; a question the answer engine knows is declined so it gets answered."""
    text = ctx.inbound.text
    resolution = await resolve_place(ctx.session, text)
    if resolution.outcome in ("suggest", "none") and not opens_like_a_place(text):
        # Not clearly a place: a question the answer engine knows (or small talk) is answered instead.
        kind = ctx.knowledge.answer(text, on=clock.today()).kind
        if kind == "answer" or (resolution.outcome == "none" and kind != "fallback"):
            return None
    replies = await from_text(ctx, text, resolution)
    if replies is not None:
        return replies
    return await ask(ctx, text=texts.get("engine.hamlet.not_found", query=text))


async def cancel(ctx: Context) -> list[Reply]:
    """"hủy"/"thôi" while we ask for the hamlet skips the question; it never unsubscribes."""
    return skip(ctx)
