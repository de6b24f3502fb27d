"""Meetings: /meeting calls one (title, time, place, who, confirm) and manages it afterwards."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Renderers
from bot.domain import Answer
from bot.errors import DomainError
from bot.services.meetings import MeetingService, MeetingView
from bot.texts import fragment, t
from handlers.common import (
    ack,
    answer,
    button_id,
    call,
    display_name,
    identify,
    lang_of,
    read_future_time,
    user_lang,
)
from handlers.dialog import END, Flow, begin, concluding, finish, here
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


def button_of(label: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(FEATURE, action, *args))


def when_of(at: dt.datetime, lang: str, svc: Services) -> str:
    return describe_when(at.astimezone(svc.config.tz), lang)


def _names(people: list[Any], lang: str, reasons: bool = False) -> str:
    if not people:
        return "—"
    return fragment(lang, "list.sep").join(
        fragment(lang, "meeting.name_reason", name=p.name, reason=p.reason)
        if reasons and p.reason else p.name for p in people)


def text_of(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text.strip()


def data_of(context: Ctx) -> dict[str, Any]:
    assert context.dialog is not None
    return context.dialog.data


async def say(update: Update, context: Ctx, key: str, m: MeetingView | None = None, *,
               markup: InlineKeyboardMarkup | None = None, **params: Any) -> None:
    """Answer with a text; a meeting fills in its title, time, place and head count."""
    lang = await user_lang(update, context)
    if m is not None:
        params = dict(title=m.title, when=when_of(m.starts_at, lang, context.svc), place=m.place,
                      count=len(m.attendees)) | params
    await answer(update, t(lang, key, **params), markup=markup)


async def send_due(context: Ctx, m: MeetingView) -> None:
    """Deliver the attendees' notices now rather than at the next tick (the sender paces it)."""
    await context.bot_data.sender.send_now(a.user_id for a in m.attendees)


def answer_buttons(meeting_id: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button_of(t(lang, "meeting.btn.attend"), "yes", meeting_id),
                                  button_of(t(lang, "meeting.btn.decline"), "no", meeting_id)]])


# -- calling a meeting -------------------------------------------------------------------------


async def call_meeting(update: Update, context: Ctx) -> None:
    """List my invitations and the meetings I called, with their buttons; an organiser is then
    asked for a new meeting's title."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    service = service_of(context.svc)
    organiser = service.may_organise(ident)
    invited = await call(service.invited, ident)
    if invited or not organiser:
        await _show_invitations(update, context, invited, lang)
    if not organiser:
        return
    service.check_organiser(ident)
    for m in await call(service.organised, ident):
        buttons = [button_of(t(lang, "meeting.btn.waiting"), "who", m.id),
                   button_of(t(lang, "meeting.btn.chase"), "chase", m.id),
                   button_of(t(lang, "meeting.btn.move"), "move", m.id),
                   button_of(t(lang, "meeting.btn.cancel"), "cancel", m.id)]
        await say(update, context, "meeting.card", m, yes=len(m.answered(Answer.ATTEND)),
                   no=len(m.answered(Answer.DECLINE)), waiting=len(m.answered(Answer.PENDING)),
                   markup=InlineKeyboardMarkup([buttons[:2], buttons[2:]]))
    await begin(context, update, FEATURE, Step.TITLE, {})
    await say(update, context, "meeting.ask_title")


async def _show_invitations(update: Update, context: Ctx, meetings: list[MeetingView],
                            lang: str) -> None:
    """One message per invitation, each with its 参加 / 请假 buttons (the first under a title)."""
    if not meetings:
        await answer(update, t(lang, "meeting.invited_none"))
        return
    me = (await identify(update, context)).user_id
    for index, m in enumerate(meetings):
        mine = m.attendee(me)
        line = t(lang, "meeting.invited_line", title=m.title, place=m.place,
                 when=when_of(m.starts_at, lang, context.svc),
                 answer=t(lang, f"meeting.answer.{mine.answer.value}") if mine else "")
        head = t(lang, "meeting.invited") + "\n" if index == 0 else ""
        await answer(update, head + line, markup=answer_buttons(m.id, lang))


async def receive_title(update: Update, context: Ctx) -> int:
    """Take the meeting's title; ask when it is."""
    data_of(context)["title"] = text_of(update)[:200]
    await say(update, context, "meeting.ask_when")
    return Step.WHEN


async def receive_when(update: Update, context: Ctx) -> int | None:
    """Read the time in plain Chinese and echo it in full; ask where."""
    when = await read_future_time(update, context, text_of(update))
    if when is None:
        return None
    lang = await user_lang(update, context)
    data_of(context)["when"] = when.isoformat()
    await answer(update, t(lang, "meeting.when_echo", when=describe_when(when, lang)) + "\n"
                 + t(lang, "meeting.ask_place"))
    return Step.PLACE


