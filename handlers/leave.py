"""Leave: /leave asks type, days and reason; a leader approves; 请销假 nudges until 已返岗."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import END_OF_DAY, Prefer, describe_when, parse_range, parse_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import LeaveKind, LeaveState, NoteKind
from bot.errors import DomainError
from bot.services.leave import (
    HALF_AM,
    HALF_PM,
    NOON,
    LeaveService,
    LeaveView,
    Roster,
    retroactive,
)
from bot.services.notify import Note
from bot.texts import t
from handlers.common import (
    ack,
    answer,
    button_choice,
    button_id,
    call,
    display_name,
    identify,
    lang_of,
    local_now,
    user_lang,
)
from handlers.dialog import END, Flow, begin, concluding, finish, here
from handlers.edits import edit_text

FEATURE = "leave"


class Step(enum.IntEnum):
    KIND = 1
    DATES = 2
    REASON = 3
    CONFIRM = 4
    ANSWER = 5  # why a leader does not approve

# Longer than this is asked again: 12月10日至12月1日 reads as 357 days, and is a typo.
LONGEST = 180
# Leave is whole days, or the morning or afternoon of one day (半天); other parts of a day
# (中午, 晚上, a clock time) are not a leave the ledger keeps.
_PART_OF_DAY = re.compile(r"上午|下午|中午|晚上|半天|\d+\s*[点时:：]")


def _half(text: str) -> str | None:
    """HALF_AM / HALF_PM when the text names one half of a day and no other time in it."""
    parts = set(_PART_OF_DAY.findall(text))
    named = {half for word, half in (("上午", HALF_AM), ("下午", HALF_PM)) if word in parts}
    return named.pop() if len(named) == 1 and parts <= {"上午", "下午", "半天"} else None


def service_of(svc: Services) -> LeaveService:
    return svc.leave


def _service(context: Ctx) -> LeaveService:
    return service_of(context.svc)


def _button(label: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(FEATURE, action, *args))


def _data(context: Ctx) -> dict[str, Any]:
    assert context.dialog is not None
    return context.dialog.data


def span(first: dt.date, last: dt.date, lang: str, svc: Services,
         half: str | None = None) -> str:
    """Both ends in full, 00:00 of the first day to 23:59 of the last, and the count of days;
    a half day runs to noon (上午) or from it (下午) and counts 0.5."""
    tz = svc.config.tz
    if half is not None:
        hours = (dt.time(0, 0), NOON) if half == HALF_AM else (NOON, dt.time(23, 59))
        start, end = (dt.datetime.combine(first, h, tzinfo=tz) for h in hours)
        return t(lang, "leave.span_half", first=describe_when(start, lang),
                 last=describe_when(end, lang), part=t(lang, f"leave.half.{half}"),
                 workdays="0.5" if svc.calendar.is_workday(first) else "0")
    start = dt.datetime.combine(first, dt.time(0, 0), tzinfo=tz)
    end = dt.datetime.combine(last, dt.time(23, 59), tzinfo=tz)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    working = sum(1 for day in days if svc.calendar.is_workday(day))
    return t(lang, "leave.span", first=describe_when(start, lang), last=describe_when(end, lang),
             days=len(days), workdays=working)


def day_of(r: LeaveView, day: dt.date, lang: str) -> str:
    """12-03, or 12-03下午 for a half day."""
    return f"{day:%m-%d}" + (t(lang, f"leave.half.{r.half}") if r.half is not None else "")


def request_card(r: LeaveView, lang: str, svc: Services) -> str:
    kind = t(lang, f"leave.kind.{r.kind.value}")
    asked = (r.created_at or svc.clock.now()).astimezone(svc.config.tz).date()
    if retroactive(r.kind, r.first_day, asked):
        kind += t(lang, "leave.retroactive")
    return t(lang, "leave.request", unit=r.unit_name, name=r.user_name, kind=kind,
             span=span(r.first_day, r.last_day, lang, svc, r.half), reason=r.reason)


# -- asking for leave --------------------------------------------------------------------------


async def request_leave(update: Update, context: Ctx) -> None:
    """Show who is away (to leaders), my open requests, then ask the type of leave."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    service = _service(context)
    roster = await call(service.roster, ident)
    if roster is not None:
        await answer(update, _roster_text(roster, lang, service.today()))
    if ident.unit is None:  # an office admin from the config sees the roster, asks no leave
        if roster is None:
            raise DomainError("leave.no_unit")
        return
    for r in await call(service.mine, ident):
        begun = r.state == LeaveState.APPROVED and r.first_day <= service.today()
        action = [_button(t(lang, "leave.btn.back"), "back", r.id)] if begun else [
            _button(t(lang, "leave.btn.withdraw"), "withdraw", r.id)]
        await answer(update, t(lang, f"leave.mine.{r.state.value}",
                               kind=t(lang, f"leave.kind.{r.kind.value}"),
                               span=span(r.first_day, r.last_day, lang, context.svc, r.half)),
                     markup=InlineKeyboardMarkup([action]))
    await begin(context, update, FEATURE, Step.KIND, {})
    kinds = [_button(t(lang, f"leave.kind.{k.value}"), "kind", k.value) for k in LeaveKind]
    await answer(update, t(lang, "leave.ask_kind"),
                 markup=InlineKeyboardMarkup([kinds[:3], kinds[3:]]))


