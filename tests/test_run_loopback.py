"""The real `python -m bot run` process, long polling a Bot API server on loopback."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import BotApiSandbox, SandboxServer, serve
from tests.chat import wait_for

# Each step of the conversation gets at most 20 s.
wait = functools.partial(wait_for, timeout=20.0)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:abc"


def _cli(*args: str, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with serve(BotApiSandbox(strict=False)) as running:
        yield running


def test_polling_bot_answers_joins_files_and_stops_on_sigterm(
    tmp_path: Path, server: SandboxServer
) -> None:
    sandbox = server.sandbox
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN,
           "TELEGRAM_BASE_URL": server.url, "BOT_CONFIG": str(tmp_path / "config.yaml")}
    (tmp_path / "config.yaml").write_text(
        "database: {url: 'sqlite:///bot.db'}\ntelegram: {poll_timeout: 1}\n", encoding="utf-8")
    _cli("unit", "add", "市教育局", "--code", "EDU", cwd=tmp_path, env=env)
    invite = _cli("invite", "EDU", cwd=tmp_path, env=env)
    code = invite.splitlines()[0].removeprefix("code: ")
    assert f"https://t.me/zhenggai_bot?start={code}" in invite  # the bot's name came from getMe

    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(tmp_path / "config.yaml")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        user = 501
        sandbox.add_user(user, "张三")
        sandbox.message(user, "/start")
        wait(lambda: sandbox.sent(user), "the answer to /start")
        assert "您还没有加入任何单位" in (sandbox.sent(user)[0].text or "")
        sandbox.message(user, "/help")
        wait(lambda: len(sandbox.sent(user)) >= 2, "the answer to /help")
        assert "查看帮助" in (sandbox.sent(user)[1].text or "")
        sandbox.message(user, f"/start {code}")
        wait(lambda: len(sandbox.sent(user)) >= 3, "the answer to /start CODE")
        assert "已加入<b>市教育局</b>" in (sandbox.sent(user)[2].text or "")
        # A one-message filing with everything given goes straight to the card.
        sandbox.message(user, "问题：会议室空调长期开着 类别：执行落实漂浮 层级：单位 "
                              "措施：安装定时器 责任人：张三 责任领导：李局长 时限：2099年12月31日")
        wait(lambda: "请核对登记内容" in (sandbox.last(user).text or ""), "the confirm card")
        sandbox.click(user, sandbox.last(user), "确认")
        wait(lambda: "已保存" in (sandbox.last(user).text or ""), "the saved notice")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        stopped_in = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate()
    assert stopped_in < 5, f"SIGTERM took {stopped_in:.1f} s"
    assert TOKEN not in err and "Traceback" not in err
    csv_path = tmp_path / "ledger.csv"
    _cli("export", "--format", "csv", "-o", str(csv_path), cwd=tmp_path, env=env)
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "会议室空调长期开着" in text and "2099-12-31 23:59" in text
