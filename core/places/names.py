"""Place names as households type them: kind words dropped, diacritics optional, scored against a query.

A name's *variants* are its name and aliases (former names), each without its leading kind word
("Phường Vị Thanh" → "vị thanh"). A query's kind words ("ấp", "xã", "tp"…) are dropped when typed with
their marks; typed without marks they are only *optional*, because "phuong" may be "phường" (a kind) or
"Phương" (part of a name such as "Đông Phương"). Query words a place's own name does not use may be found
in its parent's or grandparent's names: "thanh an hoa tien" is ấp Thạnh An of the former xã Hỏa Tiến.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.answers.normalise import fold, raw_tokens

PROVINCE, COMMUNE, WARD, HAMLET = "province", "commune", "ward", "hamlet"
KINDS = (PROVINCE, COMMUNE, WARD, HAMLET)
KIND_RANK = {HAMLET: 0, WARD: 1, COMMUNE: 1, PROVINCE: 2}

# Accented, lower-case kind phrases, longest first where one is a prefix of another.
KIND_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in (
        "thành phố trực thuộc trung ương", "thành phố", "thị xã", "thị trấn", "khu vực", "tổ dân phố",
        "khu phố", "đặc khu", "ấp", "xã", "phường", "tỉnh", "quận", "huyện", "khóm", "tp", "tx", "tt", "kv",
    )
)
_FOLDED_KIND_PHRASES = tuple(tuple(fold(w) for w in p) for p in KIND_PHRASES)
_MAX_PHRASE = max(len(p) for p in KIND_PHRASES)

NAME_WEIGHT, QUERY_WEIGHT = 0.55, 0.45
PREFIX_CREDIT = 0.7  # the last query word may be unfinished ("thanh bi" → Thạnh Bình)


def _phrase_at(tokens: Sequence[str], i: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """Length of the longest kind phrase starting at `tokens[i]`, or 0."""
    for size in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
        if tuple(tokens[i : i + size]) in phrases:
            return size
    return 0


def name_tokens(name: str) -> list[str]:
    """Accented lower-case tokens of a stored name, its leading kind phrase dropped."""
    tokens = raw_tokens(name)
    size = _phrase_at(tokens, 0, KIND_PHRASES)
    return tokens[size:] if size < len(tokens) else tokens


def folded_variant(name: str) -> str:
    return " ".join(fold(t) for t in name_tokens(name))


def search_key(name: str, aliases: Iterable[str]) -> str:
    """The `Area.folded_names` column: " vi thanh | vi thanh | … ", words padded so LIKE '% w %' works."""
    variants = dict.fromkeys(v for v in (folded_variant(n) for n in (name, *aliases)) if v)
    return " " + " | ".join(variants) + " "


@dataclass(frozen=True)
class Query:
    """A query split into the words that must be found and kind words that may be (unaccented)."""

    required: tuple[str, ...]  # folded
    accented: tuple[str, ...]  # the same words as typed, lower case
    optional: tuple[str, ...]  # folded

    @property
    def empty(self) -> bool:
        return not self.required


def parse_query(text: str) -> Query:
    tokens = raw_tokens(text)
    required: list[str] = []
    accented: list[str] = []
    optional: list[str] = []
    i = 0
    while i < len(tokens):
        size = _phrase_at(tokens, i, KIND_PHRASES)
        if size:
            i += size
            continue
        size = _phrase_at(tokens, i, _FOLDED_KIND_PHRASES)
        if size:
            optional.extend(tokens[i : i + size])
            i += size
            continue
        required.append(fold(tokens[i]))
        accented.append(tokens[i])
        i += 1
    return Query(tuple(required), tuple(accented), tuple(optional))


@dataclass(frozen=True)
class Variant:
    folded: tuple[str, ...]
    accented: tuple[str, ...]
    primary: bool  # the current name, not an alias


def variants_of(name: str, aliases: Iterable[str]) -> list[Variant]:
    out: list[Variant] = []
    seen: set[tuple[str, ...]] = set()
    for index, text in enumerate((name, *aliases)):
        accented = tuple(name_tokens(text))
        folded = tuple(fold(t) for t in accented)
        if folded and folded not in seen:
            seen.add(folded)
            out.append(Variant(folded, accented, index == 0))
    return out


def _own_match(query: Query, variant: Variant) -> tuple[float, list[int], int]:
    """Credit earned in the variant's own words, indexes of query words left over, accent agreements."""
    remaining = list(variant.folded)
    remaining_accented = list(variant.accented)
    credit, leftover, accents = 0.0, [], 0
    last = len(query.required) - 1
    for i, word in enumerate(query.required):
        if word in remaining:
            at = remaining.index(word)
            accents += query.accented[i] == remaining_accented[at]
            del remaining[at], remaining_accented[at]
            credit += 1
        elif i == last and len(word) >= 2 and any(t.startswith(word) for t in remaining):
            at = next(j for j, t in enumerate(remaining) if t.startswith(word))
            del remaining[at], remaining_accented[at]
            credit += PREFIX_CREDIT
        else:
            leftover.append(i)
    credit += sum(1 for word in query.optional if word in remaining)
    return credit, leftover, accents


def _context_credit(query: Query, leftover: list[int], context: Sequence[Variant]) -> float:
    """How many left-over query words one enclosing place's name (any variant) accounts for."""
    best = 0.0
    for variant in context:
        remaining = list(variant.folded)
        found = 0
        for i in leftover:
            if query.required[i] in remaining:
                remaining.remove(query.required[i])
                found += 1
        best = max(best, found)
    return best


def score(query: Query, own: Sequence[Variant], ancestors: Sequence[Sequence[Variant]] = ()) -> float:
    """0 when the place's own name shares no query word; about 1 for an exact full match."""
    best = 0.0
    for variant in own:
        credit, leftover, accents = _own_match(query, variant)
        own_found = len(query.required) - len(leftover)
        if own_found == 0:
            continue
        context = 0.0
        for enclosing in ancestors:
            if not leftover:
                break
            context += _context_credit(query, leftover, enclosing)
        name_cover = min(credit / len(variant.folded), 1.0)
        query_cover = (own_found + context) / len(query.required)
        value = NAME_WEIGHT * name_cover + QUERY_WEIGHT * query_cover
        if tuple(query.required) == variant.folded:
            value += 0.05
        value += 0.03 * accents / len(query.required) + (0.01 if variant.primary else 0.0)
        best = max(best, value)
    return round(best, 4)


_NUMBER_RE = re.compile(r"\d+")


def natural_key(name: str) -> tuple[str, str]:
    """Sort "Khu vực 2" before "Khu vực 10"; accents only break ties."""
    padded = _NUMBER_RE.sub(lambda m: m.group().zfill(6), name)
    return fold(padded), padded.casefold()


def slug(name: str) -> str:
    """ASCII words joined by "-" for codes: "Ấp Thạnh An" → "thanh-an" (kind word dropped)."""
    return "-".join(fold(t) for t in name_tokens(name))
