"""Text for the hamlet loudspeaker: numbers, dates, times, money, units and abbreviations written out in words.

`spell_out(text, abbreviations)` is pure: "15/12" → "ngày mười lăm tháng mười hai", "100 triệu" → "một trăm
triệu", "0,55%/tháng" → "không phẩy năm mươi lăm phần trăm một tháng", "NHCSXH" → "Ngân hàng Chính sách xã
hội". Numbers are read the southern way the Mekong Delta speaks them ("ngàn", "lẻ": 105 = "một trăm lẻ năm"),
with "mốt", "tư", "lăm" after a ten. Digits use Vietnamese punctuation: "." groups thousands ("1.500.000"),
"," is the decimal point ("2,5"). The abbreviation table is data curators extend: `content/read_aloud.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import yaml

from core.settings import get_settings

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUP_NAMES = ("", "ngàn", "triệu", "tỷ")
# Units read after a number (or a per-unit "/…"); the key is matched case-sensitively after the digits.
UNITS = {"%": "phần trăm", "°C": "độ C", "m²": "mét vuông", "m2": "mét vuông", "ha": "héc ta", "kg": "ki lô gam",
         "km": "ki lô mét", "đ": "đồng", "VNĐ": "đồng", "VND": "đồng", "vnđ": "đồng", "tr": "triệu"}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_DATE_RE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")
_MONTH_YEAR_RE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{4})(?![\d/])")
_TIME_RE = re.compile(r"(?<![\d:.,])(\d{1,2})(?::(\d{2})|h(\d{2})?(?![^\W\d_]))(?![\d:])")
_RANGE_RE = re.compile(rf"(?<![\d.,])({_NUMBER})\s*[-–]\s*(?=\d)")
_AMOUNT_RE = re.compile(rf"(?<![\w.,])({_NUMBER})(?:\s?({_UNIT_RE})(?![^\W\d_]))?(?:\s?/\s?([^\W\d_]+))?")
# "đồng/người/tháng": a slash before one of these reads "một …" (elsewhere "và/hoặc" keeps its slash)
PER_WORDS = ("người", "khẩu", "hộ", "tháng", "năm", "ngày", "tuần", "lần", "con", "công", "sào", "kg", "ha")
_PER_RE = re.compile(r"(?<=[^\W\d_])\s?/\s?(" + "|".join(PER_WORDS) + r")(?![^\W\d_])")
_SPACES = re.compile(r"[ \t]+")


def number_words(number: int) -> str:
    """A whole number in Vietnamese words: 21 → "hai mươi mốt", 1.005.000 → "một triệu không trăm lẻ năm ngàn"."""
    if number < 0:
        return "âm " + number_words(-number)
    if number == 0:
        return DIGITS[0]
    if number >= 10**12:
        return " ".join(DIGITS[int(d)] for d in str(number))  # an account number, not an amount
    if number >= 10**9:
        high, low = divmod(number, 10**9)
        rest = _groups(low, padded=True)
        return " ".join([number_words(high), "tỷ", *([rest] if rest else [])])
    return _groups(number, padded=False)


def _groups(number: int, *, padded: bool) -> str:
    """Up to 999.999.999 by groups of three; `padded`: the leading group is read in full ("không trăm …")."""
    groups = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        full = padded or index < len(groups) - 1
        words.append(_hundreds(group, full=full))
        if GROUP_NAMES[index]:
            words.append(GROUP_NAMES[index])
    return " ".join(words)


def _hundreds(number: int, *, full: bool) -> str:
    """0–999; `full` reads a group inside a bigger number: 5 → "không trăm lẻ năm"."""
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += (["lẻ"] if words else []) + [DIGITS[units]]
        return " ".join(words)
    words += ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 1:
        words.append("một" if tens == 1 else "mốt")
    elif units == 4:
        words.append("bốn" if tens == 1 else "tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return " ".join(words)


def decimal_words(text: str) -> str:
    """A number as written in Vietnamese ("1.500.000", "0,55", "2,5") in words."""
    if text.isdigit() and (len(text) >= 10 or (len(text) > 1 and text.startswith("0"))):
        return " ".join(DIGITS[int(d)] for d in text)  # a phone or account number: digit by digit
    whole, _, fraction = text.replace(".", "").partition(",")
    words = number_words(int(whole))
    if not fraction:
        return words
    fraction = fraction.rstrip("0") or "0"
    if fraction.startswith("0") or len(fraction) > 3:
        tail = " ".join(DIGITS[int(d)] for d in fraction)  # 2,05 → "hai phẩy không năm"
    else:
        tail = number_words(int(fraction))
    return f"{words} phẩy {tail}"


def _date(match: re.Match[str], text: str) -> str:
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return f"{number_words(day)} trên {number_words(month)}" + (f" trên {number_words(int(year))}" if year else "")
    before = text[: match.start()].rstrip().casefold()
    words = [] if before.endswith(("ngày", "hôm")) else ["ngày"]
    words += [number_words(day), "tháng", number_words(month)]
    if year:
        words += ["năm", number_words(int(year))]
    return " ".join(words)


def _month_year(match: re.Match[str], text: str) -> str:
    month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return match.group(0)
    before = text[: match.start()].rstrip().casefold()
    words = [] if before.endswith("tháng") else ["tháng"]
    return " ".join([*words, number_words(month), "năm", number_words(year)])


def _time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), match.group(2) or match.group(3)
    if hour > 24 or (minute is not None and int(minute) > 59):
        return match.group(0)
    words = [number_words(hour), "giờ"]
    if minute and int(minute):
        words += [number_words(int(minute)), "phút"] if match.group(2) else [number_words(int(minute))]
    return " ".join(words)


def _amount(match: re.Match[str]) -> str:
    number, unit, per = match.group(1), match.group(2), match.group(3)
    words = [decimal_words(number)]
    if unit:
        words.append(UNITS[unit])
    if per:
        words += ["một", per]
    return " ".join(words)


def _abbreviation_pattern(abbreviations: Mapping[str, str]) -> re.Pattern[str] | None:
    if not abbreviations:
        return None
    keys = sorted(abbreviations, key=len, reverse=True)
    return re.compile(r"(?<![\w&-])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w&-])")


def spell_out(text: str, abbreviations: Mapping[str, str] | None = None) -> str:
    """`text` as it should be read aloud: every digit, date, time, unit and listed abbreviation in words."""
    pattern = _abbreviation_pattern(abbreviations or {})
    if pattern is not None:
        text = pattern.sub(lambda m: (abbreviations or {})[m.group(1)], text)
    text = _DATE_RE.sub(lambda m: _date(m, m.string), text)
    text = _MONTH_YEAR_RE.sub(lambda m: _month_year(m, m.string), text)
    text = _TIME_RE.sub(_time, text)
    text = _RANGE_RE.sub(lambda m: f"{m.group(1)} đến ", text)
    text = _AMOUNT_RE.sub(_amount, text)
    text = _PER_RE.sub(lambda m: f" một {m.group(1)}", text)
    text = text.replace("&", " và ").replace("%", " phần trăm")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())


@lru_cache
def _load_abbreviations(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (data.get("abbreviations") or {}).items()}


def abbreviations() -> dict[str, str]:
    """The curated abbreviation table (`content/read_aloud.yaml`): "NHCSXH" → "Ngân hàng Chính sách xã hội"."""
    return _load_abbreviations(get_settings().content_dir / "read_aloud.yaml")
