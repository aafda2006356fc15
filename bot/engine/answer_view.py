"""Short first: how an entry is shown to a household as a gist and its details.

A low-literacy reader should get the gist in one phone screen, so an answer is two messages:

- the **gist** (≤ `GIST_MAX_CHARS`): "Về: <title>" — what the bot understood —, then the body's opening lines
  (what, how much) taken whole, in order, while they fit, then the entry's "Ở đâu:" line (where to go);
- the **details**, behind the "Xem thêm" button: the rest of the body, "Cần gì / Hỏi ai / Ở đâu", and the
  source line "Nguồn: … · cập nhật dd/mm/yyyy".

Decision: the source and review date live in the details, one tap away, on every channel; the gist ends with
a short hint that says so (`engine.answer.more_hint`). Putting the source line (often 120+ characters) in
the gist would leave too little room for the answer itself. An entry short enough to show whole in
`GIST_MAX_CHARS` still gets its details message, so the source is always in the same place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import ui_texts as texts
from core.answers.content import Entry
from core.answers.ranking import source_line_for

GIST_MAX_CHARS = 450
DETAILS_MAX_CHARS = 2000  # Zalo's limit per message; Telegram's 4,096 is larger
_LABELS = ("Cần gì:", "Hỏi ai:", "Ở đâu:")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class AnswerView:
    gist: str
    details: str
    speech: str  # what "🔊 Nghe" reads: the gist without the hint


def _label_lines(body: str) -> tuple[list[str], dict[str, str]]:
    """The body's lines outside "Cần gì / Hỏi ai / Ở đâu", and those three lines by label."""
    rest, labelled = [], {}
    for line in body.splitlines():
        label = next((lab for lab in _LABELS if line.strip().startswith(lab)), None)
        if label is None:
            rest.append(line.rstrip())
        else:
            labelled[label] = line.strip()
    while rest and not rest[-1]:
        rest.pop()
    return rest, labelled


def _first_sentences(line: str, room: int) -> tuple[str, str]:
    """Whole sentences of `line` that fit in `room` (at least a cut first sentence), and the rest of the line."""
    sentences = _SENTENCE_END.split(line)
    count = 0
    while count < len(sentences) and len(" ".join(sentences[: count + 1])) <= room:
        count += 1
    if count == 0:
        return line[: max(room - 1, 0)].rstrip() + "…", line
    return " ".join(sentences[:count]), " ".join(sentences[count:])


def _split_gist(lines: list[str], room: int) -> tuple[list[str], list[str]]:
    """The opening lines that fit in `room`, and the lines left for the details."""
    taken: list[str] = []
    for index, line in enumerate(lines):
        if len(line) + 1 > room:
            rest = lines[index:]
            if not any(t.strip() for t in taken):  # the first paragraph alone is too long: its first sentences
                first, remainder = _first_sentences(line, room - 1)
                taken, rest = [first], ([remainder] if remainder else []) + lines[index + 1:]
            break
        taken.append(line)
        room -= len(line) + 1
    else:
        rest = []
    while taken and (not taken[-1].strip() or taken[-1].rstrip().endswith(":")):  # no dangling "Theo mức…:"
        rest.insert(0, taken.pop())
    return taken, rest


def view(entry: Entry, note: str = "") -> AnswerView:
    """The gist and the details of an entry; `note` (e.g. "Bạn còn hỏi về …") goes at the end of the gist."""
    lines, labelled = _label_lines(entry.body)
    heading = texts.get("engine.answer.heading", title=entry.title)
    hint = texts.get("engine.answer.more_hint")
    where = labelled.get("Ở đâu:", "")
    fixed = len(heading) + 2 + (len(where) + 2 if where else 0) + (len(note) + 2 if note else 0) + len(hint) + 2
    taken, remaining = _split_gist(lines, GIST_MAX_CHARS - fixed)
    opening = "\n".join(taken).strip()
    speech = "\n\n".join(part for part in (heading, opening, where) if part)
    gist = "\n\n".join(part for part in (speech, note, hint) if part)
    rest = "\n".join(remaining).strip()
    details_parts = [rest, "\n".join(labelled.get(lab, "") for lab in _LABELS if lab in labelled)]
    source = source_line_for(entry)
    body = "\n\n".join(p for p in details_parts if p)
    room = DETAILS_MAX_CHARS - len(source) - 2
    if len(body) > room:
        body = body[: room - 1].rstrip() + "…"
    details = f"{body}\n\n{source}" if body else source
    return AnswerView(gist=gist, details=details, speech=speech)
