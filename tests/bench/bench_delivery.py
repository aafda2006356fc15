"""Bulletin delivery at scale: 100,000 subscribers across 50 hamlets, on SQLite and on PostgreSQL.

Measured per database: time to queue one bulletin to all of them (target ≤ 10 s); the throughput of one
`giamngheo worker` process into the fake Bot API on loopback with the rate limiter lifted (≥ 1,000 messages/s,
over 20,000 messages, counted by the fake from its first to its last message) and its peak RSS; the same with
two worker processes; on SQLite also the rate-limited run: 600 messages at 30/s with the fake enforcing
Telegram's limits (within 5 % of 30/s, zero 429s). One worker is bounded by the CPU cost of PTB + httpx per
request (about 1,400 requests/s on this kind of machine with no database at all); more workers scale it.
The fake Bot API runs in its own process (tests/bench/fake_bot_api_process.py) so it does not share the
worker's CPU. The 100,000 households are seeded once per `make bench` and reused by the repeats;
PostgreSQL is skipped when it does not answer at TEST_POSTGRES_URL.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from core.db import get_async_engine, make_sync_engine, reset_engines, session_scope  # noqa: E402
from core.settings import Settings, get_settings  # noqa: E402

REPEATS = 3
HOUSEHOLDS, HAMLETS = 100_000, 50
THROUGHPUT_HAMLETS = 10  # 10 × 2,000 = 20,000 messages with the limiter lifted
RATE_HAMLET, RATE_HOUSEHOLDS = "97001-nhip", 600  # 600 at 30/s ≈ 20 s; another province, so "98" is 100,000
UNLIMITED_CONCURRENCY = 64  # sends in flight when no limit paces them (30/s needs only a few)
TOKEN = "7000000001:AAFakeTokenForTests_abcdefghijklmnopqrs"
GIAMNGHEO = Path(sys.executable).with_name("giamngheo")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_prepared: dict[str, str] = {}


def hamlet(number: int) -> str:
    return f"98001-a{number:02d}"


def sqlite_url() -> str:
    directory = Path(tempfile.mkdtemp(prefix="giamngheo-bench-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return f"sqlite:///{directory / 'bench.db'}"


def postgres_url() -> str | None:
    name = f"giamngheo_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return None

    def drop() -> None:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


def use_database(url: str, **extra: str) -> None:
    os.environ.update({"DATABASE_URL": url, "LOG_LEVEL": "WARNING", **extra})
    get_settings.cache_clear()
    reset_engines()


def seed(url: str) -> None:
    """Migrate, then 50 hamlets × 2,000 households on Telegram plus the 600 of the rate-limited run."""
    from core.bootstrap import prepare

    settings = Settings(database_url=url)
    prepare(settings)
    engine = make_sync_engine(settings)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO area (code, name, kind, parent_code, aliases, folded_names, source) "
                                "VALUES (:code, :name, :kind, :parent, '[]', '', 'bench')"),
                           [{"code": "98", "name": "Tỉnh Đo", "kind": "province", "parent": None},
                            {"code": "98001", "name": "Xã Đo", "kind": "commune", "parent": "98"}]
                           + [{"code": hamlet(i), "name": f"Ấp {i:02d}", "kind": "hamlet", "parent": "98001"}
                              for i in range(HAMLETS)]
                           + [{"code": "97", "name": "Tỉnh Nhịp", "kind": "province", "parent": None},
                              {"code": "97001", "name": "Xã Nhịp", "kind": "commune", "parent": "97"},
                              {"code": RATE_HAMLET, "name": "Ấp Nhịp", "kind": "hamlet", "parent": "97001"}])
        per_hamlet = HOUSEHOLDS // HAMLETS
        rows = [{"user": str(10_000_000 + i), "hamlet": hamlet(i // per_hamlet), "now": now} for i in range(HOUSEHOLDS)]
        rows += [{"user": str(20_000_000 + i), "hamlet": RATE_HAMLET, "now": now} for i in range(RATE_HOUSEHOLDS)]
        connection.execute(text("INSERT INTO contact (channel, user_id, hamlet_code, state, created_at, "
                                "last_inbound_at, flood_count) VALUES ('telegram', :user, :hamlet, '{}', :now, "
                                ":now, 0)"), rows)
        connection.execute(text("INSERT INTO subscription (contact_id, area_code, active, created_at) "
                                "SELECT id, hamlet_code, true, created_at FROM contact"))
    engine.dispose()


def prepared(backend: str) -> str | None:
    if backend not in _prepared:
        url = sqlite_url() if backend == "sqlite" else postgres_url()
        if url is None:
            return None
        started = time.perf_counter()
        seed(url)
        print(f"  seeded {HOUSEHOLDS + RATE_HOUSEHOLDS:,} households on {backend} in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
        _prepared[backend] = url
    return _prepared[backend]


async def queue(areas: list[str], *, cancel_after: bool) -> tuple[float, int]:
    """Create a bulletin to `areas` and time its queueing; returns (seconds, rows queued)."""
    from sqlalchemy import update

    from core.models import Bulletin, Delivery
    from delivery.dispatch import dispatch_due

    async with session_scope() as session:
        bulletin = Bulletin(title="Đo tốc độ", body="Bản tin thử tốc độ gửi.", area_codes=areas,
                            send_at=datetime.now(UTC), urgent=True)
        session.add(bulletin)
    started = time.perf_counter()
    async with session_scope() as session:
        fired = await dispatch_due(session, bulletin.id)
    seconds = time.perf_counter() - started
    if cancel_after:
        async with session_scope() as session:
            await session.exec(update(Delivery).where(Delivery.bulletin_id == bulletin.id).values(status="cancelled"))
    await get_async_engine().dispose()
    assert fired is not None
    return seconds, fired.recipients


class FakeBotApi:
    """The fake Bot API process."""

    def __init__(self, flood_limits: bool):
        script = Path(__file__).with_name("fake_bot_api_process.py")
        args = [sys.executable, str(script)] + (["--flood-limits"] if flood_limits else [])
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline().split()[1])

    def stats(self) -> dict:
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def tidy(url: str) -> None:
    """VACUUM the outbox on PostgreSQL before a timed run, so each repeat starts from the same state instead of
    the dead rows of the previous ones (and autovacuum does not choose the timed run to do it)."""
    if not url.startswith("postgresql"):
        return
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) delivery")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def deliver(areas: list[str], *, rate_limited: bool, workers: int = 1) -> tuple[dict, float]:
    """Queue a bulletin, run worker processes until the fake accepted it all; returns (fake stats, peak RSS)."""
    fake = FakeBotApi(flood_limits=rate_limited)
    try:
        _, expected = asyncio.run(queue(areas, cancel_after=False))
        tidy(os.environ["DATABASE_URL"])
        env = os.environ | {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{fake.port}/bot",
                            "TELEGRAM_RATE_LIMIT_ENABLED": "true" if rate_limited else "false",
                            "DELIVERY_POLL_SECONDS": "0.05", "DELIVERY_BATCH_SIZE": "500",
                            "DELIVERY_CONCURRENCY": "8" if rate_limited else str(UNLIMITED_CONCURRENCY)}
        processes = [subprocess.Popen([str(GIAMNGHEO), "worker"], env=env) for _ in range(workers)]
        try:
            deadline = time.monotonic() + 600
            while (stats := fake.stats())["accepted"] < expected and time.monotonic() < deadline:
                time.sleep(0.5)
            rss = max(peak_rss_mb(process.pid) for process in processes)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
        return stats, rss
    finally:
        fake.close()


def run() -> list[dict]:
    metrics: list[dict] = []
    for backend in os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(","):
        url = prepared(backend)
        if url is None:
            print("  PostgreSQL does not answer: skipped", file=sys.stderr)
            continue
        use_database(url)
        seconds, rows = asyncio.run(queue(["98"], cancel_after=True))
        assert rows == HOUSEHOLDS, rows
        metrics.append({"name": f"queue 100k deliveries ({backend})", "value": seconds, "unit": "s", "target": 10})
        stats, rss = deliver([hamlet(i) for i in range(THROUGHPUT_HAMLETS)], rate_limited=False)
        metrics.append({"name": f"delivery, limiter lifted ({backend})", "value": stats["send_rate"],
                        "unit": "msg/s", "target": 1000, "higher_is_better": True})
        metrics.append({"name": f"worker peak RSS, 20k sends ({backend})", "value": rss, "unit": "MB"})
        stats, _ = deliver([hamlet(i) for i in range(THROUGHPUT_HAMLETS)], rate_limited=False, workers=2)
        metrics.append({"name": f"delivery, limiter lifted, 2 workers ({backend})", "value": stats["send_rate"],
                        "unit": "msg/s", "target": 1000, "higher_is_better": True})
        if backend == "sqlite":
            stats, _ = deliver([RATE_HAMLET], rate_limited=True)
            metrics.append({"name": "delivery at the 30/s limit: rate (sqlite)", "value": stats["send_rate"],
                            "unit": "msg/s"})
            metrics.append({"name": "delivery at the 30/s limit: off 30/s by", "unit": "%", "target": 5,
                            "value": abs(stats["send_rate"] - 30) / 30 * 100})
            metrics.append({"name": "delivery at 30/s limit: 429s answered", "value": stats["rate_limited"],
                            "unit": "count", "target": 0})
    return metrics
