"""The real path of a household's message, beside the stateless answer measured in the same run (issue 14).

One `giamngheo serve` process per database (SQLite, then PostgreSQL on a scratch database), with Telegram in
webhook mode against the fake Bot API (its own process, the platform's 30/s limiter lifted), Zalo with signed
events against the fake OA API (its own process), and the web chat. Every message comes from a new household
(a new chat, Zalo user or cookie-less web session) and is one real question from tests/data/questions.

- saturation: `BURST` messages posted by `SENDERS` concurrent senders; a webhook answers at once, so the
  throughput is messages / (first post → last reply accepted at the fake). The web chat answers inline: 16
  senders in a closed loop. `POST /api/v1/ask` runs the same way from the same client, the ceiling.
- fixed load: `RATE` messages a second for `RATE_SECONDS`; a household's latency runs from its post to the
  last reply of its turn at the fake (one monotonic clock for every process on Linux).
- 1 vs 2 `serve` processes behind the same PostgreSQL, Telegram webhook at saturation, split round-robin.

The load generator is Python (httpx) on the same 2 cores: it costs the server some CPU, the same share for
the conversation rows and the stateless row, which is why the ratio is the figure to compare across machines.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serve import GIAMNGHEO, ROOT, free_port, peak_rss_mb  # noqa: E402

REPEATS = 1
SENDERS = 16
BURST = 600
RATE, RATE_SECONDS = 50, 6
ASK_SECONDS = 5
DEADLINE = 60.0
TOKEN = "7000000001:AAFakeTokenForTests_abcdefghijklmnopqrs"
SECRET = "bench-webhook-secret"
ZALO_APP_ID, ZALO_OA_SECRET = "3141592653589793", "bench-oa-secret"
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgres").split(",")
ERRORS: list[str] = []  # answers other than 200 from the chat and ask routes (each one a household let down)
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def questions() -> list[str]:
    path = ROOT / "tests" / "data" / "questions" / "test.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Fake:
    """A fake platform in its own process, asked over stdin for `{user: [messages, last at]}`."""

    def __init__(self, script: str, *args: str):
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).parent / script), *args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().split()[1])

    def ask(self, command: str) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=10)


def wait_for_replies(fake: Fake, users: list[str], deadline: float) -> dict[str, list[float]]:
    """Each user's [replies, last at] once every user got one and nothing more arrived for a moment."""
    seen: dict[str, list[float]] = {}
    last_total, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        sends = fake.ask("sends")
        seen = {u: sends[u] for u in users if u in sends}
        total = sum(int(v[0]) for v in sends.values())
        if total != last_total:
            last_total, quiet_since = total, time.monotonic()
        elif len(seen) == len(users) and time.monotonic() - quiet_since > 0.5:
            break
        time.sleep(0.1)
    return seen


LOG = Path(tempfile.gettempdir()) / "bench_conversation_serve.log"


