"""Real bot processes on one database: killed mid-fan-out, restarted, and two at once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.services.notify import NotificationService, Planned
from sandbox import BotApiSandbox, SandboxServer, serve
from storage.db import Database
from storage.migrate import upgrade
from tests import figures
from tests.chat import wait_for

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """\
database: {url: "sqlite:///bot.db"}
telegram:
  poll_timeout: 1
  rate_limit: {overall_per_second: 0, group_per_minute: 0, per_chat_per_second: 0,
               max_retries: 0, in_flight: 4}
reminders:
  tick_seconds: 0.2
  lease_seconds: 2
  claim_timeout_seconds: 3
  batch: 5
  quiet_hours: {start: "00:00", end: "00:00"}
"""
IN_FLIGHT = 4


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with serve(BotApiSandbox()) as running:
        yield running


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def _notify(workdir: Path) -> NotificationService:
    """The engine on the processes' database, from the test's side (real time)."""
    db = Database.from_url(f"sqlite:///{workdir / 'bot.db'}")
    upgrade(db.engine)
    return NotificationService(db, SystemClock(), late_window=dt.timedelta(hours=1))


def _plan(workdir: Path, chats: range, tag: str) -> None:
    notify = _notify(workdir)
    now = SystemClock().now()
    notify.plan(Planned(key=f"{tag}{c}", chat_id=c, kind="chat.unreachable", due_at=now,
                        payload={"chat_id": 5}) for c in chats)
    notify.db.dispose()


def _start(workdir: Path, server: SandboxServer) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": "123:abc",
           "TELEGRAM_BASE_URL": server.url}
    with (workdir / "bot.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", "config.yaml"], cwd=workdir,
            env=env, stdout=subprocess.DEVNULL, stderr=log)


def _received(sandbox: BotApiSandbox, chats: range) -> list[int]:
    return [len(sandbox.sent(c)) for c in chats]


def _unrecorded(workdir: Path, sandbox: BotApiSandbox, chats: range) -> set[int]:
    """Chats Telegram received a message for whose row is not yet written as sent."""
    notify = _notify(workdir)
    with notify.db.read() as conn:
        written = {c for (c,) in conn.exec_driver_sql(
            "select chat_id from notifications where state = 'sent'")}
    notify.db.dispose()
    return {c for c in chats if sandbox.sent(c) and c not in written}


def test_killed_mid_fan_out_then_restarted_repeats_only_what_was_in_flight(
    workdir: Path, server: SandboxServer
) -> None:
    sandbox, chats = server.sandbox, range(1, 31)
    for c in chats:
        sandbox.add_user(c, f"u{c}")
    _plan(workdir, chats, "k")
    # The request to chat 15 hangs; the process is killed while it waits for Telegram.
    sandbox.fail("sendMessage", "timeout", chat_id=15)
    first = _start(workdir, server)
    try:
        wait_for(lambda: any(call.fault and call.params.get("chat_id") == 15
                          for call in sandbox.calls_to("sendMessage")), "the hung send")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    before = sum(_received(sandbox, chats))
    assert 0 < before < 30, "the kill should land in the middle of the fan-out"
    # What may go twice: the requests in flight at the kill and the batch being written.
    window = _unrecorded(workdir, sandbox, chats)
    assert len(window) <= 2 * IN_FLIGHT
    second = _start(workdir, server)
    try:
        wait_for(lambda: all(n >= 1 for n in _received(sandbox, chats)), "every chat served")
        time.sleep(1.5)  # a few more ticks: anything sent twice would show now
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)
    received = dict(zip(chats, _received(sandbox, chats), strict=True))
    repeated = {c for c, n in received.items() if n > 1}
    figures.count("fanout.kills")
    figures.count("fanout.notes_checked", len(chats))
    figures.count("fanout.unrecorded_at_kill", len(window))
    figures.count("fanout.sent_twice", len(repeated))
    assert repeated <= window
    assert max(received.values()) <= 2 and received[15] == 1


def test_two_processes_on_one_database_send_nothing_twice_and_survive_a_death(
    workdir: Path, server: SandboxServer
) -> None:
    sandbox = server.sandbox
    first_batch, second_batch = range(1, 41), range(41, 61)
    for c in [*first_batch, *second_batch]:
        sandbox.add_user(c, f"u{c}")
    upgrade(Database.from_url(f"sqlite:///{workdir / 'bot.db'}").engine)
    procs = [_start(workdir, server), _start(workdir, server)]
    try:
        _plan(workdir, first_batch, "a")
        wait_for(lambda: all(n >= 1 for n in _received(sandbox, first_batch)), "the first batch")
        time.sleep(1.0)
        assert _received(sandbox, first_batch) == [1] * 40
        # Kill whichever holds the lease; the other must take over.
        notify = _notify(workdir)
        with notify.db.read() as conn:
            holder = conn.exec_driver_sql("select holder from leases").scalar_one()
        leader = next(p for p in procs if f":{p.pid}:" in holder)
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        _plan(workdir, second_batch, "b")
        wait_for(lambda: all(n >= 1 for n in _received(sandbox, second_batch)), "the takeover")
        time.sleep(1.0)
        assert _received(sandbox, second_batch) == [1] * 20
        assert _received(sandbox, first_batch) == [1] * 40
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
