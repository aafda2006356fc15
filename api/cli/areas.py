"""`giamngheo areas …` and `giamngheo official …`: the map of places and officials' accounts, for operators.

Messages an office reads (import reports, errors) are Vietnamese; each command first migrates the database
and loads the map (idempotent, fast when nothing changed), so it works on a fresh DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

areas_app = typer.Typer(help="Địa bàn: tỉnh, xã/phường, ấp/khu vực (import, merge, list).", no_args_is_help=True)
official_app = typer.Typer(help="Tài khoản cán bộ: tạo, xem, thu hồi mã truy cập.", no_args_is_help=True)

T = TypeVar("T")
PROGRESS_FROM_ROWS = 1000


def _prepared() -> None:
    from core.bootstrap import prepare
    from core.logs import setup_logging

    setup_logging()
    prepare()


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed session, then close the engine so the process exits cleanly."""
    from core.db import get_async_engine, session_scope

    async def main() -> T:
        try:
            async with session_scope() as session:
                return await work(session)
        finally:
            await get_async_engine().dispose()

    return asyncio.run(main())


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


@areas_app.command("import")
def areas_import(
    path: Annotated[Path, typer.Argument(help="CSV (code,name,parent_code,kind,aliases) or YAML file.")],
    source: Annotated[str | None, typer.Option(help="Where the list comes from (kept on each row).")] = None,
) -> None:
    """Load an office's hamlet list; bad rows are reported by line and skipped (exit 1 if any)."""
    from sqlmodel import Session

    from core.db import get_sync_engine
    from core.places.importer import AreaFileError, import_rows, read_area_file

    if not path.is_file():
        raise _fail(f"Không tìm thấy tệp {path}", 2)
    try:
        rows = read_area_file(path)
    except AreaFileError as error:
        raise _fail(f"{path.name}: {error}", 2) from None
    _prepared()
    with Session(get_sync_engine()) as session:
        if len(rows) >= PROGRESS_FROM_ROWS:
            with typer.progressbar(length=len(rows), label="Đang nạp", file=sys.stderr) as bar:
                report = import_rows(session, rows, default_source=source or f"import:{path.name}", progress=bar.update)
        else:
            report = import_rows(session, rows, default_source=source or f"import:{path.name}")
        session.commit()
    for bad in report.bad:
        typer.echo(f"{path.name}: {bad}", err=True)
    typer.echo(report.summary())
    if report.bad:
        raise typer.Exit(1)


@areas_app.command("merge")
def areas_merge(
    old: Annotated[str, typer.Argument(help="Code of the area that disappears.")],
    new: Annotated[str, typer.Argument(help="Code of the area that absorbs it.")],
) -> None:
    """Merge OLD into NEW: subscriptions and households move, OLD's name becomes an alias of NEW."""
    from core.places.areas import UnknownAreaError
    from core.places.merge import MergeError, merge_areas

    _prepared()
    try:
        result = _run(lambda session: merge_areas(session, old, new))
    except (MergeError, UnknownAreaError) as error:
        raise _fail(str(error)) from None
    typer.echo(result.summary())


@areas_app.command("list")
def areas_list(
    under: Annotated[str | None, typer.Option("--under", help="List the areas directly under this code.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False,
) -> None:
    """List provinces, or the communes/wards of a province, or the hamlets of a commune."""
    from core.places.areas import area_public, child_areas, get_area
    from core.places.names import PROVINCE

    async def listing(session: AsyncSession) -> list[dict[str, Any]] | None:
        if under is None:
            from sqlmodel import col, select

            from core.models import Area

            rows = await session.exec(select(Area).where(Area.kind == PROVINCE, col(Area.merged_into).is_(None)))
            return [area_public(a) for a in sorted(rows, key=lambda a: a.code)]
        if await get_area(session, under) is None:
            return None
        return [area_public(a) for a in await child_areas(session, under)]

    _prepared()
    areas = _run(listing)
    if areas is None:
        from core import ui_texts as texts

        raise _fail(texts.get("areas.not_found", code=under))
    if as_json:
        typer.echo(json.dumps(areas, ensure_ascii=False))
        return
    for area in areas:
        aliases = f"  (tên khác: {', '.join(area['aliases'])})" if area["aliases"] else ""
        typer.echo(f"{area['code']:<28} {area['kind']:<9} {area['name']}{aliases}")


@areas_app.command("poster")
def areas_poster(
    code: Annotated[str, typer.Argument(help="The hamlet's (or commune's) code, see `areas list`.")],
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the PDF (dang-ky-<code>.pdf).")] = None,
) -> None:
    """Write the A4 "Quét mã để nhận bản tin ấp …" poster of one area, with its subscribe QR code."""
    from core import ui_texts as texts
    from core.bulletins.printing import PrintFontMissing, area_poster
    from core.places.areas import resolve_area

    async def render(session: AsyncSession) -> tuple[str, bytes] | None:
        area = await resolve_area(session, code.strip())
        return (area.code, await area_poster(session, area)) if area is not None else None

    _prepared()
    try:
        made = _run(render)
    except PrintFontMissing as error:
        raise _fail(str(error)) from None
    if made is None:
        raise _fail(texts.get("areas.not_found", code=code))
    target = out or Path(f"dang-ky-{made[0]}.pdf")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(made[1])
    typer.echo(texts.get("printing.poster_written", path=str(target)))


@official_app.command("create")
def official_create(
    name: Annotated[str, typer.Option("--name", help="The official's name as colleagues know it.")],
    role: Annotated[str, typer.Option("--role", help="admin, editor or viewer.")],
    area: Annotated[list[str] | None, typer.Option("--area", help="An area code of their scope (repeatable).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help='Their office, e.g. "UBND xã Hỏa Lựu": with the name '
                                             "it signs their bulletins.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"id", "token"}.')] = False,
) -> None:
    """Create an official and print their API token once (only its SHA-256 is stored)."""
    from core import ui_texts as texts
    from core.officials.accounts import OfficialError, create_official

    _prepared()
    try:
        official, token = _run(lambda session: create_official(session, name=name, role=role, area_codes=area or [],
                                                      unit=unit))
    except OfficialError as error:
        raise _fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps({"id": official.id, "token": token}))
        return
    typer.echo(texts.get("officials.created", id=official.id, name=official.name, role=official.role))
    typer.echo(token)


@official_app.command("list")
def official_list(as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False) -> None:
    """Every official with role, scope and whether their token still works (tokens are never shown)."""
    from core.officials.accounts import list_officials

    _prepared()
    officials = _run(list_officials)
    rows = [{"id": o.id, "name": o.name, "unit": o.unit, "role": o.role, "area_codes": o.area_codes, "active": o.active}
            for o in officials]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        state = "" if row["active"] else "  [đã thu hồi]"
        typer.echo(f"{row['id']:>4}  {row['role']:<7} {row['name']}  {', '.join(row['area_codes']) or '*'}{state}")


@official_app.command("revoke")
def official_revoke(official_id: Annotated[int, typer.Argument(help="The official's number (see `list`).")]) -> None:
    """Revoke an official's token: the API and the page stop accepting it at once."""
    from core import ui_texts as texts
    from core.officials.accounts import OfficialError, revoke_official

    _prepared()
    try:
        official = _run(lambda session: revoke_official(session, official_id))
    except OfficialError as error:
        raise _fail(str(error)) from None
    typer.echo(texts.get("officials.revoked", id=official.id, name=official.name))
