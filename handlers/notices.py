"""Deadline nudges, escalations and check-ins: their texts and buttons (snooze, check-in)."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import OPEN, NoteKind, Track
from bot.errors import DomainError
from bot.services.notify import Note, Planned
from bot.services.plans import morning, morning_after, next_checkin, overdue_nudge
from bot.services.problem import ProblemView
from bot.texts import shorten, t
from handlers.common import (
    answer,
    button_id,
    call,
    display_name,
    identify,
    lang_of,
    user_lang,
)
from handlers.edits import edit_markup

# The nudges that carry a snooze button; nothing else may be planned again from one.
SNOOZABLE_KINDS = (NoteKind.DEADLINE_BEFORE, NoteKind.DEADLINE_TODAY, NoteKind.DEADLINE_OVERDUE)
SNOOZE = {"h1": dt.timedelta(hours=1), "d1": dt.timedelta(days=1), "d3": dt.timedelta(days=3)}


def _button(label: str, feature: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(feature, action, *args))


def _item(svc: Services, note: Note) -> ProblemView | None:
    """The item a note is about, if it still needs the note."""
    problem = svc.ledger.peek(int(note.payload["problem_id"]))
    if problem is None or problem.status not in OPEN:
        return None
    stamp = note.payload.get("deadline")
    if stamp and (problem.deadline is None or problem.deadline != dt.datetime.fromisoformat(stamp)):
        return None  # the deadline moved; the new plan has its own notes
    return problem


def _when(svc: Services, problem: ProblemView, lang: str) -> str:
    assert problem.deadline is not None
    return describe_when(problem.deadline.astimezone(svc.config.tz), lang)


def _nudge_buttons(problem: ProblemView, note: Note, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _button(t(lang, "nudge.btn.done"), "item", "done", problem.id),
        _button(t(lang, "nudge.btn.progress"), "item", "progress", problem.id),
        _button(t(lang, "nudge.btn.snooze"), "nudge", "snooze", note.id),
    ]])


def _days_over(svc: Services, problem: ProblemView) -> int:
    assert problem.deadline is not None
    return max(1, (svc.clock.now() - problem.deadline).days + 1)


def render_upcoming(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = _item(svc, note)
    if problem is None:
        return None
    key = "nudge.today" if note.kind == NoteKind.DEADLINE_TODAY else "nudge.before"
    text = t(lang, key, number=problem.number, text=shorten(problem.description, 40),
             when=_when(svc, problem, lang), days=note.payload.get("days", 0))
    return Rendered(text if not brief else text.split("\n")[0],
                    None if brief else _nudge_buttons(problem, note, lang))


def render_overdue(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = _item(svc, note)
    if problem is None:
        return None
    text = t(lang, "nudge.overdue", number=problem.number, text=shorten(problem.description, 40),
             when=_when(svc, problem, lang), days=_days_over(svc, problem))
    # The chain goes on after a downtime summary too (brief), or the item would go quiet.
    follow = overdue_nudge(problem, note.chat_id,
                           morning_after(svc.config, svc.clock.now(), 1))
    if brief:
        return Rendered(text.split("\n")[0], then=(follow,))
    return Rendered(text, _nudge_buttons(problem, note, lang), then=(follow,))


def render_escalation(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = _item(svc, note)
    if problem is None:
        return None
    text = t(lang, "nudge.escalate", number=problem.number, unit=problem.unit_name,
             owner=problem.owner_name, text=shorten(problem.description, 40),
             when=_when(svc, problem, lang), days=_days_over(svc, problem))
    if brief:
        return Rendered(text.split("\n")[0])
    open_card = InlineKeyboardMarkup([[_button(problem.number, "led", "open", problem.id)]])
    return Rendered(text, open_card)


def render_checkin(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = svc.ledger.peek(int(note.payload["problem_id"]))
    if problem is None or problem.status not in OPEN:
        return None
    text = t(lang, "nudge.checkin", number=problem.number, text=shorten(problem.description, 40))
    follow = next_checkin(svc.config, svc.clock.now(), problem)
    if brief:
        return Rendered(text, then=(follow,))
    markup = InlineKeyboardMarkup([[
        _button(t(lang, "nudge.btn.holding"), "ongoing", "ok", problem.id),
        _button(t(lang, "nudge.btn.adjust"), "item", "progress", problem.id),
    ]])
    return Rendered(text, markup, then=(follow,))



# -- buttons -----------------------------------------------------------------------------------


async def _own_note(update: Update, context: Ctx, note_id: int) -> Note:
    user = update.effective_user
    assert user is not None
    note = await call(context.svc.notify.get, note_id)
    if note is None or note.chat_id != user.id or note.kind not in SNOOZABLE_KINDS:
        raise DomainError("button.stale")
    return note


def _snoozed_until(svc: Services, now: dt.datetime, choice: str) -> dt.datetime:
    """An hour is an hour; "tomorrow" and "in 3 days" mean that day's morning nudge time, or
    the next working day's when that day is a weekend or a holiday."""
    delay = SNOOZE[choice]
    if delay.days == 0:
        return now + delay
    day = now.astimezone(svc.config.tz).date() + delay
    return morning(svc.config, svc.calendar.next_workday(day, include_today=True))


