"""Weekly digests and the campaign calendar: /stats and the digests' renderers."""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from bot.bootstrap import Services
from bot.context import Ctx
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind
from bot.errors import DomainError
from bot.reports.digest import DigestReport
from bot.services.notify import Note
from bot.texts import t
from handlers.cases import satisfaction_text
from handlers.common import answer, call, identify, lang_of

MAX_UNIT_KEY = 100


def _digest(svc: Services) -> DigestReport:
    return DigestReport(svc.digest)


def _at(note: Note) -> dt.datetime:
    return dt.datetime.fromisoformat(str(note.payload["at"]))


# -- /stats ------------------------------------------------------------------------------------


async def show_stats(update: Update, context: Ctx) -> None:
    """Show the figures the person may see: the group's unit, their unit, a unit, or the city."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    chat = update.effective_chat
    assert chat is not None
    group = chat.id if chat.type != ChatType.PRIVATE else None
    unit = " ".join(context.args) if context.args and group is None else None
    if unit is not None and len(unit) > MAX_UNIT_KEY:
        raise DomainError("stats.unknown_unit")  # no unit code or name is this long
    service = _digest(context.svc)
    texts, chart = await call(service.on_demand, ident, lang, unit=unit, group=group)
    for text in texts:
        await answer(update, text)
    if chart:
        png = await call(service.city_chart, lang)
        message = update.effective_message
        assert message is not None
        await message.reply_photo(png, caption=t(lang, "digest.chart_caption",
                                                 week=service.week_label(lang)))


# -- renderers ---------------------------------------------------------------------------------


def render_unit_digest(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """A unit group's weekly digest, computed now; one line when folded into a summary."""
    service = _digest(svc)
    unit_id = int(note.payload["unit_id"])
    if brief:
        return Rendered(service.unit_brief(unit_id, lang))
    text = service.unit_text(unit_id, lang, _at(note), shared=True)
    return Rendered(text)


def render_private_digest(svc: Services, note: Note, lang: str,
                          brief: bool) -> Rendered | None:
    """Overdue owners and non-filers, to a leader or liaison only; nothing when all is well."""
    service = _digest(svc)
    text = service.private_text(int(note.payload["unit_id"]), lang, shared=True)
    return None if text is None else Rendered(text)


def render_city_digest(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """The office's city table, with the chart as a photo."""
    service = _digest(svc)
    at = _at(note)
    text = service.city_text(lang, at, shared=True)
    rated = satisfaction_text(svc, lang)
    if rated:
        text = f"{text}\n{rated}"
    if brief:
        return Rendered(text.split("\n")[1])  # the headline sentence
    png = service.city_chart(lang, at, shared=True)
    return Rendered(text, photo=png)


def render_phase(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Announce a phase; nothing if the phase was taken out of the config meanwhile."""
    text = _digest(svc).announcement(lang, str(note.payload["phase"]),
                                     str(note.payload["start"]))
    return None if text is None else Rendered(text)


def render_end(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Close the campaign: the totals and, as a document, the summary workbook."""
    service = _digest(svc)
    text = service.end_text(lang)
    if brief:
        return Rendered(text)
    book = service.end_book()
    name = t(lang, "file.summary_name", end=note.payload["end"])
    return Rendered(text, document=(name, book))


# -- wiring ------------------------------------------------------------------------------------

COMMANDS = (CommandHandler("stats", show_stats),)
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {
    NoteKind.DIGEST_UNIT: render_unit_digest,
    NoteKind.DIGEST_PRIVATE: render_private_digest,
    NoteKind.DIGEST_CITY: render_city_digest,
    NoteKind.CAMPAIGN_PHASE: render_phase,
    NoteKind.CAMPAIGN_END: render_end,
}
