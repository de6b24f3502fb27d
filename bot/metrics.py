"""Prometheus metrics of one bot: updates, notifications, 429s, ticks, filings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)

if TYPE_CHECKING:
    from bot.delivery.sender import TickReport

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
_TICK_BUCKETS: Final = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    """The counters of one bot, in a registry of its own (built by bootstrap, not at import).

    Counters are per process: Prometheus sums the instances, and a restart starts them at 0.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter("zhenggai_updates_handled", "Telegram updates handled",
                               registry=r)
        self.sent = Counter("zhenggai_notifications_sent", "Planned messages delivered",
                            registry=r)
        self.failed = Counter("zhenggai_notifications_failed", "Planned messages given up on",
                              registry=r)
        self.retried = Counter("zhenggai_notifications_retried",
                               "Planned messages put back to be tried again", registry=r)
        self.flood_waits = Counter("zhenggai_telegram_429", "Flood waits (429) from Telegram",
                                   registry=r)
        self.tick = Histogram("zhenggai_tick_seconds", "Duration of one scheduler tick",
                              buckets=_TICK_BUCKETS, registry=r)
        self.filings = Counter("zhenggai_filings", "Problems filed into the ledger", registry=r)

    def record(self, report: TickReport) -> None:
        """Count what one tick or immediate send delivered, gave up on, or put back."""
        self.sent.inc(report.sent)
        self.failed.inc(report.failed)
        self.retried.inc(report.retried)

    def exposition(self) -> bytes:
        """The text format a Prometheus scrape reads."""
        return generate_latest(self.registry)

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        """Serve the metrics on a thread of their own (polling: the bot has no web server)."""
        start_http_server(port, addr=addr, registry=self.registry)
