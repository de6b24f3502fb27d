"""The one error handler: domain refusals become texts, everything else is logged and reported."""

from __future__ import annotations

import json
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import Ctx
from bot.errors import DomainError
from bot.texts import t
from handlers.common import lang_of

log = logging.getLogger(__name__)


async def on_error(update: object, context: Ctx) -> None:
    """Tell the user what went wrong; log and report anything that is not a domain refusal."""
    error = context.error
    chat = update.effective_chat if isinstance(update, Update) else None
    chat_id = chat.id if chat else None
    lang: str = context.svc.config.language
    if isinstance(update, Update) and update.effective_user is not None:
        try:
            lang = lang_of(context.svc.membership.identify(update.effective_user.id), context)
        except Exception:  # the database itself may be what failed
            log.debug("could not read the user's language", exc_info=True)
    if isinstance(error, DomainError):
        if chat_id is not None:
            await context.bot.send_message(chat_id, t(lang, error.key, **error.params))
        return
    log.error("error while handling an update: %s", _describe(update), exc_info=error)
    if chat_id is not None:
        try:
            await context.bot.send_message(chat_id, t(lang, "error.generic"))
        except TelegramError:
            log.warning("could not apologise in chat %s", chat_id, exc_info=True)
    admin_chat = context.svc.config.telegram.admin_chat
    if admin_chat is not None:
        report = t(context.svc.config.language, "error.admin_report",
                   error=f"{type(error).__name__}: {error}", update=_describe(update)[:3000])
        try:
            await context.bot.send_message(admin_chat, report)
        except TelegramError:
            log.warning("could not report to the admin chat", exc_info=True)


def _describe(update: object) -> str:
    if isinstance(update, Update):
        return json.dumps(update.to_dict(), ensure_ascii=False)
    return str(update)
