"""`POST /api/v1/self-check`: a household's answers in, the poverty estimate out (the flow's rules, no storage).

`GET /api/v1/self-check/indicators` lists the questions of the standard in force (or `?on=YYYY-MM-DD`), so a
web form can ask them. Bad answers get 422 with a Vietnamese "message" (404: no standard in force on `on`;
409: an indicator of another standard than the one in force); nothing is stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from api.deps import api_error, body_errors, errors
from core import clock
from core.selfcheck.poverty import Assessment, HouseholdAnswers, SelfCheckError, assess, standard_on

router = APIRouter(prefix="/api/v1/self-check", tags=["self-check"])


class SelfCheckIn(HouseholdAnswers):
    """The answers; `on` picks the date whose standard applies (today when left out)."""

    on: date | None = Field(None, description="Assess under the standard in force on this date.")


@router.post("", response_model=Assessment, responses=body_errors(404, 409))
def self_check(body: SelfCheckIn) -> Assessment:
    """Estimate: likely poor, near-poor, average living standard or above — an estimate, not a decision."""
    answers = HouseholdAnswers(**body.model_dump(exclude={"on"}))
    try:
        return assess(answers, on=body.on or clock.today())
    except SelfCheckError as error:
        raise api_error(error.status, str(error)) from None


@router.get("/indicators", responses=errors(404, 422))
def indicators(on: date | None = None) -> dict[str, Any]:
    """The indicator codes and plain questions of the standard in force on `on` (today by default)."""
    try:
        standard = standard_on(on or clock.today())
    except SelfCheckError as error:
        raise api_error(error.status, str(error)) from None
    return {"standard": standard.code, "standard_name": standard.name,
            "lines": standard.lines, "average_upper": standard.average_upper,
            "indicators": [{"code": i.code, "name": i.name, "question": i.question, "provisional": i.provisional}
                           for i in standard.indicators]}
