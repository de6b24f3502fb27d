"""`python -m bot shell`: the real bot in a terminal, on a fake Bot API and the CLI's database."""

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
# Open invite codes listed at the start and by /codes.
CODES_SHOWN = 20
# Messages /inbox shows: the newest sent to the current identity.
INBOX_SHOWN = 10

INTRO = """\
作风问题教育整顿助手 · 本地体验（不连接 Telegram）
Local shell: the real bot, an in-process Bot API, the same database as the other commands.
  直接输入文字或命令发给机器人，例如 /start、/help、/file
  输入数字 = 点击最近一条消息上对应编号的按钮
  /as 用户ID [姓名]  切换身份（一人可以扮演干部和领导）
  /inbox             查看发给当前身份的消息及其按钮（包括切换身份前收到的）
  /codes             列出尚未使用的邀请码
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
        if line.split()[0] == "/as":
            self._switch(line.split()[1:])
            return True
        if line == "/codes":
            show_codes(self.app, self.write)
            return True
        if line == "/inbox":
            self._inbox()
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
        waiting = len(self.sandbox.sent(self.user_id))
        if waiting:
            self.write(f"（有{waiting}条发给此身份的消息，发送 /inbox 查看并点击其中的按钮）")

    def _inbox(self) -> None:
        """Show the newest messages sent to the current identity, their buttons numbered anew:
        a card that reached the leader while one played the cadre can be answered now."""
        mine = self.sandbox.sent(self.user_id)[-INBOX_SHOWN:]
        if not mine:
            self.write("（没有发给此身份的消息）")
            return
        numbered: list[tuple[SentMessage, str]] = []
        for message in mine:
            numbered += self._show(message, len(numbered))
        self.buttons = numbered

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


def _seed_demo(app: App, write: Callable[[str], None]) -> None:
    """On an empty database, create a demo unit and invite codes so a newcomer can start."""
    membership = app.bot_data.services.membership
    if membership.list_units():
        return
    unit = membership.add_unit("示例单位", code="DEMO")
    for role in (Role.MEMBER, Role.LEADER):
        membership.create_invite(unit=unit.code, role=role, by=None)
    write(f"已创建示例单位“{unit.name}”：先用干部职工的邀请码发送 /start 邀请码 加入；"
          f"再用 /as 10002 李局长 切换身份，用责任领导的邀请码加入。")


def open_invites(app: App, limit: int = CODES_SHOWN) -> tuple[list[tuple[str, str, Role]], int]:
    """Invite codes not used and not expired, oldest first: (code, unit, role), and how many
    there are in all."""
    from sqlalchemy import func, select

    from storage.models import Invite, Unit

    services = app.bot_data.services
    open_ = (Invite.used_by.is_(None), Invite.expires_at > services.clock.now())
    with services.db.read() as conn:
        rows = conn.execute(select(Invite.code, Unit.name, Invite.role)
                            .join(Unit, Unit.id == Invite.unit_id).where(*open_)
                            .order_by(Invite.id).limit(limit)).all()
        total = conn.execute(select(func.count()).select_from(Invite).where(*open_)).scalar()
    return [(code, name, Role(role)) for code, name, role in rows], int(total or 0)


_ROLE_NAMES = {Role.MEMBER: "干部职工", Role.LEADER: "责任领导", Role.LIAISON: "联络员",
               Role.OFFICE: "领导小组办公室"}


def show_codes(app: App, write: Callable[[str], None]) -> None:
    """List the open invite codes (every start, and /codes): the shell forgets nothing."""
    codes, total = open_invites(app)
    if not codes:
        write("没有尚未使用的邀请码。可用 python -m bot invite 单位编号 --role leader 生成。")
        return
    lines = ["尚未使用的邀请码（每个只能用一次）："]
    lines += [f"  {unit} · {_ROLE_NAMES[role]}：/start {code}" for code, unit, role in codes]
    if total > len(codes):
        lines.append(f"  ……另有{total - len(codes)}个")
    write("\n".join(lines))


def _shown_url(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


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
    if db_url:
        config = config.model_copy(update={"database": config.database.model_copy(
            update={"url": db_url})})
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
            print(f"数据库 database: {_shown_url(config.database.url)}\n")
            _seed_demo(app, print)
            show_codes(app, print)
            await _repl(Shell(app, sandbox, out_dir, user_id), _read_line)

    asyncio.run(main())
    sys.stdout.flush()
    return 0
