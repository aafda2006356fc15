"""Hamlet lists from files: read CSV or YAML rows with their line numbers, check them, load the good ones.

CSV columns: `code,name,parent_code,kind,aliases[,source]` (aliases separated by "|"; UTF-8 with or without
BOM; "," ";" or tab between fields). YAML: `areas:` a list of mappings with the same keys, and optional
top-level `parent_code`, `kind`, `source` used where a row has none. `code` may be left empty: it becomes
`<parent_code>-<slug of the name>`. A row of kind xã/phường/tỉnh does not create a place: it adds aliases
(former names) to one already on the map. Bad rows are reported by line and skipped; good rows load.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert
from sqlmodel import Session, col, select

from core import ui_texts as texts
from core.answers.normalise import clean, fold
from core.models import Area
from core.places.names import COMMUNE, HAMLET, PROVINCE, WARD, search_key, slug

CHUNK = 500
REQUIRED_COLUMNS = ("name", "parent_code")
KNOWN_COLUMNS = ("code", "name", "parent_code", "kind", "aliases", "source")
_CODE_RE = re.compile(r"^[0-9a-z][0-9a-z-]{0,31}$")
_KIND_WORDS = {
    HAMLET: ("", "hamlet", "ap", "khu vuc", "khom", "to dan pho", "khu pho", "thon", "xom", "village"),
    COMMUNE: ("commune", "xa", "dac khu"),
    WARD: ("ward", "phuong"),
    PROVINCE: ("province", "tinh", "thanh pho"),
}
KIND_BY_WORD = {word: kind for kind, words in _KIND_WORDS.items() for word in words}
KIND_LABELS = {HAMLET: "ấp", COMMUNE: "xã", WARD: "phường", PROVINCE: "tỉnh/thành phố"}


class AreaFileError(ValueError):
    """A file that cannot be read as rows at all (not UTF-8, missing columns, broken YAML)."""


@dataclass
class RawRow:
    line: int
    fields: dict[str, Any]


@dataclass
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"dòng {self.line}: {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    bad: list[BadRow] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        return texts.get("areas.import_summary", loaded=self.loaded, bad=len(self.bad))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise AreaFileError(f"dòng {line}: tệp không phải UTF-8 (byte {data[error.start]:#04x})") from None


def read_csv_rows(text: str) -> list[RawRow]:
    """Rows of a CSV text with the line each starts on; the header names the columns."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [clean(h).casefold() for h in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise AreaFileError(texts.get("areas.bad_row_columns", columns=", ".join(missing)))
    rows: list[RawRow] = []
    line = reader.line_num + 1
    for values in reader:
        if any(v.strip() for v in values):
            rows.append(RawRow(line, {k: v for k, v in zip(header, values, strict=False) if k in KNOWN_COLUMNS}))
        line = reader.line_num + 1
    return rows


