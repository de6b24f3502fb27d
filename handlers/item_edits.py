"""Changing an item after 确认: 修改描述 / 修改措施 / 更换责任人, and 撤回 while 待整改."""

from __future__ import annotations

import enum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.domain import OPEN, Status
from bot.errors import DomainError
from bot.quickfile import MAX_NAME
from bot.services.membership import Identity
from bot.services.problem import ProblemView
from bot.texts import t
from bot.words import split_measures
from handlers.common import (
    ack,
    answer,
    button,
    button_id,
    call,
    display_name,
    identify,
    lang_of,
    typed,
    typed_person,
)
from handlers.dialog import END, Flow, begin, concluding, here
from handlers.ledger import FEATURE_EDIT, may_update

FEATURE = FEATURE_EDIT
# A button's action and the field it edits.
FIELDS = {"desc": "description", "meas": "measures", "owner": "owner"}


class Step(enum.IntEnum):
    TEXT = 1


async def _open_item(update: Update, context: Ctx) -> tuple[ProblemView, Identity, str]:
    await ack(update)
    ident = await identify(update, context)
    problem, _ = await call(context.svc.ledger.get, button_id(update), by=ident)
    if problem.status not in OPEN:
        raise DomainError("item.not_open", number=problem.number)
    if not may_update(problem, ident):
        raise DomainError("item.not_yours")
    return problem, ident, lang_of(ident, context)


async def ask_change(update: Update, context: Ctx) -> None:
    """修改描述 / 修改措施 / 更换责任人 tapped: show what it is now and ask for the new text."""
    query = update.callback_query
    assert query is not None and query.data is not None
    action = callbacks.decode(query.data)[1]
    problem, _, lang = await _open_item(update, context)
    field = FIELDS[action]
    now = {"description": problem.description, "owner": problem.owner_name,
           "measures": "\n".join(f"{i}. {m}" for i, m in enumerate(problem.measures, 1))}[field]
    await begin(context, update, "item_edit", Step.TEXT, {"id": problem.id, "field": field})
    await answer(update, t(lang, f"edit.ask.{field}", number=problem.number, now=now))


async def receive_change(update: Update, context: Ctx) -> int | None:
    """Save the new description, measures or owner; the history keeps the old one."""
    assert context.dialog is not None
    item_id, field = context.dialog.data["id"], context.dialog.data["field"]
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    text = typed(update)
    params: dict[str, Any] = {"text": text}
    if field == "measures":
        params = {"measures": split_measures(text)}
    elif field == "owner":
        if len(text) > MAX_NAME:
            await answer(update, t(lang, "file.bad_length", max=MAX_NAME))
            return None
        name, owner_id = await typed_person(update, context, text)
        params = {"text": name, "owner_user_id": owner_id}
    problem = await concluding(context, update, call(
        context.svc.ledger.edit, item_id, by=ident, by_name=display_name(update), field=field,
        dialog=here(context, update), **params))
    await answer(update, t(lang, f"edit.saved.{field}", number=problem.number,
                           owner=problem.owner_name))
    return END


async def ask_withdraw(update: Update, context: Ctx) -> None:
    """撤回 tapped: ask to confirm, since the item leaves the ledger."""
    problem, _, lang = await _open_item(update, context)
    if problem.status != Status.PENDING:
        raise DomainError("withdraw.not_pending", number=problem.number)
    await answer(update, t(lang, "withdraw.ask", number=problem.number),
                 markup=InlineKeyboardMarkup([[
                     button(t(lang, "withdraw.btn.confirm"), FEATURE, "wdok", problem.id)]]))


async def confirm_withdraw(update: Update, context: Ctx) -> None:
    """确认撤回 tapped: withdraw the item."""
    await ack(update)
    ident = await identify(update, context)
    number = await call(context.svc.ledger.withdraw, button_id(update), by=ident,
                        by_name=display_name(update))
    await answer(update, t(lang_of(ident, context), "withdraw.done", number=number))


# -- wiring ------------------------------------------------------------------------------------

_TEXT = filters.TEXT & ~filters.COMMAND


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


COMMANDS = ()
BUTTONS = (*(_cb(ask_change, action) for action in FIELDS), _cb(ask_withdraw, "wd"),
           _cb(confirm_withdraw, "wdok"))
MESSAGES = ()
FLOWS = (Flow("item_edit", {Step.TEXT: [MessageHandler(_TEXT, receive_change)]}),)
RENDERERS: Renderers = {}
