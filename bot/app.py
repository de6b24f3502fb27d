"""The composition root: build_application wires config, database, services and handlers."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import importlib.util
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot import dates
from bot.bootstrap import Services, build_services
from bot.clock import Clock
from bot.config import Config, ConfigError
from bot.context import App, BotData, Ctx
from bot.delivery.budget import SharedRateLimiter
from bot.delivery.coalesce import coalescing
from bot.delivery.sender import Planner, Sender, instance_name
from bot.processing import PersonalOrder
from bot.routing import register_handlers, renderers
from bot.texts import LANGS, t
from handlers.basics import MENU
from handlers.settings import GROUP_COMMANDS
from storage.db import Database

log = logging.getLogger(__name__)

_B = TypeVar("_B", bound="ApplicationBuilder[Any, Any, Any, Any, Any, Any]")

# Worker threads for database and file work: enough that a database held by another process
# for a while does not leave nobody to answer (each waiting use case holds one).
WORKERS = 32


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
    processor = PersonalOrder(workers=WORKERS)
    builder = (
        ApplicationBuilder()
        .token(token or config.require_token())
        .context_types(ContextTypes(context=Ctx, bot_data=BotData))
        .defaults(Defaults(
            parse_mode=ParseMode.HTML, tzinfo=config.tz,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ))
        .rate_limiter(_rate_limiter(config))
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    app: App = _with_network(builder, config, request).build()  # type: ignore[assignment]
    app.bot_data.bind(services, _sender(app, services))
    dialogs = register_handlers(app)
    processor.before.append(dialogs.prefetch)
    processor.after.append(dialogs.forget)
    processor.after.append(lambda _update: services.metrics.updates.inc())
    return app


def _with_network(builder: _B, config: Config, request: BaseRequest | None) -> _B:
    """Where requests go: the Bot API server, its file address, the proxies (config keys)."""
    tg = config.telegram
    if config.base_url:
        builder = builder.base_url(config.base_url)
    if tg.base_file_url:
        builder = builder.base_file_url(tg.base_file_url)
    if request is not None:  # tests and the shell bring their own transport
        return builder.request(request).get_updates_request(request)
    if tg.proxy:
        builder = builder.proxy(tg.proxy)
    if config.updates_proxy:
        builder = builder.get_updates_proxy(config.updates_proxy)
    if _needs_socks(config) and not socks_installed():
        where = "telegram.proxy" if _needs_socks(config, env=False) else "ALL_PROXY/HTTPS_PROXY"
        raise ConfigError(f"{where}: a SOCKS proxy needs the socks extra: "
                          "pip install 'zhenggai-bot[socks]' (or: pip install socksio)")
    return builder


def socks_installed() -> bool:
    """Whether httpx can speak SOCKS (the socks extra brings socksio)."""
    return importlib.util.find_spec("socksio") is not None


def _needs_socks(config: Config, *, env: bool = True) -> bool:
    proxies = [config.telegram.proxy, config.updates_proxy]
    if env and not config.telegram.proxy:  # httpx reads these only when no proxy is given
        proxies += [os.environ.get(k) for k in ("ALL_PROXY", "all_proxy", "HTTPS_PROXY",
                                                 "https_proxy", "HTTP_PROXY", "http_proxy")]
    return any(p and p.lower().startswith("socks") for p in proxies)


def daily_planners(services: Services) -> tuple[Planner, ...]:
    """What the lease holder plans at the start of each tick, off the loop: office-hours
    reminders and the calendar warning, then digests, phase announcements and the closing book,
    then the working day's step of the colour ladder, then the progress rounds due, then the
    day's purge of the public's personal data past cases.retention_days and the rating questions
    to complainants in chat."""
    return (services.office_hours.plan_daily, services.digest.plan_due,
            services.ladder.plan_daily, services.rounds.plan_due, services.cases.purge_daily,
            services.cases.asks.plan)


def _sender(app: App, services: Services) -> Sender:
    r = services.config.reminders
    return Sender(app.bot, services, coalescing(renderers()), holder=instance_name(), batch=r.batch,
                  lease_ttl=dt.timedelta(seconds=r.lease_seconds),
                  planners=daily_planners(services))


def start_scheduler(app: App) -> None:
    """Run the sender's tick on the JobQueue; the database holds what is due, not the queue."""
    assert app.job_queue is not None
    interval = app.bot_data.services.config.reminders.tick_seconds
    app.job_queue.run_repeating(tick_job, interval=interval, first=1.0, name="scheduler")


async def tick_job(context: Ctx) -> None:
    """The JobQueue callback: one tick of the application's sender."""
    metrics = context.bot_data.services.metrics
    with metrics.tick.time():
        report = await context.bot_data.sender.tick()
    if report.errors:
        log.warning("scheduler: %d failed: %s", report.failed, "; ".join(report.errors[:5]))


def _rate_limiter(config: Config) -> SharedRateLimiter:
    limits = config.telegram.rate_limit
    return SharedRateLimiter(overall_per_second=limits.overall_per_second,
                             group_per_minute=limits.group_per_minute,
                             max_retries=limits.max_retries)


async def _post_init(app: App) -> None:
    """Give the loop its worker threads, publish the command menus, warm the date reader."""
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(WORKERS, thread_name_prefix="work"))
    # dateparser's first parse costs ~0.3 s; pay it here, before the first update, off the loop.
    await asyncio.to_thread(dates.warm_up)
    config = app.bot_data.services.config
    # Groups see only what works there; private chats see everything. The unscoped menus
    # (every language, then the default) stay for clients that know no scopes.
    for lang in (*LANGS, None):
        menu_lang = lang or config.language
        await app.bot.set_my_commands(_menu(menu_lang, GROUP_COMMANDS),
                                      scope=BotCommandScopeAllGroupChats(), language_code=lang)
        await app.bot.set_my_commands(_menu(menu_lang), scope=BotCommandScopeAllPrivateChats(),
                                      language_code=lang)
    for lang in LANGS:
        await app.bot.set_my_commands(_menu(lang), language_code=lang)
    await app.bot.set_my_commands(_menu(config.language))
    # Everything built so far lives as long as the process: move it out of the collector's
    # generations, so that collections during updates walk only the update's own objects.
    gc.collect()
    gc.freeze()


def _menu(lang: str, only: tuple[str, ...] | None = None) -> list[BotCommand]:
    return [BotCommand(c.name, t(lang, f"cmd.{c.name}")) for c in MENU
            if only is None or c.name in only]


async def _post_shutdown(app: App) -> None:
    app.bot_data.services.db.dispose()


ALL_UPDATES = Update.ALL_TYPES
