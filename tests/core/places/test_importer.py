"""Importing an office's hamlet list: good rows load, bad rows are reported by line, files of any shape."""

import asyncio

import pytest
from sqlmodel import Session

from core.bootstrap import load_areas
from core.db import get_sync_engine
from core.models import Area
from core.places.importer import AreaFileError, import_rows, read_area_file, read_csv_rows
from core.settings import get_settings

HEADER = "code,name,parent_code,kind,aliases\n"


@pytest.fixture
async def area_map(database):
    await asyncio.to_thread(load_areas, get_settings())


def load(text: str, **kwargs):
    with Session(get_sync_engine()) as session:
        report = import_rows(session, read_csv_rows(text), default_source="test.csv", **kwargs)
        session.commit()
    return report


def area(code: str) -> Area | None:
    with Session(get_sync_engine()) as session:
        return session.get(Area, code)


def test_good_rows_load_and_bad_rows_are_reported_with_their_line(area_map):
    text = HEADER + "\n".join([
        "31338-kenh-moi,Ấp Kênh Mới,31338,hamlet,Kênh Mới cũ|Xóm Kênh",  # 2 good
        "31338-trong,,31338,hamlet,",  # 3 missing name
        "99999-x,Ấp X,99999,hamlet,",  # 4 unknown parent
        "31338-kenh-moi,Ấp Kênh Mới B,31338,hamlet,",  # 5 duplicate of line 2
        "31338-lang,Ấp Làng,31338,village-town,",  # 6 bad kind
        ",Ấp Cây Me,31338,ấp,",  # 7 good, code made from the name
        "",  # 8 blank: skipped
        "31338-con,Ấp Con,31338-thanh-an,hamlet,",  # 9 parent is a hamlet
        "31338,Ấp Sai,31338,hamlet,",  # 10 code of the commune itself
    ]) + "\n"
    report = load(text)
    assert report.created == 2 and report.updated == 0
    assert [(bad.line, bad.reason.split(" ")[0]) for bad in report.bad] == [
        (3, "thiếu"), (4, "mã"), (5, "mã"), (6, "loại"), (9, "'31338-thanh-an'"), (10, "mã")]
    assert "dòng 2" in report.bad[2].reason and str(report.bad[0]).startswith("dòng 3:")
    new = area("31338-kenh-moi")
    assert new.name == "Ấp Kênh Mới" and new.aliases == ["Kênh Mới cũ", "Xóm Kênh"] and new.source == "test.csv"
    assert area("31338-cay-me").parent_code == "31338"
    assert area("99999-x") is None and area("31338-lang") is None


def test_utf8_with_bom_semicolons_and_quoted_fields(area_map, tmp_path):
    path = tmp_path / "ap.csv"
    text = 'code;name;parent_code;kind;aliases\r\n31321-kv-9;"Khu vực 9; mới";31321;khu vực;"KV9|Khu 9"\r\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    rows = read_area_file(path)
    assert rows[0].line == 2 and rows[0].fields["code"] == "31321-kv-9"
    with Session(get_sync_engine()) as session:
        assert import_rows(session, rows, default_source="x").created == 1
        session.commit()
    assert area("31321-kv-9").name == "Khu vực 9; mới"


def test_a_file_that_is_not_utf8_or_lacks_columns_is_refused(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + "x,Ấp Mới,31338,hamlet,\n".encode("cp1258", errors="replace") + b"\xff\n")
    with pytest.raises(AreaFileError, match="dòng 3"):
        read_area_file(latin)
    with pytest.raises(AreaFileError, match="parent_code"):
        read_csv_rows("code,name\nx,y\n")


def test_importing_again_updates_and_a_new_name_keeps_the_old_one_as_alias(area_map):
    load(HEADER + "31338-ben-do,Ấp Bến Đò,31338,hamlet,\n")
    report = load(HEADER + "31338-ben-do,Ấp Bến Đò Mới,31338,hamlet,Bến Đò Cũ\n")
    assert report.created == 0 and report.updated == 1
    renamed = area("31338-ben-do")
    assert renamed.name == "Ấp Bến Đò Mới" and set(renamed.aliases) == {"Ấp Bến Đò", "Bến Đò Cũ"}


def test_a_commune_row_adds_former_names_to_a_place_already_on_the_map(area_map):
    report = load(HEADER + "31333,,,ward,Phường Bốn\n31999,,,commune,Xã Không Có\n")
    assert report.updated == 1 and [bad.line for bad in report.bad] == [3]
    assert "Phường Bốn" in area("31333").aliases and area("31333").name == "Phường Vị Tân"


def test_big_files_report_progress_per_chunk(area_map):
    rows = "".join(f"31338-so-{n},Ấp Số {n},31338,hamlet,\n" for n in range(1200))
    seen = []
    report = load(HEADER + rows, progress=seen.append)
    assert report.created == 1200 and sum(seen) == 1200 and len(seen) == 3


def test_yaml_rows_carry_their_line_and_the_file_defaults(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("parent_code: '31338'\nsource: https://example.org\nareas:\n  - name: Ấp Một\n\n"
                    "  - {code: 31338-hai, name: Ấp Hai, source: other}\n", encoding="utf-8")
    rows = read_area_file(path)
    assert [(r.line, r.fields["parent_code"], r.fields["source"]) for r in rows] == [
        (4, "31338", "https://example.org"), (6, "31338", "other")]
    path.write_text("areas: nope\n", encoding="utf-8")
    with pytest.raises(AreaFileError):
        read_area_file(path)
