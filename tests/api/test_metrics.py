"""`GET /metrics` on the real app and a real database: questions, fallbacks, deliveries, queue, send latency."""

from __future__ import annotations

import socket
import urllib.request
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.main import AppOptions, create_app
from bot.engine.engine import handle
from bot.engine.types import Inbound
from core import clock
from core.answers.ranking import get_knowledge_base
from core.db import reset_engines, session_scope
from core.metrics import observe_send_latency, serve_metrics
from core.models import Bulletin, Contact, Delivery, Dispatch
from core.settings import get_settings

ALLOWED_LABELS = {"channel", "matched", "status", "le", "generation", "implementation", "major", "minor",
                  "patchlevel", "version"}


@pytest.fixture
def client(database):
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False))
    with TestClient(app) as client:
        yield client


def scrape(client: TestClient) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def ask(client: TestClient, text: str) -> dict:
    response = client.post("/api/v1/ask", json={"text": text})
    assert response.status_code == 200
    return response.json()


def test_metrics_need_no_login_and_are_prometheus_text(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE giamngheo_questions_total counter" in response.text
    assert value(scrape(client), "giamngheo_database_up") == 1


def test_api_questions_are_counted_as_matched_or_fallback(client):
    before = scrape(client)
    assert ask(client, "hộ nghèo vay vốn ngân hàng chính sách")["matched"] is True
    assert ask(client, "giá vàng SJC hôm nay bao nhiêu")["matched"] is False
    after = scrape(client)
    for name, labels in [("giamngheo_questions_total", {"channel": "api", "matched": "true"}),
                         ("giamngheo_questions_total", {"channel": "api", "matched": "false"}),
                         ("giamngheo_fallbacks_total", {"channel": "api"})]:
        assert value(after, name, **labels) - value(before, name, **labels) == 1, (name, labels)


def test_small_talk_is_not_counted_as_a_question(client):
    before = scrape(client)
    assert ask(client, "xin chào")["kind"] == "greeting"
    after = scrape(client)
    for matched in ("true", "false"):
        labels = {"channel": "api", "matched": matched}
        assert value(after, "giamngheo_questions_total", **labels) == value(before, "giamngheo_questions_total",
                                                                             **labels)


async def test_engine_counts_questions_under_the_household_channel(client):
    knowledge = get_knowledge_base(get_settings().content_dir)
    before = scrape(client)
    for user, text in [("z-1", "vay vốn hộ nghèo lãi suất bao nhiêu"), ("z-2", "giá vàng SJC hôm nay bao nhiêu")]:
        async with session_scope() as session:
            await handle(Inbound("zalo", user, "text", text=text), session=session, knowledge=knowledge)
    after = scrape(client)
    matched = {"channel": "zalo", "matched": "true"}
    unmatched = {"channel": "zalo", "matched": "false"}
    assert value(after, "giamngheo_questions_total", **matched) - value(before, "giamngheo_questions_total",
                                                                        **matched) == 1
    assert value(after, "giamngheo_questions_total", **unmatched) - value(before, "giamngheo_questions_total",
                                                                          **unmatched) == 1
    assert value(after, "giamngheo_fallbacks_total", channel="zalo") - value(
        before, "giamngheo_fallbacks_total", channel="zalo") == 1


async def _outbox(rows: list[tuple[str, str, timedelta]]) -> None:
    """One bulletin dispatched to one contact per (channel, status, due offset) row."""
    now = clock.now()
    async with session_scope() as session:
        bulletin = Bulletin(title="Họp ấp", body="Tối nay 19 giờ họp ấp.", area_codes=["31321"], send_at=now)
        session.add(bulletin)
        await session.flush()
        dispatch = Dispatch(bulletin_id=bulletin.id, due_at=now)
        session.add(dispatch)
        await session.flush()
        for number, (channel, status, offset) in enumerate(rows):
            contact = Contact(channel=channel, user_id=f"household-{number}")
            session.add(contact)
            await session.flush()
            session.add(Delivery(dispatch_id=dispatch.id, bulletin_id=bulletin.id, subscription_id=number + 1,
                                 contact_id=contact.id, channel=channel, area_code="31321", status=status,
                                 next_attempt_at=now + offset))


async def test_deliveries_by_channel_and_status_and_queue_depth_come_from_the_database(client):
    past, future = timedelta(minutes=-5), timedelta(hours=3)
    await _outbox([("telegram", "sent", past), ("telegram", "sent", past), ("telegram", "pending", past),
                   ("telegram", "pending", future), ("telegram", "sending", past), ("zalo", "blocked", past),
                   ("zalo", "failed", past), ("zalo", "pending", past)])
    samples = scrape(client)
    assert value(samples, "giamngheo_deliveries", channel="telegram", status="sent") == 2
    assert value(samples, "giamngheo_deliveries", channel="telegram", status="pending") == 2
    assert value(samples, "giamngheo_deliveries", channel="zalo", status="blocked") == 1
    assert value(samples, "giamngheo_deliveries", channel="zalo", status="failed") == 1
    assert ("giamngheo_deliveries", (("channel", "zalo"), ("status", "sent"))) in samples  # zeros are shown too
    assert value(samples, "giamngheo_delivery_queue_depth", channel="telegram") == 3
    assert value(samples, "giamngheo_delivery_queue_depth", channel="zalo") == 1
    assert value(samples, "giamngheo_delivery_due", channel="telegram") == 1
    assert value(samples, "giamngheo_delivery_due", channel="zalo") == 1


def test_send_latency_is_a_histogram_by_channel(client):
    before = scrape(client)
    observe_send_latency("telegram", 0.2)
    observe_send_latency("telegram", 4.0)
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("giamngheo_send_seconds_count", channel="telegram") == 2
    assert delta("giamngheo_send_seconds_bucket", channel="telegram", le="0.25") == 1
    assert delta("giamngheo_send_seconds_bucket", channel="telegram", le="5.0") == 2
    assert delta("giamngheo_send_seconds_sum", channel="telegram") == pytest.approx(4.2)


async def test_metrics_carry_no_household_data(client):
    await _outbox([("telegram", "sent", timedelta(0))])
    knowledge = get_knowledge_base(get_settings().content_dir)
    async with session_scope() as session:
        await handle(Inbound("telegram", "987654321", "text", text="bánh xèo Vị Thanh zqxj ở đâu ngon"),
                     session=session, knowledge=knowledge)
    observe_send_latency("made-up-channel 987654321", 1.0)
    text = client.get("/metrics").text
    for personal in ("987654321", "household-0", "zqxj", "bánh xèo", "Họp ấp"):
        assert personal not in text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert set(sample.labels) <= ALLOWED_LABELS, sample
            if "channel" in sample.labels:
                assert sample.labels["channel"] in {"telegram", "zalo", "web", "console", "api", "other"}


def test_a_database_that_fails_is_reported_not_a_500(client, env, tmp_path):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never-migrated.db'}")
    get_settings.cache_clear()
    reset_engines()
    samples = scrape(client)
    assert value(samples, "giamngheo_database_up") == 0
    assert not any(name == "giamngheo_deliveries" for name, _ in samples)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["migrations"] is False


def test_readiness_reports_database_schema_and_content(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"content": True, "database": True, "migrations": True}}


@pytest.mark.no_database
def test_a_worker_process_serves_its_send_latency_on_its_own_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert serve_metrics(0) is None
    server = serve_metrics(port, host="127.0.0.1")
    try:
        observe_send_latency("zalo", 0.7)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert 'giamngheo_send_seconds_bucket{channel="zalo",le="1.0"}' in text
