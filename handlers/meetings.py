"""Meetings: /meeting calls one (title, time, place, who, confirm); attendees answer 参加/请假."""

from __future__ import annotations

import datetime as dt
import enum
import math
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.domain import Answer, MeetingState
from bot.errors import DomainError
from bot.rendering import Rendered, renders
from bot.services.meetings import MeetingService, MeetingView
from bot.services.notify import Note
from bot.texts import t
from handlers.common import answer, button_id, display_name, identify, lang_of, read_future_time
from handlers.dialog import END, Flow, begin, finish
from handlers.edits import edit_markup

FEATURE = "meet"
MAX_PICK = 80  # buttons in the pick list; larger groups use 全单位
MINUTE = dt.timedelta(minutes=1)


class Step(enum.IntEnum):
    TITLE = 1
    WHEN = 2
    PLACE = 3
    WHO = 4
    PICK = 5
    CONFIRM = 6
    REASON = 7
    NEW_TIME = 8


def service_of(svc: Services) -> MeetingService:
    return svc.meetings


def _button(label: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(FEATURE, action, *args))


def _when(at: dt.datetime, lang: str, svc: Services) -> str:
    return describe_when(at.astimezone(svc.config.tz), lang)


def _names(people: list[Any], reasons: bool = False) -> str:
    if not people:
        return "—"
    return "、".join(f"{p.name}（{p.reason}）" if reasons and p.reason else p.name
                     for p in people)


def _text(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text.strip()


def _data(context: Ctx) -> dict[str, Any]:
    assert context.dialog is not None
    return context.dialog.data


async def _ack(update: Update) -> None:
    if update.callback_query:
        await update.callback_query.answer()


def _lang(update: Update, context: Ctx) -> str:
    return lang_of(identify(update, context), context)


async def _say(update: Update, context: Ctx, key: str, m: MeetingView | None = None, *,
               markup: InlineKeyboardMarkup | None = None, **params: Any) -> None:
    """Answer with a text; a meeting fills in its title, time, place and head count."""
    lang = _lang(update, context)
    if m is not None:
        params = dict(title=m.title, when=_when(m.starts_at, lang, context.svc), place=m.place,
                      count=len(m.attendees)) | params
    await answer(update, t(lang, key, **params), markup=markup)


async def send_due(context: Ctx) -> None:
    """Deliver what was just planned now rather than at the next tick (the sender paces it)."""
    await context.bot_data.sender.tick()


def answer_buttons(meeting_id: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t(lang, "meeting.btn.attend"), "yes", meeting_id),
                                  _button(t(lang, "meeting.btn.decline"), "no", meeting_id)]])


# -- calling a meeting -------------------------------------------------------------------------


async def call_meeting(update: Update, context: Ctx) -> None:
    """List my upcoming meetings with their buttons, then ask for a new meeting's title."""
    ident = identify(update, context)
    lang = lang_of(ident, context)
    service = service_of(context.svc)
    if not service.may_organise(ident):
        await _show_invitations(update, context, service.invited(ident), lang)
        return
    service.check_organiser(ident)
    for m in service.organised(ident):
        buttons = [_button(t(lang, "meeting.btn.waiting"), "who", m.id),
                   _button(t(lang, "meeting.btn.move"), "move", m.id),
                   _button(t(lang, "meeting.btn.cancel"), "cancel", m.id)]
        await _say(update, context, "meeting.card", m, yes=len(m.answered(Answer.ATTEND)),
                   no=len(m.answered(Answer.DECLINE)), waiting=len(m.answered(Answer.PENDING)),
                   markup=InlineKeyboardMarkup([buttons]))
    begin(context, update, FEATURE, Step.TITLE, {})
    await _say(update, context, "meeting.ask_title")


async def _show_invitations(update: Update, context: Ctx, meetings: list[MeetingView],
                            lang: str) -> None:
    lines = [t(lang, "meeting.invited" if meetings else "meeting.invited_none")]
    for m in meetings:
        mine = m.attendee(identify(update, context).user_id)
        lines.append(t(lang, "meeting.invited_line", title=m.title, place=m.place,
                       when=_when(m.starts_at, lang, context.svc),
                       answer=t(lang, f"meeting.answer.{mine.answer.value}") if mine else ""))
    await answer(update, "\n".join(lines))


