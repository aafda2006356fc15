"""What curators learn from, on the real app: feedback left through the real engine, read with a real token."""


import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import AppOptions, create_app
from bot.engine.engine import handle
from bot.engine.types import Inbound, Reply
from core.db import session_scope
from core.models import Feedback
from core.officials.accounts import create_official
from tests.kit.loops import run
from tests.kit.officials_page import Page, text_of
from tests.kit.places import insert_places


@pytest.fixture
def client(database):
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False, prepare_database=False))
    with TestClient(app) as client:
        yield client



async def viewer_token() -> str:
    async with session_scope() as session:
        _, token = await create_official(session, name="Người soạn", role="admin", area_codes=[])
    return token


async def message(client: TestClient, user: str, kind: str, value: str) -> list[Reply]:
    inbound = Inbound("telegram", user, kind, text=value if kind == "text" else "",
                      payload=value if kind == "button" else "")
    async with session_scope() as session:
        return await handle(inbound, session=session, knowledge=client.app.state.knowledge)


async def households_ask(client: TestClient) -> None:
    for user, question in enumerate(["Giá lúa hôm nay bao nhiêu?", "giá lúa hôm nay", "Giá lúa IR50404 bao nhiêu",
                                     "kết quả xổ số miền tây hôm nay", "xổ số hôm nay"]):
        await message(client, f"u{user}", "text", "menu")
        await message(client, f"u{user}", "text", question)
    for user in ("a", "b"):
        await message(client, user, "text", "menu")
        replies = await message(client, user, "text", "hộ nghèo vay vốn ngân hàng chính sách được bao nhiêu")
        vote = "fb:d:" if user == "a" else "fb:u:"
        down = next(b.data for b in replies[0].all_buttons() if b.data.startswith(vote))
        await message(client, user, "button", down)


def test_gaps_and_disliked_answers_are_listed_for_officials(client):
    token = run(viewer_token())
    run(households_ask(client))
    headers = {"Authorization": f"Bearer {token}"}
    gaps = client.get("/api/v1/questions/unanswered", headers=headers)
    assert gaps.status_code == 200
    groups = gaps.json()["groups"]
    assert [(g["count"], g["example"]) for g in groups] == [(3, "gia lua hom nay bao nhieu?"),
                                                           (2, "ket qua xo so mien tay hom nay")]
    assert gaps.json()["days"] == 90
    disliked = client.get("/api/v1/questions/disliked", headers=headers).json()["entries"]
    assert len(disliked) == 1 and (disliked[0]["down"], disliked[0]["up"]) == (1, 1)
    assert disliked[0]["title"] and disliked[0]["questions"] == [
        "ho ngheo vay von ngan hang chinh sach duoc bao nhieu"]
    assert client.get("/api/v1/questions/unanswered?limit=1", headers=headers).json()["groups"][0]["count"] == 3


def test_learning_needs_a_token_and_sane_parameters(client):
    assert client.get("/api/v1/questions/unanswered").status_code == 401
    assert client.get("/api/v1/questions/disliked").status_code == 401
    token = run(viewer_token())
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/questions/unanswered?days=0", headers=headers).status_code == 422
    assert client.get("/api/v1/questions/disliked?limit=1000", headers=headers).status_code == 422


THANH_AN, LONG_BINH = "31338-thanh-an", "31489-long-binh"
SECRET_QUESTION = "chong toi uong ruou danh vo, so dien thoai 0912 345 678 goi giup"


async def official_token(role: str, areas: list[str]) -> str:
    async with session_scope() as session:
        _, token = await create_official(session, name=f"Cán bộ {role} {areas}", role=role, area_codes=areas)
    return token


async def households_of_two_areas_ask(client: TestClient) -> None:
    """One household in Ấp Thạnh An (Hỏa Lựu), one in Ấp Long Bình (Long Mỹ), one that chose no hamlet."""
    await insert_places()
    await message(client, "an", "text", "/dangky thanh an hoa tien")
    await message(client, "binh", "text", "/dangky long binh long my")
    await message(client, "nowhere", "text", "menu")
    await message(client, "an", "text", "giá lúa hôm nay bao nhiêu")
    await message(client, "binh", "text", SECRET_QUESTION)
    await message(client, "nowhere", "text", "kết quả xổ số miền tây hôm nay")


def examples(client: TestClient, token: str) -> set[str]:
    response = client.get("/api/v1/questions/unanswered", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return {text for group in response.json()["groups"] for text in group["examples"]}


def test_an_official_reads_only_the_questions_of_households_in_their_areas(client):
    run(households_of_two_areas_ask(client))
    hamlet_viewer = run(official_token("viewer", [THANH_AN]))
    commune_editor = run(official_token("editor", ["31489"]))
    admin = run(official_token("admin", []))
    assert examples(client, hamlet_viewer) == {"gia lua hom nay bao nhieu"}
    assert examples(client, commune_editor) == {"chong toi uong ruou danh vo, so dien thoai [so dien thoai] goi giup"}
    assert len(examples(client, admin)) == 3  # and only admins see the household that chose no hamlet


def test_the_gaps_page_shows_only_the_officials_areas(client):
    run(households_of_two_areas_ask(client))
    page = Page(client, {"viewer": run(official_token("viewer", [THANH_AN]))})
    assert page.sign_in("viewer").status_code == 303
    text = text_of(page.get("/officials/gaps"))
    assert "gia lua hom nay bao nhieu" in text
    assert "chong toi" not in text and "xo so" not in text


def test_unanswered_questions_are_stored_without_phone_numbers(client):
    run(households_of_two_areas_ask(client))

    async def stored() -> list[str]:
        async with session_scope() as session:
            return list(await session.exec(select(Feedback.folded_question)))

    texts = run(stored())
    assert not any("0912" in text for text in texts)
    assert "chong toi uong ruou danh vo, so dien thoai [so dien thoai] goi giup" in texts


def test_disliked_wordings_are_scoped_too(client):
    async def vote_down_in_long_binh() -> None:
        await insert_places()
        await message(client, "binh", "text", "/dangky long binh long my")
        replies = await message(client, "binh", "text", "hộ nghèo vay vốn ngân hàng chính sách được bao nhiêu")
        down = next(b.data for b in replies[0].all_buttons() if b.data.startswith("fb:d:"))
        await message(client, "binh", "button", down)

    run(vote_down_in_long_binh())
    outside = {"Authorization": f"Bearer {run(official_token('viewer', [THANH_AN]))}"}
    inside = {"Authorization": f"Bearer {run(official_token('viewer', [LONG_BINH]))}"}
    assert client.get("/api/v1/questions/disliked", headers=outside).json()["entries"] == []
    assert client.get("/api/v1/questions/disliked", headers=inside).json()["entries"][0]["questions"] == [
        "ho ngheo vay von ngan hang chinh sach duoc bao nhieu"]
