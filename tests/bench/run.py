"""`make bench`: run every tests/bench/bench_*.py several times; print medians and write JSON.

A bench module defines `run() -> list[dict]` returning metrics `{"name", "value", "unit", "target"?,
"higher_is_better"?}` and may set `REPEATS` (default 3). Each metric is reported as the median over the
repeats, with every run's value kept in the JSON next to the machine it ran on.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory_gib = round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        postgres = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory_gib, "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version, "postgres_client": postgres,
            "load_before": load_average()}


def load_average() -> list[float] | None:
    """The 1/5/15-minute load average: a figure measured beside other work means less, and says so."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def load(path: Path):  # noqa: ANN201
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def verdict(metric: dict, value: float) -> str:
    target = metric.get("target")
    if target is None:
        return ""
    ok = value >= target if metric.get("higher_is_better", False) else value <= target
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/bench.json")
    parser.add_argument("--only", help="run only bench modules whose name contains this")
    parser.add_argument("--repeats", type=int, help="override every module's REPEATS")
    args = parser.parse_args()
    host = machine()
    print(f"machine: {host['cpu']}, {host['cores']} cores, {host['memory_gib']} GiB, load {host['load_before']}",
          file=sys.stderr, flush=True)
    results: list[dict] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if args.only and args.only not in path.stem:
            continue
        module = load(path)
        repeats = args.repeats or getattr(module, "REPEATS", 3)
        runs: dict[str, list[float]] = {}
        meta: dict[str, dict] = {}
        for i in range(repeats):
            started = time.perf_counter()
            print(f"… {path.stem} run {i + 1}/{repeats}", file=sys.stderr, flush=True)
            for metric in module.run():
                runs.setdefault(metric["name"], []).append(float(metric["value"]))
                meta[metric["name"]] = metric
            print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        for name, values in runs.items():
            metric = meta[name]
            median = statistics.median(values)
            results.append({"bench": path.stem, "name": name, "median": round(median, 3), "unit": metric["unit"],
                            "target": metric.get("target"), "higher_is_better": metric.get("higher_is_better", False),
                            "runs": [round(v, 3) for v in values], "verdict": verdict(metric, median)})
    print_table(results)
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": host,
              "load_after": load_average(), "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nmachine: {host['cpu']}, {host['cores']} cores, {host['memory_gib']} GiB; load before "
          f"{host['load_before']}, after {report['load_after']}; JSON written to {args.out}")
    missed = [r["name"] for r in results if r["verdict"] == "MISSED"]
    if missed:
        print(f"\n{len(missed)} target(s) MISSED: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


def print_table(results: list[dict]) -> None:
    print(f"| {'metric':58} | {'median':>10} | {'unit':8} | {'target':>10} | {'runs':5} | verdict |")
    print(f"|{'-' * 60}|{'-' * 12}|{'-' * 10}|{'-' * 12}|{'-' * 7}|---------|")
    for r in results:
        target = "" if r["target"] is None else ("≥ " if r["higher_is_better"] else "≤ ") + f"{r['target']:g}"
        print(f"| {r['name']:58} | {r['median']:>10g} | {r['unit']:8} | {target:>10} | {len(r['runs']):5} | "
              f"{r['verdict']:7} |")


if __name__ == "__main__":
    raise SystemExit(main())
