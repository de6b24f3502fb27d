"""Helpers for tests that run `python -m bot run` as a real process."""

from __future__ import annotations

import signal
import subprocess

from sandbox import BotApiSandbox
from tests.chat import wait_for


def say_start(sandbox: BotApiSandbox, user: int = 501) -> None:
    """A stranger says /start and the bot answers, within 20 s."""
    sandbox.add_user(user, "张三")
    sandbox.message(user, "/start")
    wait_for(lambda: sandbox.sent(user), "the answer to /start", timeout=20.0)
    assert "您还没有加入任何单位" in (sandbox.sent(user)[0].text or "")


def stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM, which must end the bot with exit code 0 within 15 s; return its stderr."""
    try:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.communicate()[1]
