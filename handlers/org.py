"""Organisation in chat: inviting people to a unit and binding a group chat to it."""

from __future__ import annotations

from telegram import ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, filters

from bot import callbacks
from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.domain import Role
from bot.errors import DomainError
from bot.permissions import invitable_roles
from bot.services.membership import InviteView
from bot.texts import t
from bot.words import ROLE_WORDS
from handlers.common import (
    button_choice,
    call,
    identify,
    lang_of,
    reply,
    role_name,
    user_lang,
)


def role_word(word: str) -> Role | None:
    """The role a typed word names: 联络员 / liaison, 责任领导 / leader, 干部 / member, …"""
    word = word.strip()
    value = ROLE_WORDS.get(word, word.lower())
    return Role(value) if value in {r.value for r in Role} else None


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


async def invite(update: Update, context: Ctx) -> None:
    """Create an invite: role buttons for a unit, or `/invite UNIT ROLE` for the office."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    roles = invitable_roles(ident.role)
    if not roles:
        raise DomainError("invite.denied")
    args = context.args or []
    if args:
        # /invite ROLE (own unit), /invite UNIT (as member) or /invite UNIT ROLE; roles in
        # Chinese (联络员, 责任领导, 干部, 办公室) or English.
        if len(args) >= 2:
            unit, role = args[0], role_word(args[1])
            if role is None:
                raise DomainError("invite.bad_role", role=args[1])
        elif (role := role_word(args[0])) is not None:
            unit = None
        else:
            unit, role = args[0], Role.MEMBER
        if unit is None and ident.unit is None:
            raise DomainError("invite.office_usage")
        await _send_invite(update, context, lang, unit, role)
        return
    if ident.unit is None:
        raise DomainError("invite.office_usage")
    buttons = [[InlineKeyboardButton(role_name(lang, r), callback_data=callbacks.encode(
        "invite", "role", r.value))] for r in roles]
    await reply(update, lang, "invite.choose_role", unit=ident.unit.name,
                markup=InlineKeyboardMarkup(buttons))


async def pick_invite_role(update: Update, context: Ctx) -> None:
    """Create the invite for the role the person tapped."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    role = Role(button_choice(update, (r.value for r in Role)))
    lang = await user_lang(update, context)
    await _send_invite(update, context, lang, None, role)


async def _send_invite(
    update: Update, context: Ctx, lang: str, unit: str | None, role: Role
) -> None:
    ident = await identify(update, context)
    view: InviteView = await call(context.svc.membership.create_invite, unit=unit, role=role,
                                  by=ident)
    expires = view.expires_at.astimezone(context.svc.config.tz).strftime("%Y-%m-%d %H:%M")
    await reply(update, lang, "invite.created", code=view.code, unit=view.unit.name,
                role=role_name(lang, role), expires=expires,
                link=invite_link(context.bot.username, view.code))


async def bind_group(update: Update, context: Ctx) -> None:
    """Bind this group to the sender's unit, if they administer both."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        raise DomainError("bind.private")
    # Ask Telegram, not a cache: group admin rights change and are the point of the check.
    admins = await chat.get_administrators()
    unit = await call(
        context.svc.membership.bind_group,
        chat_id=chat.id, title=chat.title or str(chat.id), by=ident,
        unit=context.args[0] if context.args else None,
        group_admin=any(a.user.id == user.id for a in admins),
    )
    await reply(update, lang, "bind.ok", unit=unit.name)


async def bot_joined_group(update: Update, context: Ctx) -> None:
    """Introduce the bot when it is added to a group and say how to bind it."""
    change: ChatMemberUpdated | None = update.my_chat_member
    assert change is not None
    was = change.old_chat_member.status
    now = change.new_chat_member.status
    joined = now in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR) and was in (
        ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    if joined and change.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        await context.bot.send_message(
            change.chat.id, t(context.svc.config.language, "group.hello"))


# -- wiring ------------------------------------------------------------------------------------

COMMANDS = (
    CommandHandler("invite", invite, filters=filters.ChatType.PRIVATE),
    CommandHandler("bindgroup", bind_group),
)
BUTTONS = (CallbackQueryHandler(pick_invite_role, callbacks.pattern("invite", "role")),)
# Not a message, but like one it is answered where it happens: the group the bot joined.
MESSAGES = (ChatMemberHandler(bot_joined_group, ChatMemberHandler.MY_CHAT_MEMBER),)
FLOWS = ()
RENDERERS: Renderers = {}
