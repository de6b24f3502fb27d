"""The composition root: build_application wires config, database, services and handlers."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    JobQueue,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import callbacks
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import BotData, Ctx, Services
from bot.services.membership import MembershipService
from bot.texts import LANGS, t
from handlers import basics, org
from handlers.errors import on_error
from storage.db import Database

log = logging.getLogger(__name__)

App = Application[
    ExtBot[None], Ctx, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Ctx]
]


def build_services(config: Config, *, clock: Clock | None = None,
                   database: Database | None = None) -> Services:
    """Make the services without Telegram; the CLI uses this part alone."""
    clock = clock or SystemClock()
    db = database or Database.from_url(config.database.url, echo=config.database.echo)
    membership = MembershipService(db, clock, office_admins=config.office_admins)
    return Services(config=config, clock=clock, db=db, membership=membership)


def build_application(
    config: Config,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    token: str | None = None,
    database: Database | None = None,
) -> App:
    """Wire the whole bot; `__main__`, the local shell and the tests all call this."""
    services = build_services(config, clock=clock, database=database)
    builder = (
        ApplicationBuilder()
        .token(token or config.require_token())
        .context_types(ContextTypes(context=Ctx, bot_data=BotData))
        .defaults(Defaults(
            parse_mode=ParseMode.HTML, tzinfo=config.tz,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if config.base_url:
        builder = builder.base_url(config.base_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app: App = builder.build()  # type: ignore[assignment]
    app.bot_data.bind(services)
    register_handlers(app)
    return app


def register_handlers(app: App) -> None:
    """Attach every handler. Order matters: the first matching handler in a group wins."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", basics.start, filters=private))
    app.add_handler(CommandHandler("help", basics.show_help))
    app.add_handler(CommandHandler("join", basics.join, filters=private))
    app.add_handler(CommandHandler("lang", basics.choose_lang))
    app.add_handler(CommandHandler("cancel", basics.cancel))
    app.add_handler(CommandHandler("invite", org.invite, filters=private))
    app.add_handler(CommandHandler("bindgroup", org.bind_group))
    app.add_handler(CallbackQueryHandler(basics.pick_lang, callbacks.pattern("lang", "set")))
    app.add_handler(CallbackQueryHandler(org.pick_invite_role, callbacks.pattern("invite", "role")))
    app.add_handler(ChatMemberHandler(org.bot_joined_group, ChatMemberHandler.MY_CHAT_MEMBER))
    # Last: free text in a private chat that no feature claimed.
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, basics.stranger_text))
    app.add_error_handler(on_error)


async def _post_init(app: App) -> None:
    """Publish the command menu in each language."""
    config = app.bot_data.services.config
    for lang in LANGS:
        await app.bot.set_my_commands(_menu(lang), language_code=lang)
    await app.bot.set_my_commands(_menu(config.language))


def _menu(lang: str) -> list[BotCommand]:
    return [BotCommand(c.name, t(lang, f"cmd.{c.name}")) for c in basics.COMMANDS]


async def _post_shutdown(app: App) -> None:
    app.bot_data.services.db.dispose()


ALL_UPDATES = Update.ALL_TYPES
