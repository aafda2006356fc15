"""Group commit for a delivery lane: the "sending" marks and the outcomes waiting at the same instant share one
short transaction.

Each send still waits for its own mark to be committed before calling the channel, and for its outcome to be
committed before it takes the next row, so nothing is held back for a batch: under load, a commit simply
carries every mark and outcome that arrived while the previous one ran (at most one commit later than alone).
One writer per lane also means one writer per process on SQLite, which has a single write lock: concurrent
writers from one process would only wait on each other in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from core.db import session_scope
from delivery.outbox import ClaimedDelivery, Outcome, mark_sending_many, record_outcomes

log = logging.getLogger(__name__)
ATTEMPTS = 3  # a failed commit is retried: an outcome not recorded would make its row be sent again
RETRY_PAUSE = 0.5
LINGER = 0.002  # seconds a commit waits for company: under load ~40 rows share one commit, not 2


class OutboxWriter:
    """Commits marks and outcomes for one worker; run `run()` as a task and `close()` it when done."""

    def __init__(self, *, worker: str, lease_seconds: float):
        self.worker = worker
        self.lease_seconds = lease_seconds
        self._marks: list[tuple[int, asyncio.Future[bool]]] = []
        self._outcomes: list[tuple[ClaimedDelivery, Outcome, asyncio.Future[str]]] = []
        self._wake = asyncio.Event()
        self._closing = False

    async def mark_sending(self, row_id: int) -> bool:
        """True once the row is committed as `sending` (False if cancelled or no longer ours)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._marks.append((row_id, future))
        self._wake.set()
        return await future

    async def record(self, row: ClaimedDelivery, outcome: Outcome) -> str:
        """The row's new status once the outcome is committed ("" if the row was no longer ours)."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._outcomes.append((row, outcome, future))
        self._wake.set()
        return await future

    def close(self) -> None:
        """Finish what is queued, then let `run()` return."""
        self._closing = True
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(LINGER)
            self._wake.clear()
            marks, self._marks = self._marks, []
            outcomes, self._outcomes = self._outcomes, []
            if marks or outcomes:
                await self._commit(marks, outcomes)
            elif self._closing:
                return

    async def _commit(self, marks: list[tuple[int, asyncio.Future[bool]]],
                      outcomes: list[tuple[ClaimedDelivery, Outcome, asyncio.Future[str]]]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with session_scope() as session:
                    statuses = await record_outcomes(session, [(r, o) for r, o, _ in outcomes], worker=self.worker)
                    marked = await mark_sending_many(session, [i for i, _ in marks], worker=self.worker,
                                                     lease_seconds=self.lease_seconds)
                break
            except Exception as error:  # the database went away for a moment
                log.warning("outbox commit failed (attempt %d/%d): %s", attempt, ATTEMPTS, type(error).__name__)
                if attempt == ATTEMPTS:
                    _fail([f for _, f in marks] + [f for _, _, f in outcomes], error)
                    return
                await asyncio.sleep(RETRY_PAUSE)
        for row_id, future in marks:
            _resolve(future, row_id in marked)
        for row, _, future in outcomes:
            _resolve(future, statuses.get(row.id, ""))


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(futures: list[asyncio.Future[Any]], error: Exception) -> None:
    for future in futures:
        if not future.done():
            future.set_exception(error)
