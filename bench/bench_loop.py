"""How long the event loop stalls while another process holds the SQLite write lock.

Run: python bench/bench_loop.py [--hold 2] [--people 20]
A 10 ms heartbeat runs on the bot's loop while people file problems and the sender ticks; a
second process takes the database's write lock (BEGIN IMMEDIATE) for `hold` seconds. The
figure is the longest heartbeat lag, with the lock and, as a baseline in the same run, without.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_filing import SCRIPT
from bench.common import make_app, temp_config
from bot.domain import Role
from sandbox import BotApiSandbox

BEAT = 0.01
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


async def _heartbeat(lags: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(BEAT)
        lags.append(loop.time() - before - BEAT)


async def _person(app: Any, sandbox: BotApiSandbox, user: int) -> None:
    """One person's filing, sent through the update processor as polling feeds it."""
    for kind, value in SCRIPT:
        if kind == "send":
            data = sandbox.message(user, value)
        else:
            message = next(m for m in reversed(sandbox.sent(user))
                           if any(t == value for row in sandbox.buttons(m) for t, _ in row))
            data = sandbox.click(user, message, value)
        update = sandbox.update(data, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))


async def _run(hold: float, people: int, locked: bool) -> dict[str, float]:
    config, _ = temp_config()
    sandbox = BotApiSandbox(strict=False)
    app, database, _ = make_app(config, sandbox)
    membership = app.bot_data.services.membership
    membership.add_unit("市教育局", code="EDU")
    users = list(range(300_000, 300_000 + people))
    for user in users:
        code = membership.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
        membership.redeem_invite(code, user_id=user, display_name=f"干部{user}", username=None)
        sandbox.add_user(user, f"干部{user}")
    path = database.engine.url.database
    assert path is not None
    lags: list[float] = []
    stop = asyncio.Event()
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        beat = asyncio.create_task(_heartbeat(lags, stop))
        holder = None
        if locked:
            holder = await asyncio.create_subprocess_exec(
                sys.executable, "-c", HOLDER, path, str(hold), stdout=asyncio.subprocess.PIPE)
            assert holder.stdout is not None
            await holder.stdout.readline()  # the lock is taken
        start = time.perf_counter()
        await asyncio.gather(*(_person(app, sandbox, u) for u in users),
                             app.bot_data.sender.tick())
        took = time.perf_counter() - start
        stop.set()
        await beat
        if holder is not None:
            await asyncio.wait_for(holder.wait(), timeout=30)
    saved = len(app.bot_data.services.ledger.rows())
    assert saved == people, f"{saved} of {people} filings saved"
    return {"max_lag_ms": max(lags) * 1000, "work_s": took}


def measure(hold: float = 2.0, people: int = 20) -> dict[str, float]:
    free = asyncio.run(_run(hold, people, locked=False))
    locked = asyncio.run(_run(hold, people, locked=True))
    return {"loop_stall_ms_locked_db": locked["max_lag_ms"],
            "loop_stall_ms_free_db": free["max_lag_ms"],
            "locked_db_work_s": locked["work_s"], "free_db_work_s": free["work_s"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hold", type=float, default=2.0)
    parser.add_argument("--people", type=int, default=20)
    args = parser.parse_args()
    for key, value in measure(args.hold, args.people).items():
        print(f"{key:28s} {value:10.2f}")


if __name__ == "__main__":
    main()
