"""Ledger views (/my, /ledger), the item card with history, and the progress → sign-off workflow."""

from __future__ import annotations

import dataclasses
import enum
import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.context import Ctx
from bot.dates import describe_when
from bot.domain import Role, Status, Track
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.services.ledger import EventView, Page, ProblemView
from bot.services.membership import Identity
from bot.texts import shorten, t
from handlers.common import (
    answer,
    button_args,
    button_id,
    display_name,
    identify,
    lang_of,
    read_future_time,
)
from handlers.dialog import END, Flow, begin, finish
from handlers.edits import edit_text
from handlers.limits import fitted

FILTERS = ("all", "overdue", *(s.value for s in Status))
SCOPES = {"m": "mine", "u": "unit", "a": "all"}


class Step(enum.IntEnum):
    TEXT = 1
    REASON = 2
    DEADLINE = 3


def _button(label: str, feature: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(feature, action, *args))


def when_text(problem: ProblemView, lang: str, context: Ctx) -> str:
    if problem.deadline is None:
        return t(lang, "checkin.every", days=problem.checkin_days) if problem.checkin_days else "—"
    return describe_when(problem.deadline.astimezone(context.svc.config.tz), lang)


def status_text(problem: ProblemView, lang: str, context: Ctx) -> str:
    label = t(lang, f"status.{problem.status.value}")
    if problem.overdue(context.svc.clock.now()):
        label += t(lang, "status.overdue_mark")
    return label


# -- lists -------------------------------------------------------------------------------------


async def my_items(update: Update, context: Ctx) -> None:
    """List the items I own or filed."""
    await _show_page(update, context, "m", _filter_arg(context), 1)


async def unit_ledger(update: Update, context: Ctx) -> None:
    """List the unit's ledger (every unit's, for the campaign office)."""
    ident = identify(update, context)
    scope = "a" if can(ident.role, Action.VIEW_ALL_UNITS) else "u"
    await _show_page(update, context, scope, _filter_arg(context), 1)


def _filter_arg(context: Ctx) -> str:
    arg = (context.args or ["all"])[0].lower()
    aliases = {"超期": "overdue", "逾期": "overdue", "待整改": "pending", "整改中": "in_progress",
               "待销号": "awaiting_signoff", "已销号": "signed_off", "全部": "all"}
    arg = aliases.get(arg, arg)
    return arg if arg in FILTERS else "all"


async def turn_page(update: Update, context: Ctx) -> None:
    """Show another page or filter of a list."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    scope, flt, page = button_args(update, 3)
    number = callbacks.number(page)
    if scope not in SCOPES or flt not in FILTERS or number is None:
        raise DomainError("button.stale")
    await _show_page(update, context, scope, flt, number, edit=True)


async def _show_page(
    update: Update, context: Ctx, scope: str, flt: str, page: int, *, edit: bool = False
) -> None:
    ident = identify(update, context)
    lang = lang_of(ident, context)
    status = Status(flt) if flt in {s.value for s in Status} else None
    result = context.svc.ledger.browse(by=ident, scope=SCOPES[scope], status=status,
                                       overdue=flt == "overdue", page=page)
    text, markup = _render_page(result, scope, flt, lang, context)
    if edit and update.callback_query and update.callback_query.message:
        await edit_text(update.callback_query, text, markup)
    else:
        await answer(update, text, markup=markup)


def _render_page(
    page: Page, scope: str, flt: str, lang: str, context: Ctx
) -> tuple[str, InlineKeyboardMarkup]:
    title = t(lang, f"ledger.title.{SCOPES[scope]}")
    lines = [t(lang, "ledger.header", title=title, filter=t(lang, f"filter.{flt}"),
               total=page.total, page=page.page, pages=page.pages)]
    if not page.items:
        lines.append(t(lang, "ledger.empty"))
    for p in page.items:
        lines.append(t(lang, "ledger.line", number=p.number, text=shorten(p.description, 24),
                       status=status_text(p, lang, context), when=when_text(p, lang, context)))
    keyboard = [[_button(p.number, "led", "open", p.id) for p in page.items[i:i + 4]]
                for i in range(0, len(page.items), 4)]
    nav = []
    if page.page > 1:
        nav.append(_button("◀", "led", "page", scope, flt, page.page - 1))
    if page.page < page.pages:
        nav.append(_button("▶", "led", "page", scope, flt, page.page + 1))
    if nav:
        keyboard.append(nav)
    filters_row = [_button(t(lang, f"filter.{f}"), "led", "page", scope, f, 1)
                   for f in ("all", "overdue", "awaiting_signoff") if f != flt]
    keyboard.append(filters_row)
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


# -- the item card -----------------------------------------------------------------------------


async def open_item(update: Update, context: Ctx) -> None:
    """Show one item with every field, its history and what this person may do with it."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await send_card(update, context, button_id(update))


