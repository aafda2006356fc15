"""The `giamngheo` command as a user runs it: a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database
BIN = Path(sys.executable).parent / "giamngheo"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(BIN), *args], input=stdin, capture_output=True, timeout=60)


def test_ask_prints_the_answer_text():
    result = run("ask", "hộ nghèo vay vốn được bao nhiêu")
    assert result.returncode == 0
    assert "Nguồn:" in result.stdout.decode()


def test_ask_json_prints_one_object():
    result = run("ask", "--json", "vay von ho ngheo")
    data = json.loads(result.stdout)
    assert data["matched"] is True and data["topic"] == "vay-von"


def test_ask_json_from_stdin_answers_each_line_in_order_even_with_bad_bytes():
    lines = "vay vốn hộ nghèo\n\nxổ số hôm nay\n".encode() + b"\xff\xfe c\xc3\n" + "cài VNeID\n".encode()
    result = run("ask", "--json", stdin=lines)
    assert result.returncode == 0
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == 5
    assert rows[0]["matched"] and rows[1]["kind"] == "empty" and not rows[2]["matched"]
    assert "not UTF-8" in result.stderr.decode()


def test_ask_without_a_question_or_json_explains_itself():
    result = run("ask")
    assert result.returncode == 2 and "giamngheo ask" in result.stderr.decode()


def test_content_check_passes_on_the_shipped_content():
    result = run("content", "check")
    assert result.returncode == 0, result.stderr.decode()


def test_eval_reports_tune_and_test_with_intervals_and_writes_json(tmp_path):
    rows = {"tune": [{"text": "vay von ho ngheo duoc bao nhieu", "expected": "vay-ho-ngheo"},
                     {"text": "giá vàng hôm nay", "expected": None}],
            "test": [{"text": "nha ngheo vay von nuoi heo", "expected": "vay-ho-ngheo", "second": "nuoi-heo-an-toan"},
                     {"text": "cai vneid sao", "expected": "cai-dat-vneid"}]}
    for name, part in rows.items():
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    out = tmp_path / "data" / "eval.json"  # a fresh clone has no data/ folder yet
    result = subprocess.run([str(BIN), "eval", "--questions", str(tmp_path), "--out", str(out)],
                            capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    table = result.stdout.decode()
    tune_row = next(line for line in table.splitlines() if line.startswith("| tune |"))
    assert "%–" in tune_row and "| test |" in table and "pure BM25 (lower-case words" in table
    data = json.loads(out.read_text(encoding="utf-8"))
    full = next(r for r in data["test"] if r["name"] == "full pipeline")
    assert full["mixed"] == 1 and len(full["top1_accuracy_95"]) == 2


def test_eval_without_question_sets_says_so(tmp_path):
    result = run("eval", "--questions", str(tmp_path))
    assert result.returncode == 2
    assert "no question set at" in result.stderr.decode() and "Traceback" not in result.stderr.decode()
