"""Deadline nudges, escalations and check-ins: their texts and buttons (snooze, check-in)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.context import App, Ctx
from bot.dates import describe_when
from bot.domain import OPEN
from bot.errors import DomainError
from bot.rendering import Rendered, renders
from bot.services.ledger import ProblemView
from bot.services.notify import Note, Planned
from bot.services.plans import morning_after, next_checkin, overdue_nudge
from bot.texts import shorten, t
from handlers.common import answer, button_id, display_name, identify, lang_of
from handlers.dialog import Flow
from handlers.edits import edit_markup

FLOWS: list[Flow] = []
# The nudges that carry a snooze button; nothing else may be planned again from one.
SNOOZABLE_KINDS = ("deadline.before", "deadline.today", "deadline.overdue")
SNOOZE = {"h1": dt.timedelta(hours=1), "d1": dt.timedelta(days=1), "d3": dt.timedelta(days=3)}


def _button(label: str, feature: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(feature, action, *args))


def _item(app: App, note: Note) -> ProblemView | None:
    """The item a note is about, if it still needs the note."""
    problem = app.bot_data.services.ledger.peek(int(note.payload["problem_id"]))
    if problem is None or problem.status not in OPEN:
        return None
    stamp = note.payload.get("deadline")
    if stamp and (problem.deadline is None or problem.deadline != dt.datetime.fromisoformat(stamp)):
        return None  # the deadline moved; the new plan has its own notes
    return problem


def _when(app: App, problem: ProblemView, lang: str) -> str:
    assert problem.deadline is not None
    return describe_when(problem.deadline.astimezone(app.bot_data.services.config.tz), lang)


def _nudge_buttons(problem: ProblemView, note: Note, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _button(t(lang, "nudge.btn.done"), "item", "done", problem.id),
        _button(t(lang, "nudge.btn.progress"), "item", "progress", problem.id),
        _button(t(lang, "nudge.btn.snooze"), "nudge", "snooze", note.id),
    ]])


def _days_over(app: App, problem: ProblemView) -> int:
    assert problem.deadline is not None
    return max(1, (app.bot_data.services.clock.now() - problem.deadline).days + 1)


@renders("deadline.before")
@renders("deadline.today")
async def render_upcoming(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = _item(app, note)
    if problem is None:
        return None
    key = "nudge.today" if note.kind == "deadline.today" else "nudge.before"
    text = t(lang, key, number=problem.number, text=shorten(problem.description, 40),
             when=_when(app, problem, lang), days=note.payload.get("days", 0))
    return Rendered(text if not brief else text.split("\n")[0],
                    None if brief else _nudge_buttons(problem, note, lang))


@renders("deadline.overdue")
async def render_overdue(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = _item(app, note)
    if problem is None:
        return None
    text = t(lang, "nudge.overdue", number=problem.number, text=shorten(problem.description, 40),
             when=_when(app, problem, lang), days=_days_over(app, problem))
    services = app.bot_data.services
    # The chain goes on after a downtime summary too (brief), or the item would go quiet.
    follow = overdue_nudge(problem, note.chat_id,
                           morning_after(services.config, services.clock.now(), 1))
    if brief:
        return Rendered(text.split("\n")[0], then=(follow,))
    return Rendered(text, _nudge_buttons(problem, note, lang), then=(follow,))


@renders("deadline.escalate")
@renders("deadline.escalate_office")
async def render_escalation(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = _item(app, note)
    if problem is None:
        return None
    text = t(lang, "nudge.escalate", number=problem.number, unit=problem.unit_name,
             owner=problem.owner_name, text=shorten(problem.description, 40),
             when=_when(app, problem, lang), days=_days_over(app, problem))
    if brief:
        return Rendered(text.split("\n")[0])
    open_card = InlineKeyboardMarkup([[_button(problem.number, "led", "open", problem.id)]])
    return Rendered(text, open_card)


@renders("ongoing.checkin")
async def render_checkin(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = app.bot_data.services.ledger.peek(int(note.payload["problem_id"]))
    if problem is None or problem.status not in OPEN:
        return None
    text = t(lang, "nudge.checkin", number=problem.number, text=shorten(problem.description, 40))
    services = app.bot_data.services
    follow = next_checkin(services.config, services.clock.now(), problem)
    if brief:
        return Rendered(text, then=(follow,))
    markup = InlineKeyboardMarkup([[
        _button(t(lang, "nudge.btn.holding"), "ongoing", "ok", problem.id),
        _button(t(lang, "nudge.btn.adjust"), "item", "progress", problem.id),
    ]])
    return Rendered(text, markup, then=(follow,))


@renders("chat.unreachable")
async def render_unreachable(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    chat_id = int(note.payload["chat_id"])
    who = str(chat_id)
    if chat_id > 0:
        who = app.bot_data.services.membership.name_of(chat_id) or who
    return Rendered(t(lang, "notify.unreachable", who=who))


# -- buttons -----------------------------------------------------------------------------------


def _own_note(update: Update, context: Ctx, note_id: int) -> Note:
    user = update.effective_user
    assert user is not None
    note = context.svc.notify.get(note_id)
    if note is None or note.chat_id != user.id or note.kind not in SNOOZABLE_KINDS:
        raise DomainError("button.stale")
    return note


async def offer_snooze(update: Update, context: Ctx) -> None:
    """Offer how long to put the reminder off; the deadline itself does not move."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    note = _own_note(update, context, button_id(update, 1))
    lang = lang_of(identify(update, context), context)
    buttons = [_button(t(lang, f"nudge.snooze.{k}"), "nudge", "later", note.id, k) for k in SNOOZE]
    await edit_markup(query, InlineKeyboardMarkup([buttons]))


async def snooze(update: Update, context: Ctx) -> None:
    """Plan the same reminder again later."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    note = _own_note(update, context, button_id(update, 2))
    choice = callbacks.decode(query.data)[2][1]
    if choice not in SNOOZE:
        raise DomainError("button.stale")
    now = context.svc.clock.now()
    delay = SNOOZE[choice]
    # An hour is an hour; "tomorrow" and "in 3 days" mean that day's morning nudge time.
    when = now + delay if delay.days == 0 else morning_after(context.svc.config, now, delay.days)
    context.svc.notify.plan([Planned(
        key=f"{note.key}:snooze:{now:%Y%m%d%H%M%S}", chat_id=note.chat_id, kind=note.kind,
        due_at=when, payload=note.payload, subject=note.subject)])
    lang = lang_of(identify(update, context), context)
    await edit_markup(query, None)
    await answer(update, t(lang, "nudge.snoozed",
                           when=describe_when(when.astimezone(context.svc.config.tz), lang)))


async def still_holding(update: Update, context: Ctx) -> None:
    """Record that a 长期坚持 measure is still kept."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    ident = identify(update, context)
    lang = lang_of(ident, context)
    problem = context.svc.ledger.add_progress(
        button_id(update, 1), by=ident, by_name=display_name(update),
        text=t(lang, "nudge.holding_note"))
    await edit_markup(query, None)
    await answer(update, t(lang, "nudge.holding_saved", number=problem.number))


def commands() -> list[Any]:
    return []


def buttons() -> list[Any]:
    return [
        CallbackQueryHandler(offer_snooze, callbacks.pattern("nudge", "snooze")),
        CallbackQueryHandler(snooze, callbacks.pattern("nudge", "later")),
        CallbackQueryHandler(still_holding, callbacks.pattern("ongoing", "ok")),
    ]


def messages() -> list[Any]:
    return []
