"""佐证: an item's photos and files named on its cards and sent again by their file ids."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.services.problem import EvidenceFile, ProblemView
from bot.texts import t
from handlers.common import ack, answer, button, button_id, call, identify, lang_of

FEATURE = "evd"
# Sent again at most this many at a time: an item's card is not a photo album of a year.
SHOWN = 10


def evidence_names(files: Sequence[EvidenceFile], lang: str) -> str:
    """照片2张、整改报告.pdf: what the evidence is, as the history and the export name it."""
    photos = sum(1 for f in files if f.kind == "photo")
    parts = [t(lang, "evidence.photos", n=photos)] if photos else []
    parts += [f.name or t(lang, "evidence.file") for f in files if f.kind == "document"]
    return "、".join(parts)


def evidence_line(problem: ProblemView, lang: str) -> str:
    """The card's 佐证材料 line, or nothing without evidence."""
    files = problem.evidence_files
    if not files:
        return ""
    return "\n" + t(lang, "evidence.line", count=len(files),
                    names=evidence_names(files, lang))


def evidence_row(problem: ProblemView, lang: str) -> list[InlineKeyboardButton]:
    """查看佐证（N）, on a card whose item has evidence."""
    if not problem.evidence_files:
        return []
    return [button(t(lang, "evidence.btn", count=len(problem.evidence_files)), FEATURE, "show",
                   problem.id)]


async def send_evidence(update: Update, context: Ctx, problem: ProblemView, lang: str) -> None:
    """Send the item's photos and files again by their file ids, each captioned with its place."""
    chat = update.effective_chat
    assert chat is not None
    files = problem.evidence_files[-SHOWN:]
    for n, item in enumerate(files, 1):
        caption = t(lang, "evidence.caption", number=problem.number, n=n, count=len(files))
        try:
            if item.kind == "document":
                await context.bot.send_document(chat.id, item.file_id, caption=caption)
            else:
                await context.bot.send_photo(chat.id, item.file_id, caption=caption)
        except BadRequest:
            # A file id Telegram no longer knows (another bot's, or too old): say so, go on.
            await answer(update, t(lang, "evidence.gone", number=problem.number, n=n))


async def show_evidence(update: Update, context: Ctx) -> None:
    """查看佐证 tapped: send the item's evidence, if the person may see the item."""
    await ack(update)
    ident = await identify(update, context)
    problem, _ = await call(context.svc.ledger.get, button_id(update), by=ident)
    await send_evidence(update, context, problem, lang_of(ident, context))


COMMANDS = ()
BUTTONS = (CallbackQueryHandler(show_evidence, callbacks.pattern(FEATURE, "show")),)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
