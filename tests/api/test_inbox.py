"""The officials' inbox on the real app: scope, replies reaching households on their own channel, drafts.

Households ask through the real engine; Telegram's and Zalo's servers are the fakes in tests/kit; officials
and their tokens are created through core/officials/accounts.py as the CLI does.
"""

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import AppOptions, create_app
from bot.engine.engine import handle
from bot.engine.types import Inbound
from core.answers.content import entry_paths, split_front_matter
from core.db import session_scope
from core.models import AuditLog, HandoffQuestion
from core.officials.accounts import create_official
from core.settings import get_settings
from tests.kit.loops import run
from tests.kit.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from tests.kit.zalo_api import APP_ID, APP_SECRET, FIRST_ACCESS, FIRST_REFRESH, FakeZalo

THANH_AN = "31338-thanh-an"
QUESTION = "Khi nào ấp mình họp bình xét hộ nghèo năm nay?"
REPLY = "Tối thứ Sáu tuần này, 19 giờ, tại nhà văn hóa ấp Thạnh An."


@pytest.fixture
def fake_telegram():
    with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
def fake_zalo():
    with FakeZalo() as fake:
        yield fake


@pytest.fixture
def client(database, env, fake_telegram, fake_zalo, tmp_path):
    """The real app (no background services) with both channels pointing at their fakes."""
    for key, value in {
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
        "ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": APP_SECRET, "ZALO_OA_SECRET_KEY": "oa-secret-for-tests",
        "ZALO_OA_ACCESS_TOKEN": FIRST_ACCESS, "ZALO_OA_REFRESH_TOKEN": FIRST_REFRESH,
        "ZALO_OA_API_BASE_URL": fake_zalo.url, "ZALO_OAUTH_BASE_URL": fake_zalo.url, "ZALO_RATE_PER_SECOND": "0",
        "HANDOFF_DRAFTS_DIR": str(tmp_path / "content" / "drafts"),
    }.items():
        env.setenv(key, value)
    get_settings.cache_clear()
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False))
    with TestClient(app) as test_client:
        yield test_client



@pytest.fixture
def tokens(client):
    """Tokens of an editor of xã Hỏa Lựu, an editor of phường Vị Thanh, a viewer of Hỏa Lựu and an admin."""

    async def create():
        made = {}
        async with session_scope() as session:
            for key, name, role, areas in (("hoa_luu", "Chị Lan", "editor", ["31338"]),
                                           ("vi_thanh", "Anh Minh", "editor", ["31321"]),
                                           ("viewer", "Người xem", "viewer", ["31338"]),
                                           ("admin", "Văn phòng", "admin", [])):
                _, made[key] = await create_official(session, name=name, role=role, area_codes=areas)
        return made

    return run(create())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def send(client: TestClient, channel: str, user_id: str, *messages: str) -> list[str]:
    """Messages from a household through the real engine; the texts of the last replies."""
    texts: list[str] = []
    for message in messages:
        kind = "button" if message.startswith("h:") else "text"
        inbound = Inbound(channel, user_id, kind, text="" if kind == "button" else message,
                          payload=message if kind == "button" else "")
        async with session_scope() as session:
            replies = await handle(inbound, session=session, knowledge=client.app.state.knowledge)
        texts = [r.text for r in replies]
    return texts


def household_asks(client: TestClient, channel: str, user_id: str, hamlet: str | None = THANH_AN,
                   question: str = QUESTION) -> int:
    """A household (in `hamlet`) asks the officials; returns the question's id."""
    steps = ([f"h:{hamlet}"] if hamlet else []) + [f"/hoicanbo {question}"]
    run(send(client, channel, user_id, *steps))

    async def newest() -> int:
        async with session_scope() as session:
            found = await session.exec(select(HandoffQuestion.id).order_by(HandoffQuestion.id.desc()))
            return found.first()

    return run(newest())


