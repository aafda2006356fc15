"""`giamngheo chat`: the whole journey in the terminal, numbered options, piped input."""

import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bot.channels.console import run_chat
from core.db import session_scope
from core.models import Contact, Delivery, Feedback, Subscription

ROOT = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class Pick:
    """Type the number shown beside the option whose label contains `label`."""

    label: str


class ScriptedUser:
    """Reads the screen since its last line, like a person would, and types the next step."""

    def __init__(self, screen: io.StringIO, steps: list) -> None:
        self.screen, self.steps, self.seen = screen, list(steps), 0

    def readline(self) -> str:
        if not self.steps:
            return ""
        step = self.steps.pop(0)
        turn = self.screen.getvalue()[self.seen:]
        self.seen = len(self.screen.getvalue())
        if isinstance(step, Pick):
            found = re.search(rf"^  \[(\d+)\] [^\n]*{re.escape(step.label)}", turn, re.MULTILINE)
            assert found, f"no option {step.label!r} on screen:\n{turn}"
            return found.group(1) + "\n"
        return step + "\n"


async def chat(knowledge, steps: list, user_id: str = "tester") -> str:
    screen = io.StringIO()
    await run_chat(ScriptedUser(screen, steps), screen, knowledge, user_id=user_id)
    return screen.getvalue()


async def count(model, *where) -> int:
    async with session_scope() as session:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


async def test_the_whole_journey_in_the_terminal(places, knowledge):
    transcript = await chat(knowledge, [
        Pick("Xã Hỏa Lựu"), Pick("Ấp Thạnh Hòa"),  # commune, then hamlet, by number
        "/dangky thanh an hoa tien",  # typed, with the former commune's name
        "/dangky xã Hỏa Tiến", Pick("Ấp Thạnh Lợi"),  # a former name opens the commune it joined
        "ấp Thạnh An", Pick("Xã Long Mỹ"),  # ambiguous: which one?
        "ho ngheo duoc vay von bao nhieu", Pick("👍"),
        "/bantin", "/dulieucuatoi",
        "/xoadulieu", Pick("Có, xóa hết"),
    ])
    assert "Bạn ở ấp nào?" in transcript and "  [1] " in transcript
    for place in ("Ấp Thạnh Hòa, Xã Hỏa Lựu", "Ấp Thạnh An, Xã Hỏa Lựu", "Ấp Thạnh Lợi, Xã Hỏa Lựu",
                  "Ấp Thạnh An, Xã Long Mỹ"):
        assert f"Đã ghi nhận: bạn ở {place}" in transcript
    assert "Nguồn:" in transcript and "Cảm ơn bạn!" in transcript
    assert "Chưa có bản tin nào gửi cho Ấp Thạnh An, Xã Long Mỹ" in transcript
    assert "kênh console, mã người dùng tester" in transcript
    assert "Đã xóa hết dữ liệu của bạn" in transcript
    assert await count(Contact) == 0 and await count(Subscription) == 0 and await count(Delivery) == 0
    assert await count(Feedback, Feedback.kind == "up") == 1


async def test_leaving_and_coming_back_continues_the_conversation(places, knowledge):
    await chat(knowledge, [Pick("Xã Hỏa Lựu")])  # leaves while asked for the hamlet
    transcript = await chat(knowledge, ["Thạnh Lợi", "/thoat", "never sent"])
    assert "Đã ghi nhận: bạn ở Ấp Thạnh Lợi, Xã Hỏa Lựu" in transcript
    assert "never sent" not in transcript


async def test_a_number_without_options_is_just_text(places, knowledge):
    transcript = await chat(knowledge, [Pick("Bỏ qua"), "99"])
    assert "đã cũ" not in transcript and transcript.count("\n  [") > 0


def test_giamngheo_chat_reads_piped_stdin(database):
    lines = "menu\n1\nvay von ho ngheo\n\n/thoat\n"
    result = subprocess.run([sys.executable, "-m", "api.cli.main", "chat", "--user", "pipe"], input=lines.encode(),
                            capture_output=True, cwd=ROOT, env=dict(os.environ), timeout=120)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Bạn ở ấp nào?" in out  # the welcome, with the real map's communes
    assert "[1] Vay vốn" in out and "Vay vốn (trang 1/" in out
    assert "Nguồn:" in out and "Tin nhắn đang trống" in out


def test_giamngheo_chat_survives_bytes_that_are_not_utf8(database):
    result = subprocess.run([sys.executable, "-m", "api.cli.main", "chat"], input=b"vay v\xf6n\xff\n",
                            capture_output=True, cwd=ROOT, env=dict(os.environ), timeout=120)
    assert result.returncode == 0, result.stderr.decode()
