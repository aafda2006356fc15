"""The map of places: find an area by what a household types, walk the tree, expand an address to hamlets.

Provinces, communes (xã, đặc khu) and wards (phường) come from the `vietnam-provinces` package with their
official codes ("92", "31338"); hamlets (ấp, or khu vực in a ward) from `content/areas/` or an office's
import, coded `<commune code>-<slug>` ("31338-thanh-an"). An area merged into another (`merged_into`) is
kept so old addresses still resolve, but is no longer offered by search or listings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import ui_texts as texts
from core.models import Area
from core.places.names import (
    COMMUNE,
    HAMLET,
    KIND_RANK,
    PROVINCE,
    WARD,
    natural_key,
    parse_query,
    score,
    variants_of,
)
from core.safe_text import is_safe_id
from core.settings import get_settings

__all__ = [
    "COMMUNE", "HAMLET", "PROVINCE", "WARD", "UnknownAreaError", "area_public", "areas_within",
    "child_areas", "expand_to_hamlets", "get_area", "list_communes_with_hamlets", "resolve_area",
    "search_areas", "unknown_codes",
]

_MAX_DEPTH = 4  # province → commune → hamlet, with room to spare; also bounds merge chains
# A result must score this much, and this share of the best one: "can tho" should not list "Phước Thới".
MIN_SCORE, RELATIVE_FLOOR = 0.4, 0.7
# The deployment's own province wins ties, even a former name there against a current name elsewhere.
HOME_BONUS = 0.02


class UnknownAreaError(ValueError):
    """Area codes that are not on the map; `codes` lists them in the order given."""

    def __init__(self, codes: Sequence[str]) -> None:
        self.codes = list(codes)
        super().__init__(texts.get("areas.unknown_codes", codes=", ".join(self.codes)))


def area_public(area: Area) -> dict[str, Any]:
    """The public shape of an area, as the API returns it."""
    return {"code": area.code, "name": area.name, "kind": area.kind, "parent_code": area.parent_code,
            "aliases": list(area.aliases)}


CODE_MAX: int = Area.__table__.c.code.type.length  # type: ignore[attr-defined]


def _storable_code(code: str) -> bool:
    """Whether a code could be in the `area.code` column at all; others (NUL, too long) are unknown without a
    query, so a form or a CLI argument never makes PostgreSQL raise."""
    return is_safe_id(code, CODE_MAX)


async def get_area(session: AsyncSession, code: str) -> Area | None:
    """The area with this code, merged or not."""
    return await session.get(Area, code) if _storable_code(code) else None


async def area_chain(session: AsyncSession, code: str) -> list[Area]:
    """The area and the areas enclosing it (hamlet, commune, province), nearest first, at most five.

    One recursive query instead of one per level: every answer to a household with a hamlet asks for it.
    """
    anchor = select(col(Area.code), col(Area.parent_code), literal(0).label("depth")).where(Area.code == code)
    chain = anchor.cte("chain", recursive=True)
    step = (select(col(Area.code), col(Area.parent_code), (chain.c.depth + 1).label("depth"))
            .join(chain, col(Area.code) == chain.c.parent_code).where(chain.c.depth < 4))
    chain = chain.union_all(step)
    rows = await session.exec(select(Area).join(chain, col(Area.code) == chain.c.code).order_by(chain.c.depth))
    return list(rows)


async def place_label(session: AsyncSession, code: str) -> str:
    """"Ấp Thạnh An, Xã Vị Tân" style label for an area code (the code itself if unknown)."""
    chain = await area_chain(session, code)
    return ", ".join(a.name for a in chain[:2]) if chain else code


async def resolve_area(session: AsyncSession, code: str) -> Area | None:
    """The area an address means today: follows `merged_into` to the area that absorbed it."""
    area = await session.get(Area, code)
    for _ in range(_MAX_DEPTH):
        if area is None or area.merged_into is None:
            return area
        area = await session.get(Area, area.merged_into)
    return area


async def _by_codes(session: AsyncSession, codes: Iterable[str]) -> dict[str, Area]:
    wanted = [code for code in dict.fromkeys(codes) if _storable_code(code)]
    if not wanted:
        return {}
    rows = await session.exec(select(Area).where(col(Area.code).in_(wanted)))
    return {area.code: area for area in rows}


async def unknown_codes(session: AsyncSession, codes: Iterable[str]) -> list[str]:
    """The codes, in order, that name no area at all."""
    codes = list(dict.fromkeys(codes))
    known = await _by_codes(session, codes)
    return [code for code in codes if code not in known]


def _sorted(areas: Iterable[Area]) -> list[Area]:
    return sorted(areas, key=lambda a: natural_key(a.name))


async def child_areas(session: AsyncSession, parent_code: str | None, kind: str | None = None) -> list[Area]:
    """The areas directly under `parent_code` (None: the top-level ones) still offered (not merged), in natural
    name order."""
    statement = select(Area).where(Area.parent_code == parent_code, col(Area.merged_into).is_(None))
    if kind is not None:
        statement = statement.where(Area.kind == kind)
    return _sorted(await session.exec(statement))


async def list_communes_with_hamlets(session: AsyncSession) -> list[Area]:
    """Communes and wards that have at least one hamlet on file: the places a household can pick from."""
    parents = (
        select(Area.parent_code)
        .where(Area.kind == HAMLET, col(Area.merged_into).is_(None))
        .distinct()
    )
    statement = select(Area).where(
        col(Area.kind).in_((COMMUNE, WARD)), col(Area.merged_into).is_(None), col(Area.code).in_(parents)
    )
    return _sorted(await session.exec(statement))


async def _descendants(session: AsyncSession, codes: Iterable[str]) -> list[Area]:
    """Every area below the given codes, level by level, merged ones included."""
    found: list[Area] = []
    level = list(dict.fromkeys(codes))
    for _ in range(_MAX_DEPTH):
        if not level:
            break
        rows = list(await session.exec(select(Area).where(col(Area.parent_code).in_(level))))
        found.extend(rows)
        level = [a.code for a in rows]
    return found


async def areas_within(session: AsyncSession, scope_codes: Iterable[str]) -> set[str]:
    """Every code inside a scope: the scope's areas themselves and all areas below them."""
    known = await _by_codes(session, scope_codes)
    return set(known) | {area.code for area in await _descendants(session, known)}


