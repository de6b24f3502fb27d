"""Rendering texts from the catalogues: one per language, keyed, values HTML-escaped."""

from __future__ import annotations

import html
import string
from typing import Any

from bot.strings import shorten
from bot.texts.en import EN
from bot.texts.zh import ZH

LANGS = ("zh", "en")

CATALOGUES: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def normalize_lang(lang: str | None, default: str = "zh") -> str:
    """Map a stored or Telegram language code to one the catalogue has."""
    if lang:
        short = lang.lower().split("-")[0].split("_")[0]
        if short in CATALOGUES:
            return short
    return default


def t(lang: str, key: str, **params: Any) -> str:
    """Render a text; every parameter is HTML-escaped because messages are sent as HTML."""
    template = CATALOGUES[normalize_lang(lang)][key]
    return template.format(**{k: html.escape(str(v), quote=False) for k, v in params.items()})


def fragment(lang: str, key: str, **params: Any) -> str:
    """Render a piece that becomes a parameter of another text, unescaped: t() escapes it
    there, once. Never send a fragment as it is."""
    return CATALOGUES[normalize_lang(lang)][key].format(**params)


def placeholders(template: str) -> set[str]:
    """Name the placeholders of a template (used to check the catalogues agree)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


__all__ = ["CATALOGUES", "LANGS", "fragment", "normalize_lang", "placeholders", "shorten", "t"]
