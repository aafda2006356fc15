"""What a production server shows strangers: the API docs and /metrics are settings-controlled (off, or
token-protected), and every cookie of the officials' page is `Secure` when the site is served over https."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app
from core.settings import get_settings
from tests.kit.officials_page import Page, page

__all__ = ["page"]  # the fixture
DOCS = ["/docs", "/redoc", "/openapi.json"]


def app_client() -> TestClient:
    return TestClient(create_app(AppOptions(channels=False, scheduler=False, worker=False, prepare_database=False)))


def production(env: pytest.MonkeyPatch) -> None:
    env.setenv("ENVIRONMENT", "production")
    env.setenv("SESSION_SECRET", secrets.token_urlsafe(48))
    env.setenv("PUBLIC_BASE_URL", "https://giamngheo.example.vn")
    get_settings.cache_clear()


def test_in_production_the_docs_and_metrics_are_off_by_default(database, env):
    production(env)
    with app_client() as client:
        for path in [*DOCS, "/metrics"]:
            response = client.get(path)
            assert response.status_code == 404, path
        assert client.get("/healthz").status_code == 200


def test_in_production_the_docs_can_be_turned_on(database, env):
    production(env)
    env.setenv("API_DOCS", "on")
    get_settings.cache_clear()
    with app_client() as client:
        assert all(client.get(path).status_code == 200 for path in DOCS)


def test_outside_production_the_docs_can_be_turned_off(database, env):
    env.setenv("API_DOCS", "off")
    get_settings.cache_clear()
    with app_client() as client:
        assert all(client.get(path).status_code == 404 for path in DOCS)


@pytest.mark.parametrize("in_production", [True, False])
def test_with_a_metrics_token_only_its_bearer_reads_the_metrics(database, env, in_production):
    if in_production:
        production(env)
    token = secrets.token_urlsafe(32)
    env.setenv("METRICS_TOKEN", token)
    get_settings.cache_clear()
    with app_client() as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        allowed = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200 and "giamngheo_questions_total" in allowed.text


def test_every_cookie_of_the_officials_page_is_secure_over_https(env, page: Page):
    env.setenv("PUBLIC_BASE_URL", "https://giamngheo.example.vn")
    get_settings.cache_clear()
    page.client.base_url = "https://testserver"  # the client sends Secure cookies back over https only
    form = page.client.get("/officials/sign-in")
    signed_in = page.sign_in("editor")
    set_cookies = form.headers.get_list("set-cookie") + signed_in.headers.get_list("set-cookie")
    cookies = [c for c in set_cookies if "max-age=0" not in c.lower()]  # deletions need no flag
    names = {c.split("=", 1)[0] for c in cookies}
    assert {"giamngheo_csrf", "giamngheo_flash", "giamngheo_official"} <= names
    assert all("secure" in c.lower() for c in cookies), cookies
