"""Chat with the engine in a terminal, or through a pipe: `giamngheo chat` (or `echo "vay von" | giamngheo chat`).

Each line is one message. Buttons are listed as numbered options; typing the number taps the button. The
conversation is stored like any other channel's (channel "console", the user id from `--user`), so leaving and
coming back continues where it stopped. `/thoat` or end of input leaves.
"""

from __future__ import annotations

import asyncio
from typing import TextIO

from bot.engine.engine import handle
from bot.engine.types import Button, Inbound, Reply
from core.answers.normalise import fold
from core.answers.ranking import KnowledgeBase
from core.db import session_scope

CHANNEL = "console"
QUIT_WORDS = frozenset({"/thoat", "/quit", "/exit", "thoat", "quit", "exit"})


class ConsoleChat:
    """One terminal user talking to the engine; remembers the options last shown so a number taps one."""

    def __init__(self, knowledge: KnowledgeBase, out: TextIO, user_id: str = "local") -> None:
        self.knowledge, self.out, self.user_id = knowledge, out, user_id
        self.options: list[Button] = []

    def inbound_for(self, line: str) -> Inbound:
        """A number picks one of the last options; anything else is text."""
        stripped = line.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.options):
            return Inbound(CHANNEL, self.user_id, "button", payload=self.options[int(stripped) - 1].data)
        return Inbound(CHANNEL, self.user_id, "text", text=line)

    async def send(self, inbound: Inbound) -> list[Reply]:
        async with session_scope() as session:
            replies = await handle(inbound, session=session, knowledge=self.knowledge)
        self.show(replies)
        return replies

    def show(self, replies: list[Reply]) -> None:
        """Print the replies; number their buttons 1, 2, … across the whole turn."""
        options: list[Button] = []
        for reply in replies:
            self.out.write(f"\n{reply.text}\n")
            for button in reply.all_buttons():
                options.append(button)
                self.out.write(f"  [{len(options)}] {button.label}\n")
        if replies:
            self.options = options
        self.out.flush()


async def run_chat(source: TextIO, out: TextIO, knowledge: KnowledgeBase, *, user_id: str = "local",
                   prompt: str = "") -> None:
    """Start the conversation, then send each line of `source` until it ends or the user quits."""
    chat = ConsoleChat(knowledge, out, user_id)
    await chat.send(Inbound(CHANNEL, user_id, "start"))
    while True:
        if prompt:
            out.write(prompt)
            out.flush()
        line = await asyncio.to_thread(source.readline)
        if not line or fold(line.strip()) in QUIT_WORDS:
            break
        await chat.send(chat.inbound_for(line.rstrip("\r\n")))