async def show_item(update: Update, context: Ctx) -> None:
    """Show an item named by number or id: /item EDU-0001."""
    ident = identify(update, context)
    if not context.args:
        raise DomainError("item.usage")
    key = context.args[0].strip()
    # A bare number is an id; one that cannot be (², ٣, 30 digits) names no item.
    if key.isdigit() and callbacks.number(key) is None:
        raise DomainError("item.unknown")
    problem_id = context.svc.ledger.find_id(key, by=ident)
    await send_card(update, context, problem_id)


async def send_card(update: Update, context: Ctx, problem_id: int) -> None:
    ident = identify(update, context)
    lang = lang_of(ident, context)
    problem, history = context.svc.ledger.get(problem_id, by=ident)
    await answer(update, card_text(problem, history, lang, context),
                 markup=card_buttons(problem, ident, lang))


def card_text(problem: ProblemView, history: list[EventView], lang: str, context: Ctx) -> str:
    """Every field and the recent history; long texts are shortened until the card fits."""
    return fitted(lambda width: _card_text(problem, history, lang, context, width))


def _card_text(problem: ProblemView, history: list[EventView], lang: str, context: Ctx,
               width: int) -> str:
    measures = "\n".join(f"  {i}. {shorten(m, width)}" for i, m in enumerate(problem.measures, 1))
    text = t(
        lang, "item.card", number=problem.number, unit=problem.unit_name,
        category=problem.category, description=shorten(problem.description, width),
        measures=measures, track=t(lang, f"track.{problem.track.value}"),
        leader=shorten(problem.leader_name or "—", width), owner=shorten(problem.owner_name, width),
        deadline=when_text(problem, lang, context), status=status_text(problem, lang, context),
        progress=shorten(problem.progress or "—", width), rework=problem.rework_count,
    )
    tz = context.svc.config.tz
    lines = [text, t(lang, "item.history")]
    for e in history[-15:]:
        change = (f"{t(lang, f'status.{e.from_status.value}')} → " if e.from_status else "") + (
            t(lang, f"status.{e.to_status.value}") if e.to_status else "")
        note = f"：{html.escape(shorten(e.note, min(60, width)), quote=False)}" if e.note else ""
        actor = html.escape(shorten(e.actor_name, 60))
        lines.append(f"· {e.at.astimezone(tz):%m-%d %H:%M} {actor} "
                     f"{t(lang, f'event.{e.kind.value}')} {change}{note}")
    return "\n".join(lines)


def card_buttons(problem: ProblemView, ident: Identity, lang: str) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if problem.status in (Status.PENDING, Status.IN_PROGRESS) and may_update(problem, ident):
        rows.append([_button(t(lang, "item.btn.progress"), "item", "progress", problem.id),
                     _button(t(lang, "item.btn.done"), "item", "done", problem.id)])
    if problem.status == Status.AWAITING_SIGNOFF and can(ident.role, Action.SIGN_OFF):
        rows.append(signoff_row(problem.id, lang))
    return InlineKeyboardMarkup(rows)


