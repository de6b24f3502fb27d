"""Filing a problem: a guided conversation, or one labelled message, ending on a confirm card."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks, quickfile
from bot.context import Ctx
from bot.dates import describe_when, parse_interval
from bot.delivery.rendering import Renderers
from bot.domain import Level, Source, Track
from bot.errors import DomainError
from bot.quickfile import MAX_MEASURES, MAX_NAME, MAX_TEXT, parse_message
from bot.services.problem import Draft
from bot.texts import t
from bot.words import split_measures
from handlers.common import (
    ack,
    answer,
    button_args,
    button_choice,
    call,
    display_name,
    identify,
    lang_of,
    local_now,
    read_future_time,
    skips,
    typed,
    typed_person,
    user_lang,
)
from handlers.dialog import END, Flow, begin, ended, finish, here
from handlers.filing_questions import (
    ASK,
    CHECKIN_DAYS,
    CLEARS,
    FLOW,
    Step,
    draft_of,
    immediate_default,
    linked,
    next_step,
    replace,
    store,
)
from handlers.limits import fits

# -- entry points ------------------------------------------------------------------------------


async def start_filing(update: Update, context: Ctx) -> int | None:
    """Begin filing: from /file (with optional free or labelled text) or the menu button."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    if ident.unit is None:
        raise DomainError("file.no_unit")
    if update.callback_query:
        await update.callback_query.answer()
    text = _filing_text(update)
    draft, data = Draft(), dict[str, Any](skipped=[])
    if text.strip():
        names = [c.name for c in context.svc.config.categories]
        parsed = parse_message(text, now=local_now(context), categories=names,
                               calendar=context.svc.calendar)
        draft = await linked(update, context, parsed.draft, data)
        data["measures_done"] = bool(draft.measures)
        lead = "\n".join(t(lang, k, **p) for k, p in parsed.problems) or None
    else:
        lead = t(lang, "file.intro")
    step = next_step(draft, data)
    await begin(context, update, FLOW, step, {"draft": draft.to_json(), **data})
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
    step = next_step(draft_of(context), context.dialog.data)
    context.dialog.state = step
    await _ask(update, context, step, await user_lang(update, context), lead)
    return step


async def _ask(update: Update, context: Ctx, step: Step, lang: str, lead: str | None) -> None:
    """Send the step's question, with the lead in the same message when both fit in one."""
    text, markup = await ASK[step](update, context, lang)
    if lead and fits(f"{lead}\n\n{text}"):
        text = f"{lead}\n\n{text}"
    elif lead:
        await answer(update, lead)
    await answer(update, text, markup=markup)


async def _person(update: Update, context: Ctx, choice: str) -> tuple[int, str]:
    user_id = callbacks.number(choice)
    if user_id is None:
        raise DomainError("button.stale")
    return await _unit_person(update, context, user_id)


async def _refuse(update: Update, context: Ctx, key: str, **params: Any) -> None:
    await answer(update, t(await user_lang(update, context), key, **params))


async def pick_category(update: Update, context: Ctx) -> int:
    """Take the tapped category."""
    await ack(update)
    categories = context.svc.config.categories
    index = int(button_choice(update, map(str, range(len(categories)))))
    store(context, replace(draft_of(context), category=categories[index].name))
    return await advance(update, context)


def _ordinal(text: str, count: int) -> bool:
    """Tell whether text is a list number 1..count (ASCII digits: int() refuses ² and huge)."""
    return text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= count


async def type_category(update: Update, context: Ctx) -> int | None:
    """Take a category typed by name or number."""
    text = typed(update)
    names = [c.name for c in context.svc.config.categories]
    chosen = names[int(text) - 1] if _ordinal(text, len(names)) else (
        text if text in names else None)
    if chosen is None:
        await _refuse(update, context, "file.bad_category")
        return None
    store(context, replace(draft_of(context), category=chosen))
    return await advance(update, context)


async def pick_level(update: Update, context: Ctx) -> int:
    """Take the level (个人/单位/行业) or skip it."""
    await ack(update)
    choice = button_choice(update, [*(lv.value for lv in Level), "skip"])
    assert context.dialog is not None
    if choice == "skip":
        context.dialog.data["skipped"] = [*context.dialog.data.get("skipped", []), "level"]
    else:
        store(context, replace(draft_of(context), level=Level(choice).value))
    return await advance(update, context)


async def pick_source(update: Update, context: Ctx) -> int:
    """Take the problem's source."""
    await ack(update)
    source = button_choice(update, (s.value for s in Source))
    store(context, replace(draft_of(context), source=source))
    return await advance(update, context)


async def type_description(update: Update, context: Ctx) -> int | None:
    """Take the problem description."""
    text = typed(update)
    if not 2 <= len(text) <= MAX_TEXT:
        await _refuse(update, context, "file.bad_length", max=MAX_TEXT)
        return None
    store(context, replace(draft_of(context), description=text))
    return await advance(update, context)


async def type_measure(update: Update, context: Ctx) -> int | None:
    """Add the measures of the message: one per line, or numbered / separated by ； inline."""
    new = split_measures(typed(update))
    if not new or any(len(m) > MAX_TEXT for m in new):
        await _refuse(update, context, "file.bad_length", max=MAX_TEXT)
        return None
    draft = draft_of(context)
    if len(draft.measures) + len(new) > MAX_MEASURES:
        await _refuse(update, context, "file.too_many_measures", max=MAX_MEASURES,
                      count=len(draft.measures))
        return None
    store(context, replace(draft, measures=(*draft.measures, *new)))
    return await advance(update, context)


async def measures_done(update: Update, context: Ctx) -> int:
    """Close the list of measures."""
    await ack(update)
    if not draft_of(context).measures:
        raise DomainError("file.ask_measures")
    assert context.dialog is not None
    context.dialog.data["measures_done"] = True
    return await advance(update, context)


