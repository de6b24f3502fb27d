"""Start, help, joining with an invite code, language choice and cancel."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.domain import Role
from bot.permissions import Action, can
from bot.services.membership import Identity
from bot.texts import CATALOGUES, LANGS, t
from handlers.common import (
    answer,
    button_choice,
    call,
    display_name,
    forget_identity,
    identify,
    lang_of,
    reply,
    role_name,
    user_lang,
)
from handlers.dialog import finish
from handlers.web import with_workbench


@dataclass(frozen=True)
class Command:
    name: str
    allowed: Action | None = None  # None: everyone, joined or not
    members_only: bool = False


# The order here is the order of /help and of the command menu.
MENU = (
    Command("start"),
    Command("help"),
    Command("join"),
    Command("file", members_only=True),
    Command("my", members_only=True),
    Command("ledger", Action.VIEW_UNIT_LEDGER),
    Command("todo", Action.VIEW_UNIT_LEDGER),
    Command("item", members_only=True),
    Command("export", Action.EXPORT),
    Command("report", Action.EXPORT),
    Command("import", Action.UPDATE_UNIT_ITEMS),
    Command("remind", members_only=True),
    Command("reminders", members_only=True),
    Command("officehours", members_only=True),
    Command("rounds", members_only=True),
    Command("meeting", members_only=True),
    Command("leave", members_only=True),
    Command("stats", members_only=True),
    Command("web", members_only=True),
    Command("invite", Action.INVITE_MEMBER),
    Command("bindgroup", Action.BIND_GROUP),
    Command("settings"),
    Command("cases", Action.VIEW_ALL_UNITS),
    Command("inspect", Action.INSPECT),
    Command("complain"),
    Command("lang"),
    Command("mydata"),
    Command("cancel"),
)


def visible_commands(role: Role | None) -> list[Command]:
    """List what a person with `role` can use, for /help."""
    return [
        c
        for c in MENU
        if (c.allowed is None or can(role, c.allowed)) and (role is not None or not c.members_only)
    ]


async def start(update: Update, context: Ctx) -> None:
    """Greet, or join when /start carries an invite code from a deep link."""
    if context.args:
        await join(update, context)
        return
    ident = await identify(update, context)
    language = lang_of(ident, context)
    user = update.effective_user
    assert user is not None
    await call(context.svc.membership.touch_user, user.id, display_name(update), user.username)
    if ident.unit is None and ident.role is None:
        campaign = context.svc.config.campaign.name
        await reply(update, language, "start.stranger", name=display_name(update),
                    campaign=campaign)
        return
    if ident.role is Role.OFFICE:
        await reply(update, language, "start.office", name=display_name(update),
                    markup=with_workbench(start_menu(ident, language), context.svc.config,
                                          language))
        return
    await reply(
        update,
        language,
        "start.member",
        name=display_name(update),
        unit=ident.unit.name if ident.unit else t(language, "role.office"),
        role=role_name(language, ident.role),
        markup=with_workbench(start_menu(ident, language), context.svc.config, language),
    )


def start_menu(ident: Identity, lang: str) -> InlineKeyboardMarkup:
    """The main menu under the greeting: file, my items and, for admins, the ledger."""

    def button(key: str, feature: str, action: str, *args: object) -> InlineKeyboardButton:
        data = callbacks.encode(feature, action, *args)
        return InlineKeyboardButton(t(lang, key), callback_data=data)

    row = [
        button("start.btn.file", "file", "start"),
        button("start.btn.my", "led", "page", "m", "all", 1),
    ]
    rows = [row]
    if can(ident.role, Action.VIEW_UNIT_LEDGER):
        scope = "a" if can(ident.role, Action.VIEW_ALL_UNITS) else "u"
        row.append(button("start.btn.ledger", "led", "page", scope, "all", 1))
        rows.append([button("start.btn.todo", "todo", "show")])
    return InlineKeyboardMarkup(rows)


async def show_help(update: Update, context: Ctx) -> None:
    """List the commands this person's role can use."""
    ident = await identify(update, context)
    await answer(update, help_text(ident, lang_of(ident, context), context))


def help_text(ident: Identity, lang: str, context: Ctx) -> str:
    campaign = context.svc.config.campaign.name
    if ident.role is None:
        lines = [t(lang, "help.header_stranger", campaign=campaign)]
    else:
        unit = ident.unit.name if ident.unit else t(lang, "role.office")
        lines = [
            t(lang, "help.header", campaign=campaign, role=role_name(lang, ident.role), unit=unit),
            t(lang, f"help.role.{ident.role.value}"),
        ]
    lines += [f"/{c.name} — {t(lang, command_key(c.name, ident.role))}"
              for c in visible_commands(ident.role)]
    lines.append(t(lang, "help.footer"))
    return "\n".join(lines)


