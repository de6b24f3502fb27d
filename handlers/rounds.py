"""进展报送: /rounds to show, set or stop a round; the owner's question with 有进展 / 无变化 /
申请延期 per item; the 未报送 list to a unit's leaders and liaisons at the close."""

from __future__ import annotations

import datetime as dt
import enum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind, Role, Track
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.quickfile import MAX_TEXT
from bot.services.membership import UnitView
from bot.services.notify import Note
from bot.services.rounds import Report, RoundView
from bot.texts import fragment, shorten, t
from bot.words import OFF
from handlers.common import (
    ack,
    answer,
    button,
    button_args,
    call,
    display_name,
    identify,
    lang_of,
    typed,
)
from handlers.dialog import END, Flow, begin, concluding, here
from handlers.extensions import start_extension

FEATURE = "rnd"
CODES = {"p": "progress", "n": "unchanged", "x": "extension"}
STOP = (*OFF, "stop", "停止", "取消")
# Items listed (each a row of buttons) in one question; Telegram takes up to 100 buttons.
MOST_ITEMS = 20


class Step(enum.IntEnum):
    LINE = 1


def _when(lang: str, r: RoundView) -> str:
    every = fragment(lang, "rounds.daily") if r.weekday is None \
        else fragment(lang, f"rounds.weekday.{r.weekday}")
    return f"{every}{r.close_time}" if lang == "zh" else f"{every} {r.close_time}"


def _scope(lang: str, r: RoundView) -> str:
    return r.unit_name or fragment(lang, "rounds.scope.city")


def _next(lang: str, r: RoundView) -> str:
    return describe_when(r.next_close, lang) if r.next_close else "—"


async def rounds_command(update: Update, context: Ctx) -> None:
    """Show the round that applies, or set one: /rounds 每周五16:00; stop it: /rounds 停止."""
    args = list(context.args or [])
    ident = await identify(update, context)
    unit = None
    if len(args) > 1 and ident.role is Role.OFFICE:
        # The office names one unit first, as /ledger does: /rounds EDU 每周五16:00前报进展.
        unit = await call(context.svc.membership.find_unit, args[0])
        if unit is not None:
            args = args[1:]
    arg = " ".join(args).strip()
    if not arg:
        await _show(update, context)
        return
    if arg.lower() in STOP:
        await _stop(update, context, unit)
        return
    lang = lang_of(ident, context)
    r = await call(context.svc.rounds.set, ident, display_name(update), arg, unit)
    await answer(update, t(lang, "rounds.set", scope=_scope(lang, r), when=_when(lang, r),
                           next=_next(lang, r)))


