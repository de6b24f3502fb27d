"""A PostgreSQL server of the test's own, restarted during a fan-out: nothing lost or doubled."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.domain import NoteKind
from bot.services.notify import NotificationService, Planned
from sandbox import BotApiSandbox, SandboxServer, serve
from storage.db import Database
from storage.migrate import upgrade
from tests import figures
from tests.chat import wait_for

ROOT = Path(__file__).resolve().parent.parent
CHATS = range(1, 201)


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        pytest.skip(f"PostgreSQL's {name} is not installed")
    return found[-1]


def _as_postgres(*args: str) -> list[str]:
    # initdb and the server refuse to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateServer:
    """initdb and pg_ctl on a free port in a temporary folder, stopped at the end."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="pg-restart-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(_as_postgres(_bin("initdb"), "-D", str(self.data), "-A", "trust",
                                    "-U", "postgres", "--no-sync"),
                       check=True, capture_output=True, timeout=120)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                                    str(self.folder / "server.log"), "-w", "-m", "fast",
                                    action), check=True, capture_output=True, timeout=120)

    def close(self) -> None:
        subprocess.run(_as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                    "stop"), capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivateServer]:
    server = PrivateServer()
    try:
        server.ctl("start")
        yield server
    finally:
        server.close()


@pytest.fixture
def bot_api() -> Iterator[SandboxServer]:
    with serve(BotApiSandbox(strict=False, latency=0.01)) as running:
        yield running


def test_a_postgres_restart_during_a_fan_out_loses_and_doubles_nothing(
    tmp_path: Path, private_postgres: PrivateServer, bot_api: SandboxServer,
) -> None:
    sandbox = bot_api.sandbox
    db = Database.from_url(private_postgres.url)
    upgrade(db.engine)
    notify = NotificationService(db, SystemClock(), late_window=dt.timedelta(hours=1))
    for chat in CHATS:
        sandbox.add_user(chat, f"u{chat}")
    now = SystemClock().now()
    notify.plan(Planned(key=f"r{c}", chat_id=c, kind=NoteKind.CHAT_UNREACHABLE, due_at=now,
                        payload={"chat_id": 5}) for c in CHATS)
    db.dispose()
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({
        "database": {"url": private_postgres.url},
        "telegram": {"poll_timeout": 1, "rate_limit": {
            "overall_per_second": 40, "group_per_minute": 0, "per_chat_per_second": 0,
            "max_retries": 0}},
        "reminders": {"tick_seconds": 0.2, "lease_seconds": 2, "claim_timeout_seconds": 3,
                      "quiet_hours": {"start": "00:00", "end": "00:00"}},
    }), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": "123:abc",
           "TELEGRAM_BASE_URL": bot_api.url}
    with (tmp_path / "bot.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        delivered = lambda: sum(1 for c in CHATS if sandbox.sent(c))  # noqa: E731
        wait_for(lambda: delivered() >= 40, "the fan-out to get going")
        private_postgres.ctl("restart")  # 57P01 for open connections, 57P03 while it stops
        restarted_at = delivered()
        wait_for(lambda: delivered() == len(CHATS), "every message after the restart", 90)
        time.sleep(1.0)  # anything about to be sent twice would go now
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    counts = [len(sandbox.sent(c)) for c in CHATS]
    figures.count("postgres.restarts")
    figures.count("postgres.notes_checked", len(CHATS))
    figures.count("postgres.sent_twice", sum(1 for n in counts if n > 1))
    assert restarted_at < len(CHATS)  # the restart really fell inside the fan-out
    assert counts == [1] * len(CHATS)
