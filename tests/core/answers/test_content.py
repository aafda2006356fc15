"""`giamngheo content check`: every rule that keeps the curated corpus honest, on small corpora made here."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from core.answers.content import check_content, load_entries

pytestmark = pytest.mark.no_database
TODAY = date(2026, 11, 29)
BODY = "Hộ nghèo được vay vốn ưu đãi.\n\nCần gì: căn cước.\nHỏi ai: tổ trưởng.\nỞ đâu: điểm giao dịch xã."


def entry(root: Path, folder: str, id_: str, **fields) -> Path:
    meta = {"id": id_, "title": f"Tiêu đề {id_}", "topic": folder,
            "questions": [f"{id_} câu hỏi {i}" for i in range(4)], "keywords": ["vay"],
            "sources": [{"title": "NHCSXH", "url": "https://eng.vbsp.org.vn/"}], "legal_basis": [],
            "reviewed": "2026-11-01"}
    meta.update(fields)
    body = meta.pop("body", BODY)
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items() if value is not None]
    path = root / folder / f"{id_}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + "\n".join(lines) + "\n---\n" + body + "\n", encoding="utf-8")
    return path


def errors(root: Path) -> list[str]:
    return [str(p) for p in check_content(root, today=TODAY) if p.severity == "error"]


def test_a_clean_corpus_has_no_problems(tmp_path):
    entry(tmp_path, "vay-von", "vay-a")
    entry(tmp_path, "sinh-ke", "nuoi-b")
    assert check_content(tmp_path, today=TODAY) == []
    assert [e.id for e in load_entries(tmp_path)] == ["nuoi-b", "vay-a"]


def test_broken_front_matter_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "vay-von" / "hong.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nid: hong\ntitle: Hỏng\nquestions: [a, b\nreviewed: 2026-11-01\n---\nthân bài\n",
                    encoding="utf-8")
    [problem] = errors(tmp_path)
    assert problem.startswith(f"{path}:") and "not valid YAML" in problem
    line = int(problem.split(":")[1])
    assert 4 <= line <= 6  # the unclosed list, as the YAML parser sees it


def test_missing_front_matter_and_missing_fields(tmp_path):
    (tmp_path / "vay-von").mkdir()
    (tmp_path / "vay-von" / "tran.md").write_text("không có front matter\n", encoding="utf-8")
    entry(tmp_path, "vay-von", "thieu", sources=None)
    found = " ".join(errors(tmp_path))
    assert "must start with a '---'" in found and "missing field(s): sources" in found


def test_unique_ids_and_no_shared_example_question(tmp_path):
    entry(tmp_path, "vay-von", "vay-a", questions=["Hộ nghèo vay được bao nhiêu?", "b1", "c1", "d1"])
    entry(tmp_path, "sinh-ke", "vay-a")
    entry(tmp_path, "chuan-ngheo", "khac", questions=["ho ngheo vay duoc bao nhieu", "b2", "c2", "d2"])
    found = " ".join(errors(tmp_path))
    assert "id 'vay-a' already used" in found
    assert "also in khac" in found or "also in vay-a" in found  # same question once accents and case are gone


@pytest.mark.parametrize(("fields", "message"), [
    ({"sources": []}, "missing field(s): sources"),
    ({"sources": [{"title": "x", "url": "ftp://x"}]}, "not a web address"),
    ({"questions": ["một", "hai", "ba"]}, "at least 4 example questions"),
    ({"body": "a" * 1301 + "\nCần gì: x\nHỏi ai: y\nỞ đâu: z"}, "more than 1300"),
    ({"body": "Trả lời.\nHỏi ai: y\nỞ đâu: z"}, "lacks the line 'Cần gì:'"),
    ({"body": BODY + "\n<b>đậm</b>"}, "contains HTML"),
    ({"approximate": True}, "hãy hỏi lại"),
    ({"topic": "sinh-ke"}, "differs from the folder"),
    ({"valid_from": "2027-01-01", "valid_until": "2026-12-31"}, "valid_from is after valid_until"),
    ({"reviewed": "2027-01-01"}, "in the future"),
    ({"reviewed": "hôm qua"}, "is not a date"),
    ({"body": "## Vay vốn\n" + BODY}, "Markdown heading"),
    ({"body": "| Mức | Lãi |\n|---|---|\n" + BODY}, "Markdown table"),
    ({"title": "Vay vốn ưu đãi " + "a" * 50}, "title has 65 characters, over 60"),
    ({"body": "Hỏi phòng lao động huyện Long Mỹ.\n\n" + BODY}, "'huyện' named as a current unit"),
    ({"body": "Người dân tỉnh Hậu Giang được vay.\n\n" + BODY}, "'tỉnh Hậu Giang' named as a current unit"),
    ({"title": "Vay vốn ở huyện Long Mỹ"}, "title names 'huyện' as a current unit"),
    ({"body": "Trả lời. Cần gì: căn cước.\nHỏi ai: tổ trưởng.\nỞ đâu: xã."}, "label 'Cần gì:' must start its own"),
    ({"body": "Vay ở NHCSXH.\n\n" + BODY}, "first 'NHCSXH' must be spelled out"),
])
def test_each_rule_is_an_error(tmp_path, fields, message):
    entry(tmp_path, "vay-von", "vay-a", **fields)
    assert any(message in e for e in errors(tmp_path)), errors(tmp_path)


def test_form_errors_name_the_line_of_the_file(tmp_path):
    path = entry(tmp_path, "vay-von", "vay-a", body="Dòng một.\n\n### Tiêu đề\n" + BODY)
    [problem] = errors(tmp_path)
    assert problem.startswith(f"{path}:") and "Markdown heading" in problem
    assert path.read_text(encoding="utf-8").splitlines()[int(problem.split(":")[1]) - 1] == "### Tiêu đề"


def test_old_units_in_historical_phrasing_and_spelled_out_nhcsxh_pass(tmp_path):
    body = ("Trước đây, hộ ở huyện Long Mỹ vay qua phòng giao dịch huyện.\n"
            "Xã Hỏa Tiến cũ thuộc tỉnh Hậu Giang cũ, nay thuộc thành phố Cần Thơ.\n"
            "Vay ở Ngân hàng Chính sách xã hội (NHCSXH). Sau đó NHCSXH giải ngân.\n\n" + BODY)
    entry(tmp_path, "vay-von", "vay-a", body=body, title="Vay vốn ở Long Mỹ (trước đây là huyện Long Mỹ)")
    assert errors(tmp_path) == []


def test_a_review_older_than_12_months_is_a_warning_not_an_error(tmp_path):
    entry(tmp_path, "vay-von", "vay-a", reviewed="2025-10-01")
    [problem] = check_content(tmp_path, today=TODAY)
    assert problem.severity == "warning" and "over 12 months" in str(problem)


def test_the_command_exits_non_zero_on_errors_and_zero_on_warnings(tmp_path):
    giamngheo = Path(sys.executable).parent / "giamngheo"
    entry(tmp_path, "vay-von", "vay-a", reviewed="2025-10-01")
    ok = subprocess.run([str(giamngheo), "content", "check", "--date", "2026-11-29"], capture_output=True,
                        text=True, env={"CONTENT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert ok.returncode == 0 and "1 warnings" in ok.stdout
    entry(tmp_path, "vay-von", "vay-b", questions=["x"])
    bad = subprocess.run([str(giamngheo), "content", "check", "--date", "2026-11-29"], capture_output=True,
                         text=True, env={"CONTENT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert bad.returncode == 1 and "vay-b.md" in bad.stderr


def test_the_shipped_content_meets_the_coverage_bar():
    entries = load_entries(Path(__file__).resolve().parents[3] / "content")
    assert len(entries) >= 90
    assert {e.topic for e in entries} == {"vay-von", "chuan-ngheo", "sinh-ke", "dich-vu-cong", "an-toan-mang",
                                          "gioi-thieu"}
    assert all(len(e.questions) >= 4 and e.sources for e in entries)
