"""SIGTERM, as Docker sends it: `giamngheo serve` and `giamngheo worker` finish what is in flight and exit 0.

Both run as real subprocesses; the worker talks to the fake Bot API on 127.0.0.1 and a real database.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import col, select

from core import clock
from core.db import session_scope
from core.models import Bulletin, Contact, Delivery, Dispatch, Subscription
from tests.kit.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI

ROOT = Path(__file__).resolve().parents[3]
GIAMNGHEO = Path(sys.executable).with_name("giamngheo")
STOP_WITHIN_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({"DATABASE_URL": database_url, "CONTENT_DIR": str(ROOT / "content"), "ENVIRONMENT": "test",
                "LOG_FORMAT": "text", "TELEGRAM_BOT_TOKEN": "", "ZALO_APP_ID": "", **extra})
    return env


def start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([str(GIAMNGHEO), *args], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> tuple[int, str]:
    """SIGTERM, then the exit code and stderr (the process is killed if it overstays, failing the test)."""
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=STOP_WITHIN_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        pytest.fail(f"still running {STOP_WITHIN_SECONDS} s after SIGTERM:\n{stderr[-3000:]}")
    return process.returncode, stderr


def wait_until(condition, what: str, within: float = 60.0, process: subprocess.Popen | None = None) -> None:  # noqa: ANN001
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"exited early ({process.returncode}) waiting for {what}:\n{process.stderr.read()[-3000:]}")
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    env = child_env(f"sqlite:///{tmp_path / 'serve.db'}")
    process = start(["serve", "--port", str(port), "--no-channels", "--no-scheduler", "--no-worker"], env, tmp_path)
    try:
        wait_until(lambda: ready(port), "/readyz", process=process)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.no_database
def test_serve_exits_0_on_sigterm_without_a_traceback(serve):
    process, _ = serve
    code, stderr = stop(process)
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    assert "Application shutdown complete" in stderr


@pytest.mark.no_database
def test_serve_finishes_the_request_in_flight_before_it_exits(serve):
    process, port = serve
    body = json.dumps({"text": "hộ nghèo vay vốn ngân hàng chính sách"}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"POST /api/v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)  # the request has started, its body is not all here yet
        time.sleep(0.5)
        connection.sendall(body[10:])
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert json.loads(payload)["matched"] is True
    code, stderr = stop(process)
    assert code == 0 and "Traceback" not in stderr


def post_json(port: int, path: str, payload: dict) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def api_questions(port: int) -> float:
    """giamngheo_questions_total{channel="api",matched="true"} as one scrape reports it."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "giamngheo_questions_total" and sample.labels == {"channel": "api", "matched": "true"}:
                return sample.value
    return 0.0


@pytest.mark.no_database
def test_serve_with_several_processes_adds_up_metrics_and_exits_0_on_sigterm(tmp_path):
    port = free_port()
    env = child_env(f"sqlite:///{tmp_path / 'serve.db'}")
    process = start(["serve", "--port", str(port), "--workers", "2", "--no-scheduler", "--no-worker"], env, tmp_path)
    try:
        wait_until(lambda: ready(port), "/readyz", process=process)
        for _ in range(6):
            assert post_json(port, "/api/v1/ask", {"text": "hộ nghèo vay vốn ngân hàng chính sách"})["matched"]
        assert [api_questions(port) for _ in range(6)] == [6.0] * 6  # whichever process answers the scrape
        code, stderr = stop(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr


@pytest.mark.no_database
def test_serve_refuses_telegram_polling_in_several_processes(tmp_path):
    env = child_env(f"sqlite:///{tmp_path / 'serve.db'}", TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_MODE="polling")
    result = subprocess.run([str(GIAMNGHEO), "serve", "--port", str(free_port()), "--workers", "2"], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "TELEGRAM_MODE=webhook" in result.stderr


async def queue_bulletin(chats: list[int]) -> None:
    """An urgent bulletin with one pending, due delivery per Telegram chat."""
    now = clock.now()
    async with session_scope() as session:
        bulletin = Bulletin(title="Nước lên", body="Nước sông lên cao, bà con kê cao đồ đạc.", area_codes=["31321"],
                            send_at=now, urgent=True, status="active")
        session.add(bulletin)
        await session.flush()
        dispatch = Dispatch(bulletin_id=bulletin.id, due_at=now, recipients=len(chats))
        session.add(dispatch)
        await session.flush()
        for chat in chats:
            contact = Contact(channel="telegram", user_id=str(chat))
            session.add(contact)
            await session.flush()
            subscription = Subscription(contact_id=contact.id, area_code="31321")
            session.add(subscription)
            await session.flush()
            session.add(Delivery(dispatch_id=dispatch.id, bulletin_id=bulletin.id, subscription_id=subscription.id,
                                 contact_id=contact.id, channel="telegram", area_code="31321",
                                 next_attempt_at=now - timedelta(seconds=1)))


async def deliveries() -> list[Delivery]:
    async with session_scope() as session:
        return list((await session.exec(select(Delivery).order_by(col(Delivery.id)))).all())


async def test_worker_finishes_sends_in_flight_releases_claims_and_exits_0(database, tmp_path):
    chats = list(range(5001, 5041))
    await queue_bulletin(chats)
    with FakeTelegramAPI() as fake:
        fake.delay = 1.0  # each send takes a second: SIGTERM lands while some are in flight
        env = child_env(database, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_BASE_URL=fake.base_url,
                        TELEGRAM_API_FILE_URL=fake.base_file_url, TELEGRAM_RATE_LIMIT_ENABLED="false",
                        DELIVERY_CONCURRENCY="4", QUIET_HOURS_START="00:00", QUIET_HOURS_END="00:00")
        process = start(["worker"], env, tmp_path)
        try:
            wait_until(lambda: fake.calls("sendMessage", status=None), "the first send", process=process)
            code, stderr = stop(process)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        sent_to = {int(call.chat_id) for call in fake.calls("sendMessage")}
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    rows = await deliveries()
    by_status = {row.status for row in rows}
    assert by_status <= {"sent", "pending"}, by_status  # nothing left half-sent ("sending")
    sent = [row for row in rows if row.status == "sent"]
    assert sent and len(sent) < len(chats)  # stopped midway, but what was in flight was finished and recorded
    assert len(sent_to) == len(sent)  # every answered send was recorded as sent, none twice
    for row in rows:
        if row.status == "pending":
            assert row.claimed_by is None and row.lease_until is None  # released: another worker takes it now
            assert row.next_attempt_at <= clock.now()
