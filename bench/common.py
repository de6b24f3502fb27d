"""Shared bench set-up: the real Application on the sandbox Bot API and a temp SQLite file."""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.clock import Clock, FixedClock
from bot.config import Config, parse_config
from bot.context import App
from sandbox import BotApiSandbox, SandboxRequest
from storage.db import Database
from storage.migrate import upgrade

T0 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MORNING = T0.replace(hour=9)  # a Monday's 09:00, when the daily wave goes out


class RunningClock:
    """Real time, read from a chosen start: Telegram's limits and retry_after run on real
    seconds, while the bot believes it is `start` plus the time since (a 09:00 wave stays a
    09:00 wave, outside quiet hours, whatever hour the bench is run at)."""

    def __init__(self, start: dt.datetime = MORNING) -> None:
        import time

        self._start = start.astimezone(dt.UTC)
        self._t0 = time.perf_counter()

    def now(self) -> dt.datetime:
        import time

        return self._start + dt.timedelta(seconds=time.perf_counter() - self._t0)


def temp_config(db_url: str | None = None) -> tuple[Config, Path]:
    folder = Path(tempfile.mkdtemp(prefix="zhenggai-bench-"))
    url = db_url or f"sqlite:///{folder / 'bench.db'}"
    # The bot's own work is measured here, not Telegram's flood limits: those are off.
    limits = {"overall_per_second": 0, "group_per_minute": 0}
    return parse_config({"database": {"url": url}, "telegram": {"rate_limit": limits}}), folder


def limited_config(allowed: float = 30) -> Config:
    """A temp-folder config with Telegram's limits on (30/s, 20 a minute per group, 1/s per
    chat for the fan-out): for the figures that include them."""
    folder_config, _ = temp_config()
    rate = {"overall_per_second": allowed, "group_per_minute": 20, "per_chat_per_second": 1,
            "max_retries": 3}
    return parse_config({**folder_config.model_dump(mode="json"),
                         "telegram": {"rate_limit": rate}})


def plan_wave(app: App, sandbox: BotApiSandbox, clock: Clock, chats: range, key: str) -> None:
    """One due urgent note to each of `chats`, all known to the sandbox."""
    from bot.services.notify import Planned

    for chat in chats:
        sandbox.add_user(chat, f"u{chat}")
    app.bot_data.services.notify.plan(
        Planned(key=f"{key}:{c}", chat_id=c, kind="chat.unreachable", due_at=clock.now(),
                payload={"chat_id": 5}, urgent=True) for c in chats)


async def drain(app: App) -> float:
    """Tick the sender until nothing due is pending; the seconds it took (real time: Telegram's
    limits, the budget and retry_after all run on it). What a sent note plans for later (a
    deadline nudge's next reminder) is not waited for."""
    import asyncio
    import time

    notify, clock = app.bot_data.services.notify, app.bot_data.services.clock
    start = time.perf_counter()
    while notify.listing(limit=1, due_before=clock.now()):
        report = await app.bot_data.sender.tick()
        if not report.sent:
            await asyncio.sleep(0.05)  # waiting out a retry_after
    return time.perf_counter() - start


def make_app(
    config: Config, sandbox: BotApiSandbox, clock: Clock | None = None
) -> tuple[App, Database, Clock]:
    database = Database.from_url(config.database.url)
    upgrade(database.engine)
    clock = clock or FixedClock(T0)
    app = build_application(config, request=SandboxRequest(sandbox), clock=clock,
                            token="123:bench", database=database)
    return app, database, clock


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def seed_problems(database: Database, rows: int, units: int = 100) -> None:
    """Fill the ledger with `rows` problems over `units` units, in bulk (setup, not measured)."""
    from sqlalchemy import insert

    from bot.domain import Source, Status, Track
    from storage.ledger import Problem
    from storage.models import Unit

    now = T0.astimezone(dt.UTC)
    statuses = list(Status)
    with database.write() as conn:
        conn.execute(insert(Unit), [
            {"id": u + 1, "code": f"U{u + 1:04d}", "name": f"单位{u + 1}", "created_at": now}
            for u in range(units)])
        batch = []
        for i in range(rows):
            unit = i % units + 1
            seq = i // units + 1
            owner = 10_000 + i % 997
            batch.append({
                "unit_id": unit, "seq": seq, "number": f"U{unit:04d}-{seq:05d}",
                "source": Source.SELF, "category": "履职尽责缺位",
                "description": f"问题描述{i}：窗口工作人员午休时段无人值守",
                "measures": ["安排轮值", "公示电话"], "track": Track.DEADLINE,
                "owner_name": f"干部{i % 997}", "owner_user_id": owner,
                "deadline": now + dt.timedelta(days=(i % 60) - 20), "status": statuses[i % 4],
                "evidence": [], "tags": [], "rework_count": i % 3, "created_by": owner,
                "created_at": now, "updated_at": now,
            })
            if len(batch) == 5000:
                conn.execute(insert(Problem), batch)
                batch = []
        if batch:
            conn.execute(insert(Problem), batch)


def peak_rss_mb() -> float:
    """This process's own peak resident memory, in MB.

    VmHWM belongs to the process's current memory map, which exec starts afresh. ru_maxrss does
    not: a child started with vfork/exec (as subprocess does) inherits the parent's peak, so a
    measuring child would report the benchmark driver's memory instead of its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
