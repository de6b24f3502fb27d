"""The local shell: a newcomer joins the demo unit, reads /help and files a problem, in Chinese."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_shell_lets_a_newcomer_join_read_help_and_file(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("BOT_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "shell", "--db", f"sqlite:///{tmp_path / 's.db'}",
         "--out", str(tmp_path / "files")],
        cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "责任领导：/start" in line:
            break
    codes = re.findall(r"/start ([A-Z0-9]{8})", "".join(seen))
    assert len(codes) == 2, seen
    script = [
        f"/start {codes[0]}", "/help",
        "问题：会议室空调长期开着 措施：安装定时器 时限：下周五前",
        "1",  # 大局意识淡漠 (first category button)
        "4",  # skip the level
        "/as 10002 李局长", f"/start {codes[1]}", "/as 10001",
    ]
    out, err = proc.communicate("\n".join(script) + "\n", timeout=120)
    assert proc.returncode == 0, err
    assert "已加入示例单位，身份：干部职工" in out
    assert "/file — 登记问题和整改措施" in out
    assert "① 请选择问题类别" in out and "② 这个问题是在哪个层面" in out
    assert "[1] 大局意识淡漠" in out
    assert "已加入示例单位，身份：责任领导" in out
    assert "Traceback" not in err


class Session:
    """A shell run line by line: send a line, read the output up to a marker."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        env.pop("BOT_TOKEN", None)
        env.pop("BOT_CONFIG", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "shell", "--out", str(cwd / "files"), *args],
            cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.errors: list[str] = []
        # One reader per pipe, and nobody else reads them: communicate() beside a reader
        # thread closes the pipe under it (ValueError: I/O operation on closed file).
        self._readers = [threading.Thread(target=self._pump, daemon=True),
                         threading.Thread(target=self._pump_errors, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _pump_errors(self) -> None:
        assert self.proc.stderr is not None
        self.errors.extend(self.proc.stderr)

    def until(self, marker: str, timeout: float = 60) -> str:
        seen: list[str] = []
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"the shell ended before {marker!r}: {''.join(seen)}")
            seen.append(line)
            if marker in line:
                return "".join(seen)

    def send(self, line: str, marker: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.until(marker)

    def quit(self) -> str:
        """Send /quit, wait for the shell to end; what it printed since the last marker."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("/quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        for reader in self._readers:
            reader.join(timeout=60)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        out: list[str] = []
        while (line := self.lines.get(timeout=5)) is not None:
            out.append(line)
        err = "".join(self.errors)
        assert self.proc.returncode == 0, err
        assert "Traceback" not in err
        return "".join(out)


def _cli(cwd: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("BOT_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


# Quiet hours off, so that what the bot sends never waits for the morning whenever this runs.
QUIET_OFF = 'reminders:\n  quiet_hours: {start: "00:00", end: "00:00"}\n'


def test_the_shell_and_the_cli_share_the_database_and_codes_show_on_every_start(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.yaml").write_text(QUIET_OFF, encoding="utf-8")
    _cli(tmp_path, "unit", "add", "市教育局", "--code", "EDU")
    [code] = re.findall(r"code: ([A-Z0-9]{8})", _cli(tmp_path, "invite", "EDU", "--role",
                                                        "leader"))
    listed = f"市教育局 · 责任领导：/start {code}"
    first = Session(tmp_path)
    assert listed in first.until(listed)
    assert listed in first.send("/codes", listed)
    out = first.quit()
    assert "已创建示例单位" not in out  # the CLI's units are there: no demo unit on top
    # A second start lists the code again; once used, it is no longer listed.
    second = Session(tmp_path)
    second.until(listed)
    second.send(f"/start {code}", "身份：责任领导")
    second.send("/codes", "没有尚未使用的邀请码")
    second.quit()
    assert _cli(tmp_path, "unit", "list").startswith("EDU\t市教育局")


def test_inbox_reaches_a_card_sent_while_playing_someone_else(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(QUIET_OFF, encoding="utf-8")
    shell = Session(tmp_path)
    codes = re.findall(r"/start ([A-Z0-9]{8})", shell.until("责任领导：/start"))
    member, leader = codes
    shell.send(f"/start {member}", "身份：干部职工")
    shell.send("/as 10002 李局长", "现在的身份")
    shell.send(f"/start {leader}", "身份：责任领导")
    shell.send("/meeting", "请输入会议名称")
    shell.send("推进会", "什么时间")
    shell.send("明天上午10点", "地点")
    shell.send("三楼会议室", "[1] 全单位")
    shell.send("1", "[1] 确认")
    shell.send("1", "已发给 1 人")
    shell.send("/as 10001", "现在的身份")
    shell.until("/inbox 查看")
    inbox = shell.send("/inbox", "请假")
    [attend] = re.findall(r"\[(\d+)\] 参加", inbox)
    assert "会议通知" in inbox and "推进会" in inbox
    assert "已确认参加" in shell.send(attend, "已确认参加")
    shell.quit()
