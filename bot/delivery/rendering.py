"""What a renderer returns, and the table of renderers the composition root hands the sender."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.services.notify import Note, Planned

if TYPE_CHECKING:
    from bot.bootstrap import Services


@dataclass(frozen=True)
class Rendered:
    """A message ready to send, and what to plan once it went out (e.g. tomorrow's nudge)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    then: tuple[Planned, ...] = ()
    photo: bytes | None = None  # sent with the text as caption (or after it, when too long)
    document: tuple[str, bytes] | None = None  # (file name, content)


# (services, note, lang, brief) -> message, or None when the subject no longer needs it.
# brief=True asks for one line for a downtime summary. Renderers read the database, so the
# sender calls them on a worker thread, never on the event loop.
Renderer = Callable[["Services", Note, str, bool], Rendered | None]
Renderers = Mapping[str, Renderer]

# Telegram's limit on a photo's or document's caption.
CAPTION_LIMIT = 1024
