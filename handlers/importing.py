"""Importing a unit's Excel ledger in chat: the file, a preview, 确认导入 / 错误清单 / 取消."""

from __future__ import annotations

import enum
import hashlib
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.reports.import_preview import error_book, preview_text
from bot.services.membership import Identity
from bot.texts import t
from handlers.common import (
    ack,
    answer,
    button,
    button_args,
    call,
    display_name,
    identify,
    lang_of,
    reply,
)
from handlers.dialog import END, Flow, begin, finish

FEATURE = "imp"
FLOW = "import"
_PRIVATE = filters.ChatType.PRIVATE
_SHEETS = (filters.Document.FileExtension("xlsx") | filters.Document.FileExtension("csv")
           | filters.Document.FileExtension("xls") | filters.Document.FileExtension("xlsm"))


class Step(enum.IntEnum):
    FILE = 1  # waiting for the file (after /import CODE)
    PREVIEW = 2  # the preview is shown; waiting for a button
    SHEET = 3  # several sheets look like ledgers; waiting for the choice


async def ask_for_file(update: Update, context: Ctx) -> None:
    """Start an import: the office names the unit (/import EDU); others import into their own."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    if not can(ident.role, Action.UPDATE_UNIT_ITEMS):
        raise DomainError("ledger_import.denied")
    unit = context.args[0] if context.args else None
    await begin(context, update, FLOW, Step.FILE, {"unit": unit})
    await reply(update, lang, "ledger_import.send_file", unit=f" {unit} " if unit else "")


async def _download(update: Update, context: Ctx, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def receive_file(update: Update, context: Ctx) -> int:
    """Read the sent sheet and show what importing it would do, with the three buttons."""
    message = update.effective_message
    assert message is not None and message.document is not None
    doc = message.document
    unit = context.dialog.data.get("unit") if context.dialog is not None else None
    draft = {"unit": unit, "file_id": doc.file_id, "name": doc.file_name or "ledger.xlsx",
             "sheet": None}
    data = await _download(update, context, doc.file_id)
    return await _preview(update, context, data, draft)


async def pick_sheet(update: Update, context: Ctx) -> int:
    """Preview the sheet chosen among several that look like ledgers."""
    await ack(update)
    assert context.dialog is not None
    draft = dict(context.dialog.data)
    choices = draft.get("choices") or []
    index = callbacks.number(button_args(update, 1)[0])
    if index is None or not 0 <= index < len(choices):
        raise DomainError("button.stale")
    draft["sheet"] = choices[index]
    data = await _download(update, context, draft["file_id"])
    return await _preview(update, context, data, draft)


async def _preview(update: Update, context: Ctx, data: bytes, draft: dict[str, Any]) -> int:
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    try:
        preview = await call(context.svc.importer.preview, data, draft["name"], by=ident,
                             unit=draft["unit"], sheet=draft["sheet"])
    except DomainError as exc:
        if exc.key != "ledger_import.which_sheet":
            await finish(context, update)
            raise
        draft["choices"] = list(exc.params["choices"])
        await _keep(context, update, Step.SHEET, draft)
        rows = [[button(name, FEATURE, "sheet", i)] for i, name in enumerate(draft["choices"])]
        await reply(update, lang, exc.key, markup=InlineKeyboardMarkup(rows), **exc.params)
        return Step.SHEET
    draft["sha"] = preview.sha256
    await _keep(context, update, Step.PREVIEW, draft)
    rows = [[button(t(lang, "ledger_import.confirm"), FEATURE, "ok")]]
    if preview.error_rows:
        rows.append([button(t(lang, "ledger_import.error_list"), FEATURE, "errors")])
    rows.append([button(t(lang, "ledger_import.cancel"), FEATURE, "no")])
    await answer(update, preview_text(lang, preview, context.svc.config.tz),
                 markup=InlineKeyboardMarkup(rows))
    return Step.PREVIEW


async def _keep(context: Ctx, update: Update, step: Step, draft: dict[str, Any]) -> None:
    """Hold the draft: in the running flow (stored with the next step), else a new one."""
    if context.dialog is not None and context.dialog.flow == FLOW:
        context.dialog.data.clear()
        context.dialog.data.update(draft)
    else:
        await begin(context, update, FLOW, step, draft)


async def _again(update: Update, context: Ctx) -> tuple[Identity, str, bytes, dict[str, Any]]:
    """Who taps, their language and the previewed file, fetched again (refused if it is not
    the one previewed)."""
    await ack(update)
    ident = await identify(update, context)
    assert context.dialog is not None
    draft = dict(context.dialog.data)
    data = await _download(update, context, draft["file_id"])
    if hashlib.sha256(data).hexdigest() != draft["sha"]:
        raise DomainError("ledger_import.changed")
    return ident, lang_of(ident, context), data, draft


async def confirm_import(update: Update, context: Ctx) -> int:
    """Import the previewed file in one transaction and say what it did."""
    ident, lang, data, draft = await _again(update, context)
    done = await call(context.svc.importer.run, data, draft["name"], by=ident,
                      by_name=display_name(update), unit=draft["unit"], sheet=draft["sheet"])
    await finish(context, update)
    await answer(update, preview_text(lang, done, context.svc.config.tz))
    return END


async def send_errors(update: Update, context: Ctx) -> None:
    """Send the rows that cannot be imported, with 错误原因, as a workbook to fix and resend."""
    ident, lang, data, draft = await _again(update, context)
    preview = await call(context.svc.importer.preview, data, draft["name"], by=ident,
                         unit=draft["unit"], sheet=draft["sheet"])
    message = update.effective_message
    assert message is not None
    stem = draft["name"].rsplit(".", 1)[0]
    await message.reply_document(error_book(lang, preview), filename=f"{stem}-错误清单.xlsx",
                                 caption=t(lang, "ledger_import.error_caption"))


async def cancel_import(update: Update, context: Ctx) -> int:
    """Drop the previewed import; nothing was written."""
    await ack(update)
    await finish(context, update)
    await reply(update, lang_of(await identify(update, context), context),
                "ledger_import.cancelled")
    return END


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


_FILE = MessageHandler(_PRIVATE & _SHEETS, receive_file)

COMMANDS = (CommandHandler("import", ask_for_file, filters=_PRIVATE),)
BUTTONS = ()
MESSAGES = (_FILE,)
FLOWS = (Flow(FLOW, {
    Step.FILE: [_FILE],
    Step.PREVIEW: [_cb(confirm_import, "ok"), _cb(send_errors, "errors"),
                   _cb(cancel_import, "no"), _FILE],
    Step.SHEET: [_cb(pick_sheet, "sheet"), _cb(cancel_import, "no"), _FILE],
}),)
RENDERERS: Renderers = {}
