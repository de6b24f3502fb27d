"""The colour ladder's notices and the card's alert line; 督办 marks: buttons, note, notice."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import OPEN, Colour, NoteKind, Status, Supervision
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.quickfile import MAX_TEXT
from bot.services.membership import Identity
from bot.services.notify import Note
from bot.services.problem import EventView, ProblemView
from bot.texts import fragment, shorten, t
from handlers.common import (
    ack,
    answer,
    button,
    button_args,
    button_id,
    call,
    display_name,
    identify,
    lang_of,
    typed,
)
from handlers.dialog import END, Flow, begin, concluding, here

FEATURE = "sup"
MARKS = {"y": Supervision.YELLOW, "r": Supervision.RED}


class Step(enum.IntEnum):
    NOTE = 1


# -- the colour ladder ---------------------------------------------------------------------------


def why(svc: Services, problem: ProblemView, colour: Colour, lang: str, days: int) -> str:
    """The reason for a colour, as a fragment: when it falls due, or how long it stood still."""
    when = describe_when(problem.deadline.astimezone(svc.config.tz), lang) \
        if problem.deadline else "—"
    return fragment(lang, f"ladder.why.{colour.value}", when=when, days=days)


def alert_lines(svc: Services, problem: ProblemView, history: Sequence[EventView],
                lang: str) -> str:
    """The card's 督办 mark and colour, each on its own line; nothing when it has neither."""
    out = ""
    if problem.supervision is not None and problem.status is not Status.SIGNED_OFF:
        out += "\n" + t(lang, "supervision.card", note=shorten(problem.supervision_note or "", 80),
                        mark=fragment(lang, f"supervision.mark.{problem.supervision.value}"))
    colour = svc.ladder.colour_of(problem, history)
    if colour is not None:
        days = svc.ladder.still_days(problem, history)
        out += "\n" + t(lang, "ladder.card",
                        colour=fragment(lang, f"ladder.colour.{colour.value}"),
                        why=why(svc, problem, colour, lang, days))
    return out


# A list row's marker: its 督办 mark, then its colour.
MARK_SIGN = {Supervision.RED: "🟥", Supervision.YELLOW: "🟨"}
COLOUR_SIGN = {Colour.RED: "🔴", Colour.YELLOW: "🟡", Colour.BLUE: "🔵"}


def row_marker(problem: ProblemView, colour: Colour | None) -> str:
    """🟥/🟨 for a 督办 mark and 🔴/🟡/🔵 for the colour, before a /ledger or /my row."""
    marks = ""
    if problem.supervision is not None and problem.status is not Status.SIGNED_OFF:
        marks += MARK_SIGN[problem.supervision]
    if colour is not None:
        marks += COLOUR_SIGN[colour]
    return marks + " " if marks else ""


def render_step(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    problem = svc.ledger.peek(int(note.payload["problem_id"]))
    if problem is None or problem.status not in OPEN:
        return None
    colour = Colour(note.payload["colour"])
    key = "ladder.note.owner" if note.payload.get("role") == "owner" else "ladder.note.leader"
    text = t(lang, key, colour=fragment(lang, f"ladder.colour.{colour.value}"),
             number=problem.number, unit=problem.unit_name, owner=problem.owner_name,
             text=shorten(problem.description, 40),
             why=why(svc, problem, colour, lang, int(note.payload.get("still_days", 0))))
    return Rendered(text) if brief else Rendered(text, _open(problem))


def _open(problem: ProblemView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(problem.number, "led", "open", problem.id)]])


# -- 督办 ------------------------------------------------------------------------------------------


def supervise_row(problem: ProblemView, ident: Identity, lang: str,
                  ) -> list[InlineKeyboardButton]:
    """黄牌督办 / 红牌督办 on the office's card of an item not yet signed off."""
    if not can(ident.role, Action.SUPERVISE) or problem.status is Status.SIGNED_OFF:
        return []
    row = [button(t(lang, f"supervision.btn.{mark.value}"), FEATURE, "mark", problem.id, code)
           for code, mark in MARKS.items() if mark is not problem.supervision]
    if problem.supervision is not None:
        row.append(button(t(lang, "supervision.btn.remove"), FEATURE, "unmark", problem.id))
    return row


async def lift_mark(update: Update, context: Ctx) -> None:
    """解除督办 tapped on the office's card: the mark goes, the history keeps it."""
    await ack(update)
    ident = await identify(update, context)
    problem = await call(context.svc.supervision.unmark, button_id(update), by=ident,
                         by_name=display_name(update))
    await answer(update, t(lang_of(ident, context), "supervision.removed",
                           number=problem.number))


async def ask_note(update: Update, context: Ctx) -> None:
    """黄牌督办 or 红牌督办 tapped: ask for the office's note."""
    await ack(update)
    ident = await identify(update, context)
    raw_id, code = button_args(update, 2)
    problem_id = callbacks.number(raw_id)
    if code not in MARKS or problem_id is None:
        raise DomainError("button.stale")
    if not can(ident.role, Action.SUPERVISE):
        raise DomainError("supervision.denied")
    problem, _ = await call(context.svc.ledger.get, problem_id, by=ident)
    await begin(context, update, "supervise", Step.NOTE, {"id": problem.id, "mark": code})
    lang = lang_of(ident, context)
    await answer(update, t(lang, "supervision.ask_note", number=problem.number,
                           mark=fragment(lang, f"supervision.mark.{MARKS[code].value}")))


async def receive_note(update: Update, context: Ctx) -> int | None:
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    note = typed(update)
    if not note or len(note) > MAX_TEXT:
        await answer(update, t(lang, "supervision.note_needed"))
        return None
    assert context.dialog is not None
    data = context.dialog.data
    marked = await concluding(context, update, call(
        context.svc.supervision.mark, data["id"], by=ident, by_name=display_name(update),
        mark=MARKS[data["mark"]], note=note, dialog=here(context, update)))
    await answer(update, t(lang, "supervision.done", number=marked.problem.number,
                           mark=fragment(lang, f"supervision.mark.{MARKS[data['mark']].value}"),
                           n=len(marked.chats)))
    await context.bot_data.sender.send_now(marked.chats)
    return END


def render_mark(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Tell the unit's leader of a 督办 mark, with the office's note as typed."""
    problem = svc.ledger.peek(int(note.payload["problem_id"]))
    if problem is None or problem.status is Status.SIGNED_OFF:
        return None
    mark = Supervision(note.payload["mark"])
    text = t(lang, "supervision.notice", mark=fragment(lang, f"supervision.mark.{mark.value}"),
             unit=problem.unit_name, number=problem.number,
             text=shorten(problem.description, 60), note=problem.supervision_note or "",
             by=note.payload.get("by", ""))
    return Rendered(text.split("\n")[0]) if brief else Rendered(text, _open(problem))


# -- wiring ------------------------------------------------------------------------------------

_TEXT = filters.TEXT & ~filters.COMMAND

COMMANDS = ()
BUTTONS = (CallbackQueryHandler(ask_note, callbacks.pattern(FEATURE, "mark")),
           CallbackQueryHandler(lift_mark, callbacks.pattern(FEATURE, "unmark")))
MESSAGES = ()
FLOWS = (Flow("supervise", {Step.NOTE: [MessageHandler(_TEXT, receive_note)]}),)
RENDERERS: Renderers = {
    NoteKind.LADDER_STEP: render_step,
    NoteKind.SUPERVISION_MARK: render_mark,
}