async def receive_title(update: Update, context: Ctx) -> int:
    """Take the meeting's title; ask when it is."""
    _data(context)["title"] = _text(update)[:200]
    await _say(update, context, "meeting.ask_when")
    return Step.WHEN


async def receive_when(update: Update, context: Ctx) -> int | None:
    """Read the time in plain Chinese and echo it in full; ask where."""
    when = await read_future_time(update, context, _text(update))
    if when is None:
        return None
    lang = _lang(update, context)
    _data(context)["when"] = when.isoformat()
    await answer(update, t(lang, "meeting.when_echo", when=describe_when(when, lang)) + "\n"
                 + t(lang, "meeting.ask_place"))
    return Step.PLACE


async def receive_place(update: Update, context: Ctx) -> int:
    """Take the place; ask who attends."""
    lang = _lang(update, context)
    _data(context)["place"] = _text(update)[:200]
    await _say(update, context, "meeting.ask_who", markup=InlineKeyboardMarkup([[
        _button(t(lang, "meeting.btn.everyone"), "all"),
        _button(t(lang, "meeting.btn.choose"), "choose")]]))
    return Step.WHO


async def invite_everyone(update: Update, context: Ctx) -> int:
    """Invite every member of the organiser's unit."""
    await _ack(update)
    _data(context)["everyone"] = True
    return await _ask_confirm(update, context)


def _pick_markup(context: Ctx, people: list[tuple[int, str]], lang: str) -> InlineKeyboardMarkup:
    picked = set(_data(context).get("picked", []))
    buttons = [_button(("✅ " if uid in picked else "") + name, "pick", uid)
               for uid, name in people[:MAX_PICK]]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup([*rows, [_button(t(lang, "meeting.btn.done"), "done")]])


async def choose_people(update: Update, context: Ctx) -> int:
    """Offer the unit's people as toggle buttons."""
    await _ack(update)
    ident = identify(update, context)
    people = service_of(context.svc).candidates(ident)
    if not people:
        raise DomainError("meeting.nobody")
    _data(context).update(everyone=False, picked=[])
    lang = lang_of(ident, context)
    await answer(update, t(lang, "meeting.ask_pick"), markup=_pick_markup(context, people, lang))
    return Step.PICK


