"""Split dev questions into a tuning set and a held-out test set, stratified by expected entry (run once).

    python tests/data/questions/split.py all.jsonl [more.jsonl …]   # writes tune.jsonl and test.jsonl here

Questions are grouped by what they expect (an entry id, the pair of a mixed-intent question, or out of
scope), each group is shuffled with a fixed seed, and the groups' questions are dealt alternately to the
two sets with one running counter, so every entry lands on both sides and odd-sized groups give their
extra question to tune and test in turn (about 50/50 overall). A question added later goes to the set
its group's next turn names; never move a question between sets after seeing results.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SEED = 11
HERE = Path(__file__).resolve().parent


def split(rows: list[dict], seed: int = SEED) -> tuple[list[dict], list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        key = f"{row.get('expected')}+{row.get('second')}"
        groups.setdefault(key, []).append(row)
    rng = random.Random(seed)
    tune: list[dict] = []
    test: list[dict] = []
    turn = 0
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        for row in members:
            (tune if turn % 2 == 0 else test).append(row)
            turn += 1
    return tune, test


def main(paths: list[str]) -> None:
    lines = [line for p in paths for line in Path(p).read_text(encoding="utf-8").splitlines()]
    rows = [json.loads(line) for line in lines if line.strip()]
    for name, part in zip(("tune", "test"), split(rows), strict=True):
        with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in part)
        print(f"{name}: {len(part)} questions")


if __name__ == "__main__":
    main(sys.argv[1:])
