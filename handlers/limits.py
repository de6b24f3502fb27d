"""Telegram's message size, and rendering that shortens people's text until it fits."""

from __future__ import annotations

from collections.abc import Callable

MAX_MESSAGE = 4096
# Widths tried in turn for each piece of typed text, until the whole message fits.
WIDTHS = (2000, 600, 200, 60)


def fits(text: str) -> bool:
    """Tell whether text fits one message; HTML markup counted too, in UTF-16 units as Telegram."""
    return len(text.encode("utf-16-le")) // 2 <= MAX_MESSAGE


def fitted(render: Callable[[int], str]) -> str:
    """Render with each width in turn; the first that fits (or the narrowest) is sent."""
    for width in WIDTHS:
        text = render(width)
        if fits(text):
            break
    return text