def _snooze_label(svc: Services, now: dt.datetime, choice: str, when: dt.datetime,
                  lang: str) -> str:
    """明天, or 下个工作日 when tomorrow is a day off and the snooze goes past it."""
    tomorrow = now.astimezone(svc.config.tz).date() + dt.timedelta(days=1)
    if choice == "d1" and when.astimezone(svc.config.tz).date() != tomorrow:
        return t(lang, "nudge.snooze.workday")
    return t(lang, f"nudge.snooze.{choice}")


async def _snoozes(context: Ctx, note: Note,
                   lang: str) -> tuple[dict[str, dt.datetime], str | None]:
    """The snoozes that still fall before the deadline, and the deadline's description when
    the nudge comes before it (an overdue nudge is past it already and may go any later)."""
    svc, now = context.svc, context.svc.clock.now()
    times = {k: _snoozed_until(svc, now, k) for k in SNOOZE}
    if note.kind == NoteKind.DEADLINE_OVERDUE:
        return times, None
    problem = await call(_item, svc, note)
    if problem is None or problem.deadline is None or problem.deadline <= now:
        return times, None
    return ({k: when for k, when in times.items() if when < problem.deadline},
            _when(svc, problem, lang))


async def offer_snooze(update: Update, context: Ctx) -> None:
    """Offer how long to put the reminder off, only to before the deadline, which stays."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    note = await _own_note(update, context, button_id(update, 1))
    lang = await user_lang(update, context)
    times, deadline = await _snoozes(context, note, lang)
    if not times:
        await answer(update, t(lang, "nudge.snooze.deadline_first", when=deadline or ""))
        return
    now = context.svc.clock.now()
    buttons = [_button(_snooze_label(context.svc, now, k, when, lang), "nudge", "later", note.id,
                       k) for k, when in times.items()]
    await edit_markup(query, InlineKeyboardMarkup([buttons]))


async def snooze(update: Update, context: Ctx) -> None:
    """Plan the same reminder again later."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    note = await _own_note(update, context, button_id(update, 2))
    choice = callbacks.decode(query.data)[2][1]
    if choice not in SNOOZE:
        raise DomainError("button.stale")
    now = context.svc.clock.now()
    lang = await user_lang(update, context)
    times, deadline = await _snoozes(context, note, lang)
    if choice not in times:  # a button offered earlier, now past the deadline
        await answer(update, t(lang, "nudge.snooze.deadline_first", when=deadline or ""))
        return
    when = times[choice]
    await call(context.svc.notify.plan, [Planned(
        key=f"{note.key}:snooze:{now:%Y%m%d%H%M%S}", chat_id=note.chat_id, kind=note.kind,
        due_at=when, payload=note.payload, subject=note.subject)])
    await edit_markup(query, None)
    await answer(update, t(lang, "nudge.snoozed",
                           when=describe_when(when.astimezone(context.svc.config.tz), lang)))


async def still_holding(update: Update, context: Ctx) -> None:
    """Record that a 长期坚持 measure is still kept."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    problem = await call(context.svc.ledger.add_progress, button_id(update, 1), by=ident,
                         by_name=display_name(update), text=t(lang, "nudge.holding_note"),
                         track=Track.ONGOING)
    await edit_markup(query, None)
    await answer(update, t(lang, "nudge.holding_saved", number=problem.number))


# -- wiring ------------------------------------------------------------------------------------

COMMANDS = ()
BUTTONS = (
    CallbackQueryHandler(offer_snooze, callbacks.pattern("nudge", "snooze")),
    CallbackQueryHandler(snooze, callbacks.pattern("nudge", "later")),
    CallbackQueryHandler(still_holding, callbacks.pattern("ongoing", "ok")),
)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {
    NoteKind.DEADLINE_BEFORE: render_upcoming,
    NoteKind.DEADLINE_TODAY: render_upcoming,
    NoteKind.DEADLINE_OVERDUE: render_overdue,
    NoteKind.DEADLINE_ESCALATE: render_escalation,
    NoteKind.DEADLINE_ESCALATE_OFFICE: render_escalation,
    NoteKind.ONGOING_CHECKIN: render_checkin,
}
