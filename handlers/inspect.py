"""/inspect: the 督导组 files a 暗访监督 finding into a unit's ledger, with photos."""

from __future__ import annotations

import enum

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.context import Ctx
from bot.dates import describe_when
from bot.delivery.rendering import Renderers
from bot.quickfile import MAX_TEXT
from bot.services.inspection import MAX_PHOTOS
from bot.texts import t
from handlers.common import (
    answer,
    call,
    display_name,
    identify,
    lang_of,
    read_future_time,
    typed,
)
from handlers.dialog import END, Flow, begin, concluding, here

DONE_WORDS = ("完成", "好了", "没有", "无", "done", "no")


class Step(enum.IntEnum):
    UNIT = 1
    CATEGORY = 2
    TEXT = 3
    PHOTOS = 4
    DEADLINE = 5


async def start_finding(update: Update, context: Ctx) -> None:
    """/inspect: which unit the finding is about."""
    ident = await identify(update, context)
    context.svc.inspection.check(ident)
    units = await call(context.svc.cases.units)
    await begin(context, update, "inspect", Step.UNIT, {"photos": []})
    await answer(update, t(lang_of(ident, context), "inspect.ask_unit", units="\n".join(
        f"{u.code} {u.name}" for u in units)))


async def receive_unit(update: Update, context: Ctx) -> int | None:
    lang = lang_of(await identify(update, context), context)
    unit = await call(context.svc.membership.find_unit, typed(update))
    if unit is None:
        await answer(update, t(lang, "cases.unknown_unit_code", code=typed(update)))
        return None
    assert context.dialog is not None
    context.dialog.data["unit"] = unit.id
    names = [c.name for c in context.svc.config.categories]
    await answer(update, t(lang, "inspect.ask_category", unit=unit.name, categories="\n".join(
        f"{n}. {name}" for n, name in enumerate(names, 1))))
    return Step.CATEGORY


async def receive_category(update: Update, context: Ctx) -> int | None:
    lang = lang_of(await identify(update, context), context)
    names = [c.name for c in context.svc.config.categories]
    choice = typed(update)
    picked = (names[int(choice) - 1] if choice.isdigit() and 0 < int(choice) <= len(names)
              else choice if choice in names else None)
    if picked is None:
        await answer(update, t(lang, "inspect.bad_category"))
        return None
    assert context.dialog is not None
    context.dialog.data["category"] = picked
    await answer(update, t(lang, "inspect.ask_text"))
    return Step.TEXT


async def receive_text(update: Update, context: Ctx) -> int | None:
    """What was found: text, or a photo with the text as its caption."""
    lang = lang_of(await identify(update, context), context)
    message = update.effective_message
    assert message is not None and context.dialog is not None
    text = (message.text or message.caption or "").strip()
    if not text or len(text) > MAX_TEXT:
        await answer(update, t(lang, "item.need_text") if not text
                     else t(lang, "file.bad_length", max=MAX_TEXT))
        return None
    context.dialog.data["text"] = text
    if message.photo:
        context.dialog.data["photos"].append(message.photo[-1].file_id)
    await answer(update, t(lang, "inspect.ask_photos", n=len(context.dialog.data["photos"])))
    return Step.PHOTOS


async def receive_photo(update: Update, context: Ctx) -> int | None:
    """More photos, one a message, until 完成."""
    lang = lang_of(await identify(update, context), context)
    message = update.effective_message
    assert message is not None and context.dialog is not None
    photos = context.dialog.data["photos"]
    if message.photo:
        if len(photos) >= MAX_PHOTOS:
            await answer(update, t(lang, "inspect.too_many_photos", max=MAX_PHOTOS))
            return None
        photos.append(message.photo[-1].file_id)
        await answer(update, t(lang, "inspect.ask_photos", n=len(photos)))
        return None
    if typed(update).lower() not in DONE_WORDS:
        await answer(update, t(lang, "inspect.ask_photos", n=len(photos)))
        return None
    await answer(update, t(lang, "cases.ask_deadline"))
    return Step.DEADLINE


async def receive_deadline(update: Update, context: Ctx) -> int | None:
    when = await read_future_time(update, context, typed(update))
    if when is None:
        return None
    ident = await identify(update, context)
    assert context.dialog is not None
    data = context.dialog.data
    item = await concluding(context, update, call(
        context.svc.inspection.file_finding, data["unit"], by=ident,
        by_name=display_name(update), description=data["text"], category=data["category"],
        deadline=when, photos=data["photos"], dialog=here(context, update)))
    lang = lang_of(ident, context)
    await answer(update, t(lang, "inspect.filed", number=item.number, unit=item.unit_name,
                           deadline=describe_when(when, lang), n=len(item.evidence)))
    return END


_TEXT = filters.TEXT & ~filters.COMMAND

COMMANDS = (CommandHandler("inspect", start_finding, filters=filters.ChatType.PRIVATE),)
BUTTONS = ()
MESSAGES = ()
FLOWS = (Flow("inspect", {
    Step.UNIT: [MessageHandler(_TEXT, receive_unit)],
    Step.CATEGORY: [MessageHandler(_TEXT, receive_category)],
    Step.TEXT: [MessageHandler(_TEXT | filters.PHOTO, receive_text)],
    Step.PHOTOS: [MessageHandler(_TEXT | filters.PHOTO, receive_photo)],
    Step.DEADLINE: [MessageHandler(_TEXT, receive_deadline)],
}),)
RENDERERS: Renderers = {}