def _roster_text(roster: Roster, lang: str, today: dt.date) -> str:
    if not roster.away and not roster.late:
        return t(lang, "leave.roster_none")
    lines = [t(lang, "leave.roster_away", count=len(roster.away))]
    lines += [t(lang, "leave.roster_line", name=r.user_name, unit=r.unit_name,
                kind=t(lang, f"leave.kind.{r.kind.value}"), first=day_of(r, r.first_day, lang),
                last=day_of(r, r.last_day, lang)) for r in roster.away]
    lines.append(t(lang, "leave.roster_late", count=len(roster.late)))
    lines += [t(lang, "leave.late_line", name=r.user_name, unit=r.unit_name,
                kind=t(lang, f"leave.kind.{r.kind.value}"), last=f"{r.last_day:%m-%d}",
                days=(today - r.last_day).days) for r in roster.late]
    return "\n".join(lines)


async def pick_kind(update: Update, context: Ctx) -> int:
    """Take the type of leave; ask for the days."""
    await ack(update)
    _data(context)["kind"] = button_choice(update, (k.value for k in LeaveKind))
    await answer(update, t(await user_lang(update, context), "leave.ask_dates"))
    return Step.DATES


async def receive_dates(update: Update, context: Ctx) -> int | None:
    """Read a day range (12月3日至12月5日, 明天到后天) and echo both ends in full."""
    assert update.message is not None
    lang = await user_lang(update, context)
    now = local_now(context)
    text = update.message.text or ""
    sick = _data(context).get("kind") == LeaveKind.SICK.value
    # 补假: sick leave may be asked after the fact, so its month-days read the recent past too.
    prefer: Prefer = "past" if sick else "future"
    plain, half = _PART_OF_DAY.sub("", text), _half(text)
    found = parse_range(plain, now, prefer)
    if found is not None and plain != text:
        await answer(update, t(lang, "leave.half_range"))  # 12月3日下午至12月5日
        return None
    if found is None:
        # One day (明天, 12月3日) is a range of one, 明天下午 its half; 明天晚上 is neither.
        day = parse_when(plain if half else text, now, calendar=context.svc.calendar,
                         prefer=prefer)
        if half is None and ((day is not None and day.time() != END_OF_DAY)
                             or _PART_OF_DAY.search(text)):
            await answer(update, t(lang, "leave.whole_days"))
            return None
        found = (day, day) if day is not None else None
    if found is None:
        await answer(update, t(lang, "leave.dates_unreadable"))
        return None
    first, last = found[0].date(), found[1].date()
    if (last - first).days + 1 > LONGEST:
        await answer(update, t(lang, "leave.too_long", span=span(first, last, lang, context.svc)))
        return None
    if last < now.date() and not sick:
        await answer(update, t(lang, "leave.past"))
        return None
    _data(context).update(first=first.isoformat(), last=last.isoformat(), half=half)
    await answer(update, t(lang, "leave.dates_echo",
                           span=span(first, last, lang, context.svc, half))
                 + "\n" + t(lang, "leave.ask_reason"))
    return Step.REASON


