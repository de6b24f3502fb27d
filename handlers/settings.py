"""/settings in a private chat, and manners in groups: commands that belong in private say so."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.errors import DomainError
from bot.services.membership import QUIET_CHOICES
from bot.texts import LANGS, t
from handlers.common import ack, answer, button_choice, call, display_name, identify, lang_of, reply

# What a group's menu offers; every other command of the menu works in a private chat only.
GROUP_COMMANDS = ("stats", "bindgroup", "help")
# Commands registered for private chats only (each feature's COMMANDS, filtered PRIVATE).
PRIVATE_ONLY = ("start", "join", "file", "my", "ledger", "item", "export", "remind",
                "reminders", "officehours", "meeting", "leave", "web", "invite", "mydata",
                "settings", "todo", "report", "import", "cases", "complain", "rounds",
                "inspect")


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
    mine = await call(context.svc.membership.quiet_hours, ident.user_id)
    start, end = mine or (quiet.start, quiet.end)
    rows.append([InlineKeyboardButton(
        ("✓ " if (mine and "-".join(mine) == choice) or (not mine and not choice) else "")
        + (t(lang, "settings.quiet_default") if not choice else choice.replace("-", "–")),
        callback_data=callbacks.encode("set", "quiet", code))
        for code, choice in enumerate(("", *QUIET_CHOICES))])
    text = t(lang, "settings.card", language=t(lang, "lang.name"), office=office,
             quiet_start=start, quiet_end=end)
    await answer(update, text, markup=InlineKeyboardMarkup(rows))


async def choose_quiet(update: Update, context: Ctx) -> None:
    """A quiet-hours button: one's own wider quiet hours, or back to the deployment's."""
    await ack(update)
    code = int(button_choice(update, [str(i) for i in range(len(QUIET_CHOICES) + 1)]))
    ident = await identify(update, context)
    await call(context.svc.membership.set_quiet_hours, ident.user_id, display_name(update),
               QUIET_CHOICES[code - 1] if code else None)
    await show_settings(update, context)


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
BUTTONS = (CallbackQueryHandler(choose_quiet, callbacks.pattern("set", "quiet")),)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
