"""签收 in chat: the notice of a case handed to a unit, its reminder, the office's warning."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind
from bot.services.cases_ack import AckView
from bot.services.notify import Note
from bot.texts import shorten, t
from handlers.common import ack, answer, button, button_id, call, identify, lang_of

FEATURE = "case"


def _due(svc: Services, view: AckView, lang: str) -> str:
    return describe_when(view.due_at.astimezone(svc.config.tz), lang)


def _open(svc: Services, note: Note) -> AckView | None:
    """The case a 签收 notice is about, while it still waits for 签收."""
    view = svc.cases.acks.get(int(note.payload["case_id"]))
    return view if view is not None and view.acked_at is None else None


def ack_button(view: AckView, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(t(lang, "cases.btn.ack"), FEATURE, "ack",
                                         view.case_id)]])


def ack_lines(handed: list[AckView], lang: str, tz: ZoneInfo, now: dt.datetime,
              shown: int = 8) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """/todo's part: the cases handed to the unit and not yet 签收, each with its button;
    those past their 签收 time first and flagged with how long they are overdue."""
    late = [v for v in handed if v.due_at <= now]
    ordered = sorted(handed, key=lambda v: (v.due_at, v.case_id))  # the most overdue first
    lines = [t(lang, "todo.acks_late", n=len(handed), late=len(late)) if late
             else t(lang, "todo.acks", n=len(handed))]
    rows = []
    for view in ordered[:shown]:
        due = describe_when(view.due_at.astimezone(tz), lang)
        hours = int((now - view.due_at).total_seconds() // 3600)
        key = ("todo.ack_line" if view.due_at > now
               else "todo.ack_line_late_hours" if hours >= 1 else "todo.ack_line_late")
        lines.append(t(lang, key, number=view.number, description=shorten(view.description, 30),
                       due=due, hours=hours))
        rows.append([button(f"{t(lang, 'cases.btn.ack')} {view.number}", FEATURE, "ack",
                            view.case_id)])
    if len(ordered) > shown:
        lines.append(t(lang, "todo.more", n=len(ordered) - shown))
    return lines, rows


def render_handed(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Tell the unit's liaison and leader that a case was handed to them, with 签收."""
    view = _open(svc, note)
    if view is None:
        return None
    text = t(lang, "cases.handed", number=view.number, unit=view.unit_name,
             description=shorten(view.description, 300), due=_due(svc, view, lang))
    if brief:
        return Rendered(text.split("\n")[0])
    return Rendered(text, markup=ack_button(view, lang))


def render_remind(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Remind them once before the 签收 time, while nobody has acknowledged it."""
    view = _open(svc, note)
    if view is None:
        return None
    text = t(lang, "cases.ack_remind", number=view.number, due=_due(svc, view, lang))
    return Rendered(text) if brief else Rendered(text, markup=ack_button(view, lang))


def render_overdue(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Tell the office that the 签收 time passed without an acknowledgement."""
    view = _open(svc, note)
    if view is None:
        return None
    return Rendered(t(lang, "cases.ack_overdue", number=view.number, unit=view.unit_name,
                      due=_due(svc, view, lang), code=view.code))


async def acknowledge(update: Update, context: Ctx) -> None:
    """签收 tapped: record it (once; a second tap only confirms)."""
    await ack(update)
    ident = await identify(update, context)
    view = await call(context.svc.cases.acks.acknowledge, button_id(update), by=ident)
    assert view.acked_at is not None
    when = describe_when(view.acked_at.astimezone(context.svc.config.tz), lang_of(ident, context))
    await answer(update, t(lang_of(ident, context), "cases.acked", number=view.number,
                           at=when))


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


COMMANDS = ()
BUTTONS = (_cb(acknowledge, "ack"),)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {NoteKind.CASE_HANDED: render_handed,
                        NoteKind.CASE_ACK_REMIND: render_remind,
                        NoteKind.CASE_ACK_OVERDUE: render_overdue}
