"""Personal reminders: /remind, a message starting 提醒我…, and /reminders to list them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind
from bot.errors import DomainError
from bot.services.notify import Note
from bot.services.reminders import Reminder, ReminderService, Snooze, strip_ask
from bot.texts import t
from bot.words import ASKS_FOR_REMINDER
from handlers.common import answer, call, identify, lang_of, local_now, reply, user_lang
from handlers.dialog import END, Flow, begin, finish
from handlers.edits import edit_text

FEATURE = "rem"
FLOW = "remind"
LIST_MAX = 20


class Step(enum.IntEnum):
    WHEN = 1
    WHAT = 2


def _reminders(svc: Services) -> ReminderService:
    return svc.reminders


def _button(label: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(FEATURE, action, *args))


def _args(update: Update) -> list[str]:
    query = update.callback_query
    assert query is not None and query.data is not None
    return callbacks.decode(query.data)[2]


def _note_id(update: Update) -> int:
    args = _args(update)
    note_id = callbacks.number(args[0]) if args else None
    if note_id is None:
        raise DomainError("button.stale")
    return note_id


def _text(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


def _line(reminder: Reminder, lang: str) -> dict[str, str]:
    return {"when": describe_when(reminder.due_at, lang), "what": reminder.text}


# -- setting a reminder ------------------------------------------------------------------------


async def set_reminder(update: Update, context: Ctx) -> None:
    """Set a reminder from /remind TIME WHAT; a bare /remind asks for the time, then the what."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    if ident.role is None:
        raise DomainError("remind.no_unit")
    parts = _text(update).split(None, 1)
    if len(parts) < 2:
        await begin(context, update, FLOW, Step.WHEN, {})
        await reply(update, lang, "remind.ask_when")
        return
    when, what = await call(_reminders(context.svc).read, parts[1], lang)
    await _save(update, context, when, what)
    chat = update.effective_chat
    assert chat is not None
    dialog = await call(context.svc.dialogs.get, chat.id, ident.user_id)
    if dialog is not None and dialog.flow == FLOW:
        await finish(context, update)  # a half-asked /remind must not catch the next message


async def remind_from_text(update: Update, context: Ctx) -> None:
    """Set a reminder from a private message that begins with 提醒我."""
    ident = await identify(update, context)
    if ident.role is None:
        raise DomainError("remind.no_unit")
    when, what = await call(_reminders(context.svc).read, _text(update), lang_of(ident, context))
    await _save(update, context, when, what)


async def _save(update: Update, context: Ctx, when: dt.datetime, what: str) -> None:
    """Plan the reminder and echo it in full, with a button to delete it again."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    reminder = await call(_reminders(context.svc).add, ident, when, what, lang)
    markup = InlineKeyboardMarkup([[_button(t(lang, "remind.btn.delete"), "del", reminder.id)]])
    await answer(update, t(lang, "remind.set", **_line(reminder, lang)), markup=markup)


async def type_when(update: Update, context: Ctx) -> int:
    """Take the time of a reminder being set step by step (and the what, if it came along)."""
    lang = await user_lang(update, context)
    when, what = await call(_reminders(context.svc).read_when, strip_ask(_text(update)), lang)
    if what:
        await _save(update, context, when, what)
        await finish(context, update)
        return END
    assert context.dialog is not None
    context.dialog.data["when"] = when.isoformat()
    await reply(update, lang, "remind.ask_what", when=describe_when(when, lang))
    return Step.WHAT


async def type_what(update: Update, context: Ctx) -> int:
    """Take what to be reminded of, and set the reminder."""
    assert context.dialog is not None
    when = dt.datetime.fromisoformat(context.dialog.data["when"])
    if when <= local_now(context):  # the person took longer than the time they gave
        lang = await user_lang(update, context)
        await reply(update, lang, "remind.past", when=describe_when(when, lang))
        return Step.WHEN
    await _save(update, context, when, _text(update))
    await finish(context, update)
    return END


# -- listing and deleting ----------------------------------------------------------------------


def _listing(lang: str, pending: list[Reminder]) -> tuple[str, InlineKeyboardMarkup | None]:
    if not pending:
        return t(lang, "remind.list_empty"), None
    shown = pending[:LIST_MAX]
    lines = [t(lang, "remind.list_header", count=len(pending))]
    lines += [t(lang, "remind.list_item", n=n, **_line(r, lang)) for n, r in enumerate(shown, 1)]
    if len(pending) > LIST_MAX:
        lines.append(t(lang, "remind.list_more", count=len(pending) - LIST_MAX))
    buttons = [_button(t(lang, "remind.btn.delete_n", n=n), "del", r.id, "l")
               for n, r in enumerate(shown, 1)]
    rows = [buttons[i:i + 4] for i in range(0, len(buttons), 4)]
    rows.append([_button(t(lang, "remind.btn.delete_all"), "all")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def list_reminders(update: Update, context: Ctx) -> None:
    """List the person's waiting reminders, soonest first, each with a delete button."""
    ident = await identify(update, context)
    if ident.role is None:
        raise DomainError("remind.no_unit")
    lang = lang_of(ident, context)
    text, markup = _listing(lang, await call(_reminders(context.svc).pending, ident.user_id))
    if update.callback_query is not None:
        await edit_text(update.callback_query, text, markup)
    else:
        await answer(update, text, markup=markup)


