"""/web and the 打开工作台 button: a one-time sign-in link and the Mini App."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.ext import CommandHandler, filters

from bot.config import Config
from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.errors import DomainError
from bot.services.signin import LINK_TTL
from bot.texts import t
from handlers.common import call, identify, lang_of, reply


def workbench_button(config: Config, lang: str) -> InlineKeyboardButton | None:
    """The Mini App button, when the web has an https address (Telegram opens no other)."""
    url = config.web.public_url
    if not url or not url.startswith("https://"):
        return None
    return InlineKeyboardButton(t(lang, "web.btn.open"), web_app=WebAppInfo(f"{url}/app"))


def with_workbench(markup: InlineKeyboardMarkup, config: Config,
                   lang: str) -> InlineKeyboardMarkup:
    """A menu with the 打开工作台 row added under it, when there is one to add."""
    found = workbench_button(config, lang)
    if found is None:
        return markup
    return InlineKeyboardMarkup([*markup.inline_keyboard, [found]])


async def open_web(update: Update, context: Ctx) -> None:
    """Send a one-time sign-in link for a browser, and the Mini App button."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    config = context.svc.config
    if not config.web.public_url:
        raise DomainError("web.not_configured")
    token = await call(context.svc.signin.issue_link, ident.user_id)
    link = f"{config.web.public_url}/signin/{token}"
    rows = []
    if (found := workbench_button(config, lang)) is not None:
        rows.append([found])
        rows.append([InlineKeyboardButton(t(lang, "web.btn.browser"), url=link)])
    await reply(update, lang, "web.link", link=link, minutes=int(LINK_TTL.total_seconds() // 60),
                markup=InlineKeyboardMarkup(rows) if rows else None)


COMMANDS = (CommandHandler("web", open_web, filters=filters.ChatType.PRIVATE),)
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