async def receive_place(update: Update, context: Ctx) -> int:
    """Take the place; ask who attends."""
    lang = await user_lang(update, context)
    data_of(context)["place"] = text_of(update)[:200]
    await say(update, context, "meeting.ask_who", markup=InlineKeyboardMarkup([[
        button_of(t(lang, "meeting.btn.everyone"), "all"),
        button_of(t(lang, "meeting.btn.choose"), "choose")]]))
    return Step.WHO


async def invite_everyone(update: Update, context: Ctx) -> int:
    """Invite every member of the organiser's unit."""
    await ack(update)
    data_of(context)["everyone"] = True
    return await _ask_confirm(update, context)


def _pick_markup(context: Ctx, people: list[tuple[int, str]], lang: str) -> InlineKeyboardMarkup:
    picked = set(data_of(context).get("picked", []))
    buttons = [button_of(("✅ " if uid in picked else "") + name, "pick", uid)
               for uid, name in people[:MAX_PICK]]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup([*rows, [button_of(t(lang, "meeting.btn.done"), "done")]])


async def choose_people(update: Update, context: Ctx) -> int:
    """Offer the unit's people as toggle buttons."""
    await ack(update)
    ident = await identify(update, context)
    people = await call(service_of(context.svc).candidates, ident)
    if not people:
        raise DomainError("meeting.nobody")
    data_of(context).update(everyone=False, picked=[])
    lang = lang_of(ident, context)
    await answer(update, t(lang, "meeting.ask_pick"), markup=_pick_markup(context, people, lang))
    return Step.PICK


