"""Filing a problem: a guided conversation, or one labelled message, ending on a confirm card."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import html
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.config import Category
from bot.context import Ctx
from bot.dates import describe_when, parse_interval
from bot.domain import Level, Role, Source, Track
from bot.errors import DomainError
from bot.quickfile import parse_message
from bot.services.ledger import Draft
from bot.texts import shorten, t
from handlers.common import (
    answer,
    button_args,
    button_choice,
    display_name,
    identify,
    lang_of,
    local_now,
    read_future_time,
)
from handlers.dialog import END, Flow, begin, finish
from handlers.limits import fits, fitted

FLOW = "file"
MAX_TEXT = 2000
CHECKIN_DAYS = ("7", "14", "30")


class Step(enum.IntEnum):
    CATEGORY = 1
    LEVEL = 2
    SOURCE = 3
    DESCRIPTION = 4
    MEASURES = 5
    TRACK = 6
    LEADER = 7
    OWNER = 8
    DEADLINE = 9
    CHECKIN = 10
    CONFIRM = 11


def _button(label: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(FLOW, action, *args))


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def _draft(context: Ctx) -> Draft:
    assert context.dialog is not None
    return Draft.from_json(context.dialog.data["draft"])


def _store(context: Ctx, draft: Draft, **flags: Any) -> None:
    assert context.dialog is not None
    context.dialog.data["draft"] = draft.to_json()
    context.dialog.data.update(flags)


def next_step(draft: Draft, data: dict[str, Any]) -> Step:
    """Ask for the first thing still missing; optional fields count once answered or skipped."""
    skipped = set(data.get("skipped", ()))
    if not draft.category:
        return Step.CATEGORY
    if not draft.level and "level" not in skipped:
        return Step.LEVEL
    if not draft.source:
        return Step.SOURCE
    if not draft.description:
        return Step.DESCRIPTION
    if not draft.measures or not data.get("measures_done"):
        return Step.MEASURES
    if not draft.track:
        return Step.TRACK
    if not draft.leader_name and "leader" not in skipped:
        return Step.LEADER
    if not draft.owner_name:
        return Step.OWNER
    if draft.track == Track.ONGOING:
        return Step.CHECKIN if not draft.checkin_days else Step.CONFIRM
    return Step.DEADLINE if not draft.deadline else Step.CONFIRM


# -- entry points ------------------------------------------------------------------------------


async def start_filing(update: Update, context: Ctx) -> int | None:
    """Begin filing: from /file (with optional free or labelled text) or the menu button."""
    ident = identify(update, context)
    lang = lang_of(ident, context)
    if ident.unit is None:
        raise DomainError("file.no_unit")
    if update.callback_query:
        await update.callback_query.answer()
    text = _filing_text(update)
    draft, data = Draft(), dict[str, Any](skipped=[])
    if text.strip():
        names = [c.name for c in context.svc.config.categories]
        parsed = parse_message(text, now=local_now(context), categories=names)
        draft = parsed.draft
        data["measures_done"] = bool(draft.measures)
        lead = "\n".join(t(lang, k, **p) for k, p in parsed.problems) or None
    else:
        lead = t(lang, "file.intro")
    step = next_step(draft, data)
    begin(context, update, FLOW, step, {"draft": draft.to_json(), **data})
    await _ask(update, context, step, lang, lead)
    return step


def _filing_text(update: Update) -> str:
    """The text to file from: after /file (keeping line breaks), or the whole labelled message."""
    message = update.message
    if message is None or not message.text:
        return ""
    if message.text.startswith("/"):
        parts = message.text.split(None, 1)
        return parts[1] if len(parts) > 1 else ""
    return message.text


async def advance(update: Update, context: Ctx, lead: str | None = None) -> int:
    """Move to the next missing field and ask for it, after `lead` (what was just understood)."""
    assert context.dialog is not None
    step = next_step(_draft(context), context.dialog.data)
    context.dialog.state = step
    await _ask(update, context, step, lang_of(identify(update, context), context), lead)
    return step


async def _ask(update: Update, context: Ctx, step: Step, lang: str, lead: str | None) -> None:
    """Send the step's question, with the lead in the same message when both fit in one."""
    text, markup = ASK[step](update, context, lang)
    if lead and fits(f"{lead}\n\n{text}"):
        text = f"{lead}\n\n{text}"
    elif lead:
        await answer(update, lead)
    await answer(update, text, markup=markup)