async def _show(update: Update, context: Ctx) -> None:
    """The rounds that apply, the unit's count of reports, and for a setter how to change it."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    current = await call(context.svc.rounds.current, ident)
    lines = [t(lang, "rounds.line", scope=_scope(lang, r), when=_when(lang, r), by=r.set_name,
               next=_next(lang, r)) for r in current] or [t(lang, "rounds.none")]
    # The unit's count of reports; the office's, every unit's together.
    unit_ids = None if ident.role is Role.OFFICE else [ident.unit.id] if ident.unit else []
    tallies = list((await call(context.svc.rounds.tally, unit_ids)).values()) \
        if unit_ids != [] else []
    if tallies:
        lines.append(t(lang, "rounds.tally", on_time=sum(x.on_time for x in tallies),
                       late=sum(x.late for x in tallies),
                       missing=sum(x.missing for x in tallies)))
    setter = can(ident.role, Action.SET_ROUNDS)
    if setter:
        lines.append(t(lang, "rounds.usage"))
    # Each stops his own scope's round: the office the city's, a unit its own.
    own = [r for r in current if setter and (r.unit_id is None) == (ident.role is Role.OFFICE)]
    markup = InlineKeyboardMarkup([[button(t(lang, "rounds.btn.stop"), FEATURE, "stop")]]) \
        if own else None
    await answer(update, "\n\n".join(lines), markup=markup)


async def _stop(update: Update, context: Ctx, unit: UnitView | None = None) -> None:
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    stopped = await call(context.svc.rounds.stop, ident, unit)
    await answer(update, t(lang, "rounds.stopped", scope=_scope(lang, stopped))
                 if stopped else t(lang, "rounds.not_running"))


async def stop_round(update: Update, context: Ctx) -> None:
    """停止报送 tapped under /rounds."""
    await ack(update)
    await _stop(update, context)


# -- the owner's answers -----------------------------------------------------------------------


async def choose(update: Update, context: Ctx) -> None:
    """有进展 (ask for the line), 无变化 (recorded), or 申请延期 (recorded, then the extension
    flow) tapped for one item."""
    await ack(update)
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    raw_id, code = button_args(update, 2)
    report_id = callbacks.number(raw_id)
    if code not in CODES or report_id is None:
        raise DomainError("button.stale")
    if code == "p":
        peek = await call(context.svc.rounds.report, report_id)
        if peek is None:
            raise DomainError("button.stale")
        await begin(context, update, "round_line", Step.LINE, {"id": report_id})
        await answer(update, t(lang, "rounds.ask_line", number=peek.number))
        return
    done = await call(context.svc.rounds.answer, report_id, by=ident,
                      by_name=display_name(update), answer=CODES[code])
    await _recorded(update, lang, done)
    if code == "x":
        await start_extension(update, context, done.problem_id)


async def receive_line(update: Update, context: Ctx) -> int | None:
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    line = typed(update)
    if not line or len(line) > MAX_TEXT:
        await answer(update, t(lang, "rounds.line_needed"))
        return None
    assert context.dialog is not None
    done = await concluding(context, update, call(
        context.svc.rounds.answer, context.dialog.data["id"], by=ident,
        by_name=display_name(update), answer="progress", text=line,
        dialog=here(context, update)))
    await _recorded(update, lang, done)
    return END


async def _recorded(update: Update, lang: str, done: Report) -> None:
    await answer(update, t(lang, "rounds.recorded", number=done.number,
                           what=fragment(lang, f"rounds.answer.{done.answer}"),
                           late=fragment(lang, "rounds.late") if done.late else ""))


# -- notices -----------------------------------------------------------------------------------


def _close(svc: Services, note: Note, lang: str) -> tuple[int, dt.datetime, str]:
    close = dt.datetime.fromisoformat(note.payload["close"])
    return int(note.payload["round_id"]), close, describe_when(close.astimezone(svc.config.tz),
                                                               lang)


def render_ask(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """The owner's question: his open items of the round, each with its three buttons."""
    round_id, close, when = _close(svc, note, lang)
    open_items = svc.rounds.reports(round_id, close, user_id=note.chat_id, missing_only=True)
    if not open_items:
        return None
    shown = open_items[:MOST_ITEMS]
    items = "\n".join(fragment(lang, "rounds.ask_item", number=r.number,
                               text=shorten(r.description, 40)) for r in shown)
    text = t(lang, "rounds.ask", close=when, n=len(open_items), items=items)
    if brief:
        return Rendered(text.split("\n")[0])
    rows: list[list[InlineKeyboardButton]] = []
    for r in shown:
        row = [button(t(lang, "rounds.btn.progress", number=r.number), FEATURE, "ans", r.id,
                      "p"),
               button(t(lang, "rounds.btn.unchanged"), FEATURE, "ans", r.id, "n")]
        problem = svc.ledger.peek(r.problem_id)
        if problem is not None and problem.track != Track.ONGOING:
            row.append(button(t(lang, "rounds.btn.extension"), FEATURE, "ans", r.id, "x"))
        rows.append(row)
    return Rendered(text, InlineKeyboardMarkup(rows))


def render_missing(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """At the close, privately: the unit's items nobody reported on, with their owners."""
    round_id, close, when = _close(svc, note, lang)
    unit_id = int(note.payload["unit_id"])
    reports = svc.rounds.reports(round_id, close, unit_id=unit_id)
    if not reports:
        return None
    unit = str(note.payload.get("unit", ""))
    missing = [r for r in reports if r.answered_at is None]
    done = sum(1 for r in reports if r.answered_at is not None and not r.late)
    if not missing:
        return Rendered(t(lang, "rounds.all_reported", unit=unit, close=when, n=len(reports)))
    lines = "\n".join(fragment(lang, "rounds.missing_line", number=r.number, owner=r.owner_name,
                               text=shorten(r.description, 30)) for r in missing[:50])
    text = t(lang, "rounds.missing", unit=unit, close=when, n=len(missing), lines=lines,
             done=done)
    return Rendered(text.split("\n")[0]) if brief else Rendered(text)


# -- wiring ------------------------------------------------------------------------------------

_TEXT = filters.TEXT & ~filters.COMMAND

COMMANDS = (CommandHandler("rounds", rounds_command, filters=filters.ChatType.PRIVATE),)
BUTTONS = (CallbackQueryHandler(choose, callbacks.pattern(FEATURE, "ans")),
           CallbackQueryHandler(stop_round, callbacks.pattern(FEATURE, "stop")))
MESSAGES = ()
FLOWS = (Flow("round_line", {Step.LINE: [MessageHandler(_TEXT, receive_line)]}),)
RENDERERS: Renderers = {NoteKind.ROUND_ASK: render_ask, NoteKind.ROUND_MISSING: render_missing}
