"""Two instances behind one token in webhook mode on one PostgreSQL database."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.clock import SystemClock
from bot.domain import Role
from bot.services.membership import MembershipService
from bot.services.notify import NotificationService, Planned
from sandbox import BotApiSandbox, SandboxServer, serve
from storage.db import Database
from storage.migrate import upgrade
from tests.chat import wait_for

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])




@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with serve(BotApiSandbox()) as running:
        yield running


def _config(folder: Path, name: str, db_url: str, port: int) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(json.dumps({
        "database": {"url": db_url},
        "telegram": {
            "mode": "webhook",
            "webhook": {"listen": "127.0.0.1", "port": port, "url_path": "hook",
                        "url": f"https://bot.example.invalid/{name}/hook",
                        "secret_token": SECRET},
            "rate_limit": {"overall_per_second": 0, "group_per_minute": 0,
                           "per_chat_per_second": 0, "max_retries": 0},
        },
        "reminders": {"tick_seconds": 0.2, "lease_seconds": 2, "claim_timeout_seconds": 3,
                      "quiet_hours": {"start": "00:00", "end": "00:00"}},
    }), encoding="utf-8")
    return path


def _start(config: Path, server: SandboxServer) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": "123:abc",
           "TELEGRAM_BASE_URL": server.url}
    with (config.parent / f"{config.stem}.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                                cwd=config.parent, env=env, stdout=subprocess.DEVNULL, stderr=log)


def _post(port: int, update: dict[str, Any]) -> None:
    response = httpx.post(f"http://127.0.0.1:{port}/hook", json=update, timeout=10,
                          headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 200, response.text


def _newest(sandbox: BotApiSandbox, chat: int, text: str) -> bool:
    sent = sandbox.sent(chat)
    return bool(sent) and text in (sent[-1].text or "")


def _up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def test_any_instance_takes_any_update_and_reminders_go_once(
    tmp_path: Path, server: SandboxServer, postgres_url: str
) -> None:
    sandbox = server.sandbox
    db = Database.from_url(postgres_url)
    upgrade(db.engine)  # as ExecStartPre would
    membership = MembershipService(db, SystemClock())
    membership.add_unit("市教育局", code="EDU")
    code = membership.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
    ports = [_free_port(), _free_port()]
    procs = [_start(_config(tmp_path, f"i{n}", postgres_url, port), server)
             for n, port in enumerate(ports)]
    try:
        wait_for(lambda: all(_up(p) for p in ports), "both webhook servers")
        user = 801
        sandbox.add_user(user, "张三")
        # One person's conversation, its updates alternating between the two instances.
        def click(label: str) -> dict[str, Any]:
            message = next(m for m in reversed(sandbox.sent(user))
                           if any(t == label for row in sandbox.buttons(m) for t, _ in row))
            return sandbox.click(user, message, label)

        steps: list[tuple[Callable[[], dict[str, Any]], str]] = [
            (lambda: sandbox.message(user, f"/join {code}"), "已加入"),
            (lambda: sandbox.message(user, "/file"), "请选择问题类别"),
            (lambda: click("履职尽责缺位"), "哪个层面"),
            (lambda: click("单位（科室）"), "问题来源"),
            (lambda: click("群众反映"), "请描述问题"),
            (lambda: sandbox.message(user, "窗口午休无人值守"), "整改措施"),
        ]
        for index, (make, expected) in enumerate(steps):
            _post(ports[index % 2], make())
            wait_for(lambda expected=expected: _newest(sandbox, user, expected),  # type: ignore[misc]
                  f"{expected!r} after step {index}")
        assert "整改措施" in (sandbox.last(user).text or "")
        notify = NotificationService(db, SystemClock(), late_window=dt.timedelta(hours=1))
        chats = range(1, 41)
        for chat in chats:
            sandbox.add_user(chat, f"u{chat}")
        now = SystemClock().now()
        notify.plan(Planned(key=f"w{c}", chat_id=c, kind="chat.unreachable", due_at=now,
                            payload={"chat_id": 5}) for c in chats)
        wait_for(lambda: all(sandbox.sent(c) for c in chats), "the first batch of reminders")
        time.sleep(1.0)
        assert [len(sandbox.sent(c)) for c in chats] == [1] * 40
        with db.read() as conn:
            holder = conn.exec_driver_sql("select holder from leases").scalar_one()
        leader = next(p for p in procs if f":{p.pid}:" in holder)
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        survivor = ports[1 - procs.index(leader)]
        more = range(41, 61)
        for chat in more:
            sandbox.add_user(chat, f"u{chat}")
        notify.plan(Planned(key=f"w{c}", chat_id=c, kind="chat.unreachable",
                            due_at=SystemClock().now(), payload={"chat_id": 5}) for c in more)
        wait_for(lambda: all(sandbox.sent(c) for c in more), "the survivor to take over")
        _post(survivor, sandbox.message(user, "安排午间轮值"))
        wait_for(lambda: _newest(sandbox, user, "已记录1条措施"), "the survivor to answer")
        time.sleep(1.0)
        assert [len(sandbox.sent(c)) for c in [*chats, *more]] == [1] * 60
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=15)
        db.dispose()
