"""Editing the message a button sits on, where leaving it as it is counts as done."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.processing import answered


def _unchanged(error: BadRequest) -> bool:
    return "not modified" in error.message.lower()


async def edit_text(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show new text on the button's message; a repeated tap that changes nothing is fine."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if not _unchanged(error):
            raise
    await answered()


async def edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Replace (None: remove) the message's buttons; already so is fine."""
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as error:
        if not _unchanged(error):
            raise
