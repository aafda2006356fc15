"""Merging areas: subscriptions and households follow, nobody is doubled, the old name still finds the place."""

import asyncio

import pytest
from sqlmodel import select

from core import clock
from core.audit import recent
from core.bootstrap import load_areas
from core.db import session_scope
from core.models import Contact, Official, Subscription
from core.officials.accounts import create_official
from core.places.areas import UnknownAreaError, child_areas, expand_to_hamlets, get_area, search_areas
from core.places.merge import MergeError, merge_areas
from core.settings import get_settings

OLD, NEW = "31338-thanh-trung", "31338-thanh-binh"


@pytest.fixture
async def area_map(database):
    await asyncio.to_thread(load_areas, get_settings())


async def household(session, user: str, hamlet: str, follows: dict[str, bool]) -> int:
    contact = Contact(channel="telegram", user_id=user, hamlet_code=hamlet, created_at=clock.now())
    session.add(contact)
    await session.flush()
    for code, active in follows.items():
        stop = None if active else "unsubscribed"
        session.add(Subscription(contact_id=contact.id, area_code=code, active=active, stop_reason=stop,
                                 created_at=clock.now()))
    await session.flush()
    return contact.id


async def subscriptions(session, contact_id: int) -> dict[str, tuple[bool, str | None]]:
    rows = await session.exec(select(Subscription).where(Subscription.contact_id == contact_id))
    return {s.area_code: (s.active, s.stop_reason) for s in rows}


async def test_merge_moves_subscriptions_without_duplicates(area_map):
    async with session_scope() as session:
        only_old = await household(session, "1", OLD, {OLD: True})
        both = await household(session, "2", OLD, {OLD: True, NEW: True})
        only_new = await household(session, "3", NEW, {NEW: True})
        left_new = await household(session, "4", OLD, {OLD: True, NEW: False})
        stopped_old = await household(session, "5", OLD, {OLD: False})
        editor, _ = await create_official(session, name="Cán bộ", role="editor", area_codes=[OLD, "31321"])
    async with session_scope() as session:
        result = await merge_areas(session, OLD, NEW)
    assert (result.moved, result.stopped, result.contacts) == (2, 2, 4)
    async with session_scope() as session:
        assert await subscriptions(session, only_old) == {NEW: (True, None)}
        assert await subscriptions(session, both) == {NEW: (True, None), OLD: (False, "merged")}
        assert await subscriptions(session, only_new) == {NEW: (True, None)}
        assert await subscriptions(session, left_new) == {NEW: (True, None), OLD: (False, "merged")}
        assert await subscriptions(session, stopped_old) == {NEW: (False, "unsubscribed")}
        hamlets = {c.hamlet_code for c in await session.exec(select(Contact))}
        assert hamlets == {NEW}
        assert (await session.get(Official, editor.id)).area_codes == [NEW, "31321"]


async def test_the_old_area_is_no_longer_offered_but_its_name_still_finds_the_new_one(area_map):
    async with session_scope() as session:
        await merge_areas(session, OLD, NEW)
    async with session_scope() as session:
        old = await get_area(session, OLD)
        assert old.merged_into == NEW
        assert "Ấp Thạnh Trung" in (await get_area(session, NEW)).aliases
        assert OLD not in [a.code for a in await child_areas(session, "31338")]
        assert (await search_areas(session, "thạnh trung"))[0].code == NEW
        assert await expand_to_hamlets(session, [OLD]) == [NEW]
        entry = (await recent(session, target_type="area"))[0]
        assert entry.action == "area.merge" and entry.target_id == OLD and entry.detail["into"] == NEW


async def test_merging_a_commune_moves_its_hamlets(area_map):
    async with session_scope() as session:
        result = await merge_areas(session, "31333", "31321")
        assert result.children == 0
        result = await merge_areas(session, "31321", "31338")
        assert result.children == 4
        assert len(await expand_to_hamlets(session, ["31338"])) == 11


@pytest.mark.parametrize(("old", "new", "error"), [
    (OLD, OLD, MergeError), (OLD, "31338", MergeError), ("31338", "31338-thanh-an", MergeError),
    ("92", "31338", MergeError), (OLD, "nowhere", UnknownAreaError),
])
async def test_merges_that_make_no_sense_change_nothing(area_map, old, new, error):
    async with session_scope() as session:
        with pytest.raises(error):
            await merge_areas(session, old, new)
        assert (await get_area(session, old if old != "nowhere" else OLD)).merged_into is None


async def test_an_area_cannot_be_merged_twice(area_map):
    async with session_scope() as session:
        await merge_areas(session, OLD, NEW)
        with pytest.raises(MergeError, match="đã được gộp"):
            await merge_areas(session, OLD, "31338-thanh-an")