async def receive_reason(update: Update, context: Ctx) -> int:
    """Take the reason; show the request to submit."""
    assert update.message is not None
    lang = await user_lang(update, context)
    data = _data(context)
    data["reason"] = (update.message.text or "").strip()[:500]
    first, last = dt.date.fromisoformat(data["first"]), dt.date.fromisoformat(data["last"])
    await answer(update, t(lang, "leave.card", kind=t(lang, f"leave.kind.{data['kind']}"),
                           span=span(first, last, lang, context.svc, data.get("half")),
                           reason=data["reason"]),
                 markup=InlineKeyboardMarkup([[_button(t(lang, "leave.btn.submit"), "submit"),
                                               _button(t(lang, "leave.btn.drop"), "drop")]]))
    return Step.CONFIRM


async def submit_leave(update: Update, context: Ctx) -> int:
    """Save the request and send it to the approvers."""
    await ack(update)
    data = _data(context)
    submitted = await concluding(context, update, call(
        _service(context).submit, by=await identify(update, context),
        by_name=display_name(update), kind=LeaveKind(data["kind"]),
        first_day=dt.date.fromisoformat(data["first"]),
        last_day=dt.date.fromisoformat(data["last"]), reason=data["reason"],
        half=data.get("half"), dialog=here(context, update)))
    await answer(update, t(await user_lang(update, context), "leave.submitted"))
    await context.bot_data.sender.send_now(submitted.approvers)
    return END


async def drop_leave(update: Update, context: Ctx) -> int:
    """Drop the request before it is submitted."""
    await ack(update)
    await finish(context, update)
    await answer(update, t(await user_lang(update, context), "cancel.done"))
    return END


# -- deciding and reporting back ---------------------------------------------------------------


async def approve_leave(update: Update, context: Ctx) -> None:
    """批准: approve the request and tell the applicant."""
    await _decide(update, context, approve=True)


async def decline_leave(update: Update, context: Ctx) -> None:
    """不批准: ask why first; the applicant is told the reason."""
    await ack(update)
    lang = await user_lang(update, context)
    r = await call(_service(context).check_decider, button_id(update),
                   by=await identify(update, context))
    await begin(context, update, "leave_no", Step.ANSWER, {"id": r.id})
    await answer(update, t(lang, "leave.ask_answer", name=r.user_name))


async def receive_answer(update: Update, context: Ctx) -> int | None:
    assert update.message is not None and context.dialog is not None
    lang = await user_lang(update, context)
    text = (update.message.text or "").strip()
    if not text:
        await answer(update, t(lang, "leave.ask_answer_again"))
        return None
    r = await concluding(context, update, call(
        _service(context).decide, context.dialog.data["id"], by=await identify(update, context),
        by_name=display_name(update), approve=False, answer=text, dialog=here(context, update)))
    outcome = t(lang, "leave.outcome.declined", who=r.decided_by_name or "")
    await answer(update, request_card(r, lang, context.svc) + "\n\n" + outcome)
    await context.bot_data.sender.send_now([r.user_id])
    return END


async def _decide(update: Update, context: Ctx, *, approve: bool) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    lang = await user_lang(update, context)
    r = await call(_service(context).decide, button_id(update),
                   by=await identify(update, context), by_name=display_name(update),
                   approve=approve)
    outcome = t(lang, f"leave.outcome.{r.state.value}", who=r.decided_by_name or "")
    await edit_text(query, request_card(r, lang, context.svc) + "\n\n" + outcome)
    await context.bot_data.sender.send_now([r.user_id])


async def withdraw_leave(update: Update, context: Ctx) -> None:
    """撤回: take back a request, or leave not yet begun."""
    await ack(update)
    lang = await user_lang(update, context)
    r = await call(_service(context).withdraw, button_id(update),
                   by=await identify(update, context))
    await answer(update, t(lang, "leave.withdrawn", kind=t(lang, f"leave.kind.{r.kind.value}"),
                           span=span(r.first_day, r.last_day, lang, context.svc, r.half)))