async def delete_reminder(update: Update, context: Ctx) -> None:
    """Delete one of one's own reminders, from its echo or from the list."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    reminder = await call(_reminders(context.svc).delete, ident.user_id, _note_id(update))
    if _args(update)[1:] == ["l"]:
        await list_reminders(update, context)
        return
    await edit_text(update.callback_query, t(lang, "remind.deleted", **_line(reminder, lang)))


async def ask_delete_all(update: Update, context: Ctx) -> None:
    """Ask before deleting every waiting reminder."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    count = len(await call(_reminders(context.svc).pending, ident.user_id))
    if not count:
        await list_reminders(update, context)
        return
    markup = InlineKeyboardMarkup([[_button(t(lang, "remind.btn.confirm_all"), "allok"),
                                    _button(t(lang, "remind.btn.keep"), "allno")]])
    await edit_text(update.callback_query, t(lang, "remind.confirm_all", count=count), markup)


async def delete_all(update: Update, context: Ctx) -> None:
    """Delete every waiting reminder of the person, once confirmed."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = await identify(update, context)
    count = await call(_reminders(context.svc).delete_all, ident.user_id)
    text = t(lang_of(ident, context), "remind.all_deleted", count=count)
    await edit_text(update.callback_query, text)


async def keep_all(update: Update, context: Ctx) -> None:
    """Go back from the delete-all question to the list."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await list_reminders(update, context)


# -- a delivered reminder ----------------------------------------------------------------------


async def acknowledge(update: Update, context: Ctx) -> None:
    """Take the buttons off a delivered reminder: the person has seen it."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = await identify(update, context)
    reminder = await call(_reminders(context.svc).owned, ident.user_id, _note_id(update))
    text = t(lang_of(ident, context), "remind.acked", what=reminder.text)
    await edit_text(update.callback_query, text)


async def snooze(update: Update, context: Ctx) -> None:
    """Remind again in 10 minutes or tomorrow at the same time."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    how = _args(update)[1:]
    if how not in (["10m"], ["1d"]):
        raise DomainError("button.stale")
    later: Snooze = "10m" if how == ["10m"] else "1d"
    again = await call(_reminders(context.svc).snooze, ident.user_id, _note_id(update), later)
    text = t(lang, "remind.snoozed", **_line(again, lang))
    await edit_text(update.callback_query, text)


def render_reminder(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Show a due reminder with 知道了 and the two snooze buttons."""
    what = str(note.payload.get("text", ""))
    if brief:
        when = describe_when(note.due_at.astimezone(svc.config.tz), lang)
        return Rendered(t(lang, "remind.due_brief", when=when, what=what))
    markup = InlineKeyboardMarkup([
        [_button(t(lang, "remind.btn.ack"), "ack", note.id)],
        [_button(t(lang, "remind.btn.snooze_10m"), "snz", note.id, "10m"),
         _button(t(lang, "remind.btn.snooze_1d"), "snz", note.id, "1d")],
    ])
    return Rendered(t(lang, "remind.due", what=what), markup)


# -- wiring ------------------------------------------------------------------------------------

# An edited message is not acted on again: editing "提醒我…" must not plan a second reminder.
_PRIVATE = filters.ChatType.PRIVATE
_TEXT = filters.TEXT & ~filters.COMMAND

FLOWS = (Flow(FLOW, {
    Step.WHEN: [MessageHandler(_TEXT, type_when)],
    Step.WHAT: [MessageHandler(_TEXT, type_what)],
}),)


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


COMMANDS = (
    CommandHandler("remind", set_reminder, filters=_PRIVATE),
    CommandHandler("reminders", list_reminders, filters=_PRIVATE),
)
BUTTONS = (_cb(delete_reminder, "del"), _cb(ask_delete_all, "all"), _cb(delete_all, "allok"),
           _cb(keep_all, "allno"), _cb(acknowledge, "ack"), _cb(snooze, "snz"))
MESSAGES = (MessageHandler(_PRIVATE & _TEXT & filters.Regex(ASKS_FOR_REMINDER),
                           remind_from_text),)
RENDERERS: Renderers = {NoteKind.REMINDER: render_reminder}
