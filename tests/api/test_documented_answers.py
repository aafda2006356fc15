"""The published schema tells the truth: undeclared methods get a 405 naming every method of the path, and
each error status a route answers is documented with its `{"message"}` body."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app


@pytest.fixture
def client(database):
    with TestClient(create_app(AppOptions(channels=False, scheduler=False, worker=False,
                                          prepare_database=False))) as test_client:
        yield test_client


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("OPTIONS", "/api/v1/officials/session", "DELETE, GET, POST"),
    ("PUT", "/api/v1/bulletins/1", "DELETE, GET, PATCH"),
    ("GET", "/api/v1/bulletins/preview", "POST"),
])
def test_an_undeclared_method_gets_405_with_every_method_of_the_path(client, method, path, allowed):
    response = client.request(method, path)
    assert response.status_code == 405 and response.headers["allow"] == allowed
    assert response.json()["message"]


@pytest.mark.parametrize(("path", "method", "statuses"), [
    ("/api/v1/bulletins", "post", {"201", "400", "401", "403", "413", "422"}),
    ("/api/v1/bulletins/{bulletin_id}", "delete", {"200", "401", "403", "404", "422"}),
    ("/api/v1/inbox/{question_id}/reply", "post", {"200", "401", "403", "404", "409", "413", "422"}),
    ("/api/v1/inbox/{question_id}/draft-entry", "post", {"200", "201", "401", "403", "404", "409", "422"}),
    ("/api/v1/officials/session", "post", {"200", "400", "401", "413", "422"}),
    ("/api/v1/chat", "post", {"200", "400", "413", "422", "429"}),
    ("/webhooks/zalo", "post", {"200", "400", "401", "413", "503"}),
])
def test_the_errors_a_route_answers_are_documented(client, path, method, statuses):
    responses = client.get("/openapi.json").json()["paths"][path][method]["responses"]
    assert statuses <= set(responses)
    error = responses["401" if "401" in responses else "422"]["content"]["application/json"]["schema"]
    assert error["$ref"].endswith(("/ErrorOut", "/HTTPValidationError"))
