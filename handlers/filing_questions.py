"""Filing's questions: the steps, what each asks, and the card that is confirmed at the end."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import html
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.config import Category
from bot.context import Ctx
from bot.dates import describe_when
from bot.domain import Level, Role, Source, Track
from bot.services.problem import Draft
from bot.texts import fragment, shorten, t
from handlers.common import call, identify, local_now, skips, typed_person
from handlers.limits import fitted

FLOW = "file"
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


def draft_of(context: Ctx) -> Draft:
    assert context.dialog is not None
    return Draft.from_json(context.dialog.data["draft"])


def store(context: Ctx, draft: Draft, **flags: Any) -> None:
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


# -- questions ---------------------------------------------------------------------------------

# A step's question: its text and buttons; advance() sends it.
Question = tuple[str, InlineKeyboardMarkup | None]


# Questions without the person's data are built once per language: InlineKeyboardMarkup is
# immutable, and building buttons is a good part of what a step costs.


async def ask_category(update: Update, context: Ctx, lang: str) -> Question:
    return _category_question(lang, context.svc.config.categories)


@functools.cache
def _category_question(lang: str, categories: tuple[Category, ...]) -> Question:
    themes: dict[str, list[int]] = {}
    for i, c in enumerate(categories):
        themes.setdefault(c.theme, []).append(i)
    lines = [t(lang, "file.ask_category")]
    buttons = []
    for theme, indexes in themes.items():
        lines.append(t(lang, "file.theme_line", theme=theme,
                       names=fragment(lang, "list.sep").join(categories[i].name for i in indexes)))
        buttons += [_button(categories[i].name, "cat", i) for i in indexes]
    return "\n".join(lines), InlineKeyboardMarkup(_rows(buttons, 2))


async def ask_level(update: Update, context: Ctx, lang: str) -> Question:
    return _level_question(lang)


@functools.cache
def _level_question(lang: str) -> Question:
    buttons = [_button(t(lang, f"level.{lv.value}"), "level", lv.value) for lv in Level]
    buttons.append(_button(t(lang, "file.skip"), "level", "skip"))
    return t(lang, "file.ask_level"), InlineKeyboardMarkup(_rows(buttons, 2))


async def ask_source(update: Update, context: Ctx, lang: str) -> Question:
    return _source_question(lang)


@functools.cache
def _source_question(lang: str) -> Question:
    buttons = [_button(t(lang, f"source.{s.value}"), "src", s.value) for s in Source]
    return t(lang, "file.ask_source"), InlineKeyboardMarkup(_rows(buttons, 3))


async def ask_description(update: Update, context: Ctx, lang: str) -> Question:
    return t(lang, "file.ask_description"), None


async def ask_measures(update: Update, context: Ctx, lang: str) -> Question:
    measures = draft_of(context).measures
    if not measures:
        return t(lang, "file.ask_measures"), None
    head = t(lang, "file.more_measures", count=len(measures))
    text = fitted(lambda width: head + "\n" + _esc(
        "\n".join(f"{i}. {shorten(m, width)}" for i, m in enumerate(measures, 1))))
    return text, _measures_done(lang)


@functools.cache
def _measures_done(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t(lang, "file.measures_done"), "mdone")]])


async def ask_track(update: Update, context: Ctx, lang: str) -> Question:
    return _track_question(lang)


@functools.cache
def _track_question(lang: str) -> Question:
    buttons = [[_button(t(lang, f"track.{tr.value}") + " — " + t(lang, f"track.{tr.value}.hint"),
                        "track", tr.value)] for tr in Track]
    return t(lang, "file.ask_track"), InlineKeyboardMarkup(buttons)


async def ask_leader(update: Update, context: Ctx, lang: str) -> Question:
    ident = await identify(update, context)
    assert ident.unit is not None
    leaders = await call(context.svc.ledger.unit_people, ident.unit.id, role=Role.LEADER,
                         limit=8)
    buttons = [_button(p.name, "leader", p.user_id) for p in leaders]
    buttons.append(_button(t(lang, "file.skip"), "leader", "skip"))
    return t(lang, "file.ask_leader"), InlineKeyboardMarkup(_rows(buttons, 2))


async def ask_owner(update: Update, context: Ctx, lang: str) -> Question:
    ident = await identify(update, context)
    assert ident.unit is not None
    people = await call(context.svc.ledger.unit_people, ident.unit.id, limit=9,
                        exclude=ident.user_id)
    buttons = [_button(t(lang, "file.owner_me"), "owner", "me")]
    buttons += [_button(p.name, "owner", p.user_id) for p in people]
    return t(lang, "file.ask_owner"), InlineKeyboardMarkup(_rows(buttons, 2))


async def ask_deadline(update: Update, context: Ctx, lang: str) -> Question:
    draft = draft_of(context)
    if draft.track == Track.IMMEDIATE:
        default = immediate_default(context)
        label = t(lang, "file.use_default", when=describe_when(default, lang))
        button = _button(label, "dl_default")
        return t(lang, "file.ask_deadline_immediate"), InlineKeyboardMarkup([[button]])
    return t(lang, "file.ask_deadline"), None


async def ask_checkin(update: Update, context: Ctx, lang: str) -> Question:
    return _checkin_question(lang)


@functools.cache
def _checkin_question(lang: str) -> Question:
    buttons = [_button(t(lang, f"checkin.{d}"), "checkin", d) for d in CHECKIN_DAYS]
    return t(lang, "file.ask_checkin"), InlineKeyboardMarkup([buttons])


async def ask_confirm(update: Update, context: Ctx, lang: str) -> Question:
    draft = draft_of(context)
    return draft_card(draft, lang, context.svc.config.tz), _confirm_markup(lang)


@functools.cache
def _confirm_markup(lang: str) -> InlineKeyboardMarkup:
    edits = [_button(t(lang, f"file.edit.{f}"), "edit", f) for f in EDITABLE]
    return InlineKeyboardMarkup([[_button(t(lang, "file.confirm"), "confirm")], *_rows(edits, 3),
                                 [_button(t(lang, "file.cancel"), "cancel")]])


ASK: dict[Step, Callable[[Update, Ctx, str], Awaitable[Question]]] = {
    Step.CATEGORY: ask_category, Step.LEVEL: ask_level, Step.SOURCE: ask_source,
    Step.DESCRIPTION: ask_description, Step.MEASURES: ask_measures, Step.TRACK: ask_track,
    Step.LEADER: ask_leader, Step.OWNER: ask_owner, Step.DEADLINE: ask_deadline,
    Step.CHECKIN: ask_checkin, Step.CONFIRM: ask_confirm,
}

# Which draft fields each edit button clears (and so asks again).
EDITABLE = ("category", "source", "description", "measures", "track", "leader", "owner",
            "deadline")
CLEARS: dict[str, dict[str, Any]] = {
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

    def unlinked(user_id: int | None, name: str | None) -> str:
        # A typed name that is nobody (or several people) of the unit gets no reminders.
        return t(lang, "file.unlinked") if name and user_id is None else ""

    def render(width: int) -> str:
        measures = "\n".join(f"  {i}. {shorten(m, width)}" for i, m in enumerate(draft.measures, 1))
        return t(
            lang, "file.card", category=draft.category or "—", level=level,
            source=t(lang, f"source.{draft.source}") if draft.source else "—",
            description=shorten(draft.description or "—", width), measures=measures,
            track=t(lang, f"track.{draft.track}") if draft.track else "—",
            leader=shorten(draft.leader_name or "—", width) + unlinked(draft.leader_user_id,
                                                                      draft.leader_name),
            owner=shorten(draft.owner_name or "—", width) + unlinked(draft.owner_user_id,
                                                                    draft.owner_name),
            deadline=when,
        )

    return fitted(render)


async def linked(update: Update, context: Ctx, draft: Draft, data: dict[str, Any]) -> Draft:
    """Names typed for 责任人 and 责任领导 in one message, taken as the guided steps take them:
    跳过 is no name, 我 is the sender, a member's name links to him."""
    changes: dict[str, Any] = {}
    for role in ("leader", "owner"):
        name = getattr(draft, f"{role}_name")
        if not name:
            continue
        if skips(name):
            changes.update({f"{role}_name": None, f"{role}_user_id": None})
            if role == "leader":
                data["skipped"] = [*data.get("skipped", []), "leader"]
            continue
        name, user_id = await typed_person(update, context, name)
        changes.update({f"{role}_name": name, f"{role}_user_id": user_id})
    return replace(draft, **changes)


def immediate_default(context: Ctx) -> dt.datetime:
    """立行立改 is due by the end of the next working day."""
    now = local_now(context)
    day = context.svc.calendar.next_workday(now.date())
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=now.tzinfo)


# -- answers -----------------------------------------------------------------------------------




def replace(draft: Draft, **changes: Any) -> Draft:
    return dataclasses.replace(draft, **changes)
