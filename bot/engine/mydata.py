"""/dulieucuatoi: everything stored about the household, listed plainly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from bot.engine.context import Context
from bot.engine.subscriptions import subscriptions_of
from core import ui_texts as texts
from core.models import Delivery, HandoffQuestion, SelfCheckRecord
from core.places.areas import place_label
from core.settings import get_settings

MAX_LISTED_QUESTIONS = 10


def _date(moment: datetime | None) -> str:
    return moment.astimezone(get_settings().tz).strftime("%d/%m/%Y") if moment else "—"


async def describe(ctx: Context) -> str:
    """The plain listing: account, hamlet, subscriptions, kept questions, handoffs, self-checks, deliveries."""
    contact, session, get = ctx.contact, ctx.session, texts.get
    lines = [get("engine.mydata.heading"),
             get("engine.mydata.account", channel=contact.channel, user_id=contact.user_id),
             get("engine.mydata.created", date=_date(contact.created_at)),
             get("engine.mydata.last_seen", date=_date(contact.last_inbound_at))]
    if contact.hamlet_code:
        lines.append(get("engine.mydata.hamlet", place=await place_label(session, contact.hamlet_code)))
    else:
        lines.append(get("engine.mydata.no_hamlet"))
    for sub in await subscriptions_of(session, contact):
        place = await place_label(session, sub.area_code)
        if sub.active:
            lines.append(get("engine.mydata.subscription_active", place=place, date=_date(sub.created_at)))
        else:
            lines.append(get("engine.mydata.subscription_stopped", place=place, date=_date(sub.stopped_at)))
    lines += _state_lines(ctx)
    lines += await _handoff_lines(ctx)
    selfchecks = await _count(ctx, SelfCheckRecord)
    lines.append(get("engine.mydata.selfcheck", count=selfchecks))
    lines.append(get("engine.mydata.deliveries", count=await _count(ctx, Delivery)))
    lines.append("")
    lines.append(get("engine.mydata.feedback_note"))
    return "\n".join(lines)


def _state_lines(ctx: Context) -> list[str]:
    lines = []
    questions = [item.get("q", "") for item in ctx.state.get("answered", []) if item.get("q")]
    if questions:
        lines.append(texts.get("engine.mydata.pending_questions", questions="; ".join(f'"{q}"' for q in questions)))
    if ctx.state.get("last_question"):
        lines.append(texts.get("engine.mydata.last_question", question=ctx.state["last_question"]))
    if ctx.flow:
        known = f"engine.mydata.flows.{ctx.flow}"
        name = texts.get(known) if known in texts.all_texts() else ctx.flow
        lines.append(texts.get("engine.mydata.flow", flow=name))
    return lines


async def _handoff_lines(ctx: Context) -> list[str]:
    statement = (select(HandoffQuestion).where(HandoffQuestion.contact_id == ctx.contact.id)
                 .order_by(col(HandoffQuestion.created_at).desc()))
    questions = list((await ctx.session.exec(statement)).all())
    lines = [texts.get("engine.mydata.handoff", count=len(questions))]
    for question in questions[:MAX_LISTED_QUESTIONS]:
        status_key = f"engine.mydata.statuses.{question.status}"
        status = texts.get(status_key) if status_key in texts.all_texts() else question.status
        lines.append(texts.get("engine.mydata.handoff_item", date=_date(question.created_at), text=question.text,
                               status=status))
    return lines


async def _count(ctx: Context, table: type[SelfCheckRecord] | type[Delivery]) -> int:
    statement = select(func.count()).select_from(table).where(table.contact_id == ctx.contact.id)
    return int((await ctx.session.exec(statement)).one())
