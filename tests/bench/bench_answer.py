"""Answer latency in process: ≥ 1,000 varied questions through `KnowledgeBase.answer` (target p99 ≤ 10 ms).

The questions are the dev set plus deterministic variants of each (accents stripped, upper case, a stray
Telex keystroke, a dropped letter), so the typo and Telex paths are exercised, not only clean text.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import date
from pathlib import Path

from core.answers.normalise import fold
from core.answers.ranking import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
REPEATS = 5


def questions(minimum: int = 1000) -> list[str]:
    sets = [ROOT / "tests" / "data" / "questions" / f"{name}.jsonl" for name in ("tune", "test")]
    base = [json.loads(line)["text"] for path in sets for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rng = random.Random(2026)
    variants = list(base)
    for text in base:
        words = text.split()
        i = rng.randrange(len(words)) if words else 0
        telex = words[:i] + [words[i] + rng.choice("sfrxj")] + words[i + 1 :] if words else words
        dropped = text[: len(text) // 2] + text[len(text) // 2 + 1 :]
        variants += [fold(text), text.upper(), " ".join(telex), dropped]
    while len(variants) < minimum:
        variants += variants
    return variants


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run() -> list[dict]:
    knowledge = KnowledgeBase.from_directory(ROOT / "content")
    sample = questions()
    day = date(2026, 11, 29)
    for text in sample[:50]:  # warm caches the way a running server has them
        knowledge.answer(text, on=day)
    timings = []
    for text in sample:
        started = time.perf_counter_ns()
        knowledge.answer(text, on=day)
        timings.append((time.perf_counter_ns() - started) / 1e6)
    return [
        {"name": f"answer latency p50 ({len(sample)} questions)", "value": statistics.median(timings), "unit": "ms"},
        {"name": f"answer latency p99 ({len(sample)} questions)", "value": percentile(timings, 0.99), "unit": "ms",
         "target": 10},
    ]
