"""One message per person per wave: the nudges due to one person at one moment (several
items' deadlines, an escalation list, the office's 超期督办) go as one message listing them,
with a button per item, instead of one message each.

Race-free by construction: every note stays a row of its own. The first of the group (the
lowest id) renders the whole group, its follow-ups included; the others in the same claimed
batch are recorded as said by it (split_batch), and one claimed later renders nothing. A retry
of the first after a failure renders the group again.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.bootstrap import Services
from bot.delivery.rendering import Rendered, Renderer, Renderers
from bot.domain import NoteKind
from bot.services.notify import Note, Planned
from bot.texts import t

# The kinds folded together when due to one chat at one moment.
COALESCED = (NoteKind.DEADLINE_BEFORE, NoteKind.DEADLINE_TODAY, NoteKind.DEADLINE_OVERDUE,
             NoteKind.DEADLINE_ESCALATE, NoteKind.DEADLINE_ESCALATE_OFFICE,
             NoteKind.ONGOING_CHECKIN)
# Item buttons under a combined message, four to a row.
_PER_ROW = 4
_MOST_BUTTONS = 24


def split_batch(notes: list[Note]) -> tuple[list[Note], list[Note]]:
    """(to deliver, folded): a claimed batch less the notes whose group's first is in it too;
    those are said by the first, so they need neither a send nor the chat's pacing."""
    seen: set[tuple[int, object]] = set()
    keep, folded = [], []
    for note in sorted(notes, key=lambda n: n.id):
        group = (note.chat_id, note.due_at)
        if note.kind in COALESCED and group in seen:
            folded.append(note)
            continue
        if note.kind in COALESCED:
            seen.add(group)
        keep.append(note)
    order = {n.id: i for i, n in enumerate(notes)}
    return sorted(keep, key=lambda n: order[n.id]), folded


def coalescing(renderers: Renderers) -> Renderers:
    """The renderer table with the COALESCED kinds folding their group into one message."""
    originals = dict(renderers)
    table = dict(renderers)
    for kind in COALESCED:
        if kind in table:
            table[kind] = _folding(originals)
    return table


def _folding(table: Renderers) -> Renderer:
    def render(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
        own = table_of(note)
        if brief:
            return own(svc, note, lang, brief)  # a late summary folds them already
        group = svc.notify.siblings(note, COALESCED)
        if len(group) <= 1:
            return own(svc, note, lang, brief)
        if group[0].id != note.id:
            return None  # the first of the group says it for all
        lines: list[str] = []
        then: list[Planned] = []
        buttons: list[InlineKeyboardButton] = []
        for member in group:
            rendered = table_of(member)(svc, member, lang, False)
            if rendered is None:
                continue
            lines.append("· " + rendered.text.split("\n")[0])
            then.extend(rendered.then)
            problem_id = member.payload.get("problem_id")
            if problem_id is not None and len(buttons) < _MOST_BUTTONS:
                problem = svc.ledger.peek(int(problem_id))
                label = problem.number if problem else str(problem_id)
                buttons.append(InlineKeyboardButton(
                    label, callback_data=callbacks.encode("led", "open", int(problem_id))))
        if not lines:
            return None
        if len(lines) == 1:  # the others no longer need saying: this one as it is
            return own(svc, note, lang, brief)
        text = "\n".join([t(lang, "nudge.group", n=len(lines)), *lines])
        rows = [buttons[i:i + _PER_ROW] for i in range(0, len(buttons), _PER_ROW)]
        return Rendered(text, InlineKeyboardMarkup(rows) if rows else None, then=tuple(then))

    def table_of(note: Note) -> Renderer:
        return table[note.kind]

    return render
