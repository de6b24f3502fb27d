"""Progress, completion and sign-off (销号): the notes on an item and the leader's decision."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind, Status, Track
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.quickfile import MAX_TEXT
from bot.services.membership import Identity
from bot.services.notify import Note
from bot.services.problem import EvidenceFile
from bot.texts import shorten, t
from handlers.common import (
    ack,
    answer,
    button,
    button_id,
    call,
    display_name,
    identify,
    lang_of,
    read_future_time,
)
from handlers.dialog import END, Flow, begin, concluding, here
from handlers.evidence import evidence_line, evidence_row
from handlers.ledger import may_update, signoff_row, when_of, work_row

FEATURE = "item"
# Photos and files one note may carry: an album holds ten, a careful report a few more.
MAX_EVIDENCE = 20


class Step(enum.IntEnum):
    TEXT = 1
    REASON = 2
    DEADLINE = 3


# -- progress and completion -------------------------------------------------------------------


async def ask_progress(update: Update, context: Ctx) -> None:
    """Ask for a progress note (a photo with a caption counts as evidence)."""
    await _start_note(update, context, "progress", "item.ask_progress")


async def ask_done(update: Update, context: Ctx) -> None:
    """Ask how the item was completed, with optional photo evidence."""
    await _start_note(update, context, "done", "item.ask_done")


async def _start_note(update: Update, context: Ctx, flow: str, key: str) -> None:
    await ack(update)
    ident = await identify(update, context)
    # Refuses other units' items; refuse a closed one now rather than after the note is typed.
    problem, _ = await call(context.svc.ledger.get, button_id(update), by=ident)
    if problem.status not in (Status.PENDING, Status.IN_PROGRESS):
        raise DomainError("item.not_open", number=problem.number)
    if not may_update(problem, ident):
        raise DomainError("item.not_yours")
    await begin(context, update, flow, Step.TEXT, {"id": problem.id})
    await answer(update, t(lang_of(ident, context), key, number=problem.number))


def _text_and_attachment(update: Update) -> tuple[str, str | None]:
    message = update.message
    assert message is not None
    photo = message.photo[-1].file_id if message.photo else None
    document = message.document.file_id if message.document else None
    text = (message.text or message.caption or "").strip()
    return text, photo or document


@dataclasses.dataclass(frozen=True)
class _Note:
    item_id: int
    text: str
    files: tuple[EvidenceFile, ...]
    ident: Identity
    lang: str


def _attached(update: Update) -> EvidenceFile | None:
    """The photo or file a message carries, as evidence."""
    message = update.message
    assert message is not None
    if message.photo:
        return EvidenceFile(message.photo[-1].file_id, "photo")
    if message.document:
        return EvidenceFile(message.document.file_id, "document", message.document.file_name)
    return None


async def _note(update: Update, context: Ctx, text: str | None = None) -> _Note | None:
    """The text and evidence of a note on the dialog's item; None while there is no text yet:
    a photo or file without a caption is kept and the text asked for, and an album (a media
    group) is kept whole, its parts arriving one by one."""
    message = update.message
    assert context.dialog is not None
    data = context.dialog.data
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    files = [EvidenceFile.from_json(f) for f in data.get("files", ())]
    if text is None:
        assert message is not None
        text = (message.text or message.caption or "").strip()
        if (item := _attached(update)) is not None:
            if len(files) >= MAX_EVIDENCE:
                await answer(update, t(lang, "item.evidence_full", max=MAX_EVIDENCE))
                return None
            files.append(item)
            data["files"] = [f.to_json() for f in files]
            group = message.media_group_id
            if group is not None or not text:
                if text:
                    data["caption"] = text
                if group is None or group != data.get("group"):
                    data["group"] = group
                    await _ask_text(update, context, lang, bool(text))
                return None
    if not text:
        await answer(update, t(lang, "item.need_text"))
        return None
    if len(text) > MAX_TEXT:
        await answer(update, t(lang, "file.bad_length", max=MAX_TEXT))
        return None
    return _Note(data["id"], text, tuple(files), ident, lang)


async def _ask_text(update: Update, context: Ctx, lang: str, captioned: bool) -> None:
    """Evidence kept: ask for the note's text, or offer an album's own caption as the text."""
    assert context.dialog is not None
    if not captioned:
        await answer(update, t(lang, "item.evidence_kept"))
        return
    await answer(update, t(lang, "item.album_kept", caption=context.dialog.data["caption"]),
                 markup=InlineKeyboardMarkup([[button(
                     t(lang, "item.btn.use_caption"), FEATURE, "caption",
                     context.dialog.data["id"])]]))


async def use_caption(update: Update, context: Ctx) -> int | None:
    """按此说明提交 tapped: the album's caption is the note's text."""
    await ack(update)
    assert context.dialog is not None
    if button_id(update) != context.dialog.data["id"] or "caption" not in context.dialog.data:
        raise DomainError("button.stale")
    flow = receive_progress if context.dialog.flow == "progress" else receive_done
    return await flow(update, context, context.dialog.data["caption"])


async def receive_progress(update: Update, context: Ctx, text: str | None = None,
                           ) -> int | None:
    """Record the progress note."""
    note = await _note(update, context, text)
    if note is None:
        return None
    problem = await concluding(context, update, call(
        context.svc.ledger.add_progress, note.item_id, by=note.ident,
        by_name=display_name(update), text=note.text, files=note.files,
        dialog=here(context, update)))
    await answer(update, t(note.lang, "item.progress_saved", number=problem.number,
                           status=t(note.lang, f"status.{problem.status.value}")))
    return END


async def receive_done(update: Update, context: Ctx, text: str | None = None) -> int | None:
    """Move the item to 待销号; its leaders get the sign-off card through the outbox."""
    note = await _note(update, context, text)
    if note is None:
        return None
    report = await concluding(context, update, call(
        context.svc.ledger.report_done, note.item_id, by=note.ident,
        by_name=display_name(update), completion=note.text, files=note.files,
        dialog=here(context, update)))
    await answer(update, t(note.lang, "item.done_saved", number=report.problem.number))
    await context.bot_data.sender.send_now(report.reviewers)
    return END


# -- sign-off ----------------------------------------------------------------------------------


async def approve(update: Update, context: Ctx) -> None:
    """Sign the item off; its owner is told through the outbox."""
    await ack(update)
    ident = await identify(update, context)
    problem = await call(context.svc.ledger.approve, button_id(update), by=ident,
                         by_name=display_name(update))
    await answer(update, t(lang_of(ident, context), "signoff.approved", number=problem.number))
    await context.bot_data.sender.send_now(_owners(problem.owner_user_id, problem.created_by))


async def ask_reject_reason(update: Update, context: Ctx) -> None:
    """Start a rejection: a reason is required, then (unless ongoing) a new deadline."""
    await ack(update)
    item_id = button_id(update)
    ident = await identify(update, context)
    if not can(ident.role, Action.SIGN_OFF):
        raise DomainError("signoff.denied")
    problem, _ = await call(context.svc.ledger.get, item_id, by=ident)
    if problem.status != Status.AWAITING_SIGNOFF:
        raise DomainError("signoff.not_waiting", number=problem.number)
    await begin(context, update, "reject", Step.REASON,
                {"id": problem.id, "ongoing": problem.track == Track.ONGOING})
    await answer(update, t(lang_of(ident, context), "reject.ask_reason", number=problem.number))


async def receive_reject_reason(update: Update, context: Ctx) -> int | None:
    """Keep the reason; ask for the new deadline."""
    lang = lang_of(await identify(update, context), context)
    text, _ = _text_and_attachment(update)
    if not text:
        await answer(update, t(lang, "reject.ask_reason_again"))
        return None
    if len(text) > MAX_TEXT:
        await answer(update, t(lang, "file.bad_length", max=MAX_TEXT))
        return None
    assert context.dialog is not None
    context.dialog.data["reason"] = text
    if context.dialog.data.get("ongoing"):
        return await _reject(update, context, None)
    await answer(update, t(lang, "reject.ask_deadline"))
    return Step.DEADLINE


async def receive_reject_deadline(update: Update, context: Ctx) -> int | None:
    """Read the new deadline and send the item back (回炉)."""
    text, _ = _text_and_attachment(update)
    when = await read_future_time(update, context, text)
    return None if when is None else await _reject(update, context, when)


async def _reject(update: Update, context: Ctx, when: dt.datetime | None) -> int:
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    assert context.dialog is not None
    reason, item_id = context.dialog.data["reason"], context.dialog.data["id"]
    problem = await concluding(context, update, call(
        context.svc.ledger.reject, item_id, by=ident, by_name=display_name(update),
        reason=reason, new_deadline=when, dialog=here(context, update)))
    await answer(update, t(lang, "reject.done", number=problem.number,
                           deadline=when_of(problem, lang, context.svc),
                           times=problem.rework_count))
    await context.bot_data.sender.send_now(_owners(problem.owner_user_id, problem.created_by))
    return END


def _owners(*ids: int | None) -> list[int]:
    return [i for i in ids if i]


# -- notices (rendered when sent, from the item as it is then) -----------------------------------


def render_request(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """The sign-off card to a leader; nothing once the item is no longer waiting for one."""
    problem = svc.ledger.peek(int(note.payload["problem_id"]))
    if problem is None or problem.status != Status.AWAITING_SIGNOFF:
        return None
    text = t(lang, "signoff.request", number=problem.number, unit=problem.unit_name,
             description=shorten(problem.description, 200),
             completion=shorten(problem.completion or "", 500), who=note.payload.get("by", ""))
    if brief:
        return Rendered(text.split("\n")[0])
    rows = [signoff_row(problem.id, lang)]
    if evidence := evidence_row(problem, lang):
        rows.append(evidence)
    return Rendered(text + evidence_line(problem, lang), InlineKeyboardMarkup(rows))


def render_remind(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """The sign-off card again, once, to a reviewer, if the item still waits."""
    card = render_request(svc, note, lang, brief)
    if card is None:
        return None
    since = dt.datetime.fromisoformat(str(note.payload.get("since")))
    days = max(1, (svc.clock.now() - since).days)
    return Rendered(t(lang, "signoff.remind", days=days) + "\n" + card.text, card.markup)


def render_approved(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Tell the owner the item was signed off."""
    problem = svc.ledger.peek(int(note.payload["problem_id"]))
    if problem is None:
        return None
    return Rendered(t(lang, "signoff.owner_approved", number=problem.number,
                      who=note.payload.get("by", "")))