# -- questions ---------------------------------------------------------------------------------

# A step's question: its text and buttons; advance() sends it.
Question = tuple[str, InlineKeyboardMarkup | None]


# Questions without the person's data are built once per language: InlineKeyboardMarkup is
# immutable, and building buttons is a good part of what a step costs.


def ask_category(update: Update, context: Ctx, lang: str) -> Question:
    return _category_question(lang, context.svc.config.categories)


@functools.cache
def _category_question(lang: str, categories: tuple[Category, ...]) -> Question:
    themes: dict[str, list[int]] = {}
    for i, c in enumerate(categories):
        themes.setdefault(c.theme, []).append(i)
    lines = [t(lang, "file.ask_category")]
    buttons = []
    for theme, indexes in themes.items():
        lines.append(f"【{theme}】" + "、".join(categories[i].name for i in indexes))
        buttons += [_button(categories[i].name, "cat", i) for i in indexes]
    return "\n".join(lines), InlineKeyboardMarkup(_rows(buttons, 2))


def ask_level(update: Update, context: Ctx, lang: str) -> Question:
    return _level_question(lang)


@functools.cache
def _level_question(lang: str) -> Question:
    buttons = [_button(t(lang, f"level.{lv.value}"), "level", lv.value) for lv in Level]
    buttons.append(_button(t(lang, "file.skip"), "level", "skip"))
    return t(lang, "file.ask_level"), InlineKeyboardMarkup([buttons])


def ask_source(update: Update, context: Ctx, lang: str) -> Question:
    return _source_question(lang)


@functools.cache
def _source_question(lang: str) -> Question:
    buttons = [_button(t(lang, f"source.{s.value}"), "src", s.value) for s in Source]
    return t(lang, "file.ask_source"), InlineKeyboardMarkup(_rows(buttons, 3))


def ask_description(update: Update, context: Ctx, lang: str) -> Question:
    return t(lang, "file.ask_description"), None


def ask_measures(update: Update, context: Ctx, lang: str) -> Question:
    measures = _draft(context).measures
    if not measures:
        return t(lang, "file.ask_measures"), None
    head = t(lang, "file.more_measures", count=len(measures))
    text = fitted(lambda width: head + "\n" + _esc(
        "\n".join(f"{i}. {shorten(m, width)}" for i, m in enumerate(measures, 1))))
    return text, _measures_done(lang)


@functools.cache
def _measures_done(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t(lang, "file.measures_done"), "mdone")]])


def ask_track(update: Update, context: Ctx, lang: str) -> Question:
    return _track_question(lang)


@functools.cache
def _track_question(lang: str) -> Question:
    buttons = [[_button(t(lang, f"track.{tr.value}") + " — " + t(lang, f"track.{tr.value}.hint"),
                        "track", tr.value)] for tr in Track]
    return t(lang, "file.ask_track"), InlineKeyboardMarkup(buttons)


def ask_leader(update: Update, context: Ctx, lang: str) -> Question:
    ident = identify(update, context)
    assert ident.unit is not None
    leaders = context.svc.ledger.unit_people(ident.unit.id, role=Role.LEADER, limit=8)
    buttons = [_button(p.name, "leader", p.user_id) for p in leaders]
    buttons.append(_button(t(lang, "file.skip"), "leader", "skip"))
    return t(lang, "file.ask_leader"), InlineKeyboardMarkup(_rows(buttons, 2))


def ask_owner(update: Update, context: Ctx, lang: str) -> Question:
    ident = identify(update, context)
    assert ident.unit is not None
    people = context.svc.ledger.unit_people(ident.unit.id, limit=9, exclude=ident.user_id)
    buttons = [_button(t(lang, "file.owner_me"), "owner", "me")]
    buttons += [_button(p.name, "owner", p.user_id) for p in people]
    return t(lang, "file.ask_owner"), InlineKeyboardMarkup(_rows(buttons, 2))


def ask_deadline(update: Update, context: Ctx, lang: str) -> Question:
    draft = _draft(context)
    if draft.track == Track.IMMEDIATE:
        default = _immediate_default(context)
        label = t(lang, "file.use_default", when=describe_when(default, lang))
        button = _button(label, "dl_default")
        return t(lang, "file.ask_deadline_immediate"), InlineKeyboardMarkup([[button]])
    return t(lang, "file.ask_deadline"), None