async def join(update: Update, context: Ctx) -> None:
    """Redeem an invite code and tell the person their unit and role."""
    language = await user_lang(update, context)
    if not context.args:
        await reply(update, language, "join.usage")
        return
    user = update.effective_user
    assert user is not None
    result = await call(context.svc.membership.redeem_invite, context.args[0], user_id=user.id,
                        display_name=display_name(update), username=user.username)
    forget_identity(context)
    role = role_name(language, result.role)
    if result.previous_unit is not None:
        await reply(update, language, "join.moved", old_unit=result.previous_unit.name,
                    unit=result.unit.name, role=role)
    else:
        await reply(update, language, "join.ok", unit=result.unit.name, role=role)


async def choose_lang(update: Update, context: Ctx) -> None:
    """Offer the languages, or switch at once when one is named (/lang en)."""
    if context.args and context.args[0].lower() in ("zh", "en"):
        await _set_lang(update, context, context.args[0].lower())
        return
    buttons = [
        [
            # Each language named in itself: the reader may not know the current one.
            InlineKeyboardButton(t(code, "lang.name"), callback_data=callbacks.encode(
                "lang", "set", code))
            for code in LANGS
        ]
    ]
    await reply(update, await user_lang(update, context), "lang.choose",
                markup=InlineKeyboardMarkup(buttons))


async def pick_lang(update: Update, context: Ctx) -> None:
    """Switch language from the button the person tapped."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    await _set_lang(update, context, button_choice(update, ("zh", "en")))


async def _set_lang(update: Update, context: Ctx, language: str) -> None:
    user = update.effective_user
    assert user is not None
    await call(context.svc.membership.set_lang, user.id, display_name(update), language)
    forget_identity(context)
    await reply(update, language, "lang.set")


def command_key(name: str, role: Role | None) -> str:
    """The text that says what a command does for this role (/meeting differs for a cadre)."""
    own = f"cmd.{name}.{role.value}" if role is not None else ""
    return own if own in CATALOGUES["zh"] else f"cmd.{name}"


def closest_command(typed: str, role: Role | None) -> str | None:
    """The command this person most likely meant by a mistyped one, among those they can use."""
    names = [c.name for c in visible_commands(role)]
    found = difflib.get_close_matches(typed.lower(), names, n=1, cutoff=0.6)
    return found[0] if found else None


async def unknown_command(update: Update, context: Ctx) -> None:
    """A command nobody handles: say so, with the closest one and a pointer to /help."""
    message = update.effective_message
    assert message is not None and message.text is not None
    typed = message.text.split()[0].lstrip("/").split("@")[0]
    ident = await identify(update, context)
    language = lang_of(ident, context)
    closest = closest_command(typed, ident.role)
    if typed.lower() in {c.name for c in MENU}:
        await reply(update, language, "unknown.not_here", command=typed)
    elif closest is None:
        await reply(update, language, "unknown.command_none", command=typed)
    else:
        await reply(update, language, "unknown.command", command=typed, closest=closest)


async def cancel(update: Update, context: Ctx) -> None:
    """Abandon whatever is in progress; say so when nothing was."""
    had_dialog = await finish(context, update)
    key = "cancel.done" if had_dialog else "cancel.nothing"
    await reply(update, await user_lang(update, context), key)


async def stranger_text(update: Update, context: Ctx) -> None:
    """Answer free text in a private chat with what this person can do next."""
    ident = await identify(update, context)
    language = lang_of(ident, context)
    if ident.role is None:
        await reply(update, language, "start.stranger", name=display_name(update),
                    campaign=context.svc.config.campaign.name)
    else:
        # A short menu, not the whole help: the person did not ask for a list.
        await reply(update, language, "menu.short",
                    markup=with_workbench(start_menu(ident, language), context.svc.config,
                                          language))


async def stale_button(update: Update, context: Ctx) -> None:
    """Answer a button no handler claims, e.g. from a finished conversation."""
    query = update.callback_query
    assert query is not None
    await query.answer(t(await user_lang(update, context), "button.stale"), show_alert=False)


async def ignore_edit(update: Update, context: Ctx) -> None:
    """Act on what was sent, never on a later edit of it: an edited /file, /remind or 提醒我
    would otherwise file, remind or join a second time."""
    raise ApplicationHandlerStop


# -- wiring ------------------------------------------------------------------------------------

_PRIVATE = filters.ChatType.PRIVATE

COMMANDS = (
    CommandHandler("start", start, filters=_PRIVATE),
    CommandHandler("help", show_help),
    CommandHandler("join", join, filters=_PRIVATE),
    CommandHandler("lang", choose_lang),
    CommandHandler("cancel", cancel),
)
BUTTONS = (CallbackQueryHandler(pick_lang, callbacks.pattern("lang", "set")),)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
# Registered after every feature's handlers (bot.routing): what nobody else claimed.
FALLBACKS = (
    MessageHandler(_PRIVATE & filters.TEXT & ~filters.COMMAND, stranger_text),
    MessageHandler(_PRIVATE & filters.COMMAND, unknown_command),
    CallbackQueryHandler(stale_button),
)
