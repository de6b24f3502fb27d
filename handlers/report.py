"""/report: the 工作简报 as a Word file, the unit's or (for the office) the city's."""

from __future__ import annotations

import io
import re

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.reports.brief import issue_text, write_brief
from bot.texts import t
from handlers.common import call, identify, lang_of, reply

WEEK = re.compile(r"^\d{4}-W\d{2}$")
MAX_ARG = 100


async def send_report(update: Update, context: Ctx) -> None:
    """Send the 简报: `/report [2026-W49]`; the office may add a unit code for one unit's."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    everything = can(ident.role, Action.VIEW_ALL_UNITS)
    if not can(ident.role, Action.EXPORT) or (not everything and ident.unit is None):
        raise DomainError("report.denied")
    args = [a for a in (context.args or []) if len(a) <= MAX_ARG]
    week = next((a for a in args if WEEK.match(a)), None)
    wanted = next((a for a in args if not WEEK.match(a)), None)
    svc = context.svc
    if not everything:
        unit_id, code = ident.unit.id, ident.unit.code  # type: ignore[union-attr]
    elif wanted:
        unit_id, code = await call(svc.digest.find_unit, wanted)
    else:
        unit_id, code = None, t(lang, "file.scope_all")
    await reply(update, lang, "report.working")
    buffer = io.BytesIO()
    figures = await call(write_brief, svc.digest, buffer, unit_id=unit_id, lang=lang, week=week)
    stamp = svc.clock.now().astimezone(svc.config.tz)
    message = update.effective_message
    assert message is not None
    await message.reply_document(
        buffer.getvalue(), filename=t(lang, "file.brief_name", scope=code,
                                      date=f"{stamp:%Y%m%d}"),
        caption=t(lang, "report.caption", title=t(lang, "brief.masthead"),
                  issue=issue_text(lang, figures)),
    )


COMMANDS = (CommandHandler("report", send_report, filters=filters.ChatType.PRIVATE),)
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
