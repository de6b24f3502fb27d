"""Personal reminders (/remind, 提醒我…, /reminders) and office-hours reminders (/officehours)."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import weakref
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import App, Ctx
from bot.dates import describe_when
from bot.errors import DomainError
from bot.rendering import Rendered, renders
from bot.scheduler import TICK_HOOKS, TickReport
from bot.services import office_hours, reminders
from bot.services.notify import Note
from bot.services.office_hours import OfficeHoursService, OfficeSetting, is_morning
from bot.services.reminders import Reminder, ReminderService, Snooze, strip_ask
from bot.texts import t
from handlers.common import answer, identify, lang_of, local_now, reply
from handlers.dialog import END, Flow, begin, finish
from handlers.edits import edit_markup, edit_text

log = logging.getLogger(__name__)

FEATURE = "rem"
FLOW = "remind"
LIST_MAX = 20
ON, OFF, DEFAULT = ("on", "开", "开启"), ("off", "关", "关闭"), ("default", "默认")


class Step(enum.IntEnum):
    WHEN = 1
    WHAT = 2


def _reminders(svc: Services) -> ReminderService:
    return svc.reminders


def _office(svc: Services) -> OfficeHoursService:
    return svc.office_hours


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
    ident = identify(update, context)
    lang = lang_of(ident, context)
    if ident.role is None:
        raise DomainError("remind.no_unit")
    parts = _text(update).split(None, 1)
    if len(parts) < 2:
        begin(context, update, FLOW, Step.WHEN, {})
        await reply(update, lang, "remind.ask_when")
        return
    when, what = _reminders(context.svc).read(parts[1], lang)
    await _save(update, context, when, what)
    chat = update.effective_chat
    assert chat is not None
    dialog = context.svc.dialogs.get(chat.id, ident.user_id)
    if dialog is not None and dialog.flow == FLOW:
        finish(context, update)  # a half-asked /remind must not catch the next message


async def remind_from_text(update: Update, context: Ctx) -> None:
    """Set a reminder from a private message that begins with 提醒我."""
    ident = identify(update, context)
    if ident.role is None:
        raise DomainError("remind.no_unit")
    when, what = _reminders(context.svc).read(_text(update), lang_of(ident, context))
    await _save(update, context, when, what)


async def _save(update: Update, context: Ctx, when: dt.datetime, what: str) -> None:
    """Plan the reminder and echo it in full, with a button to delete it again."""
    ident = identify(update, context)
    lang = lang_of(ident, context)
    reminder = _reminders(context.svc).add(ident, when, what, lang)
    markup = InlineKeyboardMarkup([[_button(t(lang, "remind.btn.delete"), "del", reminder.id)]])
    await answer(update, t(lang, "remind.set", **_line(reminder, lang)), markup=markup)


async def type_when(update: Update, context: Ctx) -> int:
    """Take the time of a reminder being set step by step (and the what, if it came along)."""
    lang = lang_of(identify(update, context), context)
    when, what = _reminders(context.svc).read_when(strip_ask(_text(update)), lang)
    if what:
        await _save(update, context, when, what)
        finish(context, update)
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
        lang = lang_of(identify(update, context), context)
        await reply(update, lang, "remind.past", when=describe_when(when, lang))
        return Step.WHEN
    await _save(update, context, when, _text(update))
    finish(context, update)
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
    ident = identify(update, context)
    if ident.role is None:
        raise DomainError("remind.no_unit")
    lang = lang_of(ident, context)
    text, markup = _listing(lang, _reminders(context.svc).pending(ident.user_id))
    if update.callback_query is not None:
        await edit_text(update.callback_query, text, markup)
    else:
        await answer(update, text, markup=markup)


async def delete_reminder(update: Update, context: Ctx) -> None:
    """Delete one of one's own reminders, from its echo or from the list."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = identify(update, context)
    lang = lang_of(ident, context)
    reminder = _reminders(context.svc).delete(ident.user_id, _note_id(update))
    if _args(update)[1:] == ["l"]:
        await list_reminders(update, context)
        return
    await edit_text(update.callback_query, t(lang, "remind.deleted", **_line(reminder, lang)))