def may_update(problem: ProblemView, ident: Identity) -> bool:
    """Tell whether the person may add progress or report completion (the ledger's own rule)."""
    mine = ident.user_id in (problem.owner_user_id, problem.created_by)
    same_unit = ident.unit is not None and ident.unit.id == problem.unit_id
    return (mine or can(ident.role, Action.UPDATE_UNIT_ITEMS)) and (
        same_unit or ident.role is Role.OFFICE)


def signoff_row(problem_id: int, lang: str) -> list[InlineKeyboardButton]:
    return [_button(t(lang, "item.btn.approve"), "item", "approve", problem_id),
            _button(t(lang, "item.btn.reject"), "item", "reject", problem_id)]


# -- progress and completion -------------------------------------------------------------------


async def ask_progress(update: Update, context: Ctx) -> None:
    """Ask for a progress note (a photo with a caption counts as evidence)."""
    await _start_text_flow(update, context, "progress", "item.ask_progress")


async def ask_done(update: Update, context: Ctx) -> None:
    """Ask how the item was completed, with optional photo evidence."""
    await _start_text_flow(update, context, "done", "item.ask_done")


async def _start_text_flow(update: Update, context: Ctx, flow: str, key: str) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = identify(update, context)
    problem, _ = context.svc.ledger.get(button_id(update), by=ident)  # refuses other units' items
    # Refuse now rather than after the person has typed their note.
    if problem.status not in (Status.PENDING, Status.IN_PROGRESS):
        raise DomainError("item.not_open", number=problem.number)
    if not may_update(problem, ident):
        raise DomainError("item.not_yours")
    begin(context, update, flow, Step.TEXT, {"id": problem.id})
    await answer(update, t(lang_of(ident, context), key, number=problem.number))


def _text_and_photo(update: Update) -> tuple[str, str | None]:
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
    attachment: str | None
    ident: Identity
    lang: str


async def _note(update: Update, context: Ctx) -> _Note | None:
    """The text (and photo or file) of a note on the dialog's item, ending the step; None (and
    the question asked again) when there is no text."""
    text, attachment = _text_and_photo(update)
    ident = identify(update, context)
    lang = lang_of(ident, context)
    if not text:
        await answer(update, t(lang, "item.need_text"))
        return None
    assert context.dialog is not None
    item_id = context.dialog.data["id"]
    finish(context, update)  # first: a refusal must not keep the person in this step
    return _Note(item_id, text[:2000], attachment, ident, lang)


async def receive_progress(update: Update, context: Ctx) -> int | None:
    """Record the progress note."""
    note = await _note(update, context)
    if note is None:
        return None
    problem = context.svc.ledger.add_progress(
        note.item_id, by=note.ident, by_name=display_name(update), text=note.text,
        attachment=note.attachment)
    await answer(update, t(note.lang, "item.progress_saved", number=problem.number,
                           status=t(note.lang, f"status.{problem.status.value}")))
    return END


async def receive_done(update: Update, context: Ctx) -> int | None:
    """Move the item to 待销号 and send its leaders the sign-off card."""
    note = await _note(update, context)
    if note is None:
        return None
    report = context.svc.ledger.report_done(
        note.item_id, by=note.ident, by_name=display_name(update), completion=note.text,
        attachment=note.attachment)
    problem = report.problem
    await answer(update, t(note.lang, "item.done_saved", number=problem.number))
    for reviewer in report.reviewers:
        rlang = lang_of(context.svc.membership.identify(reviewer), context)
        await context.bot.send_message(
            reviewer, t(rlang, "signoff.request", number=problem.number, unit=problem.unit_name,
                        description=shorten(problem.description, 200),
                        completion=shorten(note.text, 500), who=display_name(update)),
            reply_markup=InlineKeyboardMarkup([signoff_row(problem.id, rlang)]))
    return END


# -- sign-off ----------------------------------------------------------------------------------