def test_officials_see_the_questions_of_their_scope_only(client, tokens):
    asked = household_asks(client, "web", "w1")
    elsewhere = household_asks(client, "web", "w2", hamlet="31321-phuong-i-kv-1", question="Phường có lớp học nghề?")
    nowhere = household_asks(client, "web", "w3", hamlet=None, question="Cho hỏi giấy xác nhận ở đâu?")

    def seen(token: str) -> list[int]:
        response = client.get("/api/v1/inbox", headers=bearer(token))
        assert response.status_code == 200
        return [q["id"] for q in response.json()["questions"]]

    assert seen(tokens["hoa_luu"]) == [asked] and seen(tokens["viewer"]) == [asked]
    assert seen(tokens["vi_thanh"]) == [elsewhere]
    assert sorted(seen(tokens["admin"])) == sorted([asked, elsewhere, nowhere])
    row = client.get("/api/v1/inbox", headers=bearer(tokens["hoa_luu"])).json()["questions"][0]
    assert row["text"] == QUESTION and row["channel"] == "web" and row["status"] == "open"
    assert row["place"] == "Ấp Thạnh An, Xã Hỏa Lựu" and "user_id" not in row
    assert client.get("/api/v1/inbox").status_code == 401


def test_open_questions_come_first_and_status_filters(client, tokens):
    first = household_asks(client, "web", "w1", question="Câu hỏi thứ nhất về hộ nghèo")
    second = household_asks(client, "web", "w2", question="Câu hỏi thứ hai về hộ nghèo")
    client.post(f"/api/v1/inbox/{first}/reply", json={"text": REPLY}, headers=bearer(tokens["hoa_luu"]))
    everything = client.get("/api/v1/inbox", headers=bearer(tokens["hoa_luu"])).json()["questions"]
    assert [q["id"] for q in everything] == [second, first]
    answered = client.get("/api/v1/inbox?status=answered", headers=bearer(tokens["hoa_luu"])).json()["questions"]
    assert [(q["id"], q["replied_by"]) for q in answered] == [(first, "Chị Lan")]
    bad = client.get("/api/v1/inbox?status=done", headers=bearer(tokens["hoa_luu"]))
    assert bad.status_code == 422 and "open hoặc answered" in bad.json()["message"]


def test_a_reply_reaches_a_telegram_household_on_telegram_and_is_audited(client, tokens, fake_telegram):
    asked = household_asks(client, "telegram", "4242")
    fake_telegram.reset_calls()
    response = client.post(f"/api/v1/inbox/{asked}/reply", json={"text": REPLY}, headers=bearer(tokens["hoa_luu"]))
    assert response.status_code == 200
    body = response.json()
    assert body["delivery"]["status"] == "sent" and "telegram" in body["delivery"]["message"]
    assert body["question"]["status"] == "answered" and body["question"]["delivery_status"] == "sent"
    [call] = fake_telegram.calls("sendMessage")
    assert call.chat_id == 4242 and REPLY in call.text and QUESTION in call.text and "Chị Lan" in call.text

    async def audit() -> list[AuditLog]:
        async with session_scope() as session:
            return list(await session.exec(select(AuditLog).where(AuditLog.action == "handoff.reply")))

    [entry] = run(audit())
    assert entry.target_id == str(asked) and entry.detail["area_code"] == THANH_AN
    assert REPLY not in run(send(client, "telegram", "4242", "cảm ơn"))[0]  # delivered: not shown again


def test_a_reply_reaches_a_zalo_household_on_zalo(client, tokens, fake_zalo):
    asked = household_asks(client, "zalo", "z-77")
    response = client.post(f"/api/v1/inbox/{asked}/reply", json={"text": REPLY}, headers=bearer(tokens["admin"]))
    assert response.json()["delivery"]["status"] == "sent"
    [message] = fake_zalo.messages
    assert message["user_id"] == "z-77" and REPLY in message["text"]


def test_zalo_outside_the_7_day_window_is_unreachable_then_shown_at_the_next_message(client, tokens, fake_zalo):
    asked = household_asks(client, "zalo", "z-88")
    fake_zalo.fail_next(-230)
    body = client.post(f"/api/v1/inbox/{asked}/reply", json={"text": REPLY}, headers=bearer(tokens["hoa_luu"])).json()
    assert body["delivery"]["status"] == "unreachable" and "7 ngày" in body["delivery"]["message"]
    assert fake_zalo.messages == []
    shown = run(send(client, "zalo", "z-88", "chào"))
    assert REPLY in shown[0]
    assert not any(REPLY in text for text in run(send(client, "zalo", "z-88", "menu")))


