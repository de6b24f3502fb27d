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
    """SIGTERM, which must end the bot with exit code 0 within 15 s; return its stderr.

    The pipes are read while waiting: a bot logging at DEBUG fills a pipe's 64 KiB long
    before a slow test ends, and a process blocked writing its log never exits."""
    proc.send_signal(signal.SIGTERM)
    try:
        err = proc.communicate(timeout=15)[1] or ""
    except subprocess.TimeoutExpired:
        proc.kill()
        err = proc.communicate()[1] or ""
        raise AssertionError(
            f"the bot did not stop within 15 s of SIGTERM:\n{err[-4000:]}") from None
    assert proc.returncode == 0, err[-4000:]
    return err
