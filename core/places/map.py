"""Loading the map into the `Area` table at start: the country's two-tier map, then `content/areas/` files.

Each source is recorded in `AreaDataLoad` with a fingerprint (the package's data version, a file's SHA-256),
so a start with nothing new costs one small query per source. Loading never deletes and never touches
`merged_into`: a merge made by an office survives every restart. A renamed place keeps its old name as an
alias.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vietnam_provinces as vp
from sqlalchemy import insert
from sqlmodel import Session, col, select

from core import clock
from core.models import Area, AreaDataLoad
from core.places.importer import ImportReport, import_rows, read_area_file
from core.places.names import COMMUNE, PROVINCE, WARD, search_key

log = logging.getLogger(__name__)

PACKAGE_SOURCE = "vietnam-provinces"
PACKAGE_FINGERPRINT = f"{vp.__version__} (data {vp.__data_version__})"
AREA_FILE_SUFFIXES = (".yaml", ".yml", ".csv")
_WARD_KINDS = {"phường": WARD, "xã": COMMUNE, "đặc khu": COMMUNE}


def province_code(number: int) -> str:
    """Official two-digit province code: 92 → "92", 1 → "01"."""
    return f"{number:02d}"


def ward_code(number: int) -> str:
    """Official five-digit commune/ward code: 31338 → "31338", 4 → "00004"."""
    return f"{number:05d}"


def package_rows() -> list[dict[str, Any]]:
    """Every province, commune, ward and special zone (đặc khu) of the package, as `Area` columns."""
    source = f"{PACKAGE_SOURCE} {PACKAGE_FINGERPRINT}"
    rows = [
        {"code": province_code(p.code.value), "name": p.name, "kind": PROVINCE, "parent_code": None,
         "source": source}
        for p in vp.Province.iter_all()
    ]
    rows += [
        {"code": ward_code(w.code.value), "name": w.name, "kind": _WARD_KINDS[w.division_type.value],
         "parent_code": province_code(w.province_code.value), "source": source}
        for w in vp.Ward.iter_all()
    ]
    return rows


def _recorded(session: Session, name: str) -> AreaDataLoad | None:
    return session.get(AreaDataLoad, name)


def _record(session: Session, name: str, fingerprint: str, rows: int) -> None:
    entry = _recorded(session, name) or AreaDataLoad(name=name, fingerprint=fingerprint)
    entry.fingerprint, entry.rows, entry.loaded_at = fingerprint, rows, clock.now()
    session.add(entry)


def _update_existing(area: Area, row: dict[str, Any]) -> None:
    """Bring a stored area up to the package's row; its former name, if renamed, stays as an alias."""
    aliases = list(area.aliases)
    if area.name != row["name"] and area.name not in aliases:
        aliases.append(area.name)
    area.name, area.kind, area.parent_code, area.source = row["name"], row["kind"], row["parent_code"], row["source"]
    area.aliases = [a for a in aliases if a != area.name]
    area.folded_names = search_key(area.name, area.aliases)


def load_country_map(session: Session) -> int:
    """Load the package's provinces and communes unless this data version is already in; rows written."""
    recorded = _recorded(session, PACKAGE_SOURCE)
    if recorded is not None and recorded.fingerprint == PACKAGE_FINGERPRINT:
        return 0
    rows = package_rows()
    existing = {a.code: a for a in session.exec(select(Area).where(col(Area.kind).in_((PROVINCE, COMMUNE, WARD))))}
    fresh = []
    for row in rows:
        area = existing.get(row["code"])
        if area is None:
            fresh.append({**row, "aliases": [], "folded_names": search_key(row["name"], ())})
        else:
            _update_existing(area, row)
    if fresh:
        session.exec(insert(Area), params=fresh)
    _record(session, PACKAGE_SOURCE, PACKAGE_FINGERPRINT, len(rows))
    return len(rows)


@dataclass
class FileLoad:
    """What loading one data file did."""

    path: Path
    report: ImportReport | None  # None: unchanged since the last load, skipped


def area_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix.lower() in AREA_FILE_SUFFIXES and p.is_file())


def load_area_file(session: Session, path: Path, *, force: bool = False) -> FileLoad:
    """Load one hamlet file unless its content is unchanged since it was last loaded without errors."""
    data = path.read_bytes()
    fingerprint = hashlib.sha256(data).hexdigest()
    key = f"file:{path.name}"
    recorded = _recorded(session, key)
    if not force and recorded is not None and recorded.fingerprint == fingerprint:
        return FileLoad(path, None)
    rows = read_area_file(path, data)
    report = import_rows(session, rows, default_source=f"content/areas/{path.name}")
    if not report.bad:
        _record(session, key, fingerprint, report.loaded)
    return FileLoad(path, report)


def load_content_areas(session: Session, directory: Path) -> list[FileLoad]:
    """Load every hamlet file of `content/areas/`; bad rows are logged, good rows still load."""
    loads = []
    for path in area_files(directory):
        load = load_area_file(session, path)
        if load.report is not None:
            for bad in load.report.bad:
                log.warning("%s: %s", path.name, bad)
        loads.append(load)
    return loads
