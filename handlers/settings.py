"""/settings in a private chat, and manners in groups: commands that belong in private say so."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, filters

from bot import callbacks
from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.errors import DomainError
from bot.texts import LANGS, t
from handlers.common import answer, call, identify, lang_of, reply

# What a group's menu offers; every other command of the menu works in a private chat only.
GROUP_COMMANDS = ("stats", "bindgroup", "help")
# Commands registered for private chats only (each feature's COMMANDS, filtered PRIVATE).
PRIVATE_ONLY = ("start", "join", "file", "my", "ledger", "item", "export", "remind",
                "reminders", "officehours", "meeting", "leave", "web", "invite", "mydata",
                "settings", "todo", "report", "import")


async def show_settings(update: Update, context: Ctx) -> None:
    """Show the language, office-hours reminders and quiet hours, with buttons to change them."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    quiet = context.svc.config.reminders.quiet_hours
    rows = [[InlineKeyboardButton(t(code, "lang.name"),
                                  callback_data=callbacks.encode("lang", "set", code))
             for code in LANGS]]
    try:
        setting = await call(context.svc.office_hours.setting, ident.user_id)
    except DomainError:  # not in a unit: no office hours to remind of
        office = t(lang, "settings.office_none")
    else:
        office = t(lang, "office.state.on" if setting.enabled else "office.state.off")
        state = "off" if setting.enabled else "on"
        rows.append([InlineKeyboardButton(t(lang, f"office.btn.{state}"),
                                          callback_data=callbacks.encode("rem", "oh", state))])
    text = t(lang, "settings.card", language=t(lang, "lang.name"), office=office,
             quiet_start=quiet.start, quiet_end=quiet.end)
    await answer(update, text, markup=InlineKeyboardMarkup(rows))


async def go_private(update: Update, context: Ctx) -> None:
    """Answer a private-only command in a group with a button that opens the private chat."""
    lang = lang_of(await identify(update, context), context)
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0].split("@")[0]
    url = f"https://t.me/{context.bot.username}"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "group.open_private"),
                                                         url=url)]])
    await reply(update, lang, "group.private_only", command=command, markup=markup)


# -- wiring ------------------------------------------------------------------------------------

COMMANDS = (
    CommandHandler("settings", show_settings, filters=filters.ChatType.PRIVATE),
    # The features' own handlers take these only in private chats; in a group, this answers.
    CommandHandler(PRIVATE_ONLY, go_private, filters=filters.ChatType.GROUPS),
)
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
