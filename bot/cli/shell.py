"""`python -m bot shell`: the real bot in a terminal, on an in-process Bot API and local SQLite."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.cli.common import ensure_schema, plain
from bot.clock import SystemClock
from bot.config import Config
from bot.context import App
from bot.domain import Role
from sandbox import BotApiSandbox, SandboxRequest, SentMessage

DEFAULT_USER = 10001
DEFAULT_DB = "sqlite:///data/shell.db"

INTRO = """\
作风问题教育整顿助手 · 本地体验（不连接 Telegram）
Local shell: the real bot, an in-process Bot API, a local SQLite file.
  直接输入文字或命令发给机器人，例如 /start、/help、/file
  输入数字 = 点击最近一条消息上对应编号的按钮
  /as 用户ID [姓名]  切换身份（一人可以扮演干部和领导）
  /photo 说明文字    发送一张示例照片（作为佐证）
  /quit              退出
"""


class Shell:
    """A terminal conversation with the bot; one person, any number of identities."""

    def __init__(
        self, app: App, sandbox: BotApiSandbox, out_dir: Path, user_id: int,
        write: Callable[[str], None] = print,
    ) -> None:
        self.app = app
        self.sandbox = sandbox
        self.out_dir = out_dir
        self.user_id = user_id
        self.write = write
        self.buttons: list[tuple[SentMessage, str]] = []

    async def handle(self, line: str) -> bool:
        """Act on one line of input; return False to quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        if line.startswith("/as"):
            self._switch(line.split()[1:])
            return True
        if line.isdigit() and self.buttons:
            index = int(line) - 1
            if not 0 <= index < len(self.buttons):
                self.write(f"（没有第 {line} 个按钮）")
                return True
            message, label = self.buttons[index]
            await self._feed(self.sandbox.click(self.user_id, message, label))
            return True
        if line.startswith("/photo"):
            caption = line.removeprefix("/photo").strip()
            await self._feed(self.sandbox.message(self.user_id, caption, photo=True))
            return True
        await self._feed(self.sandbox.message(self.user_id, line))
        return True

    def _switch(self, args: list[str]) -> None:
        if not args or not args[0].isdigit():
            self.write("用法 usage: /as 用户ID [姓名]，例如 /as 10002 李局长")
            return
        self.user_id = int(args[0])
        name = " ".join(args[1:]) or f"用户{self.user_id}"
        self.sandbox.add_user(self.user_id, name)
        self.buttons = []
        self.write(f"（现在的身份：{name}，ID {self.user_id}）")

    async def _feed(self, data: dict[str, Any]) -> None:
        before = {(m.chat_id, m.message_id): (m.text, m.reply_markup) for m in self.sandbox.sent()}
        await self.app.process_update(self.sandbox.update(data, self.app.bot))
        # The shell runs no JobQueue; deliver whatever fell due (reminders, notices) now.
        await self.app.bot_data.sender.tick()
        changed = [m for m in self.sandbox.sent()
                   if before.get((m.chat_id, m.message_id)) != (m.text, m.reply_markup)]
        numbered: list[tuple[SentMessage, str]] = []
        for message in changed:
            numbered += self._show(message, len(numbered))
        if numbered:
            self.buttons = numbered

    def _show(self, message: SentMessage, offset: int) -> list[tuple[SentMessage, str]]:
        header = "" if message.chat_id == self.user_id else f"→ 发给 {message.chat_id}：\n"
        if message.edited:
            header = header + "（更新）"
        self.write("\n" + header + plain(message.text or ""))
        if message.document is not None:
            self.write("  📎 " + str(self._save(message.document[0], message.document[1])))
        if message.photo is not None:
            self.write("  🖼 " + str(self._save(f"photo-{message.message_id}.png", message.photo)))
        if message.chat_id != self.user_id:
            return []
        labels = [label for row in self.sandbox.buttons(message) for label, _ in row]
        if labels:
            self.write("  " + "  ".join(f"[{offset + i}] {label}" for i, label in
                                        enumerate(labels, 1)))
        return [(message, label) for label in labels]

    def _save(self, name: str, data: bytes) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / Path(name).name
        path.write_bytes(data)
        return path.resolve()


def _seed_demo(config: Config, app: App, write: Callable[[str], None]) -> None:
    """On an empty database, create a demo unit and invite codes so a newcomer can start."""
    membership = app.bot_data.services.membership
    if membership.list_units():
        return
    unit = membership.add_unit("示例单位", code="DEMO")
    member = membership.create_invite(unit=unit.code, role=Role.MEMBER, by=None)
    leader = membership.create_invite(unit=unit.code, role=Role.LEADER, by=None)
    write(f"已创建示例单位“{unit.name}”。邀请码（每个只能用一次）：\n"
          f"  干部职工：/start {member.code}\n  责任领导：/start {leader.code}\n"
          f"先发送 /start {member.code} 加入；再用 /as 10002 李局长 切换身份，"
          f"发送 /start {leader.code} 以领导身份加入。\n")


async def _repl(shell: Shell, read: Callable[[], str | None]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, read)
        if line is None or not await shell.handle(line):
            return


def _read_line() -> str | None:
    try:
        return input("\n> ")
    except EOFError:
        return None


def run_shell(config: Config, *, as_user: int | None, db_url: str | None, out_dir: Path) -> int:
    """Run the terminal conversation until /quit or end of input."""
    config = config.model_copy(update={"database": config.database.model_copy(
        update={"url": db_url or DEFAULT_DB})})
    ensure_schema(config)
    sandbox = BotApiSandbox(strict=False)
    user_id = as_user or DEFAULT_USER
    sandbox.add_user(user_id, f"用户{user_id}")
    app = build_application(config, request=SandboxRequest(sandbox), clock=SystemClock(),
                            token="123456:shell")

    async def main() -> None:
        async with app:
            assert app.post_init is not None
            await app.post_init(app)
            print(INTRO)
            _seed_demo(config, app, print)
            await _repl(Shell(app, sandbox, out_dir, user_id), _read_line)

    asyncio.run(main())
    sys.stdout.flush()
    return 0
