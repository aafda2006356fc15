"""`POST /api/v1/ask` on the real app and a real database."""

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app

FIELDS = {"matched", "answer", "entry_id", "title", "topic", "score", "sources", "suggestions"}


@pytest.fixture
def client(database):
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False))
    with TestClient(app) as client:
        yield client


def test_ask_returns_the_answer_object(client):
    response = client.post("/api/v1/ask", json={"text": "hộ nghèo vay vốn ngân hàng chính sách"})
    assert response.status_code == 200
    body = response.json()
    assert FIELDS <= set(body)
    assert body["matched"] is True and body["topic"] == "vay-von"
    assert "Nguồn:" in body["answer"].splitlines()[-1]


def test_out_of_scope_question_is_not_matched(client):
    body = client.post("/api/v1/ask", json={"text": "giá vàng SJC hôm nay bao nhiêu"}).json()
    assert body["matched"] is False and body["entry_id"] is None


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "   "}, {"text": 5}, {"question": "vay"},
                                     [], "vay"])
def test_bad_bodies_get_a_422_with_a_message(client, payload):
    response = client.post("/api/v1/ask", json=payload)
    assert response.status_code == 422
    assert response.json()["message"]


def test_invalid_json_gets_a_422(client):
    response = client.post("/api/v1/ask", content=b'{"text": "vay', headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["message"]


def test_long_questions_are_cut_not_rejected(client):
    response = client.post("/api/v1/ask", json={"text": "vay vốn hộ nghèo " * 500})
    assert response.status_code == 200


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"content": True, "database": True, "migrations": True}
