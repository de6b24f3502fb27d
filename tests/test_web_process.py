"""The web served by real processes: beside the bot (`run` with web.enabled) and alone (`web`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import BotApiSandbox, SandboxServer, serve
from tests.chat import wait_for

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:abc"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with serve(BotApiSandbox(strict=False)) as running:
        yield running


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("database: {url: 'sqlite:///bot.db'}\ntelegram: {poll_timeout: 1}\n"
                    f"web: {{enabled: true, port: {port}, public_url: 'http://127.0.0.1:{port}'}}\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["run", "web"])
def test_the_web_is_served_and_stops_on_sigterm(tmp_path: Path, server: SandboxServer,
                                                command: str) -> None:
    port = _free_port()
    config = _config(tmp_path, port)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN,
           "TELEGRAM_BASE_URL": server.url, "WEB_SESSION_SECRET": "p" * 40}
    proc = subprocess.Popen([sys.executable, "-m", "bot", command, "--config", str(config)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), "the web server",
                 timeout=30)
        assert _answers(f"http://127.0.0.1:{port}/signin")
        if command == "run":  # the bot answers beside the pages
            server.sandbox.add_user(501, "张三")
            server.sandbox.message(501, "/start")
            wait_for(lambda: server.sandbox.sent(501), "the answer to /start", timeout=20)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate()
    assert not _answers(f"http://127.0.0.1:{port}/healthz"), err


def test_the_web_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    config = _config(tmp_path, _free_port())
    env = {k: v for k, v in os.environ.items() if k != "WEB_SESSION_SECRET"}
    result = subprocess.run([sys.executable, "-m", "bot", "web", "--config", str(config)],
                            cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "WEB_SESSION_SECRET" in result.stderr
