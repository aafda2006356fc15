"""`POST /api/v1/ask`: one question in, the answer object out (the same as `giamngheo ask --json`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator

from api.deps import KnowledgeDep, body_errors
from core import clock
from core.answers.normalise import clean
from core.metrics import count_question
from core.safe_text import SafeText

router = APIRouter(prefix="/api/v1", tags=["ask"])


class AskRequest(BaseModel):
    text: SafeText(10_000, min_length=1) = Field(
        description="The household's question, any spelling; cut to 1,000 characters.")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not clean(value):
            raise ValueError("Câu hỏi đang trống: hãy gửi nội dung câu hỏi (text is empty)")
        return value


class SourceOut(BaseModel):
    title: str
    url: str


class AskResponse(BaseModel):
    matched: bool
    answer: str
    kind: str
    entry_id: str | None
    title: str | None
    topic: str | None
    score: float
    sources: list[SourceOut]
    suggestions: list[str]


@router.post("/ask", response_model=AskResponse, responses=body_errors())
def ask(body: AskRequest, knowledge: KnowledgeDep) -> dict[str, Any]:
    """Answer a question from the curated content, or say honestly that we do not know."""
    answer = knowledge.answer(body.text, on=clock.today())
    count_question("api", answer.matched, answer.kind)
    return answer.to_dict()
