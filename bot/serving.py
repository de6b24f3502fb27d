"""Running the bot: long polling or a webhook, both feeding the inbox, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import Awaitable, Callable, Generator
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from bot.config import Config, ConfigError
from bot.context import App
from bot.intake import Intake

log = logging.getLogger(__name__)

# How long updates in hand may finish at a stop; the rest wait in the inbox for the next start.
DRAIN_SECONDS = 3.0
# How often an instance looks for updates another instance took and never finished.
RETAKE_SECONDS = 30.0


# Start-up waits this long at most between two attempts to reach the Bot API.
BOOTSTRAP_MAX_DELAY = 60.0


class Unreachable(ConfigError):
    """The Bot API (or the proxy before it) did not answer at start-up, retries spent."""


async def reach_bot_api(what: str, call: Callable[[], Awaitable[object]], config: Config,
                        stop: asyncio.Event) -> bool:
    """Run one start-up request, again with backoff while the network fails, as
    telegram.bootstrap_retries allows; False if told to stop meanwhile, Unreachable when spent."""
    retries, delay, failed = config.telegram.bootstrap_retries, 1.0, 0
    while True:
        try:
            await call()
            return True
        except InvalidToken:
            raise
        except NetworkError as exc:
            reason = _without_token(str(exc), config)
            if retries != -1 and failed >= retries:
                where = config.base_url or "api.telegram.org"
                via = f" through {_without_password(config.telegram.proxy)}" \
                    if config.telegram.proxy else ""
                raise Unreachable(f"cannot reach the Bot API at {_without_token(where, config)}"
                                  f"{via} ({what}): {reason}") from None
            failed += 1
            log.warning("%s failed (%s); attempt %d in %.0f s", what, reason, failed + 1, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            if stop.is_set():
                return False
            delay = min(delay * 2, BOOTSTRAP_MAX_DELAY)


def _without_password(url: str | None) -> str:
    """A proxy URL fit for a log line: socks5://user:secret@host -> socks5://user:***@host."""
    parts = urlsplit(url or "")
    if parts.password is None:
        return url or ""
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def _without_token(text: str | None, config: Config) -> str:
    token = config.token
    text = text or ""
    return text.replace(token, "<token>") if token else text


class _Embedded(uvicorn.Server):
    """uvicorn on the bot's own loop: the bot handles SIGINT and SIGTERM, not uvicorn."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def webhook_routes(config: Config, intake: Intake) -> list[Route]:
    """The route Telegram posts updates to: answered 200 only once the update is recorded."""
    hook = config.telegram.webhook
    secret = (hook.secret_token or "").encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            intake.refused["bad_secret"] += 1
            return Response(status_code=403)
        try:
            data = await request.json()
        except ValueError:
            intake.refused["malformed"] += 1
            return Response(status_code=400)
        await intake.receive([data])
        return Response(status_code=200)

    return [Route(f"/{hook.url_path.strip('/')}", receive, methods=["POST"])]


def operations_routes(app: App) -> list[Route]:
    """GET /healthz (200 or 503, with the checks as JSON) and /metrics (Prometheus)."""
    from bot.services.health import check_health

    services = app.bot_data.services

    async def healthz(request: Request) -> Response:
        report = await asyncio.to_thread(check_health, services.db.engine, services.clock,
                                         services.config.reminders.lease_seconds)
        return JSONResponse(report.as_dict(), status_code=200 if report.ok else 503)

    async def metrics(request: Request) -> Response:
        from bot.metrics import CONTENT_TYPE

        return Response(services.metrics.exposition(), media_type=CONTENT_TYPE)

    return [Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"])]


async def _poll(app: App, intake: Intake, config: Config, stop: asyncio.Event) -> None:
    """Long polling that moves past an update only once it is recorded: Telegram forgets an
    update when a later getUpdates asks for the offset after it."""
    inbox = app.bot_data.services.inbox
    last = await asyncio.to_thread(inbox.last_update_id)
    offset = last + 1 if last is not None else None
    timeout = max(1, int(config.telegram.poll_timeout))
    backoff = 1.0
    while not stop.is_set():
        try:
            updates = await app.bot.get_updates(offset=offset, timeout=timeout,
                                                allowed_updates=list(Update.ALL_TYPES))
        except Conflict as exc:
            log.warning("another process is polling this bot (%s); waiting", exc.message)
            updates = None
        except (NetworkError, TelegramError) as exc:
            log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
            updates = None
        if updates is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        backoff = 1.0
        if updates:
            await intake.receive([u.to_dict() for u in updates])
            offset = max(u.update_id for u in updates) + 1


async def _retake(app: App, intake: Intake, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=RETAKE_SECONDS)
        if not stop.is_set():
            try:
                await intake.recover()
            except Exception:  # the database may be away; the next round tries again
                log.warning("could not look for abandoned updates", exc_info=True)


async def serve(app: App, config: Config, stop: asyncio.Event) -> None:
    """Run until `stop` is set: the sender's ticks, the inbox, and polling or the webhook."""
    intake = Intake(app, app.bot_data.sender.holder)
    assert app.post_init is not None and app.post_shutdown is not None
    post_init = app.post_init
    reached = False
    try:
        reached = await reach_bot_api("getMe", app.initialize, config, stop)
        if reached:
            # app.initialize ran; `async with` only shuts down in the end.
            async with app:
                reached = await reach_bot_api("setMyCommands", lambda: post_init(app),
                                              config, stop)
                if reached:
                    await _serve(app, config, intake, stop)
                    return
    finally:
        if not reached:
            await app.post_shutdown(app)


async def _serve(app: App, config: Config, intake: Intake, stop: asyncio.Event) -> None:
    """Serve an initialised app until `stop`; hand the lease on and clean up at the end."""
    from bot.app import start_scheduler

    tg = config.telegram
    holder = intake.holder
    assert app.post_shutdown is not None
    start_scheduler(app)
    await app.start()
    try:
        await intake.recover()
        tasks: list[asyncio.Task[Any]] = [asyncio.create_task(_retake(app, intake, stop))]
        server = None
        if tg.mode == "webhook":
            hook = tg.webhook
            server = _Embedded(uvicorn.Config(
                Starlette(routes=webhook_routes(config, intake) + operations_routes(app)),
                host=hook.listen,
                port=hook.port, log_level="warning", lifespan="off", access_log=False))
            tasks.append(asyncio.create_task(server.serve()))
            await reach_bot_api("setWebhook", lambda: app.bot.set_webhook(
                hook.url or "", secret_token=hook.secret_token,
                allowed_updates=list(Update.ALL_TYPES)), config, stop)
            log.info("webhook on %s:%s/%s", hook.listen, hook.port, hook.url_path)
        else:
            await reach_bot_api("deleteWebhook", app.bot.delete_webhook, config, stop)
            tasks.append(asyncio.create_task(_poll(app, intake, config, stop)))
            log.info("long polling")
        await stop.wait()
        log.info("stopping: %d update(s) in hand", intake.in_hand)
        if server is not None:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await intake.drain(DRAIN_SECONDS)
    finally:
        await app.stop()
        with contextlib.suppress(Exception):  # a clean stop hands the lease on at once
            await asyncio.to_thread(app.bot_data.services.notify.release_lease, holder)
        await app.post_shutdown(app)


def run_until_signalled(app: App, config: Config) -> None:
    """Serve until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, config, stop)

    asyncio.run(main())