async def _follow(session: AsyncSession, area: Area) -> Area:
    for _ in range(_MAX_DEPTH):
        if area.merged_into is None:
            break
        target = await session.get(Area, area.merged_into)
        if target is None:
            break
        area = target
    return area


async def expand_to_hamlets(session: AsyncSession, codes: list[str]) -> list[str]:
    """The hamlet codes an address reaches, in order and without repeats.

    A hamlet is itself (or the hamlet it was merged into); a commune or ward is all its hamlets; a province
    is all the hamlets of its communes. A commune with no hamlet on file stands for itself, so households
    subscribed to it directly are still reached. Raises UnknownAreaError listing codes not on the map.
    """
    known = await _by_codes(session, codes)
    missing = [code for code in dict.fromkeys(codes) if code not in known]
    if missing:
        raise UnknownAreaError(missing)
    out: dict[str, None] = {}
    for code in codes:
        area = await _follow(session, known[code])
        if area.kind == HAMLET:
            out[area.code] = None
            continue
        below = [a for a in await _descendants(session, [area.code]) if a.merged_into is None]
        communes = [area] if area.kind in (COMMUNE, WARD) else [a for a in below if a.kind in (COMMUNE, WARD)]
        hamlets = [a for a in below if a.kind == HAMLET]
        with_hamlets = {h.parent_code for h in hamlets}
        for hamlet in _sorted(hamlets):
            out[hamlet.code] = None
        for commune in _sorted(communes):
            if commune.code not in with_hamlets:
                out[commune.code] = None
    return list(out)


async def delivery_areas(session: AsyncSession, codes: list[str]) -> set[str]:
    """Every area code whose subscribers an address reaches: the hamlets, and the communes themselves.

    Addressing a commune reaches its hamlets' subscribers and anyone subscribed to the commune directly; an
    address that was merged away reaches the area that absorbed it.
    """
    hamlets = set(await expand_to_hamlets(session, codes))
    resolved = [area.code for code in codes if (area := await resolve_area(session, code)) is not None]
    return hamlets | await areas_within(session, resolved)


def _word_clause(word: str, *, prefix: bool) -> Any:
    return col(Area.folded_names).like(f"% {word}%" if prefix else f"% {word} %")


async def _ancestors(session: AsyncSession, areas: Sequence[Area]) -> dict[str, list[Area]]:
    """For each area, its parent and grandparent (nearest first), as far as they exist."""
    parents = await _by_codes(session, (a.parent_code for a in areas if a.parent_code))
    grandparents = await _by_codes(session, (p.parent_code for p in parents.values() if p.parent_code))
    lookup = {**grandparents, **parents}
    out: dict[str, list[Area]] = {}
    for area in areas:
        chain: list[Area] = []
        code = area.parent_code
        while code and code in lookup and len(chain) < 2:
            chain.append(lookup[code])
            code = lookup[code].parent_code
        out[area.code] = chain
    return out


async def search_areas(
    session: AsyncSession, query: str, *, kinds: tuple[str, ...] | None = None, limit: int = 10,
    parent_code: str | None = None,
) -> list[Area]:
    """Areas whose name, former name or alias matches `query`, best first; diacritics and kind words optional.

    Words the area's own name lacks may match its commune's or province's names, so "thanh an hoa tien"
    finds ấp Thạnh An of xã Hỏa Lựu (formerly xã Hỏa Tiến). Places in the home province
    (`AREAS_HOME_PROVINCE`) get a small bonus; equal scores list hamlets, then communes, then provinces.
    Merged areas are not offered; `parent_code` keeps only the areas directly under it.
    """
    parsed = parse_query(query)
    if parsed.empty or limit <= 0:
        return []
    last = len(parsed.required) - 1
    clauses = [_word_clause(w, prefix=i == last and len(w) >= 2) for i, w in enumerate(parsed.required)]
    statement = select(Area).where(col(Area.merged_into).is_(None), or_(*clauses))
    if kinds:
        statement = statement.where(col(Area.kind).in_(kinds))
    if parent_code is not None:
        statement = statement.where(Area.parent_code == parent_code)
    candidates = list(await session.exec(statement))
    ancestors = await _ancestors(session, candidates)
    home = get_settings().areas_home_province
    ranked = []
    for area in candidates:
        chain = ancestors[area.code]
        value = score(parsed, variants_of(area.name, area.aliases), [variants_of(a.name, a.aliases) for a in chain])
        if value > 0:
            at_home = home in {area.code, *(a.code for a in chain)}
            value += HOME_BONUS if at_home else 0.0
            ranked.append(((-value, KIND_RANK.get(area.kind, 3), natural_key(area.name)), area))
    ranked.sort(key=lambda item: item[0])
    if not ranked:
        return []
    floor = max(MIN_SCORE, -ranked[0][0][0] * RELATIVE_FLOOR)
    return [area for key, area in ranked[:limit] if -key[0] >= floor]


async def count_areas(session: AsyncSession, kind: str | None = None) -> int:
    statement = select(func.count()).select_from(Area)
    if kind is not None:
        statement = statement.where(Area.kind == kind)
    return int((await session.exec(statement)).one())
