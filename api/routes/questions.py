"""What curators learn from: `GET /api/v1/questions/unanswered` (similar gaps grouped, biggest first) and
`GET /api/v1/questions/disliked` (answers with most 👎, with their 👍) and `GET /api/v1/questions/missed` (answers
marked "Không đúng ý tôi", with the questions they were given to). Bearer token, any role; households' words
are theirs, so each official reads only what households of the areas in their scope asked (admins: everything,
including questions from households that chose no hamlet)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentOfficial, KnowledgeDep, SessionDep, errors
from core.handoff.learning import disliked_entries, missed_entries, unanswered_groups
from core.officials.accounts import visible_areas
from core.settings import get_settings

router = APIRouter(prefix="/api/v1/questions", tags=["learning"], responses=errors(401, 422))

Days = Annotated[int | None, Query(ge=1, le=3650, description="Look this many days back (LEARNING_WINDOW_DAYS).")]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/unanswered")
async def unanswered(official: CurrentOfficial, session: SessionDep, knowledge: KnowledgeDep, days: Days = None,
                     limit: Limit = 20) -> dict:
    """Groups of similar questions nobody could answer, with counts and examples: the gaps to fill first."""
    settings = get_settings()
    window = days or settings.learning_window_days
    groups = await unanswered_groups(session, days=window, similarity=settings.learning_similarity, limit=limit,
                                     knowledge=knowledge, areas=await visible_areas(session, official))
    return {"days": window, "groups": [g.public() for g in groups]}


async def _entries(query, official: CurrentOfficial, session: SessionDep, knowledge: KnowledgeDep,  # noqa: ANN001
                   days: int | None, limit: int) -> dict:
    """The entries `query` (disliked_entries or missed_entries) finds in the official's areas, as the API shows them."""
    window = days or get_settings().learning_window_days
    entries = await query(session, days=window, limit=limit, knowledge=knowledge,
                          areas=await visible_areas(session, official))
    return {"days": window, "entries": [e.public() for e in entries]}


@router.get("/disliked")
async def disliked(official: CurrentOfficial, session: SessionDep, knowledge: KnowledgeDep, days: Days = None,
                   limit: Limit = 20) -> dict:
    """Answers households marked 👎, most first, with their 👍 count and the wordings that got them."""
    return await _entries(disliked_entries, official, session, knowledge, days, limit)


@router.get("/missed")
async def missed(official: CurrentOfficial, session: SessionDep, knowledge: KnowledgeDep, days: Days = None,
                 limit: Limit = 20) -> dict:
    """Wrong answers: entries households marked "Không đúng ý tôi", most first, with the questions asked."""
    return await _entries(missed_entries, official, session, knowledge, days, limit)
