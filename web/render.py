"""Pages from templates: autoescaped Jinja2, the catalogue's texts, times in the local zone."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from bot.dates import describe_when
from bot.texts import CATALOGUES, normalize_lang


def environment() -> Environment:
    """The template environment: every value is escaped unless a template is told otherwise."""
    env = Environment(loader=PackageLoader("web", "templates"),
                      autoescape=select_autoescape(["html", "svg"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["query"] = lambda params: urlencode(
        {k: v for k, v in params.items() if v not in (None, "")})
    return env


class Texts:
    """The catalogue in one language, for templates: parameters escaped, quotes included
    (a value may end up in an attribute), the template's own markup kept."""

    def __init__(self, lang: str, tz: ZoneInfo) -> None:
        self.lang = normalize_lang(lang)
        self.tz = tz
        self._catalogue = CATALOGUES[self.lang]

    def __call__(self, key: str, **params: Any) -> Markup:
        return Markup(self._catalogue[key]).format(**params)

    def when(self, value: dt.datetime | None) -> str:
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if value else ""

    def day(self, value: dt.datetime) -> str:
        return value.astimezone(self.tz).strftime("%m-%d")

    def full(self, value: dt.datetime | None) -> str:
        return describe_when(value.astimezone(self.tz), self.lang) if value else ""


def render(env: Environment, name: str, texts: Texts, *, status: int = 200,
           **context: Any) -> HTMLResponse:
    html = env.get_template(name).render(tr=texts, lang=texts.lang, **context)
    return HTMLResponse(html, status_code=status)