def ask_checkin(update: Update, context: Ctx, lang: str) -> Question:
    return _checkin_question(lang)


@functools.cache
def _checkin_question(lang: str) -> Question:
    buttons = [_button(t(lang, f"checkin.{d}"), "checkin", d) for d in CHECKIN_DAYS]
    return t(lang, "file.ask_checkin"), InlineKeyboardMarkup([buttons])


def ask_confirm(update: Update, context: Ctx, lang: str) -> Question:
    draft = _draft(context)
    return draft_card(draft, lang, context.svc.config.tz), _confirm_markup(lang)


@functools.cache
def _confirm_markup(lang: str) -> InlineKeyboardMarkup:
    edits = [_button(t(lang, f"file.edit.{f}"), "edit", f) for f in EDITABLE]
    return InlineKeyboardMarkup([[_button(t(lang, "file.confirm"), "confirm")], *_rows(edits, 3),
                                 [_button(t(lang, "file.cancel"), "cancel")]])


ASK: dict[Step, Callable[[Update, Ctx, str], Question]] = {
    Step.CATEGORY: ask_category, Step.LEVEL: ask_level, Step.SOURCE: ask_source,
    Step.DESCRIPTION: ask_description, Step.MEASURES: ask_measures, Step.TRACK: ask_track,
    Step.LEADER: ask_leader, Step.OWNER: ask_owner, Step.DEADLINE: ask_deadline,
    Step.CHECKIN: ask_checkin, Step.CONFIRM: ask_confirm,
}

# Which draft fields each edit button clears (and so asks again).
EDITABLE = ("category", "source", "description", "measures", "track", "leader", "owner",
            "deadline")
_CLEARS: dict[str, dict[str, Any]] = {
    "category": {"category": None},
    "source": {"level": None, "source": None},
    "description": {"description": None},
    "measures": {"measures": ()},
    "track": {"track": None, "deadline": None, "checkin_days": None},
    "leader": {"leader_name": None, "leader_user_id": None},
    "owner": {"owner_name": None, "owner_user_id": None},
    "deadline": {"deadline": None, "checkin_days": None},
}


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def draft_card(draft: Draft, lang: str, tz: Any) -> str:
    """Render every field of a draft, the deadline in full, for the confirm step."""
    when = (describe_when(draft.deadline_at.astimezone(tz), lang) if draft.deadline_at
            else t(lang, "checkin.every", days=draft.checkin_days) if draft.checkin_days else "—")
    level = t(lang, f"level.{draft.level}") if draft.level else "—"

    def render(width: int) -> str:
        measures = "\n".join(f"  {i}. {shorten(m, width)}" for i, m in enumerate(draft.measures, 1))
        return t(
            lang, "file.card", category=draft.category or "—", level=level,
            source=t(lang, f"source.{draft.source}") if draft.source else "—",
            description=shorten(draft.description or "—", width), measures=measures,
            track=t(lang, f"track.{draft.track}") if draft.track else "—",
            leader=shorten(draft.leader_name or "—", width),
            owner=shorten(draft.owner_name or "—", width), deadline=when,
        )

    return fitted(render)


def _immediate_default(context: Ctx) -> dt.datetime:
    """立行立改 is due by the end of the next working day."""
    now = local_now(context)
    day = context.svc.calendar.next_workday(now.date())
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=now.tzinfo)


# -- answers -----------------------------------------------------------------------------------


def _person(update: Update, context: Ctx, choice: str) -> tuple[int, str]:
    user_id = callbacks.number(choice)
    if user_id is None:
        raise DomainError("button.stale")
    return _unit_person(update, context, user_id)


async def _ack(update: Update) -> None:
    if update.callback_query:
        await update.callback_query.answer()


