"""`POST /api/v1/chat` and `/`: the web chat's session, the whole journey, and bad requests."""

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from bot.channels.web import COOKIE_NAME, user_id_for
from core import clock
from core.db import session_scope
from core.models import Contact, Feedback, HandoffQuestion, Subscription
from core.settings import get_settings


def say(client: TestClient, **body) -> list[dict]:
    response = client.post("/api/v1/chat", json=body)
    assert response.status_code == 200, response.text
    return response.json()["replies"]


def button(replies: list[dict], label_part: str) -> str:
    for reply in replies:
        for row in reply["buttons"]:
            for choice in row:
                if label_part in choice["label"]:
                    return choice["data"]
    raise AssertionError(f"no button {label_part!r}")


def text(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies)


def rows(client: TestClient, model, *where) -> list:
    """Read the database from the app's own event loop (where its engine lives)."""

    async def fetch():
        async with session_scope() as session:
            return list((await session.exec(select(model).where(*where))).all())

    return client.portal.call(fetch)


def test_the_first_request_gets_an_httponly_session_cookie(client):
    response = client.post("/api/v1/chat", json={"start": True})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Bạn ở ấp nào?" in text(response.json()["replies"])


def test_the_whole_journey_over_the_api(client):
    replies = say(client, start=True)
    replies = say(client, payload=button(replies, "Xã Hỏa Lựu"))
    replies = say(client, payload=button(replies, "Ấp Thạnh Lợi"))
    assert "Ấp Thạnh Lợi, Xã Hỏa Lựu" in text(replies)
    say(client, text="/dangky xã Hỏa Tiến")  # a former name: the commune it joined
    replies = say(client, text="ấp Thạnh An")  # ambiguous: which one?
    assert "Bạn ở nơi nào?" in text(replies)
    say(client, payload=button(replies, "Xã Hỏa Lựu"))
    replies = say(client, text="hộ nghèo được vay vốn bao nhiêu")
    assert replies[0]["text"].splitlines()[-1].startswith("Nguồn:")
    say(client, payload=button(replies, "👍"))
    assert "Chưa có bản tin nào" in text(say(client, text="/bantin"))
    assert "Ấp Thạnh An, Xã Hỏa Lựu" in text(say(client, text="/dulieucuatoi"))
    token = client.cookies[COOKIE_NAME]
    [contact] = rows(client, Contact, Contact.user_id == user_id_for(token))
    assert contact.channel == "web" and contact.hamlet_code == "31338-thanh-an"
    assert token not in contact.user_id  # only the hash of the cookie is stored
    assert [f.kind for f in rows(client, Feedback)] == ["up"]
    replies = say(client, text="/xoadulieu")
    assert "Đã xóa hết" in text(say(client, payload=button(replies, "Có, xóa hết")))
    assert rows(client, Contact) == [] and rows(client, Subscription) == []


def test_a_new_browser_is_a_new_household_and_a_forged_cookie_a_new_session(client):
    say(client, start=True)
    first = client.cookies[COOKIE_NAME]
    other = TestClient(client.app)
    other.cookies.set(COOKIE_NAME, "<script>")
    response = other.post("/api/v1/chat", json={"start": True})
    assert response.status_code == 200
    assert response.cookies[COOKIE_NAME] not in (first, "<script>")


@pytest.mark.parametrize("body", [{"text": 5}, {"payload": "x" * 65}, {"text": "x" * 4001}, [], "vay",
                                  {"text": "a\x00b"}, {"start": "yes"}])
def test_bad_bodies_get_a_422_with_a_message(client, body):
    response = client.post("/api/v1/chat", json=body)
    assert response.status_code == 422 and response.json()["message"]


@pytest.mark.parametrize("body", [{}, {"start": False}, {"text": "a", "payload": "", "start": True}])
def test_a_body_without_a_message_or_tap_greets(client, body):
    replies = client.post("/api/v1/chat", json=body).json()["replies"]
    assert replies == client.post("/api/v1/chat", json={"start": True}).json()["replies"]


def test_empty_text_and_a_stale_button_get_polite_replies(client):
    say(client, start=True)
    assert "trống" in text(say(client, text=""))
    assert "đã cũ" in text(say(client, payload="h:nowhere"))


def test_the_page_is_the_vietnamese_chat_with_a_strict_policy(client):
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in response.text and "Gửi" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    script = client.get("/static/chat.js")
    assert script.status_code == 200 and "/api/v1/chat" in script.text
    assert client.get("/static/chat.css").status_code == 200



