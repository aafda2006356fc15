"""Turn what a household types ("ấp Thạnh An", "thanh an hoa tien", "xã Hỏa Tiến") into a hamlet or a choice.

`core.places.areas.search_areas` ranks candidates; here we decide whether the text *names* one of them. A place is
named when one of its names (current or former) was typed whole and every other word typed belongs to the
names of the places enclosing it ("thanh an hoa tien": Thạnh An, inside the former xã Hỏa Tiến). One named
hamlet is chosen; several named hamlets, or several named communes (a former city now split in three), are
offered as a choice; a commune named alone opens its hamlets; otherwise the best candidates are suggested.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from core.answers.normalise import fold
from core.models import Area
from core.places.areas import COMMUNE, HAMLET, WARD, area_chain, search_areas
from core.places.names import Query, parse_query, variants_of

CANDIDATES = 8
# Folded openings that say "this is a place": the hamlet's kind words, and (in the hamlet question) any kind.
HAMLET_OPENINGS = ("ap ", "khu vuc ", "toi o ap ", "nha o ap ", "em o ap ", "o ap ")
PLACE_OPENINGS = (*HAMLET_OPENINGS, "xa ", "phuong ", "thanh pho ", "tp ", "kv ", "thi tran ")
Outcome = Literal["hamlet", "commune", "which", "suggest", "none"]


@dataclass
class Resolution:
    outcome: Outcome
    areas: list[Area] = field(default_factory=list)


def opens_like_a_place(text: str, openings: tuple[str, ...] = PLACE_OPENINGS) -> bool:
    """Whether the text starts with a place kind word ("ấp Thạnh An", "xa hoa tien")."""
    return fold(text).strip().startswith(openings)


def _named(query: Query, own: Area, enclosing: list[Area]) -> bool:
    """Whether one of `own`'s names was typed whole and the other words name places enclosing it."""
    typed = Counter(query.required)
    context_words = {w for area in enclosing for v in variants_of(area.name, area.aliases) for w in v.folded}
    for variant in variants_of(own.name, own.aliases):
        needed = Counter(variant.folded)
        if any(typed[w] < n for w, n in needed.items()):
            continue
        leftover = typed - needed
        if all(w in context_words for w in leftover):
            return True
    return False


async def resolve_place(session: AsyncSession, text: str) -> Resolution:
    """What the typed text means among hamlets, communes and wards."""
    query = parse_query(text)
    if query.empty:
        return Resolution("none")
    candidates = await search_areas(session, text, kinds=(HAMLET, COMMUNE, WARD), limit=CANDIDATES)
    if not candidates:
        return Resolution("none")
    named_hamlets: list[Area] = []
    named_communes: list[Area] = []
    for area in candidates:
        enclosing = (await area_chain(session, area.code))[1:]
        if _named(query, area, enclosing):
            (named_hamlets if area.kind == HAMLET else named_communes).append(area)
    if len(named_hamlets) == 1:
        return Resolution("hamlet", named_hamlets)
    if named_hamlets:
        return Resolution("which", named_hamlets)
    if len(named_communes) == 1:
        return Resolution("commune", named_communes)
    if named_communes:
        return Resolution("which", named_communes)
    return Resolution("suggest", candidates)