async def pick_track(update: Update, context: Ctx) -> int:
    """Take the rectification track."""
    await ack(update)
    track = button_choice(update, (tr.value for tr in Track))
    store(context, replace(draft_of(context), track=track))
    return await advance(update, context)


async def pick_leader(update: Update, context: Ctx) -> int:
    """Take the responsible leader from the unit's leaders, or skip."""
    await ack(update)
    choice = button_args(update, 1)[0]
    assert context.dialog is not None
    if choice == "skip":
        context.dialog.data["skipped"] = [*context.dialog.data.get("skipped", []), "leader"]
        return await advance(update, context)
    person = await _person(update, context, choice)
    store(context, replace(draft_of(context), leader_name=person[1], leader_user_id=person[0]))
    return await advance(update, context)


async def type_leader(update: Update, context: Ctx) -> int | None:
    """Take a leader's name typed in."""
    name = typed(update)
    if len(name) > MAX_NAME:
        await _refuse(update, context, "file.bad_length", max=MAX_NAME)
        return None
    assert context.dialog is not None
    if skips(name):
        context.dialog.data["skipped"] = [*context.dialog.data.get("skipped", []), "leader"]
        return await advance(update, context)
    name, user_id = await typed_person(update, context, name)
    store(context, replace(draft_of(context), leader_name=name, leader_user_id=user_id))
    return await advance(update, context)


async def pick_owner(update: Update, context: Ctx) -> int:
    """Take the responsible person: me, or someone from the unit."""
    await ack(update)
    choice = button_args(update, 1)[0]
    if choice == "me":
        user = update.effective_user
        assert user is not None
        person = (user.id, display_name(update))
    else:
        person = await _person(update, context, choice)
    store(context, replace(draft_of(context), owner_name=person[1], owner_user_id=person[0]))
    return await advance(update, context)


async def type_owner(update: Update, context: Ctx) -> int | None:
    """Take a responsible person's name typed in."""
    name = typed(update)
    if len(name) > MAX_NAME:
        await _refuse(update, context, "file.bad_length", max=MAX_NAME)
        return None
    if skips(name):
        # Every item has a 责任人: the question is asked again, 跳过 is not taken for a name.
        return await advance(update, context)
    name, user_id = await typed_person(update, context, name)
    store(context, replace(draft_of(context), owner_name=name, owner_user_id=user_id))
    return await advance(update, context)


async def _unit_person(update: Update, context: Ctx, user_id: int) -> tuple[int, str]:
    ident = await identify(update, context)
    assert ident.unit is not None
    person = await call(context.svc.ledger.unit_person, ident.unit.id, user_id)
    if person is None:
        raise DomainError("button.stale")
    return person.user_id, person.name


async def type_deadline(update: Update, context: Ctx) -> int | None:
    """Read a deadline typed in plain Chinese and echo it back in full."""
    when = await read_future_time(update, context, typed(update))
    if when is None:
        return None
    lang = await user_lang(update, context)
    store(context, replace(draft_of(context), deadline=when.isoformat()))
    return await advance(update, context, t(lang, "deadline.echo", when=describe_when(when, lang)))


async def use_default_deadline(update: Update, context: Ctx) -> int:
    """Accept the end of the next working day for 立行立改."""
    await ack(update)
    default = immediate_default(context)
    store(context, replace(draft_of(context), deadline=default.isoformat()))
    return await advance(update, context)


async def pick_checkin(update: Update, context: Ctx) -> int:
    """Take the check-in period for 长期坚持."""
    await ack(update)
    days = int(button_choice(update, CHECKIN_DAYS))
    store(context, replace(draft_of(context), checkin_days=days))
    return await advance(update, context)


async def type_checkin(update: Update, context: Ctx) -> int | None:
    """Read a check-in period such as 每两周."""
    period = parse_interval(typed(update))
    if period is None or not 1 <= period.days <= 90:
        await _refuse(update, context, "file.bad_checkin")
        return None
    store(context, replace(draft_of(context), checkin_days=period.days))
    return await advance(update, context)


async def edit_field(update: Update, context: Ctx) -> int:
    """Clear one field from the confirm card so that it is asked again."""
    await ack(update)
    field = button_choice(update, CLEARS)
    assert context.dialog is not None
    data = context.dialog.data
    data["skipped"] = [s for s in data.get("skipped", []) if s not in ("level", "leader")]
    if field == "measures":
        data["measures_done"] = False
    store(context, replace(draft_of(context), **CLEARS[field]))
    return await advance(update, context)


async def confirm_filing(update: Update, context: Ctx) -> int:
    """Save the draft to the unit's ledger; nothing is saved before this button."""
    await ack(update)
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    problem = await call(context.svc.ledger.confirm, here(context, update, Step.CONFIRM),
                         by=ident, by_name=display_name(update))
    ended(context)
    await answer(update, t(lang, "file.saved", number=problem.number, unit=problem.unit_name))
    return END


async def cancel_filing(update: Update, context: Ctx) -> int:
    """Drop the draft from the confirm card."""
    await ack(update)
    await finish(context, update)
    await _refuse(update, context, "cancel.done")
    return END


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


COMMANDS = (CommandHandler("file", start_filing, filters=filters.ChatType.PRIVATE),)
BUTTONS = (CallbackQueryHandler(start_filing, callbacks.pattern("file", "start")),)
# A labelled message (问题：… 措施：…) files in one go.
MESSAGES = (MessageHandler(
    filters.ChatType.PRIVATE & _TEXT & filters.Regex(quickfile.STARTS_LABELLED), start_filing),)
FLOWS = (FILING,)
RENDERERS: Renderers = {}
