"""The local shell: a newcomer joins the demo unit, reads /help and files a problem, in Chinese."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
