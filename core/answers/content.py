"""Curated entries in `content/<topic>/<id>.md`: parsing, and the checker that keeps them honest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from core.answers.normalise import clean, fold

TOPICS = ("vay-von", "chuan-ngheo", "sinh-ke", "dich-vu-cong", "an-toan-mang", "gioi-thieu")
TOPIC_TITLES = {
    "vay-von": "Vay vốn",
    "chuan-ngheo": "Hộ nghèo và chính sách",
    "sinh-ke": "Làm ăn, nuôi trồng",
    "dich-vu-cong": "Dịch vụ công",
    "an-toan-mang": "An toàn trên mạng",
    "gioi-thieu": "Về giamngheo",
}
MAX_BODY_CHARS = 1300
MAX_ANSWER_PART_CHARS = 1200
MIN_QUESTIONS = 4
STALE_AFTER = timedelta(days=365)
# libyaml's loader when the wheel has it (10× faster start-up); same safe semantics either way.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REQUIRED_LINES = ("Cần gì:", "Hỏi ai:", "Ở đâu:")
MAX_TITLE_CHARS = 60
_HEADING_RE = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_TABLE_RE = re.compile(r"^\s*\|.*\|\s*$")
_LABEL_RE = re.compile("|".join(re.escape(label) for label in _REQUIRED_LINES), re.IGNORECASE)
# Since 1/7/2025 there are no districts and Hậu Giang is part of Cần Thơ city (Nghị quyết 203/2025/QH15,
# 1668/NQ-UBTVQH15). A body line may name a huyện or "tỉnh Hậu Giang" only as history: the same line must
# carry one of these markers ("huyện Long Mỹ cũ", "trước đây", "trước 1/7/2025", "không còn cấp huyện"…).
_OLD_UNIT_RE = re.compile(r"(?<!\w)(huyện|tỉnh Hậu Giang)(?!\w)", re.IGNORECASE)
_HISTORICAL_RE = re.compile(
    r"(?<!\w)(cũ|trước đây|trước khi|trước ngày|trước 1/7/2025|trước năm 2025|không còn|đã bỏ|bãi bỏ|"
    r"sáp nhập|sắp xếp|nay là|nay thuộc|nay đã)(?!\w)",
    re.IGNORECASE,
)
_ABBREVIATION_RE = re.compile(r"(?<!\w)NHCSXH(?!\w)")
_SPELLED_OUT = "ngân hàng chính sách xã hội (nhcsxh"


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass
class Entry:
    """One curated answer."""

    id: str
    title: str
    topic: str
    questions: list[str]
    keywords: list[str]
    sources: list[Source]
    legal_basis: list[str]
    reviewed: date
    body: str
    path: Path
    valid_from: date | None = None
    valid_until: date | None = None
    areas: list[str] = field(default_factory=list)
    approximate: bool = False

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    """Return (front matter, body, line where the body starts); raise ContentError with a line number."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError([Problem(path, 1, "file must start with a '---' front matter line")])
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise ContentError([Problem(path, 1, "front matter is not closed by a '---' line")]) from None
    try:
        meta = yaml.load("\n".join(lines[1:end]), Loader=_YamlLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise ContentError([Problem(path, line, f"front matter is not valid YAML: {reason}")]) from None
    if not isinstance(meta, dict):
        raise ContentError([Problem(path, 2, "front matter must be a mapping of fields")])
    return meta, "\n".join(lines[end + 1 :]).strip(), end + 2


def _as_date(value: Any, name: str, path: Path) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ContentError([Problem(path, 1, f"{name} is not a date (YYYY-MM-DD): {value!r}")]) from None


def _str_list(meta: dict[str, Any], name: str) -> list[str]:
    value = meta.get(name) or []
    if isinstance(value, str):
        value = [value]
    return [clean(str(v)) for v in value if str(v).strip()]


def parse_entry(path: Path) -> Entry:
    meta, body, _ = split_front_matter(path, path.read_text(encoding="utf-8"))
    missing = [k for k in ("id", "title", "topic", "questions", "sources", "reviewed") if not meta.get(k)]
    if missing:
        raise ContentError([Problem(path, 1, f"missing field(s): {', '.join(missing)}")])
    sources = []
    for raw in meta.get("sources") or []:
        if not isinstance(raw, dict) or not raw.get("title") or not raw.get("url"):
            raise ContentError([Problem(path, 1, f"a source needs a title and a url: {raw!r}")])
        sources.append(Source(clean(str(raw["title"])), str(raw["url"]).strip()))
    return Entry(
        id=str(meta["id"]),
        title=clean(str(meta["title"])),
        topic=str(meta["topic"]),
        questions=_str_list(meta, "questions"),
        keywords=_str_list(meta, "keywords"),
        sources=sources,
        legal_basis=_str_list(meta, "legal_basis"),
        reviewed=_as_date(meta["reviewed"], "reviewed", path),  # type: ignore[arg-type]
        body=clean_body(body),
        path=path,
        valid_from=_as_date(meta.get("valid_from"), "valid_from", path),
        valid_until=_as_date(meta.get("valid_until"), "valid_until", path),
        areas=_str_list(meta, "areas"),
        approximate=bool(meta.get("approximate", False)),
    )


def clean_body(body: str) -> str:
    """NFC each line, drop trailing spaces, keep paragraph breaks."""
    lines = [clean(line) if line.strip() else "" for line in body.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def entry_paths(content_dir: Path) -> list[Path]:
    return sorted(p for p in content_dir.glob("*/*.md") if p.parent.name in TOPICS)


def load_entries(content_dir: Path) -> list[Entry]:
    """Every entry, or ContentError listing every file that could not be read."""
    entries, problems = [], []
    for path in entry_paths(content_dir):
        try:
            entries.append(parse_entry(path))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    return entries


def check_content(content_dir: Path, *, today: date) -> list[Problem]:
    """All problems in the corpus: errors make `giamngheo content check` fail, warnings are printed."""
    problems: list[Problem] = []
    entries: list[Entry] = []
    for path in entry_paths(content_dir):
        try:
            entries.append(parse_entry(path))
        except ContentError as exc:
            problems.extend(exc.problems)
    seen_ids: dict[str, Path] = {}
    seen_questions: dict[str, str] = {}
    for entry in entries:
        problems.extend(_check_entry(entry, today))
        if entry.id in seen_ids:
            problems.append(Problem(entry.path, 1, f"id {entry.id!r} already used by {seen_ids[entry.id]}"))
        seen_ids[entry.id] = entry.path
        for question in entry.questions:
            key = " ".join(fold(question).split()).strip(" ?.!")
            other = seen_questions.get(key)
            if other is not None and other != entry.id:
                problems.append(Problem(entry.path, 1, f"example question {question!r} also in {other}"))
            seen_questions[key] = entry.id
    if not entries and not problems:
        problems.append(Problem(content_dir, 0, "no entries found"))
    return problems


def _check_entry(entry: Entry, today: date) -> list[Problem]:
    p = entry.path
    found: list[Problem] = []

    def error(message: str) -> None:
        found.append(Problem(p, 1, message))

    if not _ID_RE.match(entry.id):
        error(f"id {entry.id!r} must be a lower-case slug")
    if entry.id != p.stem:
        error(f"id {entry.id!r} differs from the file name {p.stem!r}")
    if entry.topic != p.parent.name:
        error(f"topic {entry.topic!r} differs from the folder {p.parent.name!r}")
    if len(entry.questions) < MIN_QUESTIONS:
        error(f"needs at least {MIN_QUESTIONS} example questions, has {len(entry.questions)}")
    if not entry.sources:
        error("no source")
    for source in entry.sources:
        if not source.url.startswith(("https://", "http://")):
            error(f"source url is not a web address: {source.url!r}")
    if len(entry.body) > MAX_BODY_CHARS:
        error(f"body has {len(entry.body)} characters, more than {MAX_BODY_CHARS}")
    answer_part = entry.body.split("Cần gì:", 1)[0]
    if len(answer_part) > MAX_ANSWER_PART_CHARS:
        error(f"answer before 'Cần gì:' has {len(answer_part)} characters, over {MAX_ANSWER_PART_CHARS}")
    for line in _REQUIRED_LINES:
        if line not in entry.body:
            error(f"body lacks the line {line!r}")
    if "<" in entry.body and re.search(r"</?[a-zA-Z][^>]*>", entry.body):
        error("body contains HTML")
    if entry.approximate and "hỏi lại" not in entry.body.lower():
        error("approximate: true needs 'hãy hỏi lại …' guidance in the body")
    if entry.valid_from and entry.valid_until and entry.valid_from > entry.valid_until:
        error("valid_from is after valid_until")
    found.extend(_check_form(entry))
    if entry.reviewed > today:
        error(f"reviewed {entry.reviewed} is in the future")
    elif today - entry.reviewed > STALE_AFTER:
        found.append(Problem(p, 1, f"reviewed {entry.reviewed}, over 12 months ago", "warning"))
    return found


def _numbered_body(path: Path) -> list[tuple[int, str]]:
    """The body's lines as they stand in the file, each with its line number there."""
    lines = path.read_text(encoding="utf-8").splitlines()
    end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    return [(number, clean(line)) for number, line in enumerate(lines[end + 1 :], start=end + 2)]


def _title_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((n for n, line in enumerate(lines, start=1) if line.startswith("title:")), 1)


def _check_form(entry: Entry) -> list[Problem]:
    """Rules on how the answer reads on a phone: plain text, labels that start lines, current place names."""
    p = entry.path
    found: list[Problem] = []
    if len(entry.title) > MAX_TITLE_CHARS:
        found.append(Problem(p, _title_line(p), f"title has {len(entry.title)} characters, over {MAX_TITLE_CHARS}"))
    old_unit = _OLD_UNIT_RE.search(entry.title)
    if old_unit and not _HISTORICAL_RE.search(entry.title):
        found.append(Problem(p, _title_line(p), f"title names {old_unit.group(0)!r} as a current unit"))
    spelled_out = False
    for number, line in _numbered_body(p):
        if _HEADING_RE.match(line):
            found.append(Problem(p, number, "Markdown heading: write a plain sentence"))
        if _TABLE_RE.match(line):
            found.append(Problem(p, number, "Markdown table: write a short list instead"))
        for label in _LABEL_RE.finditer(line):
            if label.start() > 0:
                found.append(Problem(p, number, f"label {label.group(0)!r} must start its own line"))
        old_unit = _OLD_UNIT_RE.search(line)
        if old_unit and not _HISTORICAL_RE.search(line):
            found.append(Problem(p, number, f"{old_unit.group(0)!r} named as a current unit: since 1/7/2025 "
                                            "there are no districts and Hậu Giang is part of Cần Thơ city "
                                            "(say 'cũ' or 'trước đây')"))
        abbreviation = _ABBREVIATION_RE.search(line)
        if abbreviation and not spelled_out:
            before = line[: abbreviation.end()].lower()
            if not before.endswith(_SPELLED_OUT):
                found.append(Problem(p, number, "first 'NHCSXH' must be spelled out: "
                                                "'Ngân hàng Chính sách xã hội (NHCSXH)'"))
        spelled_out = spelled_out or bool(abbreviation)
    return found
