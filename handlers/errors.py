"""The one error handler: domain refusals become texts, everything else is logged and reported."""

from __future__ import annotations

import datetime as dt
import json
import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import Ctx
from bot.errors import DomainError
from bot.texts import t
from handlers.common import call, lang_of

log = logging.getLogger(__name__)

# What the person is told when the database refused the use case (nothing of it was saved:
# one transaction per use case). A lost connection reads as "busy": the next try reconnects.
_STORAGE_TEXTS = {"busy": "error.busy", "lost": "error.busy", "full": "error.storage_full",
                  "readonly": "error.storage_readonly"}
# Telegram's answer to a button pressed long ago, or pressed again on a redelivered update:
# nothing the person can do about it, and nothing went wrong with what they asked for.
_STALE_QUERY = ("query is too old", "query id is invalid")


async def on_error(update: object, context: Ctx) -> None:
    """Tell the user what went wrong; log and report anything that is not a domain refusal."""
    error = context.error
    chat = update.effective_chat if isinstance(update, Update) else None
    chat_id = chat.id if chat else None
    lang: str = context.svc.config.language
    if isinstance(update, Update) and update.effective_user is not None:
        try:
            ident = await call(context.svc.membership.identify, update.effective_user.id)
            lang = lang_of(ident, context)
        except Exception:  # the database itself may be what failed
            log.debug("could not read the user's language", exc_info=True)
    if isinstance(error, DomainError):
        await _tell(context, chat_id, t(lang, error.key, **error.params))
        return
    if isinstance(error, BadRequest) and any(w in error.message.lower() for w in _STALE_QUERY):
        log.info("a button answer came too late for Telegram: %s", error.message)
        return
    fault = context.svc.db.fault(error)
    if isinstance(error, Forbidden):
        # Blocked by the person or removed from the group: there is no one left to tell.
        log.warning("cannot answer in chat %s: %s", chat_id, error)
        return
    if fault is not None and fault not in ("full", "readonly"):
        # Transient: the person is asked to try again; nothing for the admin chat to act on.
        log.warning("database %s while handling an update: %s", fault, _describe(update)[:500],
                    exc_info=error)
        await _tell(context, chat_id, t(lang, _STORAGE_TEXTS[fault]))
        return
    if _transient_telegram(error):
        log.warning("Telegram unreachable while handling an update: %r", error)
        await _tell(context, chat_id, t(lang, "error.network"))
        return
    log.error("error while handling an update: %s", _describe(update), exc_info=error)
    text = t(lang, _STORAGE_TEXTS[fault]) if fault is not None else t(lang, "error.generic")
    await _tell(context, chat_id, text)
    admin_chat = context.svc.config.telegram.admin_chat
    if admin_chat is not None and _due(context, f"{type(error).__name__}:{fault}"):
        # Both parts are cut so the report stays under Telegram's 4096 characters: a database
        # error quotes its statement and parameters, which may hold a whole filing.
        report = t(context.svc.config.language, "error.admin_report",
                   error=f"{type(error).__name__}: {error}"[:1000],
                   update=_describe(update)[:2500])
        try:
            await context.bot.send_message(admin_chat, report)
        except TelegramError:
            log.warning("could not report to the admin chat", exc_info=True)


def _due(context: Ctx, kind: str) -> bool:
    """Report each kind of failure to the admin chat at most once per admin_report_minutes:
    a read-only disk fails every update, and one report says it."""
    now = context.svc.clock.now()
    every = dt.timedelta(minutes=context.svc.config.telegram.admin_report_minutes)
    last = context.bot_data.reported.get(kind)
    if last is not None and now - last < every:
        return False
    context.bot_data.reported[kind] = now
    return True


def _transient_telegram(error: object) -> bool:
    """A timeout, a dropped connection, a 5xx or a flood wait: trying again later may work."""
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def _tell(context: Ctx, chat_id: int | None, text: str) -> None:
    if chat_id is None:
        return
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError:
        log.warning("could not tell chat %s what went wrong", chat_id, exc_info=True)


def _describe(update: object) -> str:
    if isinstance(update, Update):
        return json.dumps(update.to_dict(), ensure_ascii=False)
    return str(update)
