"""The self-check's result as the household reads it: category, income against the line, what is lacking,
what recognition would open, provisional notes, the next step and the disclaimer."""

from __future__ import annotations

from core import ui_texts as texts
from core.selfcheck.money import format_vnd
from core.selfcheck.poverty import Assessment


def range_text(assessment: Assessment, income_range: str) -> str:
    """Per-person income of a range button ("từ 1.500.000 đồng trở xuống"), from the lines it was cut at."""
    line, upper = assessment.income_line, assessment.average_upper
    if income_range == "low":
        return texts.get("selfcheck.per_person_range.at_or_below", amount=format_vnd(line))
    if income_range == "mid" and upper is not None:
        return texts.get("selfcheck.per_person_range.between", low=format_vnd(line), high=format_vnd(upper))
    return texts.get("selfcheck.per_person_range.above", amount=format_vnd(upper or line))


def _income_line(assessment: Assessment, shown_range: str | None) -> str:
    values = {"area": assessment.area_name, "line": format_vnd(assessment.income_line)}
    if shown_range:
        return texts.get("selfcheck.result.income_range", range=shown_range, **values)
    return texts.get("selfcheck.result.income", per_person=format_vnd(assessment.income_per_person), **values)


def _indicator_lines(assessment: Assessment) -> list[str]:
    lines = []
    if assessment.lacking:
        lines.append(texts.get("selfcheck.result.lacking", count=len(assessment.lacking),
                               names="; ".join(i.name for i in assessment.lacking)))
    else:
        lines.append(texts.get("selfcheck.result.lacking_none"))
    if assessment.unknown:
        lines.append(texts.get("selfcheck.result.unknown", count=len(assessment.unknown),
                               names="; ".join(i.name for i in assessment.unknown)))
    return lines


def result_text(assessment: Assessment, shown_range: str | None = None) -> str:
    """The whole result in one message (under 2,000 characters, Zalo's limit, for any answers)."""
    get = texts.get
    parts = ["\n".join([get("selfcheck.result.heading", standard=assessment.standard_name),
                        get(f"selfcheck.result.category.{assessment.category}"),
                        _income_line(assessment, shown_range), *_indicator_lines(assessment)])]
    if assessment.could_be_poor:
        parts.append(get("selfcheck.result.could_be_poor"))
    if assessment.support:
        items = [get("selfcheck.result.support_item", name=s.name) for s in assessment.support]
        parts.append("\n".join([get("selfcheck.result.support"), *items]))
    parts.append(get("selfcheck.result.next_step", text=assessment.next_step))
    parts.extend(get("selfcheck.result.provisional", text=note.name) for note in assessment.provisional)
    parts.append(assessment.disclaimer)
    return "\n\n".join(parts)
