"""Recognise commands: `/start`, Vietnamese aliases (`/dangky`) and plain-text equivalents ("hủy đăng ký").

A slash command may carry an argument (`/dangky ấp Thạnh An`). Without a slash only whole phrases count, so a
question such as "đăng ký hộ nghèo thế nào" stays a question; "đăng ký nhận tin ấp …" and "đăng ký ấp …" are
the plain forms that carry a hamlet. Matching is on folded text, except words whose folded form is another
common word ("dừng" folds to "dung", like "đúng" and "dùng"), which must be typed with their accents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.answers.normalise import clean, fold

# command → names accepted after a slash (folded, spaces removed)
SLASH_NAMES: dict[str, tuple[str, ...]] = {
    "start": ("start", "batdau"),
    "menu": ("menu", "danhmuc"),
    "help": ("help", "huongdan", "trogiup"),
    "subscribe": ("subscribe", "dangky"),
    "unsubscribe": ("unsubscribe", "huydangky", "stop", "dung"),
    "bulletins": ("bulletins", "bantin"),
    "mydata": ("mydata", "dulieucuatoi"),
    "deletedata": ("deletedata", "xoadulieu"),
    "handoff": ("hoicanbo", "ask"),
    "selfcheck": ("kiemtra", "kiemtrahongheo", "selfcheck"),
}
# command → whole messages (folded) that mean it without a slash
PLAIN_PHRASES: dict[str, tuple[str, ...]] = {
    "start": ("bat dau",),
    "menu": ("menu", "danh muc", "xem menu", "mo menu"),
    "help": ("huong dan", "tro giup", "cach dung"),
    "subscribe": ("dang ky", "dang ky nhan tin", "dang ky ban tin", "dang ky nhan ban tin", "dang ky nhan tin ap"),
    "unsubscribe": ("huy dang ky", "huy dang ky nhan tin", "huy nhan tin", "dung nhan tin", "dung nhan ban tin",
                    "ngung nhan tin", "stop", "huy ban tin"),
    "bulletins": ("ban tin", "ban tin ap", "xem ban tin", "ban tin cua ap"),
    "mydata": ("du lieu cua toi", "xem du lieu cua toi"),
    "deletedata": ("xoa du lieu", "xoa du lieu cua toi", "xoa het du lieu"),
    "handoff": ("hoi can bo",),
    "selfcheck": ("kiem tra ho ngheo",),
}
# Accented whole messages (lower case) for words that are ambiguous once folded.
ACCENTED_PHRASES: dict[str, tuple[str, ...]] = {
    "unsubscribe": ("dừng", "dừng lại", "ngừng", "hủy", "huỷ"),
}
# Plain prefixes (folded) after which the rest of the message names a hamlet.
SUBSCRIBE_PREFIXES = ("dang ky nhan ban tin ap", "dang ky nhan tin ap", "dang ky ban tin ap", "dang ky nhan tin",
                      "dang ky ban tin", "dang ky ap", "dang ky khu vuc")

_SLASH_RE = re.compile(r"^/([^\s@]+)(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)
_PUNCTUATION_RE = re.compile(r"[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""


def _words(text: str) -> str:
    return " ".join(_PUNCTUATION_RE.sub(" ", text).split())


def parse_command(text: str) -> Command | None:
    """The command a message means, or None when it is ordinary text."""
    text = clean(text)
    slash = _SLASH_RE.match(text)
    if slash:
        name = fold(slash.group(1)).replace("_", "")
        for command, names in SLASH_NAMES.items():
            if name in names:
                return Command(command, clean(slash.group(2) or ""))
        return None
    lowered = _words(text.casefold())
    folded = fold(lowered)
    for command, phrases in ACCENTED_PHRASES.items():
        if lowered in phrases:
            return Command(command)
    for command, phrases in PLAIN_PHRASES.items():
        if folded in phrases:
            return Command(command)
    for prefix in SUBSCRIBE_PREFIXES:
        if folded.startswith(prefix + " "):
            return Command("subscribe", _tail(text, len(prefix.split())))
    return None


def is_unknown_slash_command(text: str) -> bool:
    """A message that looks like a command we do not have ("/abc")."""
    return bool(_SLASH_RE.match(clean(text))) and parse_command(text) is None


def _tail(text: str, skip_words: int) -> str:
    """The original text after its first `skip_words` words (keeps the user's accents)."""
    words = _words(text).split()
    return " ".join(words[skip_words:])
