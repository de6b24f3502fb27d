"""申请延期: the owner asks for a later deadline with a reason; a leader grants or declines it."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import OPEN, ExtensionState, NoteKind, Track
from bot.errors import DomainError
from bot.quickfile import MAX_TEXT
from bot.services.membership import Identity
from bot.services.notify import Note
from bot.services.problem import ProblemView
from bot.texts import shorten, t
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
from handlers.ledger import may_update, when_of

FEATURE = "ext"


class Step(enum.IntEnum):
    DEADLINE = 1
    REASON = 2
    ANSWER = 3


def may_extend(problem: ProblemView, ident: Identity) -> bool:
    """An open item with a deadline, for whoever may update it."""
    return problem.status in OPEN and problem.track != Track.ONGOING and may_update(
        problem, ident)


# -- asking ------------------------------------------------------------------------------------


async def ask(update: Update, context: Ctx) -> None:
    """申请延期 tapped: ask for the new deadline."""
    await ack(update)
    await start_extension(update, context, button_id(update))


async def start_extension(update: Update, context: Ctx, problem_id: int) -> None:
    """Ask for the new deadline of an item (its card's 申请延期, a progress round's)."""
    ident = await identify(update, context)
    problem, _ = await call(context.svc.ledger.get, problem_id, by=ident)
    if not may_extend(problem, ident):
        raise DomainError("extension.not_here", number=problem.number)
    await begin(context, update, "extend", Step.DEADLINE, {"id": problem.id})
    lang = lang_of(ident, context)
    await answer(update, t(lang, "extension.ask_deadline", number=problem.number,
                           deadline=when_of(problem, lang, context.svc)))


async def receive_deadline(update: Update, context: Ctx) -> int | None:
    when = await read_future_time(update, context, typed(update))
    if when is None:
        return None
    assert context.dialog is not None
    context.dialog.data["deadline"] = when.isoformat()
    lang = lang_of(await identify(update, context), context)
    await answer(update, t(lang, "extension.ask_reason", when=describe_when(when, lang)))
    return Step.REASON


async def _why(update: Update, context: Ctx, missing: str) -> tuple[Identity, str, str] | None:
    """The reason typed (who, their language, the text); None, and the person told, when it is
    empty (`missing` says so) or too long."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    text = typed(update)
    if not text or len(text) > MAX_TEXT:
        await answer(update, t(lang, missing) if not text
                     else t(lang, "file.bad_length", max=MAX_TEXT))
        return None
    return ident, lang, text


async def receive_reason(update: Update, context: Ctx) -> int | None:
    why = await _why(update, context, "extension.reason_needed")
    if why is None:
        return None
    ident, lang, reason = why
    assert context.dialog is not None
    data = context.dialog.data
    asked = await concluding(context, update, call(
        context.svc.ledger.ask_extension, data["id"], by=ident, by_name=display_name(update),
        deadline=dt.datetime.fromisoformat(data["deadline"]), reason=reason,
        dialog=here(context, update)))
    await answer(update, t(lang, "extension.asked", number=asked.problem.number,
                           when=describe_when(asked.deadline.astimezone(context.svc.config.tz),
                                              lang)))
    await context.bot_data.sender.send_now(asked.chats)
    return END


# -- deciding ----------------------------------------------------------------------------------


async def grant(update: Update, context: Ctx) -> None:
    await ack(update)
    ident = await identify(update, context)
    decided = await call(context.svc.ledger.decide_extension, button_id(update), by=ident,
                         by_name=display_name(update), approve=True)
    lang = lang_of(ident, context)
    await answer(update, t(lang, "extension.granted", number=decided.problem.number,
                           deadline=when_of(decided.problem, lang, context.svc)))
    await context.bot_data.sender.send_now(decided.chats)


async def ask_answer(update: Update, context: Ctx) -> None:
    """不同意 tapped: a reason is required."""
    await ack(update)
    ident = await identify(update, context)
    request = await call(context.svc.ledger.extension, button_id(update))
    if request is None:
        raise DomainError("extension.unknown")
    if request.state != ExtensionState.PENDING:
        raise DomainError("extension.decided", number=request.problem.number)
    await begin(context, update, "extension_answer", Step.ANSWER, {"id": request.id})
    await answer(update, t(lang_of(ident, context), "extension.ask_answer",
                           number=request.problem.number))


async def receive_answer(update: Update, context: Ctx) -> int | None:
    why = await _why(update, context, "extension.answer_needed")
    if why is None:
        return None
    ident, lang, text = why
    assert context.dialog is not None
    decided = await concluding(context, update, call(
        context.svc.ledger.decide_extension, context.dialog.data["id"], by=ident,
        by_name=display_name(update), approve=False, answer=text,
        dialog=here(context, update)))
    await answer(update, t(lang, "extension.declined", number=decided.problem.number))
    await context.bot_data.sender.send_now(decided.chats)
    return END


# -- notices -----------------------------------------------------------------------------------


def render_request(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """The request card to a leader; nothing once it has been decided."""
    request = svc.ledger.extension(int(note.payload["request_id"]))
    if request is None or request.state != ExtensionState.PENDING:
        return None
    problem = request.problem
    text = t(lang, "extension.request", number=problem.number, unit=problem.unit_name,
             description=shorten(problem.description, 200), who=request.asked_name,
             deadline=when_of(problem, lang, svc),
             asked=describe_when(request.deadline.astimezone(svc.config.tz), lang),
             reason=shorten(request.reason, 500), times=problem.extension_count)
    if brief:
        return Rendered(text.split("\n")[0])
    return Rendered(text, InlineKeyboardMarkup([[
        button(t(lang, "extension.btn.grant"), FEATURE, "ok", request.id),
        button(t(lang, "extension.btn.decline"), FEATURE, "no", request.id)]]))


def render_decided(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Tell the asker (and the owner) what was decided."""
    request = svc.ledger.extension(int(note.payload["request_id"]))
    if request is None:
        return None
    problem, who = request.problem, note.payload.get("by", "")
    if request.state == ExtensionState.APPROVED:
        return Rendered(t(lang, "extension.owner_granted", number=problem.number, who=who,
                          deadline=when_of(problem, lang, svc), times=problem.extension_count))
    return Rendered(t(lang, "extension.owner_declined", number=problem.number, who=who,
                      answer=request.answer or "", deadline=when_of(problem, lang, svc)))


# -- wiring ------------------------------------------------------------------------------------

_TEXT = filters.TEXT & ~filters.COMMAND


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


COMMANDS = ()
BUTTONS = (_cb(ask, "ask"), _cb(grant, "ok"), _cb(ask_answer, "no"))
MESSAGES = ()
FLOWS = (
    Flow("extend", {Step.DEADLINE: [MessageHandler(_TEXT, receive_deadline)],
                    Step.REASON: [MessageHandler(_TEXT, receive_reason)]}),
    Flow("extension_answer", {Step.ANSWER: [MessageHandler(_TEXT, receive_answer)]}),
)
RENDERERS: Renderers = {
    NoteKind.EXTENSION_REQUEST: render_request,
    NoteKind.EXTENSION_DECIDED: render_decided,
}
