"""What every handler needs: who is talking, in which language, and how to answer."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.context import Ctx
from bot.dates import future_when
from bot.domain import Role
from bot.errors import DomainError
from bot.processing import answered
from bot.services.membership import Identity
from bot.texts import normalize_lang, t

P = ParamSpec("P")
T = TypeVar("T")


async def call(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a use case on a worker thread: the database never holds up the event loop."""
    return await asyncio.to_thread(work, *args, **kwargs)


async def identify(update: Update, context: Ctx) -> Identity:
    """Look the sender up once per update; someone never seen is an Identity with no role."""
    user = update.effective_user
    assert user is not None
    if context.identity is None or context.identity.user_id != user.id:
        context.identity = await call(context.svc.membership.identify, user.id)
    return context.identity


async def user_lang(update: Update, context: Ctx) -> str:
    """The sender's language (their choice, else the deployment's default)."""
    return lang_of(await identify(update, context), context)


def lang_of(ident: Identity | None, context: Ctx) -> str:
    """Use the person's chosen language, else the deployment's default."""
    default = context.svc.config.language
    return normalize_lang(ident.lang if ident else None, default)


def button(label: str, feature: str, action: str, *args: object) -> InlineKeyboardButton:
    """A button whose callback data is encoded by bot.callbacks."""
    return InlineKeyboardButton(label, callback_data=callbacks.encode(feature, action, *args))


def button_args(update: Update, count: int) -> list[str]:
    """The pressed button's arguments; forged data with another count is refused as stale."""
    query = update.callback_query
    assert query is not None and query.data is not None
    args = callbacks.args_of(query.data, count)
    if args is None:
        raise DomainError("button.stale")
    return args


def button_choice(update: Update, allowed: Iterable[str]) -> str:
    """The button's one argument when it is one of the offered values, else refused as stale."""
    choice = button_args(update, 1)[0]
    if choice not in set(allowed):
        raise DomainError("button.stale")
    return choice


def button_id(update: Update, count: int = 1) -> int:
    """The first of exactly `count` button arguments, as an id; anything else is refused."""
    value = callbacks.number(button_args(update, count)[0])
    if value is None:
        raise DomainError("button.stale")
    return value


async def ack(update: Update) -> None:
    """Answer the tapped button (Telegram shows a spinner until then)."""
    if update.callback_query:
        await update.callback_query.answer()


def forget_identity(context: Ctx) -> None:
    """Drop the cached identity after a change to it (joining, a new language)."""
    context.identity = None


def display_name(update: Update) -> str:
    user = update.effective_user
    assert user is not None
    return user.full_name or user.username or str(user.id)


# What the person types to mean himself where a name is asked, and to pass the question by.
ME = ("我", "我自己", "本人")
SKIP = ("跳过", "skip")


def skips(text: str) -> bool:
    """Whether a typed answer is the 跳过 button typed out, not an answer."""
    return text.strip().casefold() in SKIP


async def typed_person(update: Update, context: Ctx, text: str) -> tuple[str, int | None]:
    """A typed 责任人 or 责任领导 as (name, linked member): 我 is the sender; a name that is one
    member of the sender's unit links to him; any other name is kept as typed, linked to no one."""
    user = update.effective_user
    assert user is not None
    text = text.strip()
    if text in ME:
        return display_name(update), user.id
    ident = await identify(update, context)
    if ident.unit is None:
        return text, None
    person = await call(context.svc.ledger.named_member, ident.unit.id, text)
    return text, person.user_id if person else None


def typed(update: Update) -> str:
    """The text of the message, trimmed (a filter has made sure there is one)."""
    assert update.message is not None and update.message.text is not None
    return update.message.text.strip()


async def reply(
    update: Update, lang: str, key: str, *, markup: InlineKeyboardMarkup | None = None,
    **params: Any,
) -> None:
    """Answer in the chat the update came from."""
    await answer(update, t(lang, key, **params), markup=markup)


async def answer(update: Update, text: str, *, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send already-rendered text to the chat the update came from."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, reply_markup=markup)
    await answered()


def role_name(lang: str, role: Role | None) -> str:
    return t(lang, f"role.{role.value}") if role else ""


def local_now(context: Ctx) -> dt.datetime:
    """Now in the deployment's time zone: time phrases are read relative to it."""
    return context.svc.clock.now().astimezone(context.svc.config.tz)


async def read_future_time(update: Update, context: Ctx, text: str) -> dt.datetime | None:
    """Read a time phrase that must lie ahead; on failure say why and return None."""
    language = await user_lang(update, context)
    try:
        return future_when(text, local_now(context), calendar=context.svc.calendar,
                           lang=language)
    except DomainError as refused:
        await answer(update, t(language, refused.key, **refused.params))
        return None
