"""Notification renderers: each kind of scheduled message is rendered at send time.

Rendering at send time means a message reflects its subject as it is now; feature modules
register a renderer per kind with @renders("kind"), and the sender looks them up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.services.notify import Note, Planned

if TYPE_CHECKING:
    from bot.context import App


@dataclass(frozen=True)
class Rendered:
    """A message ready to send, and what to plan once it went out (e.g. tomorrow's nudge)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    then: tuple[Planned, ...] = ()
    photo: bytes | None = None  # sent with the text as caption (or after it, when too long)
    document: tuple[str, bytes] | None = None  # (file name, content)


# (app, note, lang, brief) -> message, or None when the subject no longer needs it.
# brief=True asks for one line for a downtime summary.
Renderer = Callable[["App", Note, str, bool], Awaitable[Rendered | None]]
RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one notification kind."""

    def register(renderer: Renderer) -> Renderer:
        if kind in RENDERERS and RENDERERS[kind] is not renderer:
            raise ValueError(f"two renderers for notification kind {kind!r}")
        RENDERERS[kind] = renderer
        return renderer

    return register


# Telegram's limit on a photo's or document's caption.
CAPTION_LIMIT = 1024
