"""Quoting people's text back to them: cut to a length, the cut marked."""

from __future__ import annotations


def shorten(text: str, limit: int, *, one_line: bool = False) -> str:
    """Cut people's text to `limit` characters, the cut marked with …, to quote it back."""
    if one_line:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
