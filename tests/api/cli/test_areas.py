"""`giamngheo areas …` and `giamngheo official …` as an operator runs them: real subprocesses, real database."""

import asyncio
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from core import clock
from core.db import get_async_engine, session_scope
from core.models import Contact, Official, Subscription

BIN = Path(sys.executable).parent / "giamngheo"
HEADER = "code,name,parent_code,kind,aliases\n"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120)


def db(work):
    async def main():
        try:
            async with session_scope() as session:
                return await work(session)
        finally:
            await get_async_engine().dispose()

    return asyncio.run(main())


def test_import_loads_good_rows_and_reports_bad_ones_by_line(database, tmp_path):
    path = tmp_path / "ap-hoa-luu.csv"
    path.write_text(HEADER + "31338-kenh-xang,Ấp Kênh Xáng,31338,ấp,Kênh Xáng cũ\n"
                    "31338-rong,,31338,hamlet,\n" "99999-x,Ấp X,99999,hamlet,\n", encoding="utf-8")
    result = run("areas", "import", str(path))
    assert result.returncode == 1
    assert "ap-hoa-luu.csv: dòng 3: thiếu tên" in result.stderr and "dòng 4: mã xã/phường '99999'" in result.stderr
    assert "Đã nạp 1 ấp/khu vực, 2 dòng lỗi." in result.stdout
    listed = json.loads(run("areas", "list", "--under", "31338", "--json").stdout)
    assert {"code": "31338-kenh-xang", "name": "Ấp Kênh Xáng", "kind": "hamlet", "parent_code": "31338",
            "aliases": ["Kênh Xáng cũ"]} in listed


def test_import_reads_a_bom_and_shows_progress_on_big_files(database, tmp_path):
    path = tmp_path / "lon.csv"
    rows = "".join(f",Ấp Số {n},31338,hamlet,\n" for n in range(1500))
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + rows).encode("utf-8"))
    result = run("areas", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "Đang nạp" in result.stderr and "Đã nạp 1500 ấp/khu vực, 0 dòng lỗi." in result.stdout


def test_import_refuses_missing_or_unreadable_files(database, tmp_path):
    assert run("areas", "import", str(tmp_path / "none.csv")).returncode == 2
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"x,\xc1p,31338,hamlet,\n")
    result = run("areas", "import", str(latin))
    assert result.returncode == 2 and "dòng 2" in result.stderr and "UTF-8" in result.stderr


def test_merge_moves_subscriptions_and_households(database):
    async def seed(session):
        for user, codes in (("1", ["31338-thanh-trung"]), ("2", ["31338-thanh-trung", "31338-thanh-binh"])):
            contact = Contact(channel="zalo", user_id=user, hamlet_code=codes[0], created_at=clock.now())
            session.add(contact)
            await session.flush()
            for code in codes:
                session.add(Subscription(contact_id=contact.id, area_code=code, created_at=clock.now()))

    assert run("areas", "list").returncode == 0  # loads the map into the fresh database
    db(seed)
    result = run("areas", "merge", "31338-thanh-trung", "31338-thanh-binh")
    assert result.returncode == 0, result.stderr
    assert "1 đăng ký chuyển sang, 1 đăng ký trùng được dừng" in result.stdout

    async def active(session):
        rows = await session.exec(select(Subscription).where(Subscription.active))
        return sorted((s.contact_id, s.area_code) for s in rows)

    assert db(active) == [(1, "31338-thanh-binh"), (2, "31338-thanh-binh")]
    again = run("areas", "merge", "31338-thanh-trung", "31338-thanh-binh")
    assert again.returncode == 1 and "đã được gộp" in again.stderr


def test_official_create_prints_the_token_once_and_stores_its_hash(database):
    result = run("official", "create", "--name", "Anh Tư", "--role", "editor", "--area", "31338", "--json",
                 "--unit", "UBND xã Hỏa Lựu")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert set(created) == {"id", "token"}

    async def stored(session):
        return await session.get(Official, created["id"])

    official = db(stored)
    assert official.token_hash == hashlib.sha256(created["token"].encode()).hexdigest()
    listing = run("official", "list", "--json")
    assert created["token"] not in listing.stdout
    assert json.loads(listing.stdout) == [{"id": created["id"], "name": "Anh Tư", "unit": "UBND xã Hỏa Lựu",
                                           "role": "editor", "area_codes": ["31338"], "active": True}]
    human = run("official", "create", "--name", "Chị Ba", "--role", "admin")
    assert human.returncode == 0 and human.stdout.strip().splitlines()[-1].startswith("gn_")
    assert run("official", "revoke", str(created["id"])).returncode == 0
    assert "[đã thu hồi]" in run("official", "list").stdout
    assert run("official", "revoke", str(created["id"])).returncode == 1


def test_official_create_with_a_bad_role_or_area_creates_nothing(database):
    bad_role = run("official", "create", "--name", "X", "--role", "chief", "--area", "31338")
    assert bad_role.returncode == 1 and "chief" in bad_role.stderr
    bad_area = run("official", "create", "--name", "X", "--role", "editor", "--area", "31338", "--area", "00000-x")
    assert bad_area.returncode == 1 and "00000-x" in bad_area.stderr

    async def count(session):
        return len(list(await session.exec(select(Official))))

    assert db(count) == 0


def test_areas_poster_writes_a_printable_pdf_with_the_subscribe_qr(database, tmp_path, env):
    from tests.kit.paper import pdf_text, qr_links

    env.setenv("PUBLIC_BASE_URL", "https://giamngheo.example.vn")
    out = tmp_path / "posters" / "thanh-an.pdf"
    result = run("areas", "poster", "31338-thanh-an", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    assert "Quét mã để nhận bản tin ấp Thạnh An" in " ".join(pdf_text(out.read_bytes(), tmp_path).split())
    assert qr_links(out.read_bytes(), tmp_path) == ["https://giamngheo.example.vn/?ap=31338-thanh-an"]
    missing = run("areas", "poster", "khong-co")
    assert missing.returncode == 1 and "khong-co" in missing.stderr and "Traceback" not in missing.stderr
