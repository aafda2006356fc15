"""`giamngheo serve` as an operator runs it: start-to-first-answer (≤ 3 s), `/api/v1/ask` throughput with
wrk on loopback (≥ 300 requests/s), and the server's peak RSS (≤ 250 MB).

The server gets a fresh SQLite database each run, so start-up includes migrating and loading the area map.
wrk (Debian package `wrk`, installed by `make bench`) sends POSTs rotating over real dev questions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
GIAMNGHEO = Path(sys.executable).parent / "giamngheo"
REPEATS = 3
WRK_SECONDS = 10
WRK_CONNECTIONS = 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk_script(directory: Path) -> Path:
    sets = [ROOT / "tests" / "data" / "questions" / f"{name}.jsonl" for name in ("tune", "test")]
    lines = [line for path in sets for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [json.loads(line)["text"] for line in lines[::4]]
    bodies = ",\n".join(json.dumps(json.dumps({"text": t}, ensure_ascii=False), ensure_ascii=False) for t in texts)
    script = directory / "ask.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"local bodies = {{\n{bodies}\n}}\nlocal i = 0\n"
        "request = function()\n  i = i % #bodies + 1\n"
        "  return wrk.format(nil, '/api/v1/ask', nil, bodies[i])\nend\n",
        encoding="utf-8",
    )
    return script


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(port: int, database: Path) -> tuple[subprocess.Popen, float]:
    env = os.environ | {"DATABASE_URL": f"sqlite:///{database}", "TELEGRAM_BOT_TOKEN": "", "ZALO_APP_ID": "",
                        "LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    process = subprocess.Popen([str(GIAMNGHEO), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = started + 30
    with httpx.Client(timeout=1.0) as client:
        while time.perf_counter() < deadline:
            try:
                response = client.post(f"http://127.0.0.1:{port}/api/v1/ask", json={"text": "vay vốn hộ nghèo"})
                if response.status_code == 200:
                    return process, time.perf_counter() - started
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "server exited")
            time.sleep(0.02)
    process.kill()
    raise RuntimeError("server did not answer within 30 s")


def requests_per_second(port: int, script: Path) -> float:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (make bench installs Debian's wrk)")
    output = subprocess.run(["wrk", "-t2", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "-s", str(script),
                             f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        port = free_port()
        process, first_answer = start_server(port, directory / "bench.db")
        try:
            rps = requests_per_second(port, wrk_script(directory))
            rss = peak_rss_mb(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return [
        {"name": "serve: start to first answer (fresh SQLite)", "value": first_answer, "unit": "s", "target": 3},
        {"name": f"/api/v1/ask throughput (wrk, {WRK_CONNECTIONS} connections)", "value": rps, "unit": "req/s",
         "target": 300, "higher_is_better": True},
        {"name": "serve: peak RSS after load", "value": rss, "unit": "MB", "target": 250},
    ]