async def toggle_person(update: Update, context: Ctx) -> None:
    """Add or remove one person and redraw the buttons."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    uid, ident = button_id(update), await identify(update, context)
    people = await call(service_of(context.svc).candidates, ident)
    if uid not in {p[0] for p in people}:
        raise DomainError("button.stale")
    picked = set(data_of(context).get("picked", [])) ^ {uid}
    data_of(context)["picked"] = sorted(picked)
    await edit_markup(query, _pick_markup(context, people, lang_of(ident, context)))


async def people_chosen(update: Update, context: Ctx) -> int | None:
    """Close the pick list; at least one person is needed."""
    await ack(update)
    if not data_of(context).get("picked"):
        await say(update, context, "meeting.pick_none")
        return None
    return await _ask_confirm(update, context)


async def _ask_confirm(update: Update, context: Ctx) -> int:
    lang, data = await user_lang(update, context), data_of(context)
    people = await call(service_of(context.svc).candidates, await identify(update, context))
    if not data.get("everyone"):
        people = [p for p in people if p[0] in set(data.get("picked", []))]
    names = fragment(lang, "list.sep").join(name for _, name in people[:40]) + (
        "…" if len(people) > 40 else "")
    starts_at = dt.datetime.fromisoformat(data["when"])
    warning = await _away_warning(context, lang, people, starts_at)
    await say(update, context, "meeting.confirm_card", title=data["title"],
               when=when_of(starts_at, lang, context.svc), place=data["place"],
               count=len(people), names=names or "—", warning=warning,
               markup=InlineKeyboardMarkup([[button_of(t(lang, "meeting.btn.confirm"), "confirm"),
                                             button_of(t(lang, "meeting.btn.drop"), "drop")]]))
    return Step.CONFIRM


async def _away_warning(context: Ctx, lang: str, people: list[tuple[int, str]],
                        starts_at: dt.datetime) -> str:
    """A paragraph naming the invitees on approved leave that day ("" when there are none)."""
    away = await call(service_of(context.svc).away, [uid for uid, _ in people], starts_at)
    if not away:
        return ""
    name, sep = dict(people), fragment(lang, "list.sep")
    return "\n\n" + fragment(lang, "meeting.away_warning", names=sep.join(
        fragment(lang, "meeting.away_name" if a.last_day > a.first_day else "meeting.away_day",
                 name=name[a.user_id], kind=fragment(lang, f"leave.kind.{a.kind.value}"),
                 first=f"{a.first_day:%m-%d}", last=f"{a.last_day:%m-%d}") for a in away))


async def confirm_meeting(update: Update, context: Ctx) -> int:
    """Save the meeting, send the notices and plan the reminders."""
    await ack(update)
    data = data_of(context)
    meeting = await concluding(context, update, call(
        service_of(context.svc).create, by=await identify(update, context),
        by_name=display_name(update), title=data["title"], place=data["place"],
        starts_at=dt.datetime.fromisoformat(data["when"]),
        invite=None if data.get("everyone") else data.get("picked", []),
        dialog=here(context, update)))
    await say(update, context, "meeting.sent", meeting)
    await send_due(context, meeting)
    return END


async def drop_meeting(update: Update, context: Ctx) -> int:
    """Drop the draft from the confirm card."""
    await ack(update)
    await finish(context, update)
    await say(update, context, "cancel.done")
    return END


# -- the organiser -----------------------------------------------------------------------------


async def show_waiting(update: Update, context: Ctx) -> None:
    """Tell the organiser (only) who has not answered, who declined and who comes."""
    await ack(update)
    m = await call(service_of(context.svc).managed, button_id(update),
                   by=await identify(update, context))
    lang = await user_lang(update, context)
    await say(update, context, "meeting.waiting", m,
              waiting_count=len(m.answered(Answer.PENDING)),
              waiting=_names(m.answered(Answer.PENDING), lang),
              no_count=len(m.answered(Answer.DECLINE)),
              no=_names(m.answered(Answer.DECLINE), lang, reasons=True),
              yes_count=len(m.answered(Answer.ATTEND)),
              yes=_names(m.answered(Answer.ATTEND), lang))


async def chase_meeting(update: Update, context: Ctx) -> None:
    """催办: send the notice again to those who have not answered, and tell the organiser."""
    await ack(update)
    chased = await call(service_of(context.svc).chase, button_id(update),
                        by=await identify(update, context))
    lang = await user_lang(update, context)
    key = "meeting.chased" if chased.sent else "meeting.chased_already"
    await say(update, context, key, chased.meeting, waiting_count=len(chased.waiting),
              waiting=_names(chased.waiting, lang))
    await send_due(context, chased.meeting)


async def ask_new_time(update: Update, context: Ctx) -> None:
    """Start 改时间: ask for the new time."""
    await ack(update)
    m = await call(service_of(context.svc).managed, button_id(update),
                   by=await identify(update, context))
    await begin(context, update, "meet_move", Step.NEW_TIME, {"id": m.id})
    await say(update, context, "meeting.ask_new_time", m)


async def receive_new_time(update: Update, context: Ctx) -> int | None:
    """Move the meeting, re-plan its reminders and tell every attendee."""
    when = await read_future_time(update, context, text_of(update))
    if when is None:
        return None
    meeting_id = data_of(context)["id"]
    m = await concluding(context, update, call(
        service_of(context.svc).reschedule, meeting_id, by=await identify(update, context),
        starts_at=when, dialog=here(context, update)))
    lang = await user_lang(update, context)
    people = [(a.user_id, a.name) for a in m.attendees if a.answer != Answer.DECLINE]
    await say(update, context, "meeting.moved_done", m,
              warning=await _away_warning(context, lang, people, m.starts_at))
    await send_due(context, m)
    return END


async def ask_cancel(update: Update, context: Ctx) -> None:
    """Ask the organiser to confirm calling the meeting off."""
    await ack(update)
    m = await call(service_of(context.svc).managed, button_id(update),
                   by=await identify(update, context))
    lang = await user_lang(update, context)
    await say(update, context, "meeting.ask_cancel", m, markup=InlineKeyboardMarkup([[
        button_of(t(lang, "meeting.btn.cancel_yes"), "cancel_yes", m.id)]]))


async def cancel_meeting(update: Update, context: Ctx) -> None:
    """Call the meeting off, drop its reminders and tell every attendee."""
    await ack(update)
    m = await call(service_of(context.svc).cancel, button_id(update),
                   by=await identify(update, context))
    await say(update, context, "meeting.cancel_done", m)
    await send_due(context, m)


# -- wiring ------------------------------------------------------------------------------------


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


def _msg(callback: Any) -> MessageHandler[Ctx, Any]:
    return MessageHandler(filters.TEXT & ~filters.COMMAND, callback)


COMMANDS = (CommandHandler("meeting", call_meeting, filters=filters.ChatType.PRIVATE),)
BUTTONS = (_cb(show_waiting, "who"), _cb(chase_meeting, "chase"), _cb(ask_new_time, "move"),
           _cb(ask_cancel, "cancel"), _cb(cancel_meeting, "cancel_yes"))
MESSAGES = ()
FLOWS = (
    Flow(FEATURE, {
        Step.TITLE: [_msg(receive_title)],
        Step.WHEN: [_msg(receive_when)],
        Step.PLACE: [_msg(receive_place)],
        Step.WHO: [_cb(invite_everyone, "all"), _cb(choose_people, "choose")],
        Step.PICK: [_cb(toggle_person, "pick"), _cb(people_chosen, "done")],
        Step.CONFIRM: [_cb(confirm_meeting, "confirm"), _cb(drop_meeting, "drop")],
    }),
    Flow("meet_move", {Step.NEW_TIME: [_msg(receive_new_time)]}),
)
RENDERERS: Renderers = {}