def _text(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text.strip()


async def _refuse(update: Update, context: Ctx, key: str, **params: Any) -> None:
    await answer(update, t(lang_of(identify(update, context), context), key, **params))


async def pick_category(update: Update, context: Ctx) -> int:
    """Take the tapped category."""
    await _ack(update)
    categories = context.svc.config.categories
    index = int(button_choice(update, map(str, range(len(categories)))))
    _store(context, _replace(_draft(context), category=categories[index].name))
    return await advance(update, context)


def _ordinal(text: str, count: int) -> bool:
    """Tell whether text is a list number 1..count (ASCII digits: int() refuses ² and huge)."""
    return text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= count


async def type_category(update: Update, context: Ctx) -> int | None:
    """Take a category typed by name or number."""
    text = _text(update)
    names = [c.name for c in context.svc.config.categories]
    chosen = names[int(text) - 1] if _ordinal(text, len(names)) else (
        text if text in names else None)
    if chosen is None:
        await _refuse(update, context, "file.bad_category")
        return None
    _store(context, _replace(_draft(context), category=chosen))
    return await advance(update, context)


async def pick_level(update: Update, context: Ctx) -> int:
    """Take the level (个人/单位/行业) or skip it."""
    await _ack(update)
    choice = button_choice(update, [*(lv.value for lv in Level), "skip"])
    assert context.dialog is not None
    if choice == "skip":
        context.dialog.data["skipped"] = [*context.dialog.data.get("skipped", []), "level"]
    else:
        _store(context, _replace(_draft(context), level=Level(choice).value))
    return await advance(update, context)


async def pick_source(update: Update, context: Ctx) -> int:
    """Take the problem's source."""
    await _ack(update)
    source = button_choice(update, (s.value for s in Source))
    _store(context, _replace(_draft(context), source=source))
    return await advance(update, context)


async def type_description(update: Update, context: Ctx) -> int | None:
    """Take the problem description."""
    text = _text(update)
    if not 2 <= len(text) <= MAX_TEXT:
        await _refuse(update, context, "file.bad_length", max=MAX_TEXT)
        return None
    _store(context, _replace(_draft(context), description=text))
    return await advance(update, context)


async def type_measure(update: Update, context: Ctx) -> int | None:
    """Add one measure per line of the message."""
    lines = [line.strip(" \t-•·、.0123456789") for line in _text(update).splitlines()]
    new = [line for line in lines if line]
    if not new or any(len(m) > MAX_TEXT for m in new):
        await _refuse(update, context, "file.bad_length", max=MAX_TEXT)
        return None
    draft = _draft(context)
    _store(context, _replace(draft, measures=(*draft.measures, *new)[:20]))
    return await advance(update, context)


async def measures_done(update: Update, context: Ctx) -> int:
    """Close the list of measures."""
    await _ack(update)
    if not _draft(context).measures:
        raise DomainError("file.ask_measures")
    assert context.dialog is not None
    context.dialog.data["measures_done"] = True
    return await advance(update, context)


async def pick_track(update: Update, context: Ctx) -> int:
    """Take the rectification track."""
    await _ack(update)
    track = button_choice(update, (tr.value for tr in Track))
    _store(context, _replace(_draft(context), track=track))
    return await advance(update, context)


async def pick_leader(update: Update, context: Ctx) -> int:
    """Take the responsible leader from the unit's leaders, or skip."""
    await _ack(update)
    choice = button_args(update, 1)[0]
    assert context.dialog is not None
    if choice == "skip":
        context.dialog.data["skipped"] = [*context.dialog.data.get("skipped", []), "leader"]
        return await advance(update, context)
    person = _person(update, context, choice)
    _store(context, _replace(_draft(context), leader_name=person[1], leader_user_id=person[0]))
    return await advance(update, context)


async def type_leader(update: Update, context: Ctx) -> int | None:
    """Take a leader's name typed in."""
    name = _text(update)[:100]
    _store(context, _replace(_draft(context), leader_name=name, leader_user_id=None))
    return await advance(update, context)


async def pick_owner(update: Update, context: Ctx) -> int:
    """Take the responsible person: me, or someone from the unit."""
    await _ack(update)
    choice = button_args(update, 1)[0]
    if choice == "me":
        user = update.effective_user
        assert user is not None
        person = (user.id, display_name(update))
    else:
        person = _person(update, context, choice)
    _store(context, _replace(_draft(context), owner_name=person[1], owner_user_id=person[0]))
    return await advance(update, context)


async def type_owner(update: Update, context: Ctx) -> int | None:
    """Take a responsible person's name typed in."""
    _store(context, _replace(_draft(context), owner_name=_text(update)[:100], owner_user_id=None))
    return await advance(update, context)


def _unit_person(update: Update, context: Ctx, user_id: int) -> tuple[int, str]:
    ident = identify(update, context)
    assert ident.unit is not None
    person = context.svc.ledger.unit_person(ident.unit.id, user_id)
    if person is None:
        raise DomainError("button.stale")
    return person.user_id, person.name


async def type_deadline(update: Update, context: Ctx) -> int | None:
    """Read a deadline typed in plain Chinese and echo it back in full."""
    when = await read_future_time(update, context, _text(update))
    if when is None:
        return None
    lang = lang_of(identify(update, context), context)
    _store(context, _replace(_draft(context), deadline=when.isoformat()))
    return await advance(update, context, t(lang, "deadline.echo", when=describe_when(when, lang)))


async def use_default_deadline(update: Update, context: Ctx) -> int:
    """Accept the end of the next working day for 立行立改."""
    await _ack(update)
    default = _immediate_default(context)
    _store(context, _replace(_draft(context), deadline=default.isoformat()))
    return await advance(update, context)


async def pick_checkin(update: Update, context: Ctx) -> int:
    """Take the check-in period for 长期坚持."""
    await _ack(update)
    days = int(button_choice(update, CHECKIN_DAYS))
    _store(context, _replace(_draft(context), checkin_days=days))
    return await advance(update, context)


async def type_checkin(update: Update, context: Ctx) -> int | None:
    """Read a check-in period such as 每两周."""
    period = parse_interval(_text(update))
    if period is None or not 1 <= period.days <= 90:
        await _refuse(update, context, "file.bad_checkin")
        return None
    _store(context, _replace(_draft(context), checkin_days=period.days))
    return await advance(update, context)


async def edit_field(update: Update, context: Ctx) -> int:
    """Clear one field from the confirm card so that it is asked again."""
    await _ack(update)
    field = button_choice(update, _CLEARS)
    assert context.dialog is not None
    data = context.dialog.data
    data["skipped"] = [s for s in data.get("skipped", []) if s not in ("level", "leader")]
    if field == "measures":
        data["measures_done"] = False
    _store(context, _replace(_draft(context), **_CLEARS[field]))
    return await advance(update, context)


async def confirm_filing(update: Update, context: Ctx) -> int:
    """Save the draft to the unit's ledger; nothing is saved before this button."""
    await _ack(update)
    ident = identify(update, context)
    lang = lang_of(ident, context)
    problem = context.svc.ledger.file(_draft(context), by=ident, by_name=display_name(update))
    finish(context, update)
    await answer(update, t(lang, "file.saved", number=problem.number, unit=problem.unit_name))
    return END


async def cancel_filing(update: Update, context: Ctx) -> int:
    """Drop the draft from the confirm card."""
    await _ack(update)
    finish(context, update)
    await _refuse(update, context, "cancel.done")
    return END


def _replace(draft: Draft, **changes: Any) -> Draft:
    return dataclasses.replace(draft, **changes)


def _cb(callback: Any, action: str) -> CallbackQueryHandler[Ctx, Any]:
    return CallbackQueryHandler(callback, callbacks.pattern(FLOW, action))


_TEXT = filters.TEXT & ~filters.COMMAND


def _msg(callback: Any) -> MessageHandler[Ctx, Any]:
    return MessageHandler(_TEXT, callback)


FILING = Flow(FLOW, {
    Step.CATEGORY: [_cb(pick_category, "cat"), _msg(type_category)],
    Step.LEVEL: [_cb(pick_level, "level")],
    Step.SOURCE: [_cb(pick_source, "src")],
    Step.DESCRIPTION: [_msg(type_description)],
    Step.MEASURES: [_msg(type_measure), _cb(measures_done, "mdone")],
    Step.TRACK: [_cb(pick_track, "track")],
    Step.LEADER: [_cb(pick_leader, "leader"), _msg(type_leader)],
    Step.OWNER: [_cb(pick_owner, "owner"), _msg(type_owner)],
    Step.DEADLINE: [_msg(type_deadline), _cb(use_default_deadline, "dl_default")],
    Step.CHECKIN: [_cb(pick_checkin, "checkin"), _msg(type_checkin)],
    Step.CONFIRM: [_cb(confirm_filing, "confirm"), _cb(edit_field, "edit"),
                   _cb(cancel_filing, "cancel")],
})
