"""Weekly digests and the campaign calendar: /stats, the digest renderers and their tick hook."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from bot.bootstrap import Services
from bot.context import App, Ctx
from bot.errors import DomainError
from bot.rendering import Rendered, renders
from bot.scheduler import TICK_HOOKS, TickReport
from bot.services import campaign, digest
from bot.services.digest import DigestService
from bot.services.notify import Note
from bot.texts import t
from handlers.common import answer, identify, lang_of
from handlers.dialog import Flow

log = logging.getLogger(__name__)
MAX_UNIT_KEY = 100


def _digest(svc: Services) -> DigestService:
    return svc.digest


def _at(note: Note) -> dt.datetime:
    return dt.datetime.fromisoformat(str(note.payload["at"]))


# -- /stats ------------------------------------------------------------------------------------


async def show_stats(update: Update, context: Ctx) -> None:
    """Show the figures the person may see: the group's unit, their unit, a unit, or the city."""
    ident = identify(update, context)
    lang = lang_of(ident, context)
    chat = update.effective_chat
    assert chat is not None
    group = chat.id if chat.type != ChatType.PRIVATE else None
    unit = " ".join(context.args) if context.args and group is None else None
    if unit is not None and len(unit) > MAX_UNIT_KEY:
        raise DomainError("stats.unknown_unit")  # no unit code or name is this long
    service = _digest(context.svc)
    result = await asyncio.to_thread(service.on_demand, ident, lang, unit=unit, group=group)
    for text in result.texts:
        await answer(update, text)
    if result.chart:
        png = await asyncio.to_thread(service.city_chart, lang)
        message = update.effective_message
        assert message is not None
        await message.reply_photo(png, caption=t(lang, "digest.chart_caption",
                                                 week=service.week_label(lang)))


# -- renderers ---------------------------------------------------------------------------------


@renders(digest.UNIT_KIND)
async def render_unit_digest(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    """A unit group's weekly digest, computed now; one line when folded into a summary."""
    service = _digest(app.bot_data.services)
    unit_id = int(note.payload["unit_id"])
    if brief:
        return Rendered(service.unit_brief(unit_id, lang))
    text = await asyncio.to_thread(service.unit_text, unit_id, lang, _at(note), shared=True)
    return Rendered(text)


@renders(digest.PRIVATE_KIND)
async def render_private_digest(app: App, note: Note, lang: str,
                                brief: bool) -> Rendered | None:
    """Overdue owners and non-filers, to a leader or liaison only; nothing when all is well."""
    service = _digest(app.bot_data.services)
    text = await asyncio.to_thread(service.private_text, int(note.payload["unit_id"]), lang)
    return None if text is None else Rendered(text)


@renders(digest.CITY_KIND)
async def render_city_digest(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    """The office's city table, with the chart as a photo."""
    service = _digest(app.bot_data.services)
    at = _at(note)
    text = await asyncio.to_thread(service.city_text, lang, at)
    if brief:
        return Rendered(text.split("\n")[1])  # the headline sentence
    png = await asyncio.to_thread(service.city_chart, lang, at)
    return Rendered(text, photo=png)


@renders(campaign.PHASE_KIND)
async def render_phase(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Announce a phase; nothing if the phase was taken out of the config meanwhile."""
    svc = app.bot_data.services
    service = _digest(svc)
    phase = service.phase(str(note.payload["phase"]), str(note.payload["start"]))
    if phase is None:
        return None
    return Rendered(service.campaign.announcement(lang, phase, svc.config.campaign.name))


@renders(campaign.END_KIND)
async def render_end(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Close the campaign: the totals and, as a document, the summary workbook."""
    service = _digest(app.bot_data.services)
    text = await asyncio.to_thread(service.end_text, lang)
    if brief:
        return Rendered(text)
    book = await asyncio.to_thread(service.end_book)
    name = f"整顿总结_{note.payload['end']}.xlsx"
    return Rendered(text, document=(name, book))


# -- the tick hook -----------------------------------------------------------------------------


async def plan_digests(app: App, report: TickReport) -> None:
    """Plan this week's digests, phase announcements and the closing book once they are due."""
    try:
        await asyncio.to_thread(_digest(app.bot_data.services).plan_due)
    except Exception as exc:  # planning must never stop the tick from delivering
        log.exception("planning digests failed")
        report.errors.append(f"digest planning: {exc!r}")


if plan_digests not in TICK_HOOKS:
    TICK_HOOKS.append(plan_digests)


# -- wiring ------------------------------------------------------------------------------------

FLOWS: list[Flow] = []


def commands() -> list[Any]:
    return [CommandHandler("stats", show_stats)]


def buttons() -> list[Any]:
    return []


def messages() -> list[Any]:
    return []
