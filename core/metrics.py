"""Prometheus metrics for `/metrics`: questions asked, how many matched, deliveries and their latency.

Counters and the send-latency histogram live in the process that observes them. Under `giamngheo serve
--workers N` every uvicorn process writes them to files in PROMETHEUS_MULTIPROC_DIR (`serve` prepares it), so a
scrape answered by any process adds up all of them. Delivery counts and the queue depth are read from the
Delivery table at scrape time (`DeliveryCollector`), so they are right however many worker processes or
containers send. A separate `giamngheo worker` process exposes its own send latency with `serve_metrics(port)`.

Labels are channel names, yes/no and delivery statuses only: nothing here names or counts a household.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import Delivery

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CHANNELS = frozenset({"telegram", "zalo", "web", "console", "api"})
QUESTION_KINDS = frozenset({"answer", "fallback"})  # greetings, thanks, help and empty text are not questions
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "blocked", "unreachable", "cancelled")
WAITING_STATUSES = ("pending", "sending")

QUESTIONS = Counter("giamngheo_questions", "Questions the answer engine searched, by channel and whether an "
                    "entry matched.", ["channel", "matched"])
FALLBACKS = Counter("giamngheo_fallbacks", "Questions no entry answered, so the household got the fallback.",
                    ["channel"])
SEND_SECONDS = Histogram("giamngheo_send_seconds", "Duration of one channel call delivering a bulletin.",
                         ["channel"], buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))


def _declare_series() -> None:
    """Every channel's question series exists from the start at 0, so rates and alerts work before traffic."""
    for channel in CHANNELS:
        for matched in ("true", "false"):
            QUESTIONS.labels(channel=channel, matched=matched)
        FALLBACKS.labels(channel=channel)


_declare_series()


def channel_label(channel: str) -> str:
    """The channel as a label; anything unexpected becomes "other" so labels stay few and carry no input."""
    return channel if channel in CHANNELS else "other"


def count_question(channel: str, matched: bool, kind: str = "answer") -> None:
    """Count one question; small talk (any `kind` but answer or fallback) is not a question and is ignored."""
    if kind not in QUESTION_KINDS:
        return
    label = channel_label(channel)
    QUESTIONS.labels(channel=label, matched="true" if matched else "false").inc()
    if not matched:
        FALLBACKS.labels(channel=label).inc()


def observe_send_latency(channel: str, seconds: float) -> None:
    """Record how long one send to a channel took (the delivery worker calls this around each send)."""
    SEND_SECONDS.labels(channel=channel_label(channel)).observe(max(seconds, 0.0))


@dataclass
class DeliveryCounts:
    """Delivery rows by (channel, status), and pending rows already due by channel."""

    by_status: dict[tuple[str, str], int] = field(default_factory=dict)
    due: dict[str, int] = field(default_factory=dict)


async def read_delivery_counts(session: AsyncSession) -> DeliveryCounts:
    """Count the outbox in two grouped queries (the due one uses the (status, next_attempt_at) index)."""
    counts = DeliveryCounts()
    rows = await session.exec(select(Delivery.channel, Delivery.status, func.count())
                              .group_by(col(Delivery.channel), col(Delivery.status)))
    for channel, status, number in rows:
        counts.by_status[(channel, status)] = int(number)
    rows = await session.exec(select(Delivery.channel, func.count())
                              .where(col(Delivery.status) == "pending", col(Delivery.next_attempt_at) <= clock.now())
                              .group_by(col(Delivery.channel)))
    counts.due = {channel: int(number) for channel, number in rows}
    return counts


class DeliveryCollector:
    """Gauges from counts read at scrape time; `None` counts mean the database did not answer."""

    def __init__(self, counts: DeliveryCounts | None, channels: list[str]):
        self.counts = counts
        self.channels = channels

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("giamngheo_database_up", "1 if the database answered this scrape's counts.")
        up.add_metric([], 0 if self.counts is None else 1)
        yield up
        if self.counts is None:
            return
        by_status = self.counts.by_status
        channels = sorted(set(self.channels) | {channel for channel, _ in by_status})
        deliveries = GaugeMetricFamily("giamngheo_deliveries", "Delivery rows by channel and status.",
                                       labels=["channel", "status"])
        depth = GaugeMetricFamily("giamngheo_delivery_queue_depth", "Deliveries not finished yet (pending or "
                                  "being sent), by channel.", labels=["channel"])
        due = GaugeMetricFamily("giamngheo_delivery_due", "Pending deliveries whose time has come, by channel.",
                                labels=["channel"])
        for channel in channels:
            statuses = sorted(set(DELIVERY_STATUSES) | {s for c, s in by_status if c == channel})
            for status in statuses:
                deliveries.add_metric([channel, status], by_status.get((channel, status), 0))
            depth.add_metric([channel], sum(by_status.get((channel, s), 0) for s in WAITING_STATUSES))
            due.add_metric([channel], self.counts.due.get(channel, 0))
        yield from (deliveries, depth, due)


class _ProcessMetrics:
    """This process's own registry (counters, histogram, process and GC stats) inside a scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(counts: DeliveryCounts | None, channels: list[str]) -> bytes:
    """The whole `/metrics` page in Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DeliveryCollector(counts, channels))
    return generate_latest(registry)


def prepare_multiprocess_dir() -> Path:
    """An empty directory for the metric files of `serve --workers N`, set in the environment the workers inherit.

    Must run before any worker imports prometheus_client; files left by an earlier run would add old counts.
    """
    configured = os.environ.get(MULTIPROC_ENV)
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="giamngheo-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def remove_multiprocess_dir(path: Path) -> None:
    """Remove the directory `prepare_multiprocess_dir` made (an operator-given one is only emptied)."""
    if path.name.startswith("giamngheo-metrics-"):
        shutil.rmtree(path, ignore_errors=True)


def serve_metrics(port: int, host: str = "0.0.0.0") -> WSGIServer | None:
    """Expose this process's metrics on `port` from a daemon thread (for `giamngheo worker`); 0 turns it off.

    All interfaces by default: Prometheus scrapes each worker container over the compose network.
    Returns the server (`shutdown()` stops it), or None when off.
    """
    if not port:
        return None
    server, _ = start_http_server(port, addr=host)
    log.info("metrics on port %d", port)
    return server
