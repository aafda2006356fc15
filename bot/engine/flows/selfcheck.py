""""Kiểm tra hộ nghèo": household size, area, income, then each deprivation indicator as a yes/no question.

Every step works with buttons (any channel) or typed answers ("5", "xã", "3tr5", "có", "không rõ"). No reply
carries more than five buttons, so Zalo never turns them into numbered choices that a typed household size
could collide with. The standard is fixed when the check starts (a check begun on 31/12 keeps its questions).
The estimate comes from `core.selfcheck.poverty.assess`; it is stored (SelfCheckRecord) only after "Lưu kết quả".
"hủy", "thôi", "Hủy" or the menu leave at any time. A typed message that is not an answer but a question the
knowledge base can answer is declined, so the household gets its answer.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.engine import payloads
from bot.engine.context import Context
from bot.engine.flows.selfcheck_result import range_text, result_text
from bot.engine.render import label, menu_button, menu_buttons
from bot.engine.types import Button, Reply
from core import clock
from core import ui_texts as texts
from core.answers.normalise import fold
from core.models import SelfCheckRecord
from core.selfcheck.money import format_short, parse_monthly_income, words_to_number
from core.selfcheck.poverty import (
    AREA_WORDS,
    MAX_HOUSEHOLD_SIZE,
    MAX_MONTHLY_INCOME,
    HouseholdAnswers,
    SelfCheckError,
    Standard,
    assess,
    standard_on,
)

NAME = "selfcheck"
BUTTON_SIZES = 6
FIXED_STEPS = 3  # size, area, income: then the indicators
YES = frozenset({"co", "co a", "co chu", "u", "uh", "dung", "dung roi", "phai", "thieu", "co thieu", "yes", "roi"})
NO = frozenset({"khong", "ko", "hong", "khong co", "khong thieu", "khong phai", "no", "du", "co du"})
UNKNOWN = frozenset({"khong ro", "khong biet", "ko biet", "khong chac", "chua biet", "chua ro", "biet dau", "?"})
POLITE = frozenset({"da", "thua", "a", "nha", "nhe", "ha", "ah"})
ANSWERS = {"y": True, "n": False, "u": None}


def _data(suffix: str) -> str:
    return f"f:{NAME}:{suffix}"


def _button(key: str, suffix: str) -> Button:
    return Button(texts.get(f"selfcheck.buttons.{key}"), _data(suffix))


def _cancel() -> Button:
    return _button("cancel", "x")


def _numbered(ctx: Context, key: str, number: int, **values: Any) -> str:
    total = FIXED_STEPS + len(_standard(ctx).indicators)
    return texts.get(key, number=number, total=total, **values)


def _standard(ctx: Context) -> Standard:
    return standard_on(date.fromisoformat(ctx.flow_data["on"]))


# --- Start and cancel ---------------------------------------------------------------------------------


async def start(ctx: Context, argument: str = "") -> list[Reply]:
    """Say what this is, then ask the household size."""
    try:
        standard = standard_on(clock.today())
    except SelfCheckError as error:
        return [Reply(texts.get("selfcheck.unavailable", reason=str(error)), menu_buttons())]
    ctx.begin_flow(NAME, step="size", on=clock.today().isoformat(), answers={})
    intro = texts.get("selfcheck.intro", standard=standard.name)
    return _ask_size(ctx, intro)


async def cancel(ctx: Context) -> list[Reply]:
    """Leave the check; nothing was stored."""
    ctx.end_flow()
    return [Reply(texts.get("selfcheck.cancelled"), menu_buttons())]


# --- The questions --------------------------------------------------------------------------------


def _ask_size(ctx: Context, intro: str = "") -> list[Reply]:
    sizes = [Button(str(n), _data(f"s:{n}")) for n in range(1, BUTTON_SIZES + 1)]
    question = _numbered(ctx, "selfcheck.ask_size", 1)
    first = Reply(f"{intro}\n\n{question}" if intro else question, [sizes[:3], sizes[3:5]])
    more = Reply(texts.get("selfcheck.ask_size_more"), [[sizes[5], _button("size_more", "s:more")], [_cancel()]])
    return [first, more]


def _ask_area(ctx: Context) -> list[Reply]:
    _set(ctx, step="area")
    rows = [[_button("rural", "a:r"), _button("urban", "a:u")], [_cancel()]]
    return [Reply(_numbered(ctx, "selfcheck.ask_area", 2), rows)]


def _income_ranges(ctx: Context) -> list[tuple[str, int, str]]:
    """(key, household income that stands for the range, label): boundaries fall exactly on the lines."""
    standard, data = _standard(ctx), ctx.flow_data
    size, area = data["size"], data["area"]
    line = standard.lines[area] * size
    ranges = [("low", line, texts.get("selfcheck.income_range.at_or_below", amount=format_short(line)))]
    if standard.average_upper is None:
        return [*ranges, ("high", line + 1, texts.get("selfcheck.income_range.above", amount=format_short(line)))]
    upper = standard.average_upper[area] * size
    return [*ranges,
            ("mid", upper, texts.get("selfcheck.income_range.between", low=format_short(line),
                                     high=format_short(upper))),
            ("high", upper + 1, texts.get("selfcheck.income_range.above", amount=format_short(upper)))]


def _ask_income(ctx: Context, text: str | None = None) -> list[Reply]:
    _set(ctx, step="income")
    rows = [[Button(label(caption), _data(f"i:{key}"))] for key, _, caption in _income_ranges(ctx)]
    prompt = text or _numbered(ctx, "selfcheck.ask_income", 3, size=ctx.flow_data["size"])
    return [Reply(prompt, [*rows, [_cancel()]])]


def _ask_indicator(ctx: Context, intro: bool = False) -> list[Reply]:
    index = ctx.flow_data.get("index", 0)
    indicators = _standard(ctx).indicators
    if index >= len(indicators):
        return _finish(ctx)
    _set(ctx, step="indicator", index=index)
    rows = [[_button("answer_yes", f"q:{index}:y"), _button("answer_no", f"q:{index}:n"),
             _button("answer_unknown", f"q:{index}:u")],
            [_cancel()]]
    question = _numbered(ctx, "selfcheck.ask_indicator", FIXED_STEPS + index + 1,
                         question=indicators[index].question)
    if intro:
        question = texts.get("selfcheck.indicators_intro", count=len(indicators)) + "\n\n" + question
    return [Reply(question, rows)]


def _set(ctx: Context, **values: Any) -> None:
    ctx.begin_flow(NAME, **{k: v for k, v in ctx.flow_data.items() if k != "name"} | values)


def _again(ctx: Context) -> list[Reply]:
    """The current question again (a stale or mistyped answer)."""
    asks = {"size": _ask_size, "size_typed": _ask_size, "area": _ask_area, "income": _ask_income,
            "indicator": _ask_indicator}
    return asks.get(ctx.flow_data.get("step", ""), _ask_save)(ctx)


# --- Taking the answers ----------------------------------------------------------------------------


async def step(ctx: Context) -> list[Reply] | None:
    """One tap or typed answer; a tap from a finished check is declined (the engine calls it stale)."""
    if ctx.flow != NAME:
        return None
    if ctx.inbound.kind == "button":
        return await _tapped(ctx, ctx.inbound.payload.removeprefix(f"f:{NAME}:"))
    return await _typed(ctx, ctx.text)


async def _tapped(ctx: Context, data: str) -> list[Reply]:
    step, (kind, _, arg) = ctx.flow_data.get("step"), data.partition(":")
    if data == "x":
        return await cancel(ctx)
    if kind == "s" and step in ("size", "size_typed"):
        return _take_size(ctx, arg)
    if kind == "a" and step == "area" and arg in ("r", "u"):
        _set(ctx, area="rural" if arg == "r" else "urban")
        return _ask_income(ctx)
    chosen = next((r for r in _income_ranges(ctx) if r[0] == arg), None) if kind == "i" and step == "income" else None
    if chosen is not None:
        _set(ctx, income=chosen[1], income_range=chosen[0])
        return _ask_indicator(ctx, intro=True)
    index, _, answer = arg.partition(":")
    if kind == "q" and step == "indicator" and index == str(ctx.flow_data.get("index")) and answer in ANSWERS:
        return _take_answer(ctx, ANSWERS[answer])
    if kind == "save" and step == "save" and arg in ("y", "n"):
        return _saved(ctx, arg == "y")
    return _again(ctx)


def _take_size(ctx: Context, raw: str) -> list[Reply]:
    if raw == "more":
        _set(ctx, step="size_typed")
        return [Reply(texts.get("selfcheck.ask_size_typed"), [[_cancel()]])]
    size = int(raw) if raw.isdigit() else 0
    if not 1 <= size <= MAX_HOUSEHOLD_SIZE:
        return [Reply(texts.get("selfcheck.bad_size", max=MAX_HOUSEHOLD_SIZE), [[_cancel()]])]
    _set(ctx, size=size)
    return _ask_area(ctx)


def _take_answer(ctx: Context, answer: bool | None) -> list[Reply]:
    index = ctx.flow_data["index"]
    code = _standard(ctx).indicators[index].code
    _set(ctx, answers=ctx.flow_data.get("answers", {}) | {code: answer}, index=index + 1)
    return _ask_indicator(ctx)


def _words(text: str) -> str:
    tokens = re.findall(r"[a-z0-9?]+", fold(text))
    meaningful = [t for t in tokens if t not in POLITE]
    return " ".join(meaningful or tokens)


async def _typed(ctx: Context, text: str) -> list[Reply] | None:
    step, said = ctx.flow_data.get("step"), _words(text)
    number = _size_from(said) if step in ("size", "size_typed") else None
    if number is not None:
        return _take_size(ctx, str(number))
    if step == "area" and said in AREA_WORDS:
        _set(ctx, area=AREA_WORDS[said])
        return _ask_income(ctx)
    if step == "income":
        return _typed_income(ctx, text)
    answer = "y" if said in YES else "n" if said in NO else "u" if said in UNKNOWN else None
    if step == "indicator" and answer is not None:
        return _take_answer(ctx, ANSWERS[answer])
    if step == "save" and (answer in ("y", "n") or said in ("luu", "khong luu")):
        return _saved(ctx, answer == "y" or said == "luu")
    if _is_a_question(ctx, text):
        return None
    return _hint(step) + _again(ctx)


def _size_from(said: str) -> int | None:
    """ "5", "5 nguoi", "nam nguoi" → 5."""
    said = said.removesuffix(" nguoi")
    if said.isdigit():
        return int(said)
    return words_to_number(said) if said else None


def _typed_income(ctx: Context, text: str) -> list[Reply] | None:
    amount = parse_monthly_income(text)
    if amount is None:
        return None if _is_a_question(ctx, text) else _ask_income(ctx, texts.get("selfcheck.bad_income"))
    if amount > MAX_MONTHLY_INCOME:
        return _ask_income(ctx, texts.get("selfcheck.income_too_high", amount=format_short(amount)))
    _set(ctx, income=amount, income_range=None)
    return _ask_indicator(ctx, intro=True)


def _hint(step: str | None) -> list[Reply]:
    key = {"size": "bad_size", "size_typed": "bad_size", "area": "bad_area", "indicator": "bad_answer"}.get(step or "")
    return [Reply(texts.get(f"selfcheck.{key}", max=MAX_HOUSEHOLD_SIZE))] if key else []


def _is_a_question(ctx: Context, text: str) -> bool:
    """A message of several words the knowledge base can answer: the household asked something else."""
    if len(text.split()) < 4:
        return False
    return ctx.knowledge.answer(text, on=clock.today()).kind == "answer"


# --- The result ------------------------------------------------------------------------------------


def _household(ctx: Context) -> HouseholdAnswers:
    data = ctx.flow_data
    return HouseholdAnswers(household_size=data["size"], area=data["area"], monthly_income=data["income"],
                            indicators=data.get("answers", {}))


def _finish(ctx: Context) -> list[Reply]:
    """Assess, show the result, and ask whether to keep it."""
    assessment = assess(_household(ctx), on=date.fromisoformat(ctx.flow_data["on"]))
    income_range = ctx.flow_data.get("income_range")
    shown_range = range_text(assessment, income_range) if income_range else None
    _set(ctx, step="save", result=assessment.model_dump(mode="json") | {"income_range": income_range})
    return [Reply(result_text(assessment, shown_range)), *_ask_save(ctx)]


def _ask_save(ctx: Context) -> list[Reply]:
    rows = [[_button("save", "save:y"), _button("dont_save", "save:n")]]
    return [Reply(texts.get("selfcheck.ask_save"), rows)]


def _saved(ctx: Context, keep: bool) -> list[Reply]:
    result = ctx.flow_data.get("result") or {}
    ctx.end_flow()
    if keep and ctx.contact.id is not None:
        ctx.session.add(SelfCheckRecord(contact_id=ctx.contact.id, result=result, created_at=clock.now()))
    done = Reply(texts.get("selfcheck.saved" if keep else "selfcheck.not_saved"))
    return [done, _read_more(ctx, result)]


def _read_more(ctx: Context, result: dict[str, Any]) -> Reply:
    """Up to four entries, the next step's first, then the support's; then the menu (five buttons at most)."""
    ids = result.get("next_step_entries", [])[:1]
    ids += [e for item in result.get("support", []) for e in item.get("entries", [])]
    today = clock.today()
    entries = [ctx.knowledge.by_id[i] for i in dict.fromkeys(ids) if i in ctx.knowledge.by_id]
    shown = [e for e in entries if e.in_force(today)][:4]
    rows = [[Button(label(e.title), f"e:{payloads.entry_ref(e.id)}")] for e in shown]
    return Reply(texts.get("selfcheck.read_more") if shown else texts.get("engine.menu.prompt"),
                 [*rows, [menu_button()]])
