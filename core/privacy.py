"""Household free text kept for curators is stripped of phone numbers, ID numbers and bank accounts first.

`redact` is applied to every free text stored outside a "Hỏi cán bộ" question (unanswered questions and the
questions behind 👍/👎, see bot/engine/answers.py): curators read those across areas and need the words, never
the numbers. A "Hỏi cán bộ" question keeps its text as typed, because the household may want to be called back.

A run of at least 8 digits, optionally split by single spaces, dots or dashes ("0912 345 678", "0912.345.678",
"+84 912 345 678", "stk 1234 5678 9012"), is replaced by a label. The nearest telling word before it decides
first: "cccd", "cmnd", "căn cước", "chứng minh" → an ID number; "stk", "tài khoản", "ngân hàng", "atm" → a bank
account. Otherwise a phone's shape (0 or 84, then 9–10 digits) → a phone number; 9 or 12 digits (CMND, CCCD) →
an ID number; anything else → a bank account. Money and dates stay: "50.000.000", "50000000 đồng", "12/05/2024",
"12.05.2024" — a household asking how much it may borrow is the point of the question. Shorter numbers
("vay 50 triệu", "IR50404") are never touched. When in doubt the rule removes too much rather than too little.
"""

from __future__ import annotations

import re

from core.answers.normalise import fold

PHONE = "[số điện thoại]"
ID_NUMBER = "[số giấy tờ]"
BANK_ACCOUNT = "[số tài khoản]"

MIN_DIGITS = 8
_NUMBER_RE = re.compile(rf"(?<!\w)\+?\d(?:[ .\-]?\d){{{MIN_DIGITS - 1},}}(?!\w)")
_MONEY_RE = re.compile(r"[1-9]\d{0,2}(?:[.,]\d{3})+")
_DATE_RE = re.compile(r"\d{1,2}[.\-]\d{1,2}[.\-]\d{4}|(?:19|20)\d\d ?- ?(?:19|20)\d\d")
_CURRENCY_AFTER_RE = re.compile(r"\s?(?:đ|d|vnd|dong|đồng|k|nghin|nghìn|ngan|ngàn|trieu|triệu|tr)(?!\w)",
                                re.IGNORECASE)
_PHONE_RE = re.compile(r"(?:0|84)[1-9]\d{8,9}")
_ID_WORDS = re.compile(r"\b(?:cccd|cmnd|cmt|can cuoc|chung minh|dinh danh)\b")
_BANK_WORDS = re.compile(r"\b(?:stk|so tk|tk|tai khoan|ngan hang|atm|the)\b")
_CONTEXT_CHARS = 30


def redact(text: str) -> str:
    """The text with phone, ID and bank account numbers replaced by labels such as "[số điện thoại]"."""
    return _NUMBER_RE.sub(lambda match: _label(match, text) or match.group(0), text)


def _label(match: re.Match[str], text: str) -> str | None:
    number = match.group(0)
    if _MONEY_RE.fullmatch(number) or _DATE_RE.fullmatch(number):
        return None
    if _CURRENCY_AFTER_RE.match(text, match.end()):
        return None
    digits = re.sub(r"\D", "", number)
    before = fold(text[max(0, match.start() - _CONTEXT_CHARS):match.start()])
    said = [(found.end(), label) for words, label in ((_ID_WORDS, ID_NUMBER), (_BANK_WORDS, BANK_ACCOUNT))
            for found in words.finditer(before)]
    if said:
        return max(said)[1]  # the word nearest the number says what it is
    if _PHONE_RE.fullmatch(digits):
        return PHONE
    return ID_NUMBER if len(digits) in (9, 12) else BANK_ACCOUNT
