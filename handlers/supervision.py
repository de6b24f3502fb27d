"""The colour ladder's notices and the item card's alert line."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.bootstrap import Services
from bot.dates import describe_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import OPEN, Colour, NoteKind
from bot.services.notify import Note
from bot.services.problem import EventView, ProblemView
from bot.texts import fragment, shorten, t
from handlers.common import button


def why(svc: Services, problem: ProblemView, colour: Colour, lang: str, days: int) -> str:
    """The reason for a colour, as a fragment: when it falls due, or how long it stood still."""
    when = describe_when(problem.deadline.astimezone(svc.config.tz), lang) \
        if problem.deadline else "—"
    return fragment(lang, f"ladder.why.{colour.value}", when=when, days=days)


def colour_line(svc: Services, problem: ProblemView, history: Sequence[EventView],
                lang: str) -> str:
    """The card's alert line, or nothing when the item has no colour."""
    colour = svc.ladder.colour_of(problem, history)
    if colour is None:
        return ""
    days = svc.ladder.still_days(problem, history)
    return "\n" + t(lang, "ladder.card", colour=fragment(lang, f"ladder.colour.{colour.value}"),
                    why=why(svc, problem, colour, lang, days))


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
    if brief:
        return Rendered(text)
    return Rendered(text, InlineKeyboardMarkup([[button(problem.number, "led", "open",
                                                        problem.id)]]))


COMMANDS = ()
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {NoteKind.LADDER_STEP: render_step}
