"""Office-hours reminders (上下班纪律): /officehours, the reminders and the calendar warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.bootstrap import Services
from bot.context import Ctx
from bot.delivery.rendering import Rendered, Renderers
from bot.domain import NoteKind
from bot.services.notify import Note
from bot.services.office_hours import SETTERS, OfficeSetting, moment
from bot.texts import fragment, t
from bot.words import DEFAULT, OFF, ON
from handlers.common import answer, button, button_choice, call, identify, lang_of, reply
from handlers.edits import edit_markup

# The reminders' buttons were first sent under the reminders feature; old ones still work.
FEATURE = "rem"


def _button(label: str, action: str, *args: object) -> Any:
    return button(label, FEATURE, action, *args)


def _times(lang: str, setting: OfficeSetting) -> str:
    """Each time named by what it is for: 上班 08:30、午休 12:00、下午上班 14:00、下班 17:30."""
    return fragment(lang, "list.sep").join(
        t(lang, f"office.name.{moment(time, setting.times)}") + f" {time}"
        for time in setting.times)


def _office_card(lang: str, setting: OfficeSetting, setter: bool) -> str:
    lines = [t(lang, "office.status", unit=setting.unit_name, times=_times(lang, setting),
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
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    office = context.svc.office_hours
    arg = " ".join(context.args or []).strip().lower()
    if not arg:
        setting = await call(office.setting, ident.user_id)
        card = _office_card(lang, setting, ident.role in SETTERS)
        await answer(update, card, markup=_toggle(lang, setting))
        return
    if arg in ON or arg in OFF:
        setting = await call(office.set_enabled, ident.user_id, arg in ON)
        key = "office.turned_on" if setting.enabled else "office.turned_off"
    else:
        setting = await call(office.set_unit_times, ident, None if arg in DEFAULT else arg)
        key = "office.times_default" if setting.default else "office.times_set"
    await call(office.plan_upcoming)  # a change made today applies from the next reminder on
    await reply(update, lang, key, unit=setting.unit_name, times=_times(lang, setting),
                markup=_toggle(lang, setting))


async def switch_office_hours(update: Update, context: Ctx) -> None:
    """Turn office-hours reminders on or off from a button."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    office = context.svc.office_hours
    choice = button_choice(update, ("on", "off"))
    setting = await call(office.set_enabled, ident.user_id, choice == "on")
    await call(office.plan_upcoming)
    key = "office.turned_on" if setting.enabled else "office.turned_off"
    await edit_markup(update.callback_query, None)
    await reply(update, lang, key, times=_times(lang, setting), markup=_toggle(lang, setting))


def render_office_hours(svc: Services, note: Note, lang: str, brief: bool) -> Rendered | None:
    """Remind of arriving or leaving; nothing once it no longer applies or is hours late."""
    day, time = dt.date.fromisoformat(note.payload["day"]), str(note.payload["time"])
    moment = None if brief else svc.office_hours.reminder_for(note.chat_id, day, time)
    if moment is None:
        return None
    key = f"office.{moment}"
    markup = InlineKeyboardMarkup([[_button(t(lang, "office.btn.stop"), "oh", "off")]])
    return Rendered(t(lang, key, time=time), markup)


def render_calendar_warning(svc: Services, note: Note, lang: str,
                            brief: bool) -> Rendered | None:
    """Warn an office admin that next year's holiday calendar is missing, unless added since."""
    year = int(note.payload["year"])
    if not svc.office_hours.calendar_missing(year):
        return None
    return Rendered(t(lang, "office.calendar_missing_brief" if brief
                      else "office.calendar_missing", year=year))


# -- wiring ------------------------------------------------------------------------------------

COMMANDS = (CommandHandler("officehours", office_hours_command,
                           filters=filters.ChatType.PRIVATE),)
BUTTONS = (CallbackQueryHandler(switch_office_hours, callbacks.pattern(FEATURE, "oh")),)
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {
    NoteKind.OFFICE_HOURS: render_office_hours,
    NoteKind.CALENDAR_MISSING: render_calendar_warning,
}
