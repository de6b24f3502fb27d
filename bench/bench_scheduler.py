"""The scheduler: tick cost as future rows grow, and a fan-out burst against Telegram's limits.

Run: python bench/bench_scheduler.py [--sizes 1000,100000,1000000] [--burst 5000]
The tick figure is one claim cycle with nothing due among N future rows (plus the lease); the
index on (state, due_at) should keep it flat. The burst sends N due messages through the real
sender and rate limiter to a sandbox Bot API that answers 429 above 30 messages/s overall and
1 message/s per chat, like Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bench.common import (
    T0,
    RunningClock,
    drain,
    limited_config,
    make_app,
    median,
    plan_wave,
    temp_config,
)
from bot.domain import NoteState
from sandbox import BotApiSandbox
from storage.db import Database
from storage.notify import Notification


def seed_future(app_db: Database, rows: int) -> None:
    now = T0.astimezone(dt.UTC)
    with app_db.write() as conn:
        batch = []
        for i in range(rows):
            batch.append({
                "key": f"future:{i}", "chat_id": 10_000 + i % 5000, "kind": "chat.unreachable",
                "subject": f"problem:{i % 50_000}",
                "due_at": now + dt.timedelta(minutes=1 + i % 86_400),
                "urgent": False, "payload": {"chat_id": 5}, "state": NoteState.PENDING,
                "attempts": 0, "late": False, "created_at": now,
            })
            if len(batch) == 20_000:
                conn.execute(insert(Notification), batch)
                batch = []
        if batch:
            conn.execute(insert(Notification), batch)


def tick_cost(rows: int) -> float:
    """Median milliseconds of one empty claim cycle (lease + claim) among `rows` future rows."""
    config, _ = temp_config()
    app, database, _clock = make_app(config, BotApiSandbox(strict=False))
    seed_future(database, rows)
    notify = app.bot_data.services.notify
    samples = []
    for _ in range(200):
        start = time.perf_counter()
        notify.hold_lease("bench", dt.timedelta(seconds=60))
        claim = notify.claim("bench", limit=50, quiet=False)
        samples.append(time.perf_counter() - start)
        assert not claim.fresh
    database.dispose()
    return median(samples) * 1000


async def burst(count: int, allowed: int = 30) -> dict[str, float]:
    """Send `count` due messages to distinct people through the sender, against the limits."""
    sandbox = BotApiSandbox(strict=False)
    # Real time here (Telegram's limits, the rate limiter and retry_after all run on it), from
    # a working morning, whatever the hour of the run.
    app, _database, clock = make_app(limited_config(allowed), sandbox, RunningClock())
    chats = range(500_000, 500_000 + count)
    plan_wave(app, sandbox, clock, chats, "burst")
    sandbox.enforce_limits(per_second=allowed, per_chat_per_second=1, per_group_per_minute=20)
    async with app:
        elapsed = await drain(app)
    delivered = sum(1 for c in chats if sandbox.sent(c))
    rate = delivered / elapsed
    return {"fanout_messages": float(delivered), "fanout_seconds": elapsed,
            "fanout_rate_per_s": rate, "fanout_rate_ratio": rate / allowed,
            "fanout_429": float(sandbox.stats["429"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--burst", type=int, default=5000)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"tick_ms with {size:>9,d} future rows {tick_cost(size):10.3f}", flush=True)
    if args.burst:
        for key, value in asyncio.run(burst(args.burst)).items():
            print(f"{key:38s} {value:10.3f}", flush=True)


if __name__ == "__main__":
    main()
