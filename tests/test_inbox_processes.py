"""The real `python -m bot run`: killed with updates in hand, posted twice, forged, misset."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox import BotApiSandbox, SandboxServer, serve
from tests import figures
from tests.chat import wait_for

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:secret-token-value"
SECRET = "hook-secret-0123456789"
HELP = "可以使用"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    # A 20 ms round trip: updates are still in hand when the process is killed.
    with serve(BotApiSandbox(strict=False, latency=0.02)) as running:
        yield running


def _write_config(folder: Path, **telegram: Any) -> Path:
    path = folder / "config.yaml"
    path.write_text(json.dumps({
        "database": {"url": "sqlite:///bot.db"},
        "telegram": {"poll_timeout": 1, **telegram,
                     "rate_limit": {"overall_per_second": 0, "group_per_minute": 0,
                                    "per_chat_per_second": 0, "max_retries": 0}},
        "reminders": {"quiet_hours": {"start": "00:00", "end": "00:00"}},
    }), encoding="utf-8")
    return path


def _start(config: Path, server: SandboxServer) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN,
           "TELEGRAM_BASE_URL": server.url}
    # The log goes to a file: a pipe nobody reads fills up and stops the bot mid-way.
    log = (config.parent / "bot.log").open("a", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            cwd=config.parent, env=env, stdout=subprocess.DEVNULL, stderr=log,
                            text=True)
    log.close()
    return proc


def _stop(proc: subprocess.Popen[str], config: Path | None = None) -> str:
    """Stop the bot (if still running); return what it wrote to stderr, this run and before."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    folder = Path(proc.args[-1]).parent if config is None else config.parent  # type: ignore[index]
    return (folder / "bot.log").read_text(encoding="utf-8")


def _answers(sandbox: BotApiSandbox, user: int) -> int:
    return len([m for m in sandbox.sent(user) if HELP in (m.text or "")])


def test_a_kill_with_updates_in_hand_loses_none_of_them(
    tmp_path: Path, server: SandboxServer,
) -> None:
    sandbox = server.sandbox
    users = range(10_001, 10_301)
    for user in users:
        sandbox.add_user(user, f"u{user}")
        sandbox.message(user, "/help")
    config = _write_config(tmp_path)
    first = _start(config, server)
    try:
        wait_for(lambda: any(_answers(sandbox, u) for u in users), "the first answers")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        _stop(first)
    answered_before = sum(1 for u in users if _answers(sandbox, u))
    second = _start(config, server)
    try:
        wait_for(lambda: all(_answers(sandbox, u) for u in users), "every update answered",
                 timeout=60)
    finally:
        err = _stop(second)
    counts = [_answers(sandbox, u) for u in users]
    repeated = sum(1 for c in counts if c > 1)
    figures.count("inbox.kills")
    figures.count("inbox.updates_in_hand_at_kill", len(users) - answered_before)
    figures.count("inbox.repeated_after_kill", repeated)
    assert all(c >= 1 for c in counts)
    # Only what was being handled at the instant of the kill can be answered again: at most
    # the updates the processor runs at once, never the queue behind them.
    assert repeated <= 32, repeated
    assert answered_before < len(users)  # the kill really left updates in hand
    assert TOKEN not in err and "Traceback" not in err