def start_server(env: dict[str, str], port: int) -> tuple[subprocess.Popen, float]:
    """Start `serve` and wait for the web chat's first answer (start to first answer, seconds).

    Its log goes to a file (a pipe nobody reads would block the server once full); warnings and errors
    there are worth reading after a run: `bench_conversation_serve.log` in the temporary directory.
    """
    started = time.monotonic()
    with LOG.open("a") as log:
        process = subprocess.Popen([str(GIAMNGHEO), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=os.environ | env, stdout=subprocess.DEVNULL, stderr=log)
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < started + 60:
            try:
                if client.post(f"http://127.0.0.1:{port}/api/v1/chat", json={"text": "vay vốn"}).status_code == 200:
                    first = time.monotonic() - started
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"serve exited: {LOG.read_text()[-2000:]}")
            time.sleep(0.02)
        else:
            process.kill()
            raise RuntimeError("serve did not answer within 60 s")
        while time.monotonic() < started + 60:  # the bot starts in the background: wait until it takes updates
            if client.post(f"http://127.0.0.1:{port}/webhooks/telegram", json={},
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).status_code == 400:
                return process, first
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the Telegram webhook did not become ready")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def telegram_request(chat_id: int, text: str) -> tuple[str, dict, dict]:
    update = {"update_id": chat_id, "message": {
        "message_id": 1, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "Hộ"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Hộ"}}}
    return "/webhooks/telegram", update, {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def zalo_request(user: int, text: str) -> tuple[str, bytes, dict]:
    body = json.dumps({"app_id": ZALO_APP_ID, "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000)),
                       "sender": {"id": str(user)}, "recipient": {"id": "oa"},
                       "message": {"msg_id": f"m{user}", "text": text}}, ensure_ascii=False).encode()
    body_json = json.loads(body)
    mac = hashlib.sha256(ZALO_APP_ID.encode() + body + body_json["timestamp"].encode() + ZALO_OA_SECRET.encode())
    return "/webhooks/zalo", body, {"X-ZEvent-Signature": f"mac={mac.hexdigest()}", "Content-Type": "application/json"}


async def post_all(bases: list[str], requests: list[tuple[str, object, dict]], *, rate: float | None) -> list[float]:
    """Post every request (SENDERS at a time, or paced at `rate`/s); the monotonic time each one was sent."""
    sent_at = [0.0] * len(requests)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(requests)):
        queue.put_nowait(i)
    start = time.monotonic()

    async def sender(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            if rate:
                await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            path, body, headers = requests[i]
            sent_at[i] = time.monotonic()
            kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
            try:
                response = await client.post(bases[i % len(bases)] + path, headers=headers, **kwargs)
            except httpx.TransportError as error:
                ERRORS.append(f"{path} {type(error).__name__}")
                continue
            if response.status_code != 200:
                ERRORS.append(f"{path} {response.status_code}")

    async with httpx.AsyncClient(timeout=DEADLINE, limits=httpx.Limits(max_connections=SENDERS * 2)) as client:
        await asyncio.gather(*(sender(client) for _ in range(SENDERS)))
    return sent_at


def push_path(fake: Fake, bases: list[str], make: Callable[[int, str], tuple], first_user: int, count: int,
              rate: float | None) -> tuple[float, list[float]]:
    """(messages/s from first post to last reply, per-household latencies in ms) for one pushed channel."""
    texts = questions()
    users = list(range(first_user, first_user + count))
    sent_at = asyncio.run(post_all(bases, [make(u, texts[u % len(texts)]) for u in users], rate=rate))
    replies = wait_for_replies(fake, [str(u) for u in users], time.monotonic() + DEADLINE)
    latencies = [(replies[str(u)][1] - at) * 1000 if str(u) in replies else DEADLINE * 1000
                 for u, at in zip(users, sent_at, strict=True)]
    end = max((v[1] for v in replies.values()), default=time.monotonic())
    return len(replies) / (end - min(sent_at)), latencies


async def closed_loop(base: str, path: str, body: Callable[[int], dict], *, seconds: float | None,
                      count: int | None, rate: float | None = None) -> tuple[float, list[float]]:
    """SENDERS clients, each new request after the last answer (or paced at `rate`/s): (req/s, latencies ms)."""
    latencies: list[float] = []
    issued = 0
    start = time.monotonic()

    def more() -> int | None:
        nonlocal issued
        if (count is not None and issued >= count) or (seconds is not None and time.monotonic() - start > seconds):
            return None
        issued += 1
        return issued

    async def sender(client: httpx.AsyncClient) -> None:
        while (i := more()) is not None:
            if rate:
                await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            began = time.monotonic()
            try:  # no cookie kept: a new household each time
                response = await client.post(base + path, json=body(i))
            except httpx.TransportError as error:
                ERRORS.append(f"{path} {type(error).__name__}")
                continue
            if response.status_code != 200:
                ERRORS.append(f"{path} {response.status_code}")
                continue
            latencies.append((time.monotonic() - began) * 1000)

    async with httpx.AsyncClient(timeout=DEADLINE, limits=httpx.Limits(max_connections=SENDERS * 2),
                                 cookies=None) as client:
        client.cookies = _NoCookies()
        await asyncio.gather(*(sender(client) for _ in range(SENDERS)))
    return len(latencies) / (time.monotonic() - start), latencies


class _NoCookies(httpx.Cookies):
    def set_cookie_header(self, request: httpx.Request) -> None:  # noqa: D102
        return None

    def extract_cookies(self, response: httpx.Response) -> None:  # noqa: D102
        return None


def step(label: str, work: Callable[[], tuple[float, list[float]]]) -> tuple[float, list[float]]:
    """Run one measurement and say what it gave on stderr (a slow machine shows where the time went)."""
    began = time.monotonic()
    rate, latencies = work()
    p99 = percentile(latencies, 0.99) if latencies else float("nan")
    print(f"  {label}: {rate:.1f}/s, p99 {p99:.0f} ms, {time.monotonic() - began:.1f} s", file=sys.stderr, flush=True)
    return rate, latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


@contextmanager
def database(kind: str, directory: Path):  # noqa: ANN201
    """A fresh database URL: a SQLite file, or a scratch PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'conversation.db'}"
        return
    import psycopg

    name = f"bench_conversation_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(url: str, telegram: Fake, zalo: Fake | None, port: int) -> dict[str, str]:
    env = {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{telegram.port}/bot", "TELEGRAM_MODE": "webhook",
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_RATE_LIMIT_ENABLED": "false",
           "TELEGRAM_RATE_PER_SECOND": "100000",
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "WEB_NEW_SESSIONS_PER_MINUTE": "1000000",
           "ZALO_APP_ID": "", "ZALO_OA_SECRET_KEY": ""}
    if zalo is not None:
        from tests.kit.zalo_api import APP_SECRET, FIRST_ACCESS, FIRST_REFRESH

        zalo_url = f"http://127.0.0.1:{zalo.port}"
        env |= {"ZALO_APP_ID": ZALO_APP_ID, "ZALO_APP_SECRET": APP_SECRET, "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
                "ZALO_OA_ACCESS_TOKEN": FIRST_ACCESS, "ZALO_OA_REFRESH_TOKEN": FIRST_REFRESH,
                "ZALO_OA_API_BASE_URL": zalo_url, "ZALO_OAUTH_BASE_URL": zalo_url, "ZALO_RATE_PER_SECOND": "100000"}
    return env


def measure(kind: str, directory: Path, telegram: Fake, zalo: Fake) -> list[dict]:
    """Every row for one database; also 1 vs 2 processes on PostgreSQL."""
    texts = questions()
    with database(kind, directory) as url:
        port = free_port()
        process, first_answer = start_server(server_env(url, telegram, zalo, port), port)
        base = f"http://127.0.0.1:{port}"
        try:
            push_path(telegram, [base], telegram_request, 1, 20, None)  # warm-up
            ask_rps, _ = step("ask", lambda: asyncio.run(closed_loop(
                base, "/api/v1/ask", lambda i: {"text": texts[i % len(texts)]}, seconds=ASK_SECONDS, count=None)))
            tg_rps, _ = step("telegram burst", lambda: push_path(telegram, [base], telegram_request, 10_000, BURST,
                                                                 None))
            _, tg_lat = step("telegram paced", lambda: push_path(telegram, [base], telegram_request, 20_000,
                                                                 RATE * RATE_SECONDS, RATE))
            zalo_rps, _ = step("zalo burst", lambda: push_path(zalo, [base], zalo_request, 30_000, BURST, None))
            _, zalo_lat = step("zalo paced", lambda: push_path(zalo, [base], zalo_request, 40_000,
                                                               RATE * RATE_SECONDS, RATE))
            web_rps, _ = step("web burst", lambda: asyncio.run(closed_loop(
                base, "/api/v1/chat", lambda i: {"text": texts[i % len(texts)]}, seconds=None, count=BURST)))
            _, web_lat = step("web paced", lambda: asyncio.run(closed_loop(
                base, "/api/v1/chat", lambda i: {"text": texts[i % len(texts)]}, seconds=None,
                count=RATE * RATE_SECONDS, rate=RATE)))
            rss = peak_rss_mb(process.pid)
            two = scale_out(url, telegram, base) if kind == "postgres" else None
        finally:
            stop_server(process)
    rows = [
        {"name": f"conversation: start to first answer ({kind}, all channels on)", "value": first_answer,
         "unit": "s", "target": 2},
        {"name": f"/api/v1/ask, stateless, same run ({kind}, {SENDERS} senders)", "value": ask_rps,
         "unit": "req/s"},
    ]
    for path, rps, lat in (("telegram webhook", tg_rps, tg_lat), ("zalo webhook", zalo_rps, zalo_lat),
                           ("web chat", web_rps, web_lat)):
        rows += [
            {"name": f"{path} → reply, saturated ({kind})", "value": rps, "unit": "msg/s", "target": 150,
             "higher_is_better": True},
            {"name": f"{path}: share of stateless ({kind})", "value": 100 * rps / ask_rps, "unit": "%",
             "target": 50, "higher_is_better": True},
            {"name": f"{path} p50 at {RATE} msg/s ({kind})", "value": statistics.median(lat), "unit": "ms"},
            {"name": f"{path} p99 at {RATE} msg/s ({kind})", "value": percentile(lat, 0.99), "unit": "ms",
             "target": 250},
        ]
    rows.append({"name": f"conversation: serve peak RSS ({kind})", "value": rss, "unit": "MB", "target": 200})
    if two is not None:
        rows += [{"name": "telegram webhook, 2 serve processes, one PostgreSQL", "value": two, "unit": "msg/s"},
                 {"name": "telegram webhook, 2 processes / 1 process", "value": two / tg_rps, "unit": "×"}]
    return rows


def scale_out(url: str, telegram: Fake, first_base: str) -> float:
    """Telegram webhook throughput with a second `serve` process on the same PostgreSQL beside the first."""
    port = free_port()
    process, _ = start_server(server_env(url, telegram, None, port), port)
    try:
        second = f"http://127.0.0.1:{port}"
        push_path(telegram, [second], telegram_request, 50_000, 20, None)  # warm-up
        rps, _ = push_path(telegram, [first_base, second], telegram_request, 60_000, BURST, None)
    finally:
        stop_server(process)
    return rps


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        telegram = Fake("fake_bot_api_process.py")
        stack.callback(telegram.close)
        zalo = Fake("fake_zalo_process.py")
        stack.callback(zalo.close)
        for kind in DATABASES:
            telegram.ask("reset")
            zalo.ask("reset")
            ERRORS.clear()
            rows += measure(kind, Path(tmp), telegram, zalo)
            rows.append({"name": f"conversation: error answers ({kind})", "value": len(ERRORS), "unit": "count",
                         "target": 0})
    return rows

