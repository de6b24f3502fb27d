"""/export: the ledger as an Excel workbook, one sheet per unit for the campaign office."""

from __future__ import annotations

import asyncio
import io

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.reports.workbook import write_xlsx
from bot.texts import t
from handlers.common import call, identify, lang_of, reply


async def export_ledger(update: Update, context: Ctx) -> None:
    """Send the unit's ledger (every unit's, for the office) as an .xlsx file."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    if not can(ident.role, Action.EXPORT):
        raise DomainError("export.denied")
    everything = can(ident.role, Action.VIEW_ALL_UNITS)
    if not everything and ident.unit is None:
        raise DomainError("export.denied")
    unit_id = None if everything else ident.unit.id  # type: ignore[union-attr]
    code = ident.unit.code if ident.unit else None
    if everything and context.args:
        # The office names one unit: /export EDU or /export 市教育局.
        wanted = " ".join(context.args)
        unit = await call(context.svc.membership.find_unit, wanted)
        if unit is None:
            raise DomainError("export.unknown_unit", unit=wanted)
        everything, unit_id, code = False, unit.id, unit.code
    count = await call(context.svc.ledger.count, unit_id=unit_id)
    await reply(update, lang, "export.working", count=count)
    now = context.svc.clock.now()
    tz = context.svc.config.tz
    title = t(lang, "ledger.title.all" if everything else "ledger.title.unit")
    buffer = io.BytesIO()

    svc = context.svc

    def build() -> None:
        rows = svc.ledger.iter_rows(unit_id=unit_id)
        units = [(u.code, u.name) for u in svc.membership.list_units()] if everything else None
        write_xlsx(rows, buffer, tz=tz, now=now, per_unit=everything, title=title, units=units,
                   papers=svc.config.papers, colours=svc.ladder.colours)

    # A large ledger takes seconds to write; the bot keeps answering others meanwhile.
    await asyncio.to_thread(build)
    stamp = now.astimezone(tz)
    scope = code if code and not everything else t(lang, "file.scope_all")
    name = t(lang, "file.ledger_name", scope=scope, date=f"{stamp:%Y%m%d}")
    message = update.effective_message
    assert message is not None
    await message.reply_document(
        buffer.getvalue(), filename=name,
        caption=t(lang, "export.caption", title=title, count=count,
                  when=f"{stamp:%Y-%m-%d %H:%M}"),
    )


COMMANDS = (CommandHandler("export", export_ledger, filters=filters.ChatType.PRIVATE),)
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