def test_the_webhook_takes_an_update_once_and_refuses_forgeries(
    tmp_path: Path, server: SandboxServer,
) -> None:
    sandbox = server.sandbox
    port = _free_port()
    config = _write_config(tmp_path, mode="webhook", webhook={
        "listen": "127.0.0.1", "port": port, "url_path": "hook",
        "url": "https://bot.example.invalid/hook", "secret_token": SECRET})
    proc = _start(config, server)
    try:
        wait_for(lambda: _up(port), "the webhook server")
        user, victim_admin = 701, 900
        sandbox.add_user(user, "张三")
        update = sandbox.message(user, "/help")
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        url = f"http://127.0.0.1:{port}/hook"
        for _ in range(2):  # Telegram redelivers when it did not see our 200 in time
            assert httpx.post(url, json=update, headers=headers, timeout=10).status_code == 200
        wait_for(lambda: _answers(sandbox, user), "the answer")
        forged = sandbox.message(user, "/export")
        forged["message"]["from"] = {"id": victim_admin, "is_bot": False, "first_name": "办公室"}
        assert httpx.post(url, json=forged, headers=headers, timeout=10).status_code == 200
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        assert httpx.post(url, json=sandbox.message(user, "/help"), headers=wrong,
                          timeout=10).status_code == 403
        assert httpx.post(url, content=b"{", headers=headers, timeout=10).status_code == 400
        # One more real update, answered: everything before it has been handled too.
        assert httpx.post(url, json=sandbox.message(user, "/help"), headers=headers,
                          timeout=10).status_code == 200
        wait_for(lambda: _answers(sandbox, user) == 2, "the second answer")
    finally:
        err = _stop(proc)
    assert _answers(sandbox, user) == 2  # the repeated post had no second effect
    assert not [m for m in sandbox.sent(user) if m.document]  # nothing for the forgery
    assert not sandbox.sent(victim_admin)
    figures.count("inbox.webhook_repeats", 1)
    figures.count("inbox.forged_posts", 1)
    assert "Traceback" not in err


def test_webhook_mode_without_a_secret_does_not_start(tmp_path: Path,
                                                      server: SandboxServer) -> None:
    config = _write_config(tmp_path, mode="webhook", webhook={
        "listen": "127.0.0.1", "port": _free_port(), "url": "https://bot.example.invalid/h"})
    proc = _start(config, server)
    assert proc.wait(timeout=30) == 2
    err = _stop(proc)
    assert "secret_token" in err and len(err.strip().splitlines()) == 1, err


def test_a_refused_token_is_one_line_that_does_not_show_it(
    tmp_path: Path, server: SandboxServer,
) -> None:
    server.sandbox.fail("getMe", "401", times=5)
    proc = _start(_write_config(tmp_path), server)
    assert proc.wait(timeout=30) == 2
    err = _stop(proc)
    assert TOKEN not in err and TOKEN.split(":")[1] not in err
    assert err.strip().splitlines()[-1].startswith("error: ") and "token" in err, err
    assert "Traceback" not in err


def test_one_persons_flood_does_not_hold_up_another_persons_answer(
    tmp_path: Path, server: SandboxServer,
) -> None:
    sandbox = server.sandbox
    port = _free_port()
    config = _write_config(tmp_path, mode="webhook", webhook={
        "listen": "127.0.0.1", "port": port, "url_path": "hook",
        "url": "https://bot.example.invalid/hook", "secret_token": SECRET})
    # Telegram's real limits this time: 30 messages a second, about one a second per chat.
    data = json.loads(config.read_text(encoding="utf-8"))
    data["telegram"].pop("rate_limit")
    config.write_text(json.dumps(data), encoding="utf-8")
    proc = _start(config, server)
    try:
        wait_for(lambda: _up(port), "the webhook server")
        flooder, other = 801, 802
        sandbox.add_user(flooder, "刷屏者")
        sandbox.add_user(other, "李四")
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        url = f"http://127.0.0.1:{port}/hook"
        with httpx.Client(timeout=10) as client:
            for n in range(150):
                client.post(url, json=sandbox.message(flooder, f"/join WRONG{n:03d}"),
                            headers=headers)
            started = time.monotonic()
            client.post(url, json=sandbox.message(other, "/help"), headers=headers)
        wait_for(lambda: _answers(sandbox, other), "the other person's answer")
        took = time.monotonic() - started
    finally:
        _stop(proc)
    figures.count("limits.flood_updates", 150)
    figures.count("limits.flood_other_answer_ms", int(took * 1000))
    assert took < 2.0, f"the other person waited {took:.1f} s"
    told = [m.text or "" for m in sandbox.sent(flooder)]
    assert len([t for t in told if "太频繁" in t]) == 1
    assert len(told) <= 25  # 20 admitted, a lockout after 5 wrong codes, one warning
