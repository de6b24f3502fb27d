"""A small PTB bot for the sandbox's own tests: its handlers, a sandbox and an app to run it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox import BotApiSandbox, SandboxRequest

USER = 1
GROUP = -1001234
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("确认", callback_data="ok"),
            InlineKeyboardButton("说明", url="https://e.x/"),
        ]
    ]
)
Context = ContextTypes.DEFAULT_TYPE


async def _start(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("欢迎", reply_markup=KEYBOARD)


async def _report(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_document(b"a,b\n", filename="台账.csv", caption="本周")


async def _echo(update: Update, context: Context) -> None:
    assert update.effective_message is not None and update.effective_message.text
    await update.effective_message.reply_text(update.effective_message.text)


async def _button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("已确认")
    await query.edit_message_text(f"已选择：{query.data}")


def with_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CommandHandler("report", _report))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_button))


async def until(condition: Callable[[], object]) -> None:
    # The sandbox changes on server threads; a short poll (bounded by the caller) is simplest.
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.01)


def known_sandbox() -> BotApiSandbox:
    sandbox = BotApiSandbox()
    sandbox.add_user(USER, "张三", username="zhangsan")
    return sandbox


def check_taught(sandbox: BotApiSandbox) -> None:
    assert not sandbox.untaught, f"the bot called methods the sandbox lacks: {sandbox.untaught}"


@asynccontextmanager
async def in_process_app(
    sandbox: BotApiSandbox,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    builder = Application.builder().token("123:abc").request(SandboxRequest(sandbox))
    application = builder.get_updates_request(SandboxRequest(sandbox)).build()
    with_handlers(application)
    async with application:
        yield application


async def feed(app: Application[Any, Any, Any, Any, Any, Any], update: dict[str, Any]) -> None:
    sandbox = app.bot.request.sandbox  # type: ignore[attr-defined]
    await app.process_update(sandbox.update(update, app.bot))