async def approve(update: Update, context: Ctx) -> None:
    """Sign the item off and tell its owner."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = identify(update, context)
    lang = lang_of(ident, context)
    problem = context.svc.ledger.approve(button_id(update), by=ident, by_name=display_name(update))
    await answer(update, t(lang, "signoff.approved", number=problem.number))
    await _tell_owner(context, problem, "signoff.owner_approved", who=display_name(update))


async def ask_reject_reason(update: Update, context: Ctx) -> None:
    """Start a rejection: a reason is required, then (unless ongoing) a new deadline."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    item_id = button_id(update)
    ident = identify(update, context)
    if not can(ident.role, Action.SIGN_OFF):
        raise DomainError("signoff.denied")
    problem, _ = context.svc.ledger.get(item_id, by=ident)
    if problem.status != Status.AWAITING_SIGNOFF:
        raise DomainError("signoff.not_waiting", number=problem.number)
    begin(context, update, "reject", Step.REASON,
          {"id": problem.id, "ongoing": problem.track == Track.ONGOING})
    await answer(update, t(lang_of(ident, context), "reject.ask_reason", number=problem.number))


async def receive_reject_reason(update: Update, context: Ctx) -> int | None:
    """Keep the reason; ask for the new deadline."""
    ident = identify(update, context)
    lang = lang_of(ident, context)
    text, _ = _text_and_photo(update)
    if not text:
        await answer(update, t(lang, "reject.ask_reason_again"))
        return None
    assert context.dialog is not None
    context.dialog.data["reason"] = text[:2000]
    if context.dialog.data.get("ongoing"):
        return await _reject(update, context, None)
    await answer(update, t(lang, "reject.ask_deadline"))
    return Step.DEADLINE


async def receive_reject_deadline(update: Update, context: Ctx) -> int | None:
    """Read the new deadline and send the item back (回炉)."""
    text, _ = _text_and_photo(update)
    when = await read_future_time(update, context, text)
    return None if when is None else await _reject(update, context, when)


async def _reject(update: Update, context: Ctx, when: Any) -> int:
    ident = identify(update, context)
    lang = lang_of(ident, context)
    assert context.dialog is not None
    reason, item_id = context.dialog.data["reason"], context.dialog.data["id"]
    finish(context, update)  # first: a refusal must not keep the person in this step
    problem = context.svc.ledger.reject(item_id, by=ident, by_name=display_name(update),
                                        reason=reason, new_deadline=when)
    deadline = when_text(problem, lang, context)
    await answer(update, t(lang, "reject.done", number=problem.number, deadline=deadline,
                           times=problem.rework_count))
    await _tell_owner(context, problem, "signoff.owner_rejected", who=display_name(update),
                      reason=reason, deadline=deadline)
    return END


async def _tell_owner(context: Ctx, problem: ProblemView, key: str, **params: Any) -> None:
    for user_id in {problem.owner_user_id, problem.created_by} - {None}:
        assert user_id is not None
        olang = lang_of(context.svc.membership.identify(user_id), context)
        await context.bot.send_message(user_id, t(olang, key, number=problem.number, **params))


_TEXTISH = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL

PROGRESS = Flow("progress", {Step.TEXT: [MessageHandler(_TEXTISH, receive_progress)]})
DONE = Flow("done", {Step.TEXT: [MessageHandler(_TEXTISH, receive_done)]})
REJECT = Flow("reject", {
    Step.REASON: [MessageHandler(_TEXTISH, receive_reject_reason)],
    Step.DEADLINE: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_reject_deadline)],
})


def top_level_handlers() -> list[Any]:
    """The ledger's handlers outside any conversation, in matching order."""
    return [
        CallbackQueryHandler(turn_page, callbacks.pattern("led", "page")),
        CallbackQueryHandler(open_item, callbacks.pattern("led", "open")),
        CallbackQueryHandler(ask_progress, callbacks.pattern("item", "progress")),
        CallbackQueryHandler(ask_done, callbacks.pattern("item", "done")),
        CallbackQueryHandler(approve, callbacks.pattern("item", "approve")),
        CallbackQueryHandler(ask_reject_reason, callbacks.pattern("item", "reject")),
    ]

