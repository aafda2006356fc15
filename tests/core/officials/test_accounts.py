"""Officials: tokens shown once and stored as SHA-256, roles and scopes, page sessions, the audit log."""

import asyncio
import hashlib
from datetime import timedelta

import pytest
from sqlmodel import func, select

from core import clock
from core.audit import recent
from core.bootstrap import load_areas
from core.db import session_scope
from core.models import AuditLog, Official
from core.officials.accounts import (
    OfficialError,
    authenticate,
    create_official,
    end_page_sessions,
    list_officials,
    may_write,
    official_from_session,
    out_of_scope,
    read_session,
    revoke_official,
    sign_session,
)
from core.settings import get_settings

SECRET = "test-secret"


@pytest.fixture
async def area_map(database):
    await asyncio.to_thread(load_areas, get_settings())


async def make(role="editor", areas=("31338",), name="Chị Lan"):
    async with session_scope() as session:
        return await create_official(session, name=name, role=role, area_codes=list(areas))


async def test_the_token_is_returned_once_and_only_its_sha256_is_stored(area_map):
    official, token = await make()
    assert token.startswith("gn_") and len(token) > 40
    async with session_scope() as session:
        stored = await session.get(Official, official.id)
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert all(token not in str(value) for value in stored.model_dump().values())
        entries = await recent(session, target_type="official")
        assert entries[0].action == "official.create" and token not in str(entries[0].detail)
        assert [o.id for o in await list_officials(session)] == [official.id]


@pytest.mark.parametrize(("role", "areas", "message"), [
    ("boss", ("31338",), "Vai trò 'boss'"),
    ("editor", ("31338", "99999", "x-y"), "99999, x-y"),
    ("editor", (), "ít nhất một địa bàn"),
    ("viewer", (" ",), "ít nhất một địa bàn"),
])
async def test_a_bad_role_or_unknown_area_creates_nothing(area_map, role, areas, message):
    with pytest.raises(OfficialError, match=message):
        await make(role=role, areas=areas)
    async with session_scope() as session:
        assert (await session.exec(select(func.count()).select_from(Official))).one() == 0
        assert (await session.exec(select(func.count()).select_from(AuditLog))).one() == 0


async def test_a_missing_name_is_refused(area_map):
    with pytest.raises(OfficialError, match="--name"):
        await make(name="  ")


async def test_authentication_accepts_the_token_until_it_is_revoked(area_map):
    official, token = await make()
    async with session_scope() as session:
        assert (await authenticate(session, token)).id == official.id
        assert (await authenticate(session, f"  {token}\n")).id == official.id
        assert await authenticate(session, token + "x") is None
        assert await authenticate(session, "") is None
        await revoke_official(session, official.id)
    async with session_scope() as session:
        assert await authenticate(session, token) is None
        with pytest.raises(OfficialError):
            await revoke_official(session, official.id)
        with pytest.raises(OfficialError):
            await revoke_official(session, 999)
        assert [e.action for e in await recent(session)] == ["official.revoke", "official.create"]


async def test_scope_rules_by_role(area_map):
    admin, _ = await make(role="admin", areas=())
    editor, _ = await make(role="editor", areas=("31338",))
    hamlet_editor, _ = await make(role="editor", areas=("31338-thanh-an",))
    viewer, _ = await make(role="viewer", areas=("31321",))
    async with session_scope() as session:
        everywhere = ["31338", "31338-thanh-an", "31321-phuong-i-kv-1", "92"]
        assert await out_of_scope(session, admin, everywhere) == []
        assert await out_of_scope(session, editor, everywhere) == ["31321-phuong-i-kv-1", "92"]
        assert await out_of_scope(session, hamlet_editor, ["31338-thanh-an", "31338"]) == ["31338"]
        assert await out_of_scope(session, viewer, ["31321-phuong-i-kv-2"]) == []
    assert may_write(admin) and may_write(editor) and not may_write(viewer)


async def test_a_merged_area_in_a_new_scope_is_stored_as_the_area_that_absorbed_it(area_map):
    from core.places.merge import merge_areas

    async with session_scope() as session:
        await merge_areas(session, "31338-thanh-trung", "31338-thanh-binh")
    official, _ = await make(areas=("31338-thanh-trung", "31338-thanh-binh"))
    assert official.area_codes == ["31338-thanh-binh"]


async def test_page_sessions_are_signed_expire_and_end_with_the_token(area_map):
    official, _ = await make()
    value = sign_session(official, secret=SECRET)
    assert read_session(value, secret=SECRET, max_age=60) == (official.id, official.token_hash[:16], 0)
    assert read_session(value, secret="other", max_age=60) is None
    assert read_session(value.replace(f"{official.id}.", f"{official.id + 1}.", 1), secret=SECRET, max_age=60) is None
    assert read_session("garbage", secret=SECRET, max_age=60) is None
    clock.freeze(clock.now() + timedelta(seconds=61))
    assert read_session(value, secret=SECRET, max_age=60) is None
    clock.freeze(None)
    async with session_scope() as session:
        assert (await official_from_session(session, value, secret=SECRET, max_age=60)).id == official.id
        await revoke_official(session, official.id)
    async with session_scope() as session:
        assert await official_from_session(session, value, secret=SECRET, max_age=60) is None


async def test_ending_page_sessions_makes_every_earlier_cookie_stop_working(area_map):
    official, _ = await make()
    earlier = sign_session(official, secret=SECRET)
    async with session_scope() as session:
        found = await official_from_session(session, earlier, secret=SECRET, max_age=60)
        await end_page_sessions(session, found)
        later = sign_session(found, secret=SECRET)
    async with session_scope() as session:
        assert await official_from_session(session, earlier, secret=SECRET, max_age=60) is None
        assert (await official_from_session(session, later, secret=SECRET, max_age=60)).id == official.id
