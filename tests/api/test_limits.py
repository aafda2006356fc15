"""Request limits on the real app: bodies refused by size before they are buffered, JSON refused by depth."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app
from core.http_limits import API_MAX_BYTES, loads_bounded, nests_deeper_than


@pytest.fixture
def client(database):
    with TestClient(create_app(AppOptions(channels=False, scheduler=False, worker=False,
                                          prepare_database=False))) as test_client:
        yield test_client


def test_a_declared_content_length_over_the_api_limit_is_refused_with_413_json(client):
    response = client.post("/api/v1/ask", content=b'{"text": "vay"}',
                           headers={"content-type": "application/json", "content-length": str(API_MAX_BYTES + 1)})
    assert response.status_code == 413
    assert response.json()["message"].startswith("Nội dung gửi lên quá lớn")


def test_a_chunked_body_over_the_api_limit_is_refused_while_it_streams(client):
    pulled, sent = [], []

    async def receive():
        pulled.append(1)
        return {"type": "http.request", "body": b" " * 10_000, "more_body": len(pulled) < 100}

    async def send(message):
        sent.append(message)

    async def call_app():
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": "/api/v1/ask", "raw_path": b"/api/v1/ask", "query_string": b"", "root_path": "",
                 "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
                 "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
        await client.app(scope, receive, send)

    client.portal.call(call_app)
    assert sent[0]["status"] == 413 and json.loads(sent[1]["body"])["limit"] == API_MAX_BYTES
    assert len(pulled) == API_MAX_BYTES // 10_000 + 1  # refused at the chunk that crossed the limit


def test_a_body_under_the_limit_reaches_the_route(client):
    raw = '{"text": "vay vốn"'.encode() + b" " * (API_MAX_BYTES - 100) + b"}"
    response = client.post("/api/v1/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200


@pytest.mark.no_database
def test_depth_is_counted_outside_strings_only():
    nested = json.dumps({"a": "[[[[\"{{{", "b": [[1]]}).encode()
    assert not nests_deeper_than(nested, 3) and nests_deeper_than(nested, 2)
    assert nests_deeper_than(b"[" * 100_000 + b"]" * 100_000, 64)
    assert loads_bounded(b'{"a": [1, {"b": []}]}') == {"a": [1, {"b": []}]}
    with pytest.raises(ValueError):
        loads_bounded(b"[" * 65 + b"]" * 65)