async def ask_delete_all(update: Update, context: Ctx) -> None:
    """Ask before deleting every waiting reminder."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = identify(update, context)
    lang = lang_of(ident, context)
    count = len(_reminders(context.svc).pending(ident.user_id))
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
    ident = identify(update, context)
    count = _reminders(context.svc).delete_all(ident.user_id)
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
    ident = identify(update, context)
    reminder = _reminders(context.svc).owned(ident.user_id, _note_id(update))
    text = t(lang_of(ident, context), "remind.acked", what=reminder.text)
    await edit_text(update.callback_query, text)


async def snooze(update: Update, context: Ctx) -> None:
    """Remind again in 10 minutes or tomorrow at the same time."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = identify(update, context)
    lang = lang_of(ident, context)
    how = _args(update)[1:]
    if how not in (["10m"], ["1d"]):
        raise DomainError("button.stale")
    later: Snooze = "10m" if how == ["10m"] else "1d"
    again = _reminders(context.svc).snooze(ident.user_id, _note_id(update), later)
    text = t(lang, "remind.snoozed", **_line(again, lang))
    await edit_text(update.callback_query, text)


@renders(reminders.KIND)
async def render_reminder(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Show a due reminder with 知道了 and the two snooze buttons."""
    what = str(note.payload.get("text", ""))
    if brief:
        when = describe_when(note.due_at.astimezone(app.bot_data.services.config.tz), lang)
        return Rendered(t(lang, "remind.due_brief", when=when, what=what))
    markup = InlineKeyboardMarkup([
        [_button(t(lang, "remind.btn.ack"), "ack", note.id)],
        [_button(t(lang, "remind.btn.snooze_10m"), "snz", note.id, "10m"),
         _button(t(lang, "remind.btn.snooze_1d"), "snz", note.id, "1d")],
    ])
    return Rendered(t(lang, "remind.due", what=what), markup)


# -- office hours ------------------------------------------------------------------------------


def _office_card(lang: str, setting: OfficeSetting, setter: bool) -> str:
    lines = [t(lang, "office.status", unit=setting.unit_name, times="、".join(setting.times),
               state=t(lang, "office.state.on" if setting.enabled else "office.state.off"),
               default=t(lang, "office.default_mark") if setting.default else ""),
             t(lang, "office.usage")]
    if setter:
        lines.append(t(lang, "office.usage_setter"))
    return "\n\n".join(lines)


def _toggle(lang: str, setting: OfficeSetting) -> InlineKeyboardMarkup:
    state = "off" if setting.enabled else "on"
    return InlineKeyboardMarkup([[_button(t(lang, f"office.btn.{state}"), "oh", state)]])


async def office_hours_command(update: Update, context: Ctx) -> None:
    """Show or change office-hours reminders: /officehours [on|off|default|08:30 17:30]."""
    ident = identify(update, context)
    lang = lang_of(ident, context)
    office = _office(context.svc)
    arg = " ".join(context.args or []).strip().lower()
    if not arg:
        setting = office.setting(ident.user_id)
        card = _office_card(lang, setting, ident.role in office_hours.SETTERS)
        await answer(update, card, markup=_toggle(lang, setting))
        return
    if arg in ON or arg in OFF:
        setting = office.set_enabled(ident.user_id, arg in ON)
        key = "office.turned_on" if setting.enabled else "office.turned_off"
    else:
        setting = office.set_unit_times(ident, None if arg in DEFAULT else arg)
        key = "office.times_default" if setting.default else "office.times_set"
    office.plan_upcoming()  # a change made today applies from the next reminder on
    await reply(update, lang, key, unit=setting.unit_name, times="、".join(setting.times),
                markup=_toggle(lang, setting))


async def switch_office_hours(update: Update, context: Ctx) -> None:
    """Turn office-hours reminders on or off from a button."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = identify(update, context)
    lang = lang_of(ident, context)
    office = _office(context.svc)
    if _args(update) not in (["on"], ["off"]):
        raise DomainError("button.stale")
    setting = office.set_enabled(ident.user_id, _args(update) == ["on"])
    office.plan_upcoming()
    key = "office.turned_on" if setting.enabled else "office.turned_off"
    await edit_markup(update.callback_query, None)
    await reply(update, lang, key, times="、".join(setting.times), markup=_toggle(lang, setting))


@renders(office_hours.KIND)
async def render_office_hours(app: App, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Remind of arriving or leaving; nothing once it no longer applies or is hours late."""
    day, time = dt.date.fromisoformat(note.payload["day"]), str(note.payload["time"])
    if brief or not _office(app.bot_data.services).still_wanted(note.chat_id, day, time):
        return None
    key = "office.on_duty" if is_morning(time) else "office.off_duty"
    markup = InlineKeyboardMarkup([[_button(t(lang, "office.btn.stop"), "oh", "off")]])
    return Rendered(t(lang, key, time=time), markup)


@renders(office_hours.CALENDAR_KIND)
async def render_calendar_warning(app: App, note: Note, lang: str,
                                  brief: bool) -> Rendered | None:
    """Warn an office admin that next year's holiday calendar is missing, unless added since."""
    year = int(note.payload["year"])
    if not _office(app.bot_data.services).calendar_missing(year):
        return None
    return Rendered(t(lang, "office.calendar_missing_brief" if brief
                      else "office.calendar_missing", year=year))


# Per application, the local date last planned; a restart plans again (keys make that harmless).
_PLANNED_ON: weakref.WeakKeyDictionary[App, dt.date] = weakref.WeakKeyDictionary()


async def plan_office_hours(app: App, report: TickReport) -> None:
    """Plan today's and tomorrow's office-hours reminders, once per local date."""
    office = _office(app.bot_data.services)
    today = office.today()
    if _PLANNED_ON.get(app) == today:
        return
    try:
        office.plan_upcoming()
    except Exception as exc:  # planning must never stop the tick from delivering
        log.exception("planning office-hours reminders failed")
        report.errors.append(f"office-hours planning: {exc!r}")
        return
    _PLANNED_ON[app] = today


if plan_office_hours not in TICK_HOOKS:
    TICK_HOOKS.append(plan_office_hours)


# -- wiring ------------------------------------------------------------------------------------

# An edited message is not acted on again: editing "提醒我…" must not plan a second reminder.
_PRIVATE = filters.ChatType.PRIVATE
_TEXT = filters.TEXT & ~filters.COMMAND

FLOWS: list[Flow] = [Flow(FLOW, {
    Step.WHEN: [MessageHandler(_TEXT, type_when)],
    Step.WHAT: [MessageHandler(_TEXT, type_what)],
})]


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FEATURE, action))


def commands() -> list[Any]:
    return [
        CommandHandler("remind", set_reminder, filters=_PRIVATE),
        CommandHandler("reminders", list_reminders, filters=_PRIVATE),
        CommandHandler("officehours", office_hours_command, filters=_PRIVATE),
    ]


def buttons() -> list[Any]:
    return [_cb(delete_reminder, "del"), _cb(ask_delete_all, "all"), _cb(delete_all, "allok"),
            _cb(keep_all, "allno"), _cb(acknowledge, "ack"), _cb(snooze, "snz"),
            _cb(switch_office_hours, "oh")]


def messages() -> list[Any]:
    return [MessageHandler(_PRIVATE & _TEXT & filters.Regex(r"^\s*(提醒我|(?i:remind me)\b)"),
                           remind_from_text)]