def test_one_address_cannot_mint_endless_sessions_but_known_households_keep_chatting(client, env):
    from core.settings import get_settings

    env.setenv("WEB_NEW_SESSIONS_PER_MINUTE", "3")
    get_settings.cache_clear()
    first = client.post("/api/v1/chat", json={"start": True})
    kept = first.cookies.get("giamngheo_chat")
    for _ in range(2):
        client.cookies.clear()
        assert client.post("/api/v1/chat", json={"start": True}).status_code == 200
    client.cookies.clear()
    refused = client.post("/api/v1/chat", json={"start": True})
    assert refused.status_code == 429 and "một phút" in refused.json()["message"]
    assert refused.headers["retry-after"] == "60" and "giamngheo_chat" not in refused.cookies
    client.cookies.set("giamngheo_chat", kept)
    assert client.post("/api/v1/chat", json={"text": "vay hộ nghèo"}).status_code == 200


def forged_cookie() -> str:
    """What a script sends: a random value shaped like a session token, never minted by the server."""
    return secrets.token_urlsafe(32) + "." + secrets.token_urlsafe(32)


def statuses(client: TestClient, cookies: list[str | None], body: dict) -> list[int]:
    codes = []
    for value in cookies:
        client.cookies.clear()
        if value is not None:
            client.cookies.set(COOKIE_NAME, value)
        codes.append(client.post("/api/v1/chat", json=body).status_code)
    return codes


def test_forged_cookies_are_new_sessions_limited_like_no_cookie_at_all(client):
    forged = statuses(client, [forged_cookie() for _ in range(40)] + [secrets.token_urlsafe(32)], {"start": True})
    assert forged.count(200) == get_settings().web_new_sessions_per_minute == 30 and forged.count(429) == 11
    assert len(rows(client, Contact)) == 30


def test_a_minted_session_survives_the_new_session_limit(client, env):
    env.setenv("WEB_NEW_SESSIONS_PER_MINUTE", "1")
    get_settings.cache_clear()
    client.post("/api/v1/chat", json={"start": True})
    kept = client.cookies[COOKIE_NAME]
    assert statuses(client, [None, forged_cookie()], {"start": True}) == [429, 429]
    assert statuses(client, [kept], {"text": "vay hộ nghèo"}) == [200]


def test_handoffs_from_many_forged_or_minted_sessions_of_one_address_do_not_land(client):
    limit = get_settings().handoff_max_per_address_per_hour
    question = {"text": "/hoicanbo Cho hỏi giấy xác nhận hộ nghèo xin ở đâu ạ?"}
    clock.freeze(datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
    forged = [forged_cookie() for _ in range(20)]
    codes = statuses(client, [cookie for cookie in forged for _ in range(5)], question)  # 100 questions
    assert codes.count(200) == 30 and codes.count(429) == 70  # each forged request is a new session
    assert len(rows(client, HandoffQuestion)) == limit == 20
    clock.freeze(clock.now() + timedelta(minutes=2))  # new sessions may be opened again; the hour is not over
    minted = []  # a script that keeps the cookies it is given: 10 households from one address, 5 questions each
    for _ in range(10):
        client.cookies.clear()
        client.post("/api/v1/chat", json={"start": True})
        minted.append(client.cookies.get(COOKIE_NAME))
    assert None not in minted
    assert statuses(client, [cookie for cookie in minted for _ in range(5)], question) == [200] * 50
    assert len(rows(client, HandoffQuestion)) == limit
    assert "một giờ" in client.post("/api/v1/chat", json=question).json()["replies"][0]["text"]


def test_a_printed_qr_code_opens_the_chat_at_its_hamlet_and_one_tap_subscribes(client):
    replies = say(client, start=True, ap="31338-thanh-an")
    assert replies[-1]["text"] == "Nhận bản tin Ấp Thạnh An, Xã Hỏa Lựu?"
    replies = say(client, payload=button(replies, "Đồng ý"))
    assert "Ấp Thạnh An, Xã Hỏa Lựu" in text(replies)
    assert [(s.area_code, s.active) for s in rows(client, Subscription)] == [("31338-thanh-an", True)]


def test_an_area_code_without_start_is_ignored_and_nothing_is_subscribed(client):
    say(client, start=True)
    response = client.post("/api/v1/chat", json={"text": "vay hộ nghèo", "ap": "31338-thanh-an"})
    assert response.status_code == 200 and "Nhận bản tin" not in text(response.json()["replies"])
    assert rows(client, Subscription) == []