async def toggle_person(update: Update, context: Ctx) -> None:
    """Add or remove one person and redraw the buttons."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    uid, ident = button_id(update), identify(update, context)
    people = service_of(context.svc).candidates(ident)
    if uid not in {p[0] for p in people}:
        raise DomainError("button.stale")
    picked = set(_data(context).get("picked", [])) ^ {uid}
    _data(context)["picked"] = sorted(picked)
    await edit_markup(query, _pick_markup(context, people, lang_of(ident, context)))


async def people_chosen(update: Update, context: Ctx) -> int | None:
    """Close the pick list; at least one person is needed."""
    await _ack(update)
    if not _data(context).get("picked"):
        await _say(update, context, "meeting.pick_none")
        return None
    return await _ask_confirm(update, context)


async def _ask_confirm(update: Update, context: Ctx) -> int:
    lang, data = _lang(update, context), _data(context)
    people = service_of(context.svc).candidates(identify(update, context))
    if not data.get("everyone"):
        people = [p for p in people if p[0] in set(data.get("picked", []))]
    names = "、".join(name for _, name in people[:40]) + ("…" if len(people) > 40 else "")
    when = _when(dt.datetime.fromisoformat(data["when"]), lang, context.svc)
    await _say(update, context, "meeting.confirm_card", title=data["title"], when=when,
               place=data["place"], count=len(people), names=names or "—",
               markup=InlineKeyboardMarkup([[_button(t(lang, "meeting.btn.confirm"), "confirm"),
                                             _button(t(lang, "meeting.btn.drop"), "drop")]]))
    return Step.CONFIRM


async def confirm_meeting(update: Update, context: Ctx) -> int:
    """Save the meeting, send the notices and plan the reminders."""
    await _ack(update)
    data = _data(context)
    meeting = service_of(context.svc).create(
        by=identify(update, context), by_name=display_name(update), title=data["title"],
        place=data["place"], starts_at=dt.datetime.fromisoformat(data["when"]),
        invite=None if data.get("everyone") else data.get("picked", []))
    finish(context, update)
    await _say(update, context, "meeting.sent", meeting)
    await send_due(context)
    return END


async def drop_meeting(update: Update, context: Ctx) -> int:
    """Drop the draft from the confirm card."""
    await _ack(update)
    finish(context, update)
    await _say(update, context, "cancel.done")
    return END


# -- attendees ---------------------------------------------------------------------------------


async def attend(update: Update, context: Ctx) -> None:
    """Record 参加."""
    await _ack(update)
    m = service_of(context.svc).answer(button_id(update), by=identify(update, context), attend=True)
    await _say(update, context, "meeting.attending", m)


async def ask_reason(update: Update, context: Ctx) -> None:
    """Start 请假: ask for a short reason."""
    await _ack(update)
    m = service_of(context.svc).invitation(button_id(update), by=identify(update, context))
    begin(context, update, "meet_no", Step.REASON, {"id": m.id})
    await _say(update, context, "meeting.ask_reason", m)


async def receive_reason(update: Update, context: Ctx) -> int:
    """Record 请假 with its reason."""
    reason, meeting_id = _text(update)[:200], _data(context)["id"]
    finish(context, update)  # first: a meeting cancelled meanwhile must not trap the person here
    m = service_of(context.svc).answer(meeting_id, by=identify(update, context), attend=False,
                                       reason=reason)
    await _say(update, context, "meeting.declined", m, reason=reason)
    return END


# -- the organiser -----------------------------------------------------------------------------


async def show_waiting(update: Update, context: Ctx) -> None:
    """Tell the organiser (only) who has not answered, who declined and who comes."""
    await _ack(update)
    m = service_of(context.svc).managed(button_id(update), by=identify(update, context))
    await _say(update, context, "meeting.waiting", m,
               waiting_count=len(m.answered(Answer.PENDING)),
               waiting=_names(m.answered(Answer.PENDING)),
               no_count=len(m.answered(Answer.DECLINE)),
               no=_names(m.answered(Answer.DECLINE), reasons=True),
               yes_count=len(m.answered(Answer.ATTEND)), yes=_names(m.answered(Answer.ATTEND)))


async def ask_new_time(update: Update, context: Ctx) -> None:
    """Start 改时间: ask for the new time."""
    await _ack(update)
    m = service_of(context.svc).managed(button_id(update), by=identify(update, context))
    begin(context, update, "meet_move", Step.NEW_TIME, {"id": m.id})
    await _say(update, context, "meeting.ask_new_time", m)


async def receive_new_time(update: Update, context: Ctx) -> int | None:
    """Move the meeting, re-plan its reminders and tell every attendee."""
    when = await read_future_time(update, context, _text(update))
    if when is None:
        return None
    meeting_id = _data(context)["id"]
    finish(context, update)  # first: a refusal must not trap the organiser in this step
    m = service_of(context.svc).reschedule(meeting_id, by=identify(update, context),
                                           starts_at=when)
    await _say(update, context, "meeting.moved_done", m)
    await send_due(context)
    return END


async def ask_cancel(update: Update, context: Ctx) -> None:
    """Ask the organiser to confirm calling the meeting off."""
    await _ack(update)
    m = service_of(context.svc).managed(button_id(update), by=identify(update, context))
    await _say(update, context, "meeting.ask_cancel", m, markup=InlineKeyboardMarkup([[
        _button(t(_lang(update, context), "meeting.btn.cancel_yes"), "cancel_yes", m.id)]]))


async def cancel_meeting(update: Update, context: Ctx) -> None:
    """Call the meeting off, drop its reminders and tell every attendee."""
    await _ack(update)
    m = service_of(context.svc).cancel(button_id(update), by=identify(update, context))
    await _say(update, context, "meeting.cancel_done", m)
    await send_due(context)


# -- notifications (rendered when sent, so they show the meeting as it is then) ------------------


def _render(app: Any, note: Note, lang: str, key: str, *, live: bool = True,
            buttons: bool = False) -> Rendered | None:
    """Render from the meeting as it is now; None once the message no longer applies."""
    svc: Services = app.bot_data.services
    m = service_of(svc).get(int(note.payload["meeting"]))
    mine = m.attendee(note.chat_id) if m else None
    if m is None or mine is None or (note.kind == "meeting.reminder"
                                     and mine.answer == Answer.DECLINE):
        return None
    now = svc.clock.now()
    # A moved meeting's older notices and reminders give way to the ones planned for its new time.
    outdated = note.payload.get("version", m.version) != m.version
    if live and (m.state != MeetingState.SCHEDULED or m.starts_at <= now or outdated):
        return None
    before = note.payload.get("before")
    params = dict(title=m.title, when=_when(m.starts_at, lang, svc), place=m.place,
                  organiser=m.organiser_name, minutes=math.ceil((m.starts_at - now) / MINUTE),
                  before=_when(dt.datetime.fromisoformat(before), lang, svc) if before else "")
    return Rendered(t(lang, key, **params), answer_buttons(m.id, lang) if buttons else None)


@renders("meeting.notice")
async def render_notice(app: Any, note: Note, lang: str, brief: bool) -> Rendered | None:
    key = "meeting.brief.notice" if brief else "meeting.notice"
    return _render(app, note, lang, key, buttons=not brief)


@renders("meeting.reminder")
async def render_reminder(app: Any, note: Note, lang: str, brief: bool) -> Rendered | None:
    key = "meeting.brief.reminder" if brief else f"meeting.remind_{note.payload['lead']}"
    return _render(app, note, lang, key)


@renders("meeting.moved")
async def render_moved(app: Any, note: Note, lang: str, brief: bool) -> Rendered | None:
    key = "meeting.brief.moved" if brief else "meeting.moved"
    return _render(app, note, lang, key, buttons=not brief)


@renders("meeting.cancelled")
async def render_cancelled(app: Any, note: Note, lang: str, brief: bool) -> Rendered | None:
    key = "meeting.brief.cancelled" if brief else "meeting.cancelled_notice"
    return _render(app, note, lang, key, live=False)


# -- wiring ------------------------------------------------------------------------------------


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


def _msg(callback: Any) -> MessageHandler[Ctx, Any]:
    return MessageHandler(filters.TEXT & ~filters.COMMAND, callback)


FLOWS: list[Flow] = [
    Flow(FEATURE, {
        Step.TITLE: [_msg(receive_title)],
        Step.WHEN: [_msg(receive_when)],
        Step.PLACE: [_msg(receive_place)],
        Step.WHO: [_cb(invite_everyone, "all"), _cb(choose_people, "choose")],
        Step.PICK: [_cb(toggle_person, "pick"), _cb(people_chosen, "done")],
        Step.CONFIRM: [_cb(confirm_meeting, "confirm"), _cb(drop_meeting, "drop")],
    }),
    Flow("meet_no", {Step.REASON: [_msg(receive_reason)]}),
    Flow("meet_move", {Step.NEW_TIME: [_msg(receive_new_time)]}),
]


def commands() -> list[BaseHandler[Update, Ctx, Any]]:
    return [CommandHandler("meeting", call_meeting, filters=filters.ChatType.PRIVATE)]


def buttons() -> list[BaseHandler[Update, Ctx, Any]]:
    return [_cb(attend, "yes"), _cb(ask_reason, "no"), _cb(show_waiting, "who"),
            _cb(ask_new_time, "move"), _cb(ask_cancel, "cancel"),
            _cb(cancel_meeting, "cancel_yes")]


def messages() -> list[BaseHandler[Update, Ctx, Any]]:
    return []
