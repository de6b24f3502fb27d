"""Meeting attendance: 参加 / 请假 with a reason, and the notices and reminders attendees get."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import Answer, MeetingState, NoteKind
from bot.services.notify import Note
from bot.texts import t
from handlers.common import ack, button_id, call, identify
from handlers.dialog import END, Flow, begin, concluding, here
from handlers.meetings import (
    FEATURE,
    MINUTE,
    Step,
    answer_buttons,
    data_of,
    say,
    service_of,
    text_of,
    when_of,
)

# -- attendees ---------------------------------------------------------------------------------


async def attend(update: Update, context: Ctx) -> None:
    """Record 参加."""
    await ack(update)
    m = await call(service_of(context.svc).answer, button_id(update),
                   by=await identify(update, context), attend=True)
    await say(update, context, "meeting.attending", m)


async def ask_reason(update: Update, context: Ctx) -> None:
    """Start 请假: ask for a short reason."""
    await ack(update)
    m = await call(service_of(context.svc).invitation, button_id(update),
                   by=await identify(update, context))
    await begin(context, update, "meet_no", Step.REASON, {"id": m.id})
    await say(update, context, "meeting.ask_reason", m)


async def receive_reason(update: Update, context: Ctx) -> int:
    """Record 请假 with its reason."""
    reason, meeting_id = text_of(update)[:200], data_of(context)["id"]
    # A meeting cancelled meanwhile is refused; the refusal ends this step too.
    m = await concluding(context, update, call(
        service_of(context.svc).answer, meeting_id, by=await identify(update, context),
        attend=False, reason=reason, dialog=here(context, update)))
    await say(update, context, "meeting.declined", m, reason=reason)
    return END


# -- notifications (rendered when sent, so they show the meeting as it is then) ------------------


def _render(svc: Services, note: Note, lang: str, key: str, *, live: bool = True,
            buttons: bool = False) -> Rendered | None:
    """Render from the meeting as it is now; None once the message no longer applies."""
    m = service_of(svc).get(int(note.payload["meeting"]))
    mine = m.attendee(note.chat_id) if m else None
    if m is None or mine is None or (note.kind == NoteKind.MEETING_REMINDER
                                     and mine.answer == Answer.DECLINE):
        return None
    now = svc.clock.now()
    # A moved meeting's older notices and reminders give way to the ones planned for its new time.
    outdated = note.payload.get("version", m.version) != m.version
    if live and (m.state != MeetingState.SCHEDULED or m.starts_at <= now or outdated):
        return None
    before = note.payload.get("before")
    params = dict(title=m.title, when=when_of(m.starts_at, lang, svc), place=m.place,
                  organiser=m.organiser_name, minutes=math.ceil((m.starts_at - now) / MINUTE),
                  before=when_of(dt.datetime.fromisoformat(before), lang, svc) if before else "")
    return Rendered(t(lang, key, **params), answer_buttons(m.id, lang) if buttons else None)


def render_notice(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    full = "meeting.chase_notice" if note.payload.get("chase") else "meeting.notice"
    key = "meeting.brief.notice" if brief else full
    return _render(svc, note, lang, key, buttons=not brief)


def render_reminder(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    key = "meeting.brief.reminder" if brief else f"meeting.remind_{note.payload['lead']}"
    return _render(svc, note, lang, key)


def render_moved(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    key = "meeting.brief.moved" if brief else "meeting.moved"
    return _render(svc, note, lang, key, buttons=not brief)


def render_cancelled(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    key = "meeting.brief.cancelled" if brief else "meeting.cancelled_notice"
    return _render(svc, note, lang, key, live=False)



# -- wiring ------------------------------------------------------------------------------------


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


COMMANDS = ()
BUTTONS = (_cb(attend, "yes"), _cb(ask_reason, "no"))
MESSAGES = ()
FLOWS = (Flow("meet_no", {Step.REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND,
                                                       receive_reason)]}),)
RENDERERS: Renderers = {
    NoteKind.MEETING_NOTICE: render_notice,
    NoteKind.MEETING_REMINDER: render_reminder,
    NoteKind.MEETING_MOVED: render_moved,
    NoteKind.MEETING_CANCELLED: render_cancelled,
}
