"""The public's cases in chat: the office's /cases triage (转办 / 不予受理) and the 复号 notice."""

from __future__ import annotations

import enum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import CaseState, NoteKind, Role
from bot.errors import DomainError
from bot.quickfile import MAX_TEXT
from bot.services.case_data import CaseView
from bot.services.cases_board import Focus
from bot.services.notify import Note
from bot.texts import fragment, shorten, t
from handlers.common import (
    ack,
    answer,
    button,
    button_id,
    call,
    display_name,
    identify,
    lang_of,
    read_future_time,
    typed,
)
from handlers.dialog import END, Flow, begin, concluding, here
from handlers.ledger import when_of, work_row

FEATURE = "case"
# Sent instead of a unit's code: keep the unit the complainant named.
SAME_UNIT = "="


class Step(enum.IntEnum):
    UNIT = 1
    DEADLINE = 2
    REASON = 3


def case_text(case: CaseView, lang: str) -> str:
    """A new case as the office reads it: the contact included, the office's eyes only."""
    contact = " ".join(p for p in (case.contact_name, case.contact_phone) if p)
    return t(lang, "cases.card", code=case.code, unit=case.unit_name,
             kind=fragment(lang, f"cases.kind.{case.kind.value}"),
             text=shorten(case.text, 500),
             contact=contact or fragment(lang, "public.anonymous"),
             photo=fragment(lang, "cases.card.photo") if case.has_photo else "")


async def list_cases(update: Update, context: Ctx) -> None:
    """/cases: the new cases, oldest first, each with 转办 and 不予受理."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    if ident.role is not Role.OFFICE:
        raise DomainError("cases.office_only")
    cases = await call(context.svc.cases.pending, by=ident, limit=10)
    if not cases:
        await answer(update, t(lang, "cases.none"))
        return
    for case in cases:
        await answer(update, case_text(case, lang), markup=InlineKeyboardMarkup([[
            button(t(lang, "cases.btn.transfer"), FEATURE, "fwd", case.id),
            button(t(lang, "cases.btn.refuse"), FEATURE, "no", case.id)]]))


async def _new(context: Ctx, update: Update) -> CaseView:
    case = await call(context.svc.cases.case, button_id(update), by=await identify(update, context))
    if case.state is not CaseState.NEW:
        raise DomainError("cases.decided", code=case.code)
    return case


async def ask_unit(update: Update, context: Ctx) -> None:
    """转办 tapped: ask which unit takes it (the one named, or another)."""
    await ack(update)
    ident = await identify(update, context)
    case = await _new(context, update)
    await begin(context, update, "case_transfer", Step.UNIT, {"id": case.id})
    await answer(update, t(lang_of(ident, context), "cases.ask_unit", code=case.code,
                           unit=case.unit_name, same=SAME_UNIT))


async def receive_unit(update: Update, context: Ctx) -> int | None:
    lang = lang_of(await identify(update, context), context)
    text = typed(update)
    assert context.dialog is not None
    if text != SAME_UNIT:
        unit = await call(context.svc.membership.find_unit, text)
        if unit is None:
            await answer(update, t(lang, "cases.unknown_unit_code", code=text))
            return None
        context.dialog.data["unit"] = unit.id
    await answer(update, t(lang, "cases.ask_deadline"))
    return Step.DEADLINE


async def receive_deadline(update: Update, context: Ctx) -> int | None:
    when = await read_future_time(update, context, typed(update))
    if when is None:
        return None
    ident = await identify(update, context)
    assert context.dialog is not None
    data = context.dialog.data
    item = await concluding(context, update, call(
        context.svc.cases.transfer, data["id"], by=ident, by_name=display_name(update),
        deadline=when, unit_id=data.get("unit"), dialog=here(context, update)))
    lang = lang_of(ident, context)
    await answer(update, t(lang, "cases.transferred", number=item.number, unit=item.unit_name,
                           deadline=describe_when(when, lang)))
    return END


async def ask_reason(update: Update, context: Ctx) -> None:
    """不予受理 tapped: the complainant will read the reason, so one is required."""
    await ack(update)
    ident = await identify(update, context)
    case = await _new(context, update)
    await begin(context, update, "case_refuse", Step.REASON, {"id": case.id})
    await answer(update, t(lang_of(ident, context), "cases.ask_reason", code=case.code))


async def receive_reason(update: Update, context: Ctx) -> int | None:
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    reason = typed(update)
    if not reason or len(reason) > MAX_TEXT:
        await answer(update, t(lang, "cases.reason_needed") if not reason
                     else t(lang, "file.bad_length", max=MAX_TEXT))
        return None
    assert context.dialog is not None
    case_id = context.dialog.data["id"]
    await concluding(context, update, call(context.svc.cases.refuse, case_id, reason, by=ident,
                                           dialog=here(context, update)))
    await answer(update, t(lang, "cases.refused"))
    return END


def satisfaction_text(svc: Services, lang: str) -> str | None:
    """满意率 per unit whose items were rated, lowest first, and the units flagged 重点治理
    (many complaints, or a low 满意率); None when there is neither."""
    rates = svc.cases.satisfaction()
    names = {u.id: u.name for u in svc.cases.units()}
    lines = []
    if rates:
        rows = sorted(rates.values(),
                      key=lambda r: (r.satisfied / r.rated, names.get(r.unit_id, "")))
        lines.append(t(lang, "cases.satisfaction", units=fragment(
            lang, "cases.satisfaction.sep").join(fragment(
                lang, "cases.satisfaction.unit", unit=names.get(r.unit_id, "?"), rate=r.rate,
                n=r.rated) for r in rows)))
    focus = svc.cases.board.focus()
    if focus:
        lines.append(t(lang, "cases.focus", units=fragment(lang, "cases.satisfaction.sep").join(
            fragment(lang, "cases.focus.unit", unit=f.unit_name, why=_why(f, lang))
            for f in focus)))
    return "\n".join(lines) or None


def _why(focus: Focus, lang: str) -> str:
    reasons = []
    if focus.many:
        reasons.append(fragment(lang, "cases.focus.many", n=focus.cases))
    if focus.low and focus.satisfaction is not None:
        reasons.append(fragment(lang, "cases.focus.low", rate=focus.satisfaction.rate))
    return fragment(lang, "cases.focus.and").join(reasons)


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


_TEXT = filters.TEXT & ~filters.COMMAND


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


COMMANDS = (CommandHandler("cases", list_cases, filters=filters.ChatType.PRIVATE),)
BUTTONS = (_cb(ask_unit, "fwd"), _cb(ask_reason, "no"))
MESSAGES = ()
FLOWS = (
    Flow("case_transfer", {Step.UNIT: [MessageHandler(_TEXT, receive_unit)],
                           Step.DEADLINE: [MessageHandler(_TEXT, receive_deadline)]}),
    Flow("case_refuse", {Step.REASON: [MessageHandler(_TEXT, receive_reason)]}),
)
RENDERERS: Renderers = {NoteKind.CASE_REOPENED: render_reopened}
