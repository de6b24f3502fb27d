"""`python -m bot health`: exit 0 when the bot is up and sending, 1 otherwise; `init-config`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Config


def health(config: Config, clock: Clock | None) -> int:
    """Print each check on a line; exit 0 when all pass (for systemd, cron or a load balancer)."""
    from bot.clock import SystemClock
    from bot.services.health import check_health
    from storage.db import make_engine

    engine = make_engine(config.database.url)
    try:
        report = check_health(engine, clock or SystemClock(), config.reminders.lease_seconds)
    finally:
        engine.dispose()
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def init_config(file: str | None, *, force: bool = False) -> int:
    """Write the commented example config (to FILE, default ./config.yaml; `-` for stdout)."""
    from bot.config import example_text

    text = example_text()
    if file == "-":
        sys.stdout.write(text)
        return 0
    path = Path(file or "config.yaml")
    if path.exists() and not force:
        print(f"error: {path} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}: edit it, then: python -m bot check-config {path}")
    return 0
