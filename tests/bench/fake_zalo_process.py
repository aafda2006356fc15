"""The fake Zalo OA API in its own process, so a benchmark's server does not share a GIL with it.

    python tests/bench/fake_zalo_process.py

Prints `PORT <n>` when serving. Each line read on stdin is a command: `sends` prints
`{user_id: [messages, monotonic time of the last]}`, `reset` forgets the messages; end of input stops it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.kit.zalo_api import FakeZalo  # noqa: E402


def sends(fake: FakeZalo) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for message, at in zip(list(fake.messages), list(fake.accepted_at), strict=False):
        count, _ = out.get(message["user_id"], (0, 0.0))
        out[message["user_id"]] = [count + 1, at]
    return out


def main() -> None:
    with FakeZalo() as fake:
        print(f"PORT {fake.port}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "sends":
                print(json.dumps(sends(fake)), flush=True)
            elif command == "reset":
                fake.messages.clear()
                fake.accepted_at.clear()
                print("{}", flush=True)


if __name__ == "__main__":
    main()
