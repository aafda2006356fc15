"""A crowd on the web chat: N clients, each with its own session, POST /api/v1/chat for T seconds against a real
`giamngheo serve` on loopback; prints the count per status and the p50/p99 latency.

    .venv/bin/python tests/bench/chat_crowd.py                       # 50 clients, 60 s, a fresh SQLite file
    .venv/bin/python tests/bench/chat_crowd.py --database postgresql://postgres@127.0.0.1:5432/crowd --seconds 30

A PostgreSQL database is dropped and created fresh. Every client opens the chat, then types dev-set questions
and taps a menu button now and then, as a household would, one request at a time (think time 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))
from bench_serve import GIAMNGHEO, free_port  # noqa: E402


def questions() -> list[str]:
    dev_set = ROOT / "tests" / "data" / "questions" / "test.jsonl"
    return [json.loads(line)["text"] for line in dev_set.read_text(encoding="utf-8").splitlines()[::7]]


def fresh_postgres(url: str) -> None:
    import psycopg  # only needed for this case

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start(port: int, database_url: str, workers: int) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": "", "ZALO_APP_ID": "",
                        "LOG_LEVEL": "WARNING", "WEB_NEW_SESSIONS_PER_MINUTE": "100000"}
    command = [str(GIAMNGHEO), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "server exited")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start within 60 s")


async def household(base: str, texts: list[str], offset: int, until: float, statuses: Counter[int],
                    latencies: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        i = offset
        body: dict = {"start": True}
        while time.monotonic() < until:
            began = time.perf_counter()
            try:
                response = await client.post("/api/v1/chat", json=body)
                statuses[response.status_code] += 1
            except httpx.HTTPError:
                statuses[0] += 1  # no answer at all
            latencies.append(time.perf_counter() - began)
            i += 1
            body = {"payload": "m"} if i % 10 == 0 else {"text": texts[i % len(texts)]}


async def crowd(base: str, clients: int, seconds: float) -> dict:
    texts = questions()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    until = time.monotonic() + seconds
    await asyncio.gather(*(household(base, texts, n * 13, until, statuses, latencies) for n in range(clients)))
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "statuses": dict(sorted(statuses.items())),
            "5xx": sum(n for code, n in statuses.items() if code >= 500 or code == 0),
            "p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="", help="a postgresql:// URL (default: a fresh SQLite file)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database:
            fresh_postgres(args.database)
            url = args.database
        else:
            url = f"sqlite:///{Path(tmp) / 'crowd.db'}"
        port = free_port()
        process = start(port, url, 1)
        try:
            result = asyncio.run(crowd(f"http://127.0.0.1:{port}", args.clients, args.seconds))
        finally:
            process.terminate()
            try:
                _, stderr = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                _, stderr = process.communicate()
        errors = Counter(line.strip() for line in stderr.decode(errors="replace").splitlines()
                         if "Error" in line and not line.startswith(" "))
        result["database"] = "postgresql" if args.database else "sqlite"
        result["server_errors"] = dict(errors.most_common(5))
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
