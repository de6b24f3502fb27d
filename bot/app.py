"""The composition root: build_application wires config, database, services and handlers."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import callbacks, dates, quickfile
from bot.bootstrap import build_services
from bot.clock import Clock
from bot.config import Config
from bot.context import App, BotData, Ctx
from bot.scheduler import Sender, instance_name, tick_job
from bot.texts import LANGS, t
from handlers import (
    basics,
    digest,
    export,
    filing,
    leave,
    ledger,
    meetings,
    notices,
    org,
    privacy,
    reminders,
)
from handlers.dialog import DialogHandler
from handlers.errors import on_error
from storage.db import Database

log = logging.getLogger(__name__)



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
        .rate_limiter(_rate_limiter(config))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if config.base_url:
        builder = builder.base_url(config.base_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app: App = builder.build()  # type: ignore[assignment]
    sender = Sender(app, instance_name(), batch=config.reminders.batch,
                    lease_ttl=dt.timedelta(seconds=config.reminders.lease_seconds))
    app.bot_data.bind(services, sender)
    register_handlers(app)
    return app


def start_scheduler(app: App) -> None:
    """Run the sender's tick on the JobQueue; the database holds what is due, not the queue."""
    assert app.job_queue is not None
    interval = app.bot_data.services.config.reminders.tick_seconds
    app.job_queue.run_repeating(tick_job, interval=interval, first=1.0, name="scheduler")


# Feature modules with the same shape: commands(), buttons(), messages() and FLOWS.
FEATURES = (notices, meetings, leave, reminders, digest)


def _rate_limiter(config: Config) -> AIORateLimiter:
    limits = config.telegram.rate_limit
    return AIORateLimiter(
        overall_max_rate=limits.overall_per_second, overall_time_period=1,
        group_max_rate=limits.group_per_minute, group_time_period=60,
        max_retries=limits.max_retries,
    )


def register_handlers(app: App) -> None:
    """Attach every handler. Order matters: the first matching handler in a group wins."""
    private = filters.ChatType.PRIVATE
    # Before everything: an edited message is not a new request, and nothing acts on it.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, basics.ignore_edit), group=-1)
    # Commands first, so that /cancel, /help or a new /file work at any step of a conversation.
    app.add_handler(CommandHandler("start", basics.start, filters=private))
    app.add_handler(CommandHandler("help", basics.show_help))
    app.add_handler(CommandHandler("join", basics.join, filters=private))
    app.add_handler(CommandHandler("lang", basics.choose_lang))
    app.add_handler(CommandHandler("cancel", basics.cancel))
    app.add_handler(CommandHandler("invite", org.invite, filters=private))
    app.add_handler(CommandHandler("bindgroup", org.bind_group))
    app.add_handler(CommandHandler("file", filing.start_filing, filters=private))
    app.add_handler(CommandHandler("my", ledger.my_items, filters=private))
    app.add_handler(CommandHandler("ledger", ledger.unit_ledger, filters=private))
    app.add_handler(CommandHandler("item", ledger.show_item, filters=private))
    app.add_handler(CommandHandler("export", export.export_ledger, filters=private))
    app.add_handler(CommandHandler("mydata", privacy.send_my_data, filters=private))
    for feature in FEATURES:
        for handler in feature.commands():
            app.add_handler(handler)
    # Then whatever conversation the person is in, wherever it was started.
    flows = [filing.FILING, ledger.PROGRESS, ledger.DONE, ledger.REJECT]
    flows += [flow for feature in FEATURES for flow in feature.FLOWS]
    dialogs = DialogHandler(flows)
    dialogs.bind(app)
    app.add_handler(dialogs)
    # Buttons that work outside any conversation.
    app.add_handler(CallbackQueryHandler(basics.pick_lang, callbacks.pattern("lang", "set")))
    app.add_handler(CallbackQueryHandler(org.pick_invite_role, callbacks.pattern("invite", "role")))
    app.add_handler(CallbackQueryHandler(filing.start_filing, callbacks.pattern("file", "start")))
    for handler in ledger.top_level_handlers():
        app.add_handler(handler)
    for feature in FEATURES:
        for handler in feature.buttons():
            app.add_handler(handler)
    app.add_handler(ChatMemberHandler(org.bot_joined_group, ChatMemberHandler.MY_CHAT_MEMBER))
    # A labelled message (问题：… 措施：…) files in one go.
    app.add_handler(MessageHandler(
        private & filters.TEXT & ~filters.COMMAND & filters.Regex(quickfile.STARTS_LABELLED),
        filing.start_filing))
    for feature in FEATURES:
        for handler in feature.messages():
            app.add_handler(handler)
    # Last: free text nobody claimed, and buttons from a conversation that has moved on.
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, basics.stranger_text))
    app.add_handler(CallbackQueryHandler(basics.stale_button))
    app.add_error_handler(on_error)


async def _post_init(app: App) -> None:
    """Publish the command menu in each language and warm the English date reader."""
    config = app.bot_data.services.config
    # dateparser's first parse costs ~0.3 s; pay it here, before the first update, off the loop.
    await asyncio.to_thread(dates.warm_up)
    for lang in LANGS:
        await app.bot.set_my_commands(_menu(lang), language_code=lang)
    await app.bot.set_my_commands(_menu(config.language))
    # Everything built so far lives as long as the process: move it out of the collector's
    # generations, so that collections during updates walk only the update's own objects.
    gc.collect()
    gc.freeze()


def _menu(lang: str) -> list[BotCommand]:
    return [BotCommand(c.name, t(lang, f"cmd.{c.name}")) for c in basics.COMMANDS]


async def _post_shutdown(app: App) -> None:
    app.bot_data.services.db.dispose()


ALL_UPDATES = Update.ALL_TYPES
