"""The public's cases in chat: the 复号 notice when a complainant was not satisfied."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.bootstrap import Services
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind
from bot.services.notify import Note
from bot.texts import fragment, shorten, t
from handlers.ledger import when_of, work_row


def render_reopened(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Tell the unit's leader (and the office) that a complainant's 不满意 reopened an item."""
    problem = svc.ledger.peek(int(note.payload["problem_id"]))
    if problem is None:
        return None
    rating = fragment(lang, f"cases.rating.{note.payload.get('rating', 'dissatisfied')}")
    text = t(lang, "cases.reopened", number=problem.number, unit=problem.unit_name,
             rating=rating, description=shorten(problem.description, 200),
             deadline=when_of(problem, lang, svc))
    if brief:
        return Rendered(text.split("\n")[0])
    return Rendered(text, markup=InlineKeyboardMarkup([work_row(problem.id, lang)]))


COMMANDS = ()
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {NoteKind.CASE_REOPENED: render_reopened}