def render_rejected(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Tell the owner the item was sent back, why, and by when it is due now."""
    problem = svc.ledger.peek(int(note.payload["problem_id"]))
    if problem is None:
        return None
    return Rendered(t(lang, "signoff.owner_rejected", number=problem.number,
                      who=note.payload.get("by", ""), reason=note.payload.get("reason", ""),
                      deadline=when_of(problem, lang, svc)),
                    markup=InlineKeyboardMarkup([work_row(problem.id, lang)]))


# -- wiring ------------------------------------------------------------------------------------

_TEXTISH = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


COMMANDS = ()
BUTTONS = (_cb(ask_progress, "progress"), _cb(ask_done, "done"), _cb(approve, "approve"),
           _cb(ask_reject_reason, "reject"))
MESSAGES = ()
FLOWS = (
    Flow("progress", {Step.TEXT: [MessageHandler(_TEXTISH, receive_progress),
                                  _cb(use_caption, "caption")]}),
    Flow("done", {Step.TEXT: [MessageHandler(_TEXTISH, receive_done),
                              _cb(use_caption, "caption")]}),
    Flow("reject", {
        Step.REASON: [MessageHandler(_TEXTISH, receive_reject_reason)],
        Step.DEADLINE: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_reject_deadline)],
    }),
)
RENDERERS: Renderers = {
    NoteKind.SIGNOFF_REQUEST: render_request,
    NoteKind.SIGNOFF_APPROVED: render_approved,
    NoteKind.SIGNOFF_REJECTED: render_rejected,
    NoteKind.SIGNOFF_REMIND: render_remind,
}
