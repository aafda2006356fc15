"""How many SQL statements and commits one household message costs, pinned so the count cannot grow back.

Counted with SQLAlchemy events on the real engine (SQLite or PostgreSQL): `before_cursor_execute` for every
statement sent (SAVEPOINT and RELEASE included), `commit` for every transaction committed. A change that
needs more must raise the pin here on purpose, with its reason (issue 14: the real path's cost is per query).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from core.db import get_async_engine
from tests.bot.engine.conftest import Household

QUESTION = "vay vốn hộ nghèo lãi suất bao nhiêu"


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    commits: int = 0


@contextmanager
def counting() -> Iterator[Counted]:
    """Every statement and commit on the app's engine while the block runs."""
    counted = Counted()
    engine = get_async_engine().sync_engine

    def on_execute(_conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN IMMEDIATE: the commit counts the transaction
            counted.statements.append(" ".join(statement.split())[:90])

    def on_commit(_conn) -> None:  # noqa: ANN001
        counted.commits += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def show(counted: Counted) -> str:
    return "\n".join(counted.statements)


async def test_a_new_households_first_question(household: Household) -> None:
    """Find the contact, insert it (counted, in a savepoint against a racing twin), list the communes for
    "Bạn ở ấp nào?", write the state: 8 statements, 1 commit (10 before issue 14)."""
    with counting() as counted:
        await household.say(QUESTION)
    assert (len(counted.statements), counted.commits) == (8, 1), show(counted)


async def test_a_returning_households_question(household: Household) -> None:
    """Find, count, the hamlet's chain of areas in one query, officials' replies waiting; the state is the same
    as before (the same question again), so it is not written: 6 statements (10 before issue 14)."""
    await household.say(QUESTION)
    await household.press("h:31338-thanh-an")
    await household.say(QUESTION)
    with counting() as counted:
        await household.say(QUESTION)
    assert (len(counted.statements), counted.commits) == (6, 1), show(counted)


async def test_a_button_tap(household: Household) -> None:
    """The menu tapped while "Bạn ở ấp nào?" waits: find, count, replies waiting, the state (flow ended)."""
    await household.say(QUESTION)
    with counting() as counted:
        await household.press("m")
    assert (len(counted.statements), counted.commits) == (6, 1), show(counted)