@pytest.mark.parametrize("channel", ["web", "console"])
def test_web_and_console_replies_are_stored_and_shown_once_at_the_next_message(client, tokens, channel):
    asked = household_asks(client, channel, "c1")
    body = client.post(f"/api/v1/inbox/{asked}/reply", json={"text": REPLY}, headers=bearer(tokens["hoa_luu"])).json()
    assert body["delivery"]["status"] == "stored" and "nhắn tin lần tới" in body["delivery"]["message"]
    shown = run(send(client, channel, "c1", "hộ nghèo vay vốn bao nhiêu"))
    assert REPLY in shown[0] and "Chị Lan" in shown[0] and len(shown) >= 2
    assert not any(REPLY in text for text in run(send(client, channel, "c1", "menu")))


def test_replies_outside_scope_by_viewers_twice_or_empty_are_refused(client, tokens):
    asked = household_asks(client, "web", "w1")

    def reply(token: str, text: str = REPLY, question: int = asked):
        return client.post(f"/api/v1/inbox/{question}/reply", json={"text": text}, headers=bearer(token))

    outside = reply(tokens["vi_thanh"])
    assert outside.status_code == 403 and "ngoài phạm vi" in outside.json()["message"]
    assert reply(tokens["viewer"]).status_code == 403
    assert reply(tokens["hoa_luu"], "   ").status_code == 422
    assert reply(tokens["hoa_luu"], "x" * 5000).status_code == 422
    assert reply(tokens["hoa_luu"], question=999999).status_code == 404
    assert reply(tokens["hoa_luu"], question=10**20).status_code == 422
    assert client.post(f"/api/v1/inbox/{asked}/reply", json={}, headers=bearer(tokens["hoa_luu"])).status_code == 422
    still_open = client.get("/api/v1/inbox", headers=bearer(tokens["admin"])).json()["questions"][0]
    assert still_open["status"] == "open" and still_open["reply_text"] is None
    assert reply(tokens["hoa_luu"]).status_code == 200
    again = reply(tokens["admin"], "Một câu trả lời khác")
    assert again.status_code == 409 and "đã được trả lời" in again.json()["message"]


def test_an_answered_question_becomes_a_draft_entry_the_engine_does_not_load(client, tokens, tmp_path):
    asked = household_asks(client, "web", "w1")
    editor = bearer(tokens["hoa_luu"])
    not_yet = client.post(f"/api/v1/inbox/{asked}/draft-entry", headers=editor)
    assert not_yet.status_code == 409
    client.post(f"/api/v1/inbox/{asked}/reply", json={"text": REPLY}, headers=editor)
    made = client.post(f"/api/v1/inbox/{asked}/draft-entry", headers=editor)
    assert made.status_code == 201 and made.json()["created"] is True
    path = Path(made.json()["path"])
    assert path.parent == tmp_path / "content" / "drafts"
    meta, body, _ = split_front_matter(path, path.read_text(encoding="utf-8"))
    assert meta["draft"] is True and meta["id"] == path.stem and path.stem.startswith("khi-nao-ap-minh-hop")
    assert meta["questions"] == [QUESTION] and meta["topic"] in {"chuan-ngheo", "gioi-thieu", "vay-von",
                                                                  "sinh-ke", "dich-vu-cong", "an-toan-mang"}
    assert REPLY in body and "Cần gì:" in body and "Hỏi ai:" in body and "Ở đâu:" in body
    assert "Chị Lan" in path.read_text(encoding="utf-8")
    assert path not in entry_paths(tmp_path / "content")
    path.write_text(path.read_text(encoding="utf-8") + "\nSửa của người soạn.\n", encoding="utf-8")
    again = client.post(f"/api/v1/inbox/{asked}/draft-entry", headers=editor)
    assert again.status_code == 200 and again.json() == {"path": str(path), "created": False}
    assert "Sửa của người soạn." in path.read_text(encoding="utf-8")
    assert client.post(f"/api/v1/inbox/{asked}/draft-entry", headers=bearer(tokens["vi_thanh"])).status_code == 403
    assert client.post(f"/api/v1/inbox/{asked}/draft-entry", headers=bearer(tokens["viewer"])).status_code == 403
    assert yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["reviewed"]


def test_a_household_that_blocked_the_bot_is_reported_to_the_official(client, tokens, fake_telegram):
    asked = household_asks(client, "telegram", "5151")
    fake_telegram.block(5151)
    body = client.post(f"/api/v1/inbox/{asked}/reply", json={"text": REPLY}, headers=bearer(tokens["hoa_luu"])).json()
    assert body["delivery"]["status"] == "blocked" and "đã chặn" in body["delivery"]["message"]
    assert body["question"]["status"] == "answered" and body["question"]["reply_text"] == REPLY
