"""The fake Bot API in its own process, so a benchmark's worker does not share a GIL with it.

    python tests/bench/fake_bot_api_process.py [--flood-limits]

Prints `PORT <n>` when serving. Each line read on stdin is a command: `stats` prints one JSON line (messages
accepted, 429s answered, send rate, peak per second, shortest gap per chat), `sends` prints
`{chat_id: [messages, monotonic time of the last]}`, `reset` forgets the calls; end of input stops the server.
Times are `time.monotonic()`, one clock for every process on the machine (Linux).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.kit.telegram_api import FakeTelegramAPI  # noqa: E402


def stats(fake: FakeTelegramAPI) -> dict:
    calls = fake.calls("sendMessage")
    gap = fake.min_chat_interval()
    return {"accepted": len(calls), "rate_limited": fake.rate_limited, "send_rate": fake.send_rate(),
            "peak_per_second": fake.peak_rate(1.0), "min_chat_interval": None if math.isinf(gap) else gap,
            "first_at": calls[0].at if calls else None, "last_at": calls[-1].at if calls else None}


def sends(fake: FakeTelegramAPI) -> dict[int, list[float]]:
    """Per chat: how many messages were accepted and when the last one was."""
    out: dict[int, list[float]] = {}
    for call in fake.calls("sendMessage"):
        if call.chat_id is not None:
            count, _ = out.get(call.chat_id, (0, 0.0))
            out[call.chat_id] = [count + 1, call.at]
    return out


def main() -> None:
    with FakeTelegramAPI() as fake:
        if "--flood-limits" in sys.argv:
            fake.enforce_flood_limits(30, 1.0)
        print(f"PORT {fake.port}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                print(json.dumps(stats(fake)), flush=True)
            elif command == "sends":
                print(json.dumps(sends(fake)), flush=True)
            elif command == "reset":
                fake.reset_calls()
                fake.rate_limited = 0
                print("{}", flush=True)


if __name__ == "__main__":
    main()
