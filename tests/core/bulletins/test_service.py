"""Bulletins as officials create, read and cancel them; validation; recurrence; reports and reach previews."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from core import clock
from core.bulletins.recurrence import due_times
from core.bulletins.report import area_report, delivery_counts, reach_preview
from core.bulletins.service import (
    BulletinDraft,
    BulletinForbidden,
    BulletinInvalid,
    BulletinNotFound,
    bulletin_public,
    cancel_bulletin,
    create_bulletin,
    get_bulletin,
    list_bulletins,
    validate_draft,
)
from core.db import session_scope
from core.models import AuditLog, Contact, Delivery
from delivery.dispatch import dispatch_due
from tests.kit.bulletin_world import (
    AP_BA,
    AP_BON,
    AP_HAI,
    AP_MOT,
    LONG_PHU,
    TAN_HOA,
    add_households,
    seed_map,
    seed_staff,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=VN)


@pytest.fixture
async def world(database: str):
    clock.freeze(NOW)
    async with session_scope() as session:
        await seed_map(session)
        staff = await seed_staff(session)
    return staff


def draft(**changes) -> BulletinDraft:
    values = {"title": "Họp dân", "body": "Mời bà con dự họp tại nhà văn hóa ấp lúc 19:00.", "area_codes": [AP_MOT]}
    return BulletinDraft(**(values | changes))


async def problems_of(value: BulletinDraft) -> dict[str, str]:
    async with session_scope() as session:
        with pytest.raises(BulletinInvalid) as caught:
            await validate_draft(session, value)
    return {p.field: p.message for p in caught.value.problems}


async def test_empty_title_and_body_are_both_reported(world) -> None:
    problems = await problems_of(draft(title="  ", body=""))
    assert problems == {"title": "Tiêu đề không được để trống.", "body": "Nội dung bản tin không được để trống."}


async def test_body_over_3500_characters_is_refused_with_its_length(world) -> None:
    problems = await problems_of(draft(body="a" * 3501))
    assert "3501" in problems["body"] and "3500" in problems["body"]
    async with session_scope() as session:
        assert (await validate_draft(session, draft(body="a" * 3500))).body == "a" * 3500


async def test_send_at_in_the_past_is_refused(world) -> None:
    problems = await problems_of(draft(send_at=(NOW - timedelta(hours=1)).isoformat()))
    assert "đã qua" in problems["send_at"] and "09:00 29/11/2026" in problems["send_at"]


async def test_send_at_without_time_zone_asks_for_an_offset(world) -> None:
    problems = await problems_of(draft(send_at="2026-12-01T07:00:00"))
    assert "thiếu múi giờ" in problems["send_at"]
    assert "Asia/Ho_Chi_Minh" in problems["send_at"] and "2026-12-01T07:00+07:00" in problems["send_at"]


async def test_send_at_that_is_not_a_date_is_refused(world) -> None:
    assert "ISO-8601" in (await problems_of(draft(send_at="thứ hai tới")))["send_at"]


async def test_unknown_and_missing_areas_are_refused(world) -> None:
    assert "99001-khong-co" in (await problems_of(draft(area_codes=[AP_MOT, "99001-khong-co"])))["area_codes"]
    assert "ít nhất một" in (await problems_of(draft(area_codes=[])))["area_codes"]


@pytest.mark.parametrize("cron", ["0 7 * *", "61 7 * * 1", "0 7 * * funday", "0 7 31 2 *", "*/5 * * * *"])
async def test_bad_cron_is_refused(world, cron: str) -> None:
    assert cron in (await problems_of(draft(recurrence=cron)))["recurrence"]


async def test_aware_send_at_in_any_offset_is_stored_as_that_instant(world) -> None:
    async with session_scope() as session:
        bulletin = await validate_draft(session, draft(send_at="2026-11-30T00:00:00Z"))
    assert bulletin.send_at == datetime(2026, 11, 30, 7, 0, tzinfo=VN)


def test_every_monday_at_seven_gives_mondays_at_seven_local_time() -> None:
    times = due_times("0 7 * * 1", VN, start=NOW, count=3)
    assert times == [datetime(2026, 11, 30, 7, 0, tzinfo=VN), datetime(2026, 12, 7, 7, 0, tzinfo=VN),
                     datetime(2026, 12, 14, 7, 0, tzinfo=VN)]
    assert due_times("0 7 * * mon", VN, start=NOW, count=1) == times[:1]
    assert due_times("0 7 * * 0", VN, start=NOW, count=1) == [datetime(2026, 12, 6, 7, 0, tzinfo=VN)]
    assert [t.weekday() for t in due_times("0 7 * * 1-5", VN, start=NOW, count=5)] == [0, 1, 2, 3, 4]


async def test_recurring_bulletin_starts_at_its_first_firing(world) -> None:
    async with session_scope() as session:
        bulletin = await create_bulletin(session, draft(recurrence="0 7 * * 1"), official=world.editor)
        public = bulletin_public(bulletin)
    assert bulletin.send_at == datetime(2026, 11, 30, 7, 0, tzinfo=VN)
    assert public["next_send_at"] == "2026-11-30T07:00:00+07:00" and public["recurrence"] == "0 7 * * 1"


async def test_editor_cannot_address_areas_outside_scope_and_nothing_is_stored(world) -> None:
    async with session_scope() as session:
        with pytest.raises(BulletinForbidden) as caught:
            await create_bulletin(session, draft(area_codes=[AP_MOT, AP_BON]), official=world.editor)
        assert AP_BON in str(caught.value)
        with pytest.raises(BulletinForbidden):
            await create_bulletin(session, draft(), official=world.viewer)
    async with session_scope() as session:
        assert (await list_bulletins(session, official=world.admin)) == []


async def test_create_is_audited_and_visible_only_inside_scope(world) -> None:
    async with session_scope() as session:
        mine = await create_bulletin(session, draft(area_codes=[TAN_HOA]), official=world.editor)
        theirs = await create_bulletin(session, draft(area_codes=[LONG_PHU]), official=world.admin)
    async with session_scope() as session:
        assert [b.id for b in await list_bulletins(session, official=world.viewer)] == [mine.id]
        assert {b.id for b in await list_bulletins(session, official=world.admin)} == {mine.id, theirs.id}
        with pytest.raises(BulletinForbidden):
            await get_bulletin(session, theirs.id, official=world.editor)
        with pytest.raises(BulletinNotFound):
            await get_bulletin(session, 9999, official=world.admin)
        actions = (await session.exec(select(AuditLog.action, AuditLog.official_id))).all()
    assert ("bulletin.create", world.editor.id) in actions and ("bulletin.create", world.admin.id) in actions


async def test_cancel_withdraws_what_has_not_gone_yet(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 4)
        bulletin = await create_bulletin(session, draft(), official=world.editor)
    async with session_scope() as session:
        assert (await dispatch_due(session, bulletin.id)).recipients == 4
        sent = (await session.exec(select(Delivery).limit(1))).one()
        sent.status = "sent"
        session.add(sent)
    async with session_scope() as session:
        cancelled, withdrawn = await cancel_bulletin(session, bulletin.id, official=world.editor)
    assert (cancelled.status, withdrawn) == ("cancelled", 3)
    async with session_scope() as session:
        counts = (await delivery_counts(session, [bulletin.id]))[bulletin.id]
        assert await dispatch_due(session, bulletin.id) is None
    assert (counts["sent"], counts["cancelled"], counts["pending"]) == (1, 3, 0)


async def test_report_counts_each_hamlet_and_its_acknowledgements(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 3, first_user=100)
        await add_households(session, AP_HAI, 2, first_user=200)
        bulletin = await create_bulletin(session, draft(area_codes=[TAN_HOA]), official=world.editor)
    async with session_scope() as session:
        await dispatch_due(session, bulletin.id)
    async with session_scope() as session:
        rows = (await session.exec(select(Delivery, Contact).join(Contact, Contact.id == Delivery.contact_id))).all()
        for delivery, _ in rows:
            delivery.status = "sent"
            session.add(delivery)
    first = next(d for d, c in rows if c.user_id == "100")
    async with session_scope() as session:  # the engine does this when the household taps "Đã biết"
        first.acknowledged_at = clock.now()
        session.add(first)
    async with session_scope() as session:
        report = await area_report(session, bulletin.id)
    assert [(r["name"], r["total"], r["sent"], r["acknowledged"]) for r in report] == [
        ("Ấp Hai", 2, 2, 0), ("Ấp Một", 3, 3, 1)]


async def test_reach_preview_counts_households_per_channel_and_hamlet(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 3, first_user=100)
        await add_households(session, AP_BA, 2, channel="zalo", first_user=300, silent_days=10)
        await add_households(session, AP_BA, 1, channel="zalo", first_user=400)
        await add_households(session, AP_HAI, 5, channel="web", first_user=500)
        await add_households(session, AP_BON, 7, first_user=600)
        preview = await reach_preview(session, [TAN_HOA])
    assert preview["households"] == 6 and preview["by_channel"] == {"telegram": 3, "zalo": 3}
    assert preview["zalo_outside_window"] == 2
    assert [(a["name"], a["households"]) for a in preview["by_area"]] == [("Ấp Ba", 3), ("Ấp Một", 3)]


async def test_cancelling_a_bulletin_that_has_fully_gone_out_keeps_it_done(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 2)
        bulletin = await create_bulletin(session, draft(), official=world.editor)
    async with session_scope() as session:
        await dispatch_due(session, bulletin.id)
        for delivery in await session.exec(select(Delivery)):
            delivery.status = "sent"
            session.add(delivery)
    async with session_scope() as session:
        after, withdrawn = await cancel_bulletin(session, bulletin.id, official=world.editor)
    assert (after.status, withdrawn) == ("done", 0)
