"""Free text to the answer engine, entries shown from buttons, and 👍/👎 feedback on them.

To record feedback with the question it is about, the folded questions of the last few answers are kept in
`Contact.state["answered"]` (listed by /dulieucuatoi, erased by /xoadulieu). A Feedback row keeps the question
folded and redacted (no phone, ID or account numbers: core/privacy.py), the household's hamlet, which decides
which officials may read it, and the contact id, only so that /xoadulieu can erase the text.
`state["rated"]` remembers recently rated entries so a double tap counts once.
"""

from __future__ import annotations

from bot.engine import payloads
from bot.engine.context import Context
from bot.engine.render import answer_reply, entry_reply, menu_button
from bot.engine.types import Button, Reply
from core import clock
from core import ui_texts as texts
from core.answers.normalise import fold
from core.answers.ranking import Answer
from core.models import Feedback
from core.places.areas import area_chain
from core.privacy import redact

KEEP_ANSWERED = 5
KEEP_RATED = 30
MAX_FOLDED_QUESTION = 1000


async def area_codes(ctx: Context) -> set[str]:
    """The household's hamlet and the areas enclosing it, for entries that apply only locally."""
    code = ctx.contact.hamlet_code
    return {a.code for a in await area_chain(ctx.session, code)} if code else set()


def _remember_answered(ctx: Context, entry_id: str, folded_question: str) -> None:
    answered = [a for a in ctx.state.get("answered", []) if a.get("e") != entry_id]
    answered.append({"e": entry_id, "q": folded_question})
    ctx.state["answered"] = answered[-KEEP_ANSWERED:]
    ctx.state["rated"] = [e for e in ctx.state.get("rated", []) if e != entry_id]


async def answer(ctx: Context, text: str) -> tuple[Answer, list[Reply]]:
    """Answer free text; an unanswered question is recorded (folded, redacted) and kept for "Hỏi cán bộ".

    `state["last_question"]` keeps the words as typed: it only fills in a "Hỏi cán bộ" question, which goes to
    the household's own hamlet team, and it is erased with the contact.
    """
    result = ctx.knowledge.answer(text, on=clock.today(), area_codes=await area_codes(ctx))
    folded = fold(redact(text))[:MAX_FOLDED_QUESTION]
    if result.kind == "answer" and result.entry_id:
        _remember_answered(ctx, result.entry_id, folded)
    elif result.kind == "fallback":
        ctx.session.add(_feedback(ctx, "unanswered", None, folded))
        ctx.state["last_question"] = text[:MAX_FOLDED_QUESTION]
    return result, [answer_reply(ctx.knowledge, result)]


def _feedback(ctx: Context, kind: str, entry_id: str | None, folded_question: str) -> Feedback:
    return Feedback(kind=kind, entry_id=entry_id, folded_question=folded_question, channel=ctx.contact.channel,
                    area_code=ctx.contact.hamlet_code, contact_id=ctx.contact.id, created_at=clock.now())


def show_entry(ctx: Context, ref: str) -> list[Reply] | None:
    """An entry tapped from a list or a related-topic button; None when the content no longer has it."""
    entry = payloads.find_entry(ctx.knowledge.by_id, ref)
    if entry is None or not entry.in_force(clock.today()):
        return None
    _remember_answered(ctx, entry.id, "")
    return [entry_reply(ctx.knowledge, entry)]


def feedback(ctx: Context, vote: str, ref: str) -> list[Reply] | None:
    """Record 👍 ("u") or 👎 ("d") once per shown answer; None for an unknown entry or vote."""
    entry = payloads.find_entry(ctx.knowledge.by_id, ref)
    if entry is None or vote not in ("u", "d"):
        return None
    if entry.id in ctx.state.get("rated", []):
        return [Reply(texts.get("engine.feedback.again"), [[menu_button()]])]
    answered = ctx.state.get("answered", [])
    question = next((a.get("q", "") for a in answered if a.get("e") == entry.id), "")
    kind = "up" if vote == "u" else "down"
    ctx.session.add(_feedback(ctx, kind, entry.id, question))
    ctx.state["answered"] = [a for a in answered if a.get("e") != entry.id]
    ctx.state["rated"] = [*ctx.state.get("rated", []), entry.id][-KEEP_RATED:]
    if kind == "up":
        return [Reply(texts.get("engine.feedback.up"), [[menu_button()]])]
    buttons = [[Button(texts.get("engine.menu.hoi_can_bo"), "f:handoff"), menu_button()]]
    return [Reply(texts.get("engine.feedback.down"), buttons)]
