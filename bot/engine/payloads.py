"""Button data: short codes that come back as `Inbound.payload`, and their parsing.

Grammar (each ≤ 64 bytes): `m` menu · `t:<topic>[:<page>]` topic list · `e:<ref>` one entry ·
`fb:u:<ref>` / `fb:d:<ref>` feedback · `ap[:<page>]` list communes · `c:<code>[:<page>]` hamlets of a commune ·
`h:<code>` choose a hamlet · `skip` skip choosing · `cmd:<command>` a command · `f:<flow>[:<data>]` a flow's
own button · `ack:<delivery id>` "Đã biết" on a bulletin.
An entry's ref is its id when it fits, else "~" + a short hash of the id: stable across restarts and content
reloads, resolved by scanning the entries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.engine.types import CALLBACK_MAX_BYTES
from core.answers.content import Entry

_LONGEST_PREFIX = "fb:u:"


def entry_ref(entry_id: str) -> str:
    """The id as it appears in button data: itself when short enough, else a stable hash."""
    if len((_LONGEST_PREFIX + entry_id).encode()) <= CALLBACK_MAX_BYTES:
        return entry_id
    return "~" + hashlib.sha256(entry_id.encode()).hexdigest()[:16]


def find_entry(entries: dict[str, Entry], ref: str) -> Entry | None:
    """The entry a ref points to, or None when the content no longer has it."""
    if not ref.startswith("~"):
        return entries.get(ref)
    return next((e for e in entries.values() if entry_ref(e.id) == ref), None)


@dataclass(frozen=True)
class Payload:
    """Parsed button data: `kind` is the first field, `args` the rest."""

    kind: str
    args: tuple[str, ...] = ()

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default

    def page(self, index: int) -> int | None:
        """A page number argument (0 when absent), or None when it is not a small number."""
        raw = self.arg(index, "0")
        return int(raw) if raw.isdigit() and len(raw) < 4 else None


def parse(data: str) -> Payload:
    """Split button data into kind and arguments (never fails; unknown kinds are rejected by the engine)."""
    kind, *args = data.strip().split(":")
    return Payload(kind, tuple(args))


def is_payload_text(text: str) -> bool:
    """Whether text is exactly button data we send (Zalo returns a tapped button's payload as text)."""
    stripped = text.strip()
    if not stripped or " " in stripped or len(stripped.encode()) > CALLBACK_MAX_BYTES:
        return False
    kind = parse(stripped).kind
    return kind in PAYLOAD_KINDS and (kind in BARE_KINDS or ":" in stripped)


BARE_KINDS = frozenset({"m", "ap", "skip"})
PAYLOAD_KINDS = frozenset({"m", "t", "e", "fb", "ap", "c", "h", "skip", "cmd", "f", "ack"})