def read_yaml_rows(text: str) -> list[RawRow]:
    """Rows of a YAML file (`areas:` list) with their line numbers; top-level defaults fill gaps."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as error:
        raise AreaFileError(f"YAML: {error}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(data.get("areas"), list):
        raise AreaFileError("YAML: cần danh sách 'areas:'")
    defaults = {k: data[k] for k in ("parent_code", "kind", "source") if k in data}
    items = next(v for k, v in node.value if k.value == "areas").value
    return [
        RawRow(item_node.start_mark.line + 1, {**defaults, **(item if isinstance(item, dict) else {"name": ""})})
        for item_node, item in zip(items, data["areas"], strict=True)
    ]


def read_area_file(path: Path, data: bytes | None = None) -> list[RawRow]:
    text = _decode(path.read_bytes() if data is None else data)
    if path.suffix.lower() in (".yaml", ".yml"):
        return read_yaml_rows(text)
    return read_csv_rows(text)


def _aliases(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split("|")
    return list(dict.fromkeys(c for c in (clean(str(i)) for i in items) if c))


@dataclass
class _Row:
    line: int
    code: str
    name: str
    parent_code: str
    kind: str
    aliases: list[str]
    source: str


def _parse(raw: RawRow, default_source: str) -> _Row | BadRow:
    """Shape checks that need no database."""
    get = lambda key: clean(str(raw.fields.get(key) or ""))  # noqa: E731
    kind = KIND_BY_WORD.get(fold(get("kind")))
    if kind is None:
        return BadRow(raw.line, texts.get("areas.bad_row_bad_kind", kind=get("kind")))
    name, parent = get("name"), get("parent_code")
    if kind == HAMLET and not name:
        return BadRow(raw.line, texts.get("areas.bad_row_missing_name"))
    if kind == HAMLET and not parent:
        return BadRow(raw.line, texts.get("areas.bad_row_missing_parent"))
    code = get("code").lower() or (f"{parent}-{slug(name)}" if kind == HAMLET else "")
    if not _CODE_RE.match(code):
        return BadRow(raw.line, texts.get("areas.bad_row_bad_code", code=code))
    aliases = _aliases(raw.fields.get("aliases"))
    return _Row(raw.line, code, name, parent, kind, aliases, get("source") or default_source)


def _fetch(session: Session, codes: Iterable[str]) -> dict[str, Area]:
    wanted = list(set(codes))
    found: dict[str, Area] = {}
    for start in range(0, len(wanted), CHUNK):
        batch = wanted[start : start + CHUNK]
        found.update({a.code: a for a in session.exec(select(Area).where(col(Area.code).in_(batch)))})
    return found


def _check(row: _Row, known: dict[str, Area]) -> str | None:
    """Why the row cannot load given what the map holds, or None."""
    existing = known.get(row.code)
    if row.kind != HAMLET:
        if existing is None or existing.kind != row.kind:
            return texts.get("areas.bad_row_unknown_parent", parent=row.code)
        return None
    if existing is not None and existing.kind != HAMLET:
        return texts.get("areas.bad_row_code_taken", code=row.code, kind=KIND_LABELS[existing.kind])
    parent = known.get(row.parent_code)
    if parent is None:
        return texts.get("areas.bad_row_unknown_parent", parent=row.parent_code)
    if parent.kind not in (COMMUNE, WARD):
        return texts.get("areas.bad_row_parent_not_commune", parent=row.parent_code, kind=KIND_LABELS[parent.kind])
    return None


def _apply(row: _Row, existing: Area | None, known: dict[str, Area]) -> dict[str, Any] | None:
    """Update `existing` in place, or return the columns of a new hamlet."""
    parent = known.get(row.parent_code)
    parent_code = parent.merged_into if parent is not None and parent.merged_into else row.parent_code
    if existing is None:
        aliases = [a for a in row.aliases if a != row.name]
        return {"code": row.code, "name": row.name, "kind": HAMLET, "parent_code": parent_code,
                "aliases": aliases, "folded_names": search_key(row.name, aliases), "source": row.source[:200]}
    aliases = list(existing.aliases)
    if row.kind == HAMLET:
        if row.name != existing.name:
            aliases.append(existing.name)
        existing.name, existing.parent_code, existing.source = row.name, parent_code, row.source[:200]
    aliases = list(dict.fromkeys(a for a in (*aliases, *row.aliases) if a != existing.name))
    existing.aliases = aliases
    existing.folded_names = search_key(existing.name, aliases)
    return None


def import_rows(
    session: Session, rows: Sequence[RawRow], *, default_source: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row, load the good ones (new hamlets inserted, known ones updated), report the bad."""
    report = ImportReport()
    first_line: dict[str, int] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        parsed = [_parse(raw, default_source) for raw in chunk]
        good = [r for r in parsed if isinstance(r, _Row)]
        known = _fetch(session, [r.code for r in good] + [r.parent_code for r in good if r.parent_code])
        fresh: list[dict[str, Any]] = []
        for row in parsed:
            if isinstance(row, BadRow):
                report.bad.append(row)
                continue
            if row.code in first_line:
                reason = texts.get("areas.bad_row_duplicate", code=row.code, line=first_line[row.code])
                report.bad.append(BadRow(row.line, reason))
                continue
            problem = _check(row, known)
            if problem:
                report.bad.append(BadRow(row.line, problem))
                continue
            first_line[row.code] = row.line
            new = _apply(row, known.get(row.code), known)
            if new is None:
                report.updated += 1
            else:
                fresh.append(new)
        if fresh:
            session.exec(insert(Area), params=fresh)
            report.created += len(fresh)
        session.flush()
        if progress is not None:
            progress(len(chunk))
    return report
