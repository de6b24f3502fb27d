"""A test client for the real Application on the sandbox Bot API: send text, click buttons."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.bootstrap import Services
from bot.clock import Clock, FixedClock
from bot.config import Config
from bot.context import App
from bot.domain import Role
from sandbox import BotApiSandbox, SandboxRequest, SentMessage
from storage.db import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Chat:
    """Drive the bot as people would, and read what it answered."""

    def __init__(self, app: App, sandbox: BotApiSandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def _feed(self, data: dict[str, Any], chat_id: int) -> list[SentMessage]:
        """Process one update; return the messages it sent or changed in that chat."""
        before = {m.message_id: (m.text, m.reply_markup) for m in self.sandbox.sent(chat_id)}
        update = self.sandbox.update(data, self.app.bot)
        # Through the update processor, as polling and the webhook feed it: the conversation
        # is read before routing, off the event loop.
        await self.app.update_processor.process_update(update, self.app.process_update(update))
        return [m for m in self.sandbox.sent(chat_id)
                if before.get(m.message_id) != (m.text, m.reply_markup)]

    async def send(
        self, user_id: int, text: str = "", chat_id: int | None = None, **kwargs: Any
    ) -> list[SentMessage]:
        """Send a message; return what the bot sent to that chat in answer."""
        chat = user_id if chat_id is None else chat_id
        return await self._feed(self.sandbox.message(user_id, text, chat_id, **kwargs), chat)

    async def click(
        self, user_id: int, label: str, chat_id: int | None = None,
        message: SentMessage | None = None,
    ) -> list[SentMessage]:
        """Tap the newest button with this label in the chat (or on the given message)."""
        chat = user_id if chat_id is None else chat_id
        if message is None:
            message = next(
                (m for m in reversed(self.sandbox.sent(chat))
                 if any(text == label for row in self.sandbox.buttons(m) for text, _ in row)),
                None,
            )
            if message is None:
                raise LookupError(f"no message in chat {chat} has a button {label!r}")
        return await self._feed(self.sandbox.click(user_id, message, label), chat)

    def texts(self, chat_id: int) -> list[str]:
        return [m.text or "" for m in self.sandbox.sent(chat_id)]

    def last_text(self, chat_id: int) -> str:
        return self.sandbox.last(chat_id).text or ""


@asynccontextmanager
async def running_bot(
    config: Config, clock: Clock, database: Database, sandbox: BotApiSandbox | None = None
) -> AsyncIterator[Chat]:
    sandbox = sandbox or BotApiSandbox()
    app = build_application(config, request=SandboxRequest(sandbox), clock=clock,
                            token="123:abc", database=database)
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        yield Chat(app, sandbox)
    assert sandbox.untaught == [], f"methods the sandbox was not taught: {sandbox.untaught}"


def join(services: Services, chat: Chat, unit: str, user: int, role: Role, name: str) -> None:
    """Make `user` a member of `unit` with `role`, known to the sandbox by `name`."""
    m = services.membership
    code = m.create_invite(unit=unit, role=role, by=None).code
    m.redeem_invite(code, user_id=user, display_name=name, username=None)
    chat.sandbox.add_user(user, name)


def local(*args: int) -> dt.datetime:
    """A wall-clock time in the deployment's zone (Asia/Shanghai)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def texts_with(chat: Chat, user: int, needle: str) -> list[str]:
    """The texts sent to `user` that contain `needle`."""
    return [m.text or "" for m in chat.sandbox.sent(user) if needle in (m.text or "")]


async def deliver_at(chat: Chat, clock: FixedClock, at: dt.datetime) -> None:
    """Move the clock and run one sender tick."""
    clock.set(at)
    # The test clock jumps hours or days while real time stands still; forget per-chat pacing.
    chat.app.bot_data.sender.pacer.reset()
    await chat.app.bot_data.sender.tick()


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    """Wait for another process to act; bounded, never a timing assertion."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
