"""The bot over a real network: a round trip on every Bot API call, Telegram's 30 messages/s.

Run: python bench/bench_network.py [--wave 3000] [--people 200] [--seconds 20]

Everything here runs on real time against a sandbox Bot API that waits a round trip (with a
little jitter) before it answers and, like Telegram, answers 429 above 30 messages a second
overall (and one a second per chat for the fan-out). The baseline is that allowed rate:

- fanout_rtt150_ratio: a wave of due notes to distinct people at a 150 ms round trip, messages
  delivered per second over the 30 allowed (the pipelined sender keeps several in flight);
- reply_during_wave_p99_ms: while a 5,000-message wave goes out, people send /help every
  half second; the 99th percentile of the time from their update to its answer;
- filing_rtt100_reply_ratio: 200 simulated people file problems as fast as the bot answers
  them (closed loop, 100 ms round trip): requests naming a chat per second over the 30 allowed;
- filing_rtt100_p99_ms: 20 people each taking one step of the filing conversation a second
  (20 updates/s); the 99th percentile of the time from an update to its last answer;
- wave_messages_per_person, wave_delivery_ratio: the 09:00 wave scaled down to 2,250 deadline
  nudges for 1,500 people (750 with two items) at 150 ms: messages per person reached (one
  message each when coalesced), and the physical minimum at 30/s over the time it took.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update

from bench.bench_filing import SCRIPT
from bench.common import RunningClock, drain, limited_config, make_app, percentile, plan_wave
from bot.context import App
from bot.domain import Role
from sandbox import BotApiSandbox

ALLOWED = 30


def _sandbox(rtt: float) -> BotApiSandbox:
    return BotApiSandbox(strict=False, latency=rtt, jitter=rtt / 10, seed=15)


async def _handle(app: App, data: dict[str, Any]) -> float:
    """Hand one update to the bot as the running application would; seconds until handled."""
    update = Update.de_json(data, app.bot)
    start = time.perf_counter()
    await app.update_processor.process_update(update, app.process_update(update))
    return time.perf_counter() - start


def _chat_requests(sandbox: BotApiSandbox) -> int:
    """Calls that count against Telegram's 30/s: the ones that name a chat."""
    return sum(1 for call in list(sandbox.calls) if "chat_id" in call.params)


async def wave(count: int, rtt: float, *, replies: bool = False) -> dict[str, float]:
    """Send `count` due notes to distinct people; with `replies`, people ask for /help meanwhile."""
    sandbox = _sandbox(rtt)
    # Real time (Telegram's limits, the budget and retry_after all run on it), from 09:00 of
    # a working day, so that the hour the bench runs at changes nothing.
    app, database, clock = make_app(limited_config(), sandbox, RunningClock())
    chats = range(500_000, 500_000 + count)
    plan_wave(app, sandbox, clock, chats, "wave")
    sandbox.enforce_limits(per_second=ALLOWED, per_chat_per_second=1, per_group_per_minute=20)
    answers: list[float] = []
    done = asyncio.Event()

    async def people() -> None:
        person = 900_000
        pending: set[asyncio.Task[float]] = set()
        while not done.is_set():
            await asyncio.sleep(0.5)
            person += 1
            sandbox.add_user(person, f"p{person}")
            task = asyncio.create_task(_handle(app, sandbox.message(person, "/help")))
            task.add_done_callback(lambda t: answers.append(t.result()))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)

    async with app:
        asker = asyncio.create_task(people()) if replies else None
        elapsed = await drain(app)
        done.set()
        if asker is not None:
            await asker
    database.dispose()
    delivered = sum(1 for c in chats if sandbox.sent(c))
    result = {"messages": float(delivered), "seconds": elapsed,
              "rate_ratio": delivered / elapsed / ALLOWED, "429": float(sandbox.stats["429"])}
    if replies:
        result["reply_p50_ms"] = percentile(answers, 0.5) * 1000
        result["reply_p99_ms"] = percentile(answers, 0.99) * 1000
        result["replies"] = float(len(answers))
    return result


def _members(app: App, sandbox: BotApiSandbox, count: int) -> list[int]:
    membership = app.bot_data.services.membership
    membership.add_unit("市教育局", code="EDU")
    users = list(range(100_000, 100_000 + count))
    for user in users:
        code = membership.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
        membership.redeem_invite(code, user_id=user, display_name=f"干部{user}", username=None)
        sandbox.add_user(user, f"干部{user}")
    return users


def _step(sandbox: BotApiSandbox, user: int, kind: str, value: str) -> dict[str, Any]:
    if kind == "send":
        return sandbox.message(user, value)
    message = next(m for m in reversed(sandbox.sent(user))
                   if any(t == value for row in sandbox.buttons(m) for t, _ in row))
    return sandbox.click(user, message, value)


