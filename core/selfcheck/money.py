"""Amounts of money the way households type them ("3 triệu", "3tr5", "2.500.000", "3500k") and how we write them.

`parse_monthly_income` reads one amount: digit groups with units (triệu/tr/củ/m = a million, nghìn/ngàn/k = a
thousand, lít = a hundred thousand in Mekong slang), simple number words ("hai triệu rưỡi", "ba mươi triệu"),
digits after a million term as its decimals ("3tr5" = 3,5 triệu, "1 triệu 200" = 1,2 triệu), and "một năm"/"/năm"
for a yearly figure (divided by 12). A bare number needs at least five digits ("3" or "3500" could mean anything,
so we ask rather than guess); two amounts ("2-3 triệu", "2 hoặc 3 triệu") are refused for the same reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from core.answers.normalise import clean, fold

MIN_BARE_AMOUNT = 10_000
MILLION = 1_000_000
UNITS: dict[str, int] = {
    "trieu": MILLION, "tr": MILLION, "cu": MILLION, "m": MILLION,
    "lit": 100_000,
    "nghin": 1_000, "ngan": 1_000, "k": 1_000,
    "dong": 1, "d": 1, "vnd": 1,
}
_DIGIT_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "sau": 6, "bay": 7, "tam": 8,
                "chin": 9}
_NUMBER_WORD = r"(?:mot|hai|ba|bon|tu|nam|lam|sau|bay|tam|chin|muoi)"
_WORDS_BEFORE_UNIT = re.compile(rf"\b({_NUMBER_WORD}(?:\s+{_NUMBER_WORD})*)\s+(?=(?:trieu|tr|cu|nghin|ngan|lit)\b)")
_YEARLY = re.compile(r"(?:/\s*|\b(?:moi|mot|1|ca|trong)\s+)nam\b")
_TERM = re.compile(r"(\d+(?:[.,]\d+)*)\s*(trieu|tr|cu|m|lit|nghin|ngan|k|dong|vnd|d)?(?![a-z])(\s*ruoi\b)?")
_GLUE = re.compile(r"^\s*(?:va\s+)?$")  # what may stand between the parts of one amount


@dataclass(frozen=True)
class _Term:
    digits: str
    number: Decimal
    unit: int | None
    half: bool  # followed by "rưỡi"
    start: int
    end: int

    def value(self) -> Decimal:
        unit = self.unit or 1
        return self.number * unit + (unit // 2 if self.half else 0)


def words_to_number(words: str) -> int | None:
    """ "hai" → 2, "muoi" → 10, "ba muoi" → 30, "ba muoi lam" → 35; None for other shapes."""
    parts = words.split()
    if "muoi" not in parts:
        return _DIGIT_WORDS.get(parts[0]) if len(parts) == 1 else None
    at = parts.index("muoi")
    before, after = parts[:at], parts[at + 1 :]
    if len(before) > 1 or len(after) > 1:
        return None
    tens = _DIGIT_WORDS.get(before[0]) if before else 1
    units = _DIGIT_WORDS.get(after[0]) if after else 0
    return None if tens is None or units is None else tens * 10 + units


def _digits_for_words(text: str) -> str | None:
    """Number words before a unit as digits ("hai trieu" → "2 trieu"); None when they make no number."""
    unreadable = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unreadable
        number = words_to_number(match.group(1))
        unreadable = unreadable or number is None
        return f"{number} "

    text = _WORDS_BEFORE_UNIT.sub(replace, text)
    return None if unreadable else text


def _number(raw: str, unit: int) -> Decimal | None:
    """Digits with "." or "," as thousands groups ("2.500.000") or as a decimal mark before a unit ("2,5")."""
    groups = re.split(r"[.,]", raw)
    if len(groups) == 1:
        return Decimal(raw)
    if all(len(g) == 3 for g in groups[1:]):
        return Decimal("".join(groups))
    if len(groups) == 2 and unit > 1:
        return Decimal(f"{groups[0]}.{groups[1]}")
    return None


def _terms(text: str) -> list[_Term] | None:
    """Each amount written in the text, in order; None when a number cannot be read."""
    found = []
    for match in _TERM.finditer(text):
        unit = UNITS.get(match.group(2) or "")
        number = _number(match.group(1), unit or 1)
        if number is None:
            return None
        found.append(_Term(match.group(1), number, unit, bool(match.group(3)), match.start(), match.end()))
    return found


def parse_monthly_income(text: str) -> int | None:
    """The monthly amount in đồng the text states, or None when it states none or is ambiguous."""
    folded = fold(clean(text)).lower()
    if re.search(r"(?<![\d\s])\s*-\s*\d|^\s*-", folded):
        return None  # a negative amount
    folded = _digits_for_words(folded)
    terms = _terms(folded) if folded is not None else None
    if not terms or folded is None:
        return None
    total = _sum_terms(folded, terms)
    if total is not None and _YEARLY.search(folded):
        total = (total + 6) // 12
    return total


def _sum_terms(text: str, terms: list[_Term]) -> int | None:
    """Add "1 triệu 200 nghìn"-style parts; refuse two separate amounts or a short bare number."""
    first = terms[0]
    if first.unit in (None, 1):
        bare_ok = first.number == 0 or first.number >= MIN_BARE_AMOUNT
        if len(terms) > 1 or not bare_ok or first.number != first.number.to_integral():
            return None
        return int(first.number)
    total, previous = first.value(), first
    for term in terms[1:]:
        if not _GLUE.match(text[previous.end : term.start]):
            return None
        if term.unit is None and previous.unit == MILLION and len(term.digits) <= 3 and not previous.half:
            total += Decimal(term.digits) * MILLION / Decimal(10 ** len(term.digits))
        elif term.unit is not None and previous.unit is not None and term.unit < previous.unit:
            total += term.value()
        else:
            return None
        previous = term
    return int(total.quantize(Decimal(1)))


def format_vnd(amount: int) -> str:
    """1500000 → "1.500.000 đồng"."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def format_short(amount: int) -> str:
    """A button-sized amount: 6000000 → "6 triệu", 8800000 → "8,8 triệu", 750000 → "750 nghìn"."""
    if amount >= MILLION:
        millions = (Decimal(amount) / MILLION).quantize(Decimal("0.01")).normalize()
        return f"{millions:f}".replace(".", ",") + " triệu"
    if amount >= 1_000:
        return f"{amount // 1_000} nghìn"
    return format_vnd(amount)
