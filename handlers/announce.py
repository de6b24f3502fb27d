"""New items announced to the unit's leaders, batched: one message per window, not per item."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.bootstrap import Services
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind
from bot.services.ledger import ANNOUNCE_EVERY
from bot.services.notify import Note
from bot.texts import shorten, t
from handlers.common import button

# Items listed in one announcement; the rest are counted.
LISTED = 10


def render_new(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """The first note of a window lists every item the unit filed in it (but the recipient's
    own); the others of that window send nothing."""
    end = note.due_at
    items = [p for p in svc.ledger.filed_between(int(note.payload["unit_id"]),
                                                 end - ANNOUNCE_EVERY, end)
             if p.created_by != note.chat_id]
    if brief or not items or items[0].id != int(note.payload["problem_id"]):
        return None  # brief: old news after downtime; /ledger and /todo have the items
    tz = svc.config.tz
    head = t(lang, "announce.head", unit=items[0].unit_name, n=len(items),
             start=f"{(end - ANNOUNCE_EVERY).astimezone(tz):%H:%M}",
             end=f"{end.astimezone(tz):%H:%M}")
    lines = [head] + [t(lang, "announce.line", number=p.number,
                        description=shorten(p.description, 60), owner=shorten(p.owner_name, 20))
                      for p in items[:LISTED]]
    if len(items) > LISTED:
        lines.append(t(lang, "announce.more", n=len(items) - LISTED))
    buttons = [button(p.number, "led", "open", p.id) for p in items[:8]]
    return Rendered("\n".join(lines),
                    InlineKeyboardMarkup([buttons[i:i + 4] for i in range(0, len(buttons), 4)]))


COMMANDS = ()
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {NoteKind.NEW_PROBLEMS: render_new}