async def report_back(update: Update, context: Ctx) -> None:
    """已返岗: record the return (销假) and stop the nudges."""
    await ack(update)
    lang = await user_lang(update, context)
    r = await call(_service(context).report_back, button_id(update),
                   by=await identify(update, context))
    await answer(update, t(lang, "leave.back_done", kind=t(lang, f"leave.kind.{r.kind.value}")))
    if r.decided_by:
        await context.bot_data.sender.send_now([r.decided_by])


# -- notifications -----------------------------------------------------------------------------


def _load(svc: Services, note: Note) -> LeaveView | None:
    return service_of(svc).get(int(note.payload["leave"]))


def render_request(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    r = _load(svc, note)
    if r is None or r.state != LeaveState.PENDING:
        return None  # another approver has decided it already
    if brief:
        return Rendered(t(lang, "leave.brief.request", name=r.user_name))
    return Rendered(request_card(r, lang, svc), InlineKeyboardMarkup([[
        _button(t(lang, "leave.btn.approve"), "ok", r.id),
        _button(t(lang, "leave.btn.decline"), "no", r.id)]]))


def render_decided(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    r = _load(svc, note)
    if r is None or r.state == LeaveState.PENDING:
        return None
    text = t(lang, f"leave.decided.{r.state.value}", who=r.decided_by_name or "",
             kind=t(lang, f"leave.kind.{r.kind.value}"),
             span=span(r.first_day, r.last_day, lang, svc, r.half))
    if r.answer:
        text += t(lang, "leave.decided.answer", answer=r.answer)
    return Rendered(text)


def render_returned(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Tell whoever approved the leave that the person reported back."""
    r = _load(svc, note)
    if r is None or r.returned_at is None:
        return None
    return Rendered(t(lang, "leave.returned", name=r.user_name,
                      kind=t(lang, f"leave.kind.{r.kind.value}"),
                      span=span(r.first_day, r.last_day, lang, svc, r.half),
                      when=describe_when(r.returned_at.astimezone(svc.config.tz), lang)))


def render_nudge(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    r = _load(svc, note)
    if r is None or r.state != LeaveState.APPROVED or r.returned_at:
        return None
    following = service_of(svc).next_nudge(r)
    kind = t(lang, f"leave.kind.{r.kind.value}")
    if brief:
        # A downtime summary does not plan `then`; keep the daily chain going ourselves.
        svc.notify.plan([following])
        return Rendered(t(lang, "leave.brief.nudge", kind=kind))
    text = t(lang, "leave.nudge", kind=kind,
             span=span(r.first_day, r.last_day, lang, svc, r.half))
    back = InlineKeyboardMarkup([[_button(t(lang, "leave.btn.back"), "back", r.id)]])
    return Rendered(text, back, then=(following,))


# -- wiring ------------------------------------------------------------------------------------


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


def _msg(callback: Any) -> MessageHandler[Ctx, Any]:
    return MessageHandler(filters.TEXT & ~filters.COMMAND, callback)


COMMANDS = (CommandHandler("leave", request_leave, filters=filters.ChatType.PRIVATE),)
BUTTONS = (_cb(approve_leave, "ok"), _cb(decline_leave, "no"), _cb(report_back, "back"),
           _cb(withdraw_leave, "withdraw"))
MESSAGES = ()
FLOWS = (Flow(FEATURE, {
    Step.KIND: [_cb(pick_kind, "kind")],
    Step.DATES: [_msg(receive_dates)],
    Step.REASON: [_msg(receive_reason)],
    Step.CONFIRM: [_cb(submit_leave, "submit"), _cb(drop_leave, "drop")],
}), Flow("leave_no", {Step.ANSWER: [_msg(receive_answer)]}))
RENDERERS: Renderers = {
    NoteKind.LEAVE_REQUEST: render_request,
    NoteKind.LEAVE_DECIDED: render_decided,
    NoteKind.LEAVE_NUDGE: render_nudge,
    NoteKind.LEAVE_RETURNED: render_returned,
}
