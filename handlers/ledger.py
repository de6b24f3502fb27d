"""Ledger views (/my, /ledger) and the item card with its history and the buttons it offers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Renderers
from bot.domain import Colour, EventKind, Role, Status, Track
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.services.membership import Identity
from bot.services.problem import EventView, Page, ProblemView
from bot.texts import shorten, t
from bot.words import FILTER_ALIASES
from handlers.common import (
    ack,
    answer,
    button,
    button_args,
    button_id,
    call,
    identify,
    lang_of,
)
from handlers.edits import edit_text
from handlers.evidence import evidence_line, evidence_names, evidence_row, send_evidence
from handlers.limits import fitted
from handlers.supervision import alert_lines, row_marker, supervise_row

FILTERS = ("all", "overdue", *(s.value for s in Status))
FEATURE_EDIT = "edit"  # handlers.item_edits: 修改描述 / 修改措施 / 更换责任人 / 撤回
SCOPES = {"m": "mine", "u": "unit", "a": "all"}


def when_of(problem: ProblemView, lang: str, svc: Services) -> str:
    """The deadline in full, or the check-in period of a 长期坚持 item."""
    if problem.deadline is None:
        return t(lang, "checkin.every", days=problem.checkin_days) if problem.checkin_days else "—"
    return describe_when(problem.deadline.astimezone(svc.config.tz), lang)


def status_of(problem: ProblemView, lang: str, svc: Services) -> str:
    label = t(lang, f"status.{problem.status.value}")
    if problem.overdue(svc.clock.now()):
        label += t(lang, "status.overdue_mark")
    return label


# -- lists -------------------------------------------------------------------------------------


# How a page button moves: to the first page, after an item, before an item, to the last page.
MOVES = ("f", "a", "b", "l")


async def my_items(update: Update, context: Ctx) -> None:
    """List the items I own or filed."""
    await _show_page(update, context, "m", _filter_arg(context))


async def unit_ledger(update: Update, context: Ctx) -> None:
    """List the unit's ledger (every unit's, or the one named, for the campaign office)."""
    ident = await identify(update, context)
    scope = "a" if can(ident.role, Action.VIEW_ALL_UNITS) else "u"
    named = [arg for arg in context.args or () if _filter_of(arg) is None]
    if scope == "a" and named:
        # The office names one unit as /export does: /ledger EDU or /ledger 市教育局 超期.
        wanted = " ".join(named)
        unit = await call(context.svc.membership.find_unit, wanted)
        if unit is None:
            raise DomainError("export.unknown_unit", unit=wanted)
        scope = f"u{unit.id}"
    await _show_page(update, context, scope, _filter_arg(context))


def _filter_of(arg: str) -> str | None:
    arg = FILTER_ALIASES.get(arg.lower(), arg.lower())
    return arg if arg in FILTERS else None


def _filter_arg(context: Ctx) -> str:
    return next((f for f in map(_filter_of, context.args or ()) if f is not None), "all")


def _scope(scope: str) -> tuple[str, int | None] | None:
    """A list's scope as its buttons carry it: m, u, a, or u and a unit's id (the office's view
    of one unit); None for anything else."""
    if scope in SCOPES:
        return SCOPES[scope], None
    unit_id = callbacks.number(scope[1:]) if scope.startswith("u") else None
    return None if unit_id is None else ("unit", unit_id)


async def turn_page(update: Update, context: Ctx) -> None:
    """Show another page or filter of a list."""
    await ack(update)
    query = update.callback_query
    assert query is not None and query.data is not None
    # Three arguments: a list's first page (the /start menu's buttons, and messages sent before
    # pages moved by keyset); five: a page after or before an item, or the first or last.
    short = callbacks.args_of(query.data, 3)
    scope, flt, page, move, item = [*short, "f", "0"] if short else button_args(update, 5)
    number, item_id = callbacks.number(page), callbacks.number(item)
    if _scope(scope) is None or flt not in FILTERS or move not in MOVES or number is None \
            or item_id is None:
        raise DomainError("button.stale")
    await _show_page(update, context, scope, flt, number, move, item_id, edit=True)


async def _show_page(
    update: Update, context: Ctx, scope: str, flt: str, page: int = 1, move: str = "f",
    item_id: int = 0, *, edit: bool = False,
) -> None:
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    status = Status(flt) if flt in {s.value for s in Status} else None
    named = _scope(scope)
    assert named is not None
    result = await call(context.svc.ledger.browse, by=ident, scope=named[0], status=status,
                        overdue=flt == "overdue", page=page, last=move == "l",
                        after=item_id if move == "a" else None,
                        before=item_id if move == "b" else None, unit_id=named[1])
    colours = await call(context.svc.ladder.colours, result.items)
    text, markup = _render_page(result, scope, flt, lang, context, colours)
    if edit and update.callback_query and update.callback_query.message:
        await edit_text(update.callback_query, text, markup)
    else:
        await answer(update, text, markup=markup)


def _render_page(
    page: Page, scope: str, flt: str, lang: str, context: Ctx,
    colours: dict[int, Colour] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    kind = (_scope(scope) or ("unit", None))[0]
    title = t(lang, f"ledger.title.{kind}") if page.unit_name is None \
        else t(lang, "ledger.title.named", unit=page.unit_name)
    lines = [t(lang, "ledger.header", title=title, filter=t(lang, f"filter.{flt}"),
               total=page.total, page=page.page, pages=page.pages)]
    if not page.items:
        lines.append(t(lang, "ledger.empty"))
    for p in page.items:
        line = t(lang, "ledger.line", number=p.number, text=shorten(p.description, 24),
                 status=status_of(p, lang, context.svc), when=when_of(p, lang, context.svc))
        line = row_marker(p, (colours or {}).get(p.id)) + line
        if kind != "mine":
            # A unit's ledger says who answers for each item; the city's, which unit too.
            key = "ledger.line_unit_owner" if kind == "all" else "ledger.line_owner"
            line += t(lang, key, owner=shorten(p.owner_name, 12), unit=shorten(p.unit_name, 12))
        lines.append(line)
    keyboard = [[button(p.number, "led", "open", p.id) for p in page.items[i:i + 4]]
                for i in range(0, len(page.items), 4)]
    nav = []
    if page.before is not None:
        if page.page > 2:
            nav.append(button("⏮", "led", "page", scope, flt, 1, "f", 0))
        nav.append(button("◀", "led", "page", scope, flt, page.page - 1, "b", page.before))
    if page.after is not None:
        nav.append(button("▶", "led", "page", scope, flt, page.page + 1, "a", page.after))
        if page.page < page.pages - 1:
            nav.append(button("⏭", "led", "page", scope, flt, page.pages, "l", 0))
    if nav:
        keyboard.append(nav)
    filters_row = [button(t(lang, f"filter.{f}"), "led", "page", scope, f, 1, "f", 0)
                   for f in ("all", "overdue", "awaiting_signoff") if f != flt]
    keyboard.append(filters_row)
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


# -- the item card -----------------------------------------------------------------------------


async def open_item(update: Update, context: Ctx) -> None:
    """Show one item with every field, its history and what this person may do with it."""
    await ack(update)
    await send_card(update, context, button_id(update))


async def show_item(update: Update, context: Ctx) -> None:
    """Show an item named by number or id: /item EDU-0001."""
    ident = await identify(update, context)
    if not context.args:
        raise DomainError("item.usage")
    key = context.args[0].strip()
    # A bare number is an id; one that cannot be (², ٣, 30 digits) names no item.
    if key.isdigit() and callbacks.number(key) is None:
        raise DomainError("item.unknown")
    problem_id = await call(context.svc.ledger.find_id, key, by=ident)
    await send_card(update, context, problem_id)


async def send_card(update: Update, context: Ctx, problem_id: int) -> None:
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    problem, history = await call(context.svc.ledger.get, problem_id, by=ident)
    await answer(update, card_text(problem, history, lang, context),
                 markup=card_buttons(problem, ident, lang))
    await send_evidence(update, context, problem, lang)


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
        deadline=when_of(problem, lang, context.svc), status=status_of(problem, lang, context.svc),
        progress=shorten(problem.progress or "—", width), rework=problem.rework_count,
    )
    tz = context.svc.config.tz
    lines = [text + evidence_line(problem, lang) + alert_lines(context.svc, problem, history, lang),
             t(lang, "item.history")]
    for e in history[-15:]:
        change = (f"{t(lang, f'status.{e.from_status.value}')} → " if e.from_status else "") + (
            t(lang, f"status.{e.to_status.value}") if e.to_status else "")
        if e.from_status is not None and e.from_status == e.to_status:
            change = ""  # an edit, a 延期 or a mark: the status stayed as it was
        note = t(lang, "item.history_note", note=shorten(e.note, min(60, width))) if e.note \
            else ""
        moved = t(lang, "item.history_deadline", deadline=f"{e.deadline.astimezone(tz):%Y-%m-%d}") \
            if e.deadline else ""
        lines.append(t(lang, "item.history_line", at=f"{e.at.astimezone(tz):%m-%d %H:%M}",
                       actor=shorten(e.actor_name, 60), event=t(lang, f"event.{e.kind.value}"))
                     + (f" {change}" if change else "")
                     + f"{note}{moved}{_changed(e, lang, width)}")
    return "\n".join(lines)


def _changed(event: EventView, lang: str, width: int) -> str:
    """What an edit changed (old → new) and the evidence an event added, for its history line."""
    text = ""
    field = (event.details or {}).get("field") if event.kind == EventKind.EDITED else None
    if field in ("description", "measures", "owner"):
        def shown(value: object) -> str:
            value = "；".join(map(str, value)) if isinstance(value, list) else str(value or "—")
            return shorten(value, min(40, width))
        details = event.details or {}
        text += t(lang, "edit.history", field=t(lang, f"edit.field.{field}"),
                  old=shown(details.get("old")), new=shown(details.get("new")))
    if event.evidence:
        text += t(lang, "evidence.history", names=evidence_names(event.evidence, lang))
    return text


def card_buttons(problem: ProblemView, ident: Identity, lang: str) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if problem.status in (Status.PENDING, Status.IN_PROGRESS) and may_update(problem, ident):
        rows.append(work_row(problem.id, lang))
        if problem.track != Track.ONGOING:
            rows.append([button(t(lang, "extension.btn.ask"), "ext", "ask", problem.id)])
        rows.append([button(t(lang, f"edit.btn.{action}"), FEATURE_EDIT, action, problem.id)
                     for action in ("desc", "meas", "owner")])
        if problem.status == Status.PENDING:
            rows[-1].append(button(t(lang, "edit.btn.wd"), FEATURE_EDIT, "wd", problem.id))
    own = ident.user_id in (problem.owner_user_id, problem.created_by)
    if problem.status == Status.AWAITING_SIGNOFF and can(ident.role, Action.SIGN_OFF) \
            and not own:
        rows.append(signoff_row(problem.id, lang))
    if supervise := supervise_row(problem, ident, lang):
        rows.append(supervise)
    if evidence := evidence_row(problem, lang):
        rows.append(evidence)
    return InlineKeyboardMarkup(rows)


def may_update(problem: ProblemView, ident: Identity) -> bool:
    """Tell whether the person may add progress or report completion (the ledger's own rule)."""
    mine = ident.user_id in (problem.owner_user_id, problem.created_by)
    same_unit = ident.unit is not None and ident.unit.id == problem.unit_id
    return (mine or can(ident.role, Action.UPDATE_UNIT_ITEMS)) and (
        same_unit or ident.role is Role.OFFICE)


def work_row(problem_id: int, lang: str) -> list[InlineKeyboardButton]:
    """更新进展 and 报告完成 for an open item."""
    return [button(t(lang, "item.btn.progress"), "item", "progress", problem_id),
            button(t(lang, "item.btn.done"), "item", "done", problem_id)]


def signoff_row(problem_id: int, lang: str) -> list[InlineKeyboardButton]:
    return [button(t(lang, "item.btn.approve"), "item", "approve", problem_id),
            button(t(lang, "item.btn.reject"), "item", "reject", problem_id)]


# -- wiring ------------------------------------------------------------------------------------

_PRIVATE = filters.ChatType.PRIVATE

COMMANDS = (
    CommandHandler("my", my_items, filters=_PRIVATE),
    CommandHandler("ledger", unit_ledger, filters=_PRIVATE),
    CommandHandler("item", show_item, filters=_PRIVATE),
)
BUTTONS = (
    CallbackQueryHandler(turn_page, callbacks.pattern("led", "page")),
    CallbackQueryHandler(open_item, callbacks.pattern("led", "open")),
)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