async def filing(people: int, seconds: float, rtt: float, pace: float | None) -> dict[str, float]:
    """`people` file problems for `seconds`; each step waits its answer, then `pace` s more
    at most (None: the next step at once, a closed loop)."""
    sandbox = _sandbox(rtt)
    app, database, _clock = make_app(limited_config(), sandbox, RunningClock())
    users = _members(app, sandbox, people)
    sandbox.enforce_limits(per_second=ALLOWED, per_chat_per_second=None, per_group_per_minute=20)
    latencies: list[float] = []
    filings = 0

    async def person(user: int, stop: float, offset: float) -> None:
        nonlocal filings
        await asyncio.sleep(offset)
        while True:
            for kind, value in SCRIPT:
                if time.perf_counter() >= stop:
                    return  # mid-conversation: a person walking away, nothing saved
                took = await _handle(app, _step(sandbox, user, kind, value))
                latencies.append(took)
                if pace is not None:
                    await asyncio.sleep(max(0.0, pace - took))
            filings += 1

    async with app:
        assert app.post_init is not None
        await app.post_init(app)  # start-up as `run` does it
        before = _chat_requests(sandbox)
        start = time.perf_counter()
        spread = pace or 0.0
        await asyncio.gather(*(person(u, start + seconds, spread * i / people)
                               for i, u in enumerate(users)))
        elapsed = time.perf_counter() - start
        requests = _chat_requests(sandbox) - before
    saved = len(app.bot_data.services.ledger.rows())
    database.dispose()
    assert saved == filings, f"{saved} of {filings} filings saved"
    return {"updates": float(len(latencies)), "filings": float(filings),
            "reply_ratio": requests / elapsed / ALLOWED,
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000, "429": float(sandbox.stats["429"])}


async def daily_wave(people: int, extra: int, rtt: float) -> dict[str, float]:
    """The 09:00 wave scaled down: `people` + `extra` deadline nudges due at once, `extra` of
    the people with two items; the same sender, pacing and coalescing as in production."""
    from sqlalchemy import select, update

    from bench.common import seed_problems
    from bot.domain import NoteKind, Status
    from bot.services.notify import Planned
    from storage.ledger import Problem

    sandbox = _sandbox(rtt)
    app, database, clock = make_app(limited_config(), sandbox, RunningClock())
    seed_problems(database, 4 * (people + extra), units=10)
    with database.write() as conn:
        conn.execute(update(Problem).values(status=Status.PENDING))
        ids = list(conn.execute(select(Problem.id).order_by(Problem.id)
                                .limit(people + extra)).scalars())
    chats = [700_000 + i for i in range(people)]
    for chat in chats:
        sandbox.add_user(chat, f"p{chat}")
    owners = chats + chats[:extra]
    nine = clock.now()  # one moment for all, as the deadline planner's 09:00
    app.bot_data.services.notify.plan(
        Planned(key=f"daily:{pid}", chat_id=chat, kind=NoteKind.DEADLINE_BEFORE,
                due_at=nine, payload={"problem_id": pid, "days": 3})
        for pid, chat in zip(ids, owners, strict=True))
    sandbox.enforce_limits(per_second=ALLOWED, per_chat_per_second=1, per_group_per_minute=20)
    # Only the wave: the daily planners (the colour ladder over the seeded items, office hours)
    # would add their own messages to people the bench does not count.
    app.bot_data.sender.planners = []
    async with app:
        elapsed = await drain(app)
    database.dispose()
    messages = sum(len(sandbox.sent(c)) for c in chats)
    reached = sum(1 for c in chats if sandbox.sent(c))
    return {"wave_messages_per_person": messages / reached,
            "wave_delivery_ratio": (reached / ALLOWED) / elapsed,
            "wave_notes": float(len(owners)), "wave_people": float(reached),
            "wave_seconds": elapsed, "wave_429": float(sandbox.stats["429"])}


def measure(wave_size: int = 3000, people: int = 200, seconds: float = 20) -> dict[str, float]:
    pure = asyncio.run(wave(wave_size, 0.15))
    busy = asyncio.run(wave(5000, 0.15, replies=True))
    loaded = asyncio.run(filing(people, seconds, 0.1, pace=None))
    paced = asyncio.run(filing(20, seconds, 0.1, pace=1.0))
    daily = asyncio.run(daily_wave(1500, 750, 0.15))
    return {**daily,
        "fanout_rtt150_ratio": pure["rate_ratio"], "fanout_rtt150_429": pure["429"],
        "reply_during_wave_p99_ms": busy["reply_p99_ms"],
        "reply_during_wave_p50_ms": busy["reply_p50_ms"],
        "wave_5000_rtt150_ratio": busy["rate_ratio"], "wave_5000_429": busy["429"],
        "filing_rtt100_reply_ratio": loaded["reply_ratio"],
        "filing_rtt100_loaded_p99_ms": loaded["p99_ms"], "filing_rtt100_429": loaded["429"],
        "filing_rtt100_p99_ms": paced["p99_ms"], "filing_rtt100_p50_ms": paced["p50_ms"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wave", type=int, default=3000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    for key, value in measure(args.wave, args.people, args.seconds).items():
        print(f"{key:30s} {value:12.3f}", flush=True)


if __name__ == "__main__":
    main()
