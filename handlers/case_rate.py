"""The rating question in the chat of a complainant who came through /complain."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind, Rating
from bot.errors import DomainError
from bot.services.notify import Note
from bot.texts import fragment, t
from handlers.common import ack, answer, button, button_args, call, user_lang

FEATURE = "case"
RATINGS = tuple(Rating)


def render_question(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Ask for the rating of a signed-off item, while that sign-off has none."""
    case_id = int(note.payload["case_id"])
    try:
        code = svc.cases.asks.code_for(case_id, note.chat_id)
    except DomainError:
        return None  # its personal data was removed meanwhile
    public = svc.cases.track(code)
    if public is None or not public.can_rate:
        return None
    text = t(lang, "cases.rate_ask", code=public.code, unit=public.unit_name,
             number=public.number or "")
    if brief:
        return Rendered(text.split("\n")[0])
    rows = [[button(fragment(lang, f"cases.rating.{r.value}"), FEATURE, "rate", case_id, n)
             for n, r in enumerate(RATINGS[:3])],
            [button(fragment(lang, f"cases.rating.{r.value}"), FEATURE, "rate", case_id, n)
             for n, r in enumerate(RATINGS[3:], 3)]]
    return Rendered(text, markup=InlineKeyboardMarkup(rows))


async def rate_in_chat(update: Update, context: Ctx) -> None:
    """A rating tapped: recorded as on the tracking page; 不满意 reopens the item (复号)."""
    await ack(update)
    lang = await user_lang(update, context)
    case_arg, choice = button_args(update, 2)
    if not (case_arg.isascii() and case_arg.isdigit() and choice in {"0", "1", "2", "3", "4"}):
        raise DomainError("button.stale")
    user = update.effective_user
    assert user is not None
    rated = await call(context.svc.cases.asks.rate, int(case_arg), user.id,
                       RATINGS[int(choice)])
    rating = fragment(lang, f"cases.rating.{rated.rating.value}")
    await answer(update, t(lang, "cases.rated_reopened" if rated.reopened else "cases.rated",
                           rating=rating))


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


COMMANDS = ()
BUTTONS = (_cb(rate_in_chat, "rate"),)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {NoteKind.CASE_RATE_ASK: render_question}
