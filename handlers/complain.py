"""/complain in a private chat: the public form's steps for someone who is not a member."""

from __future__ import annotations

import enum

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.errors import DomainError
from bot.services.case_data import KINDS, PHONE
from bot.texts import t
from handlers.common import answer, call, identify, lang_of, typed, user_lang
from handlers.dialog import END, Flow, begin, concluding, here

ANONYMOUS = ("匿名", "anonymous")


class Step(enum.IntEnum):
    UNIT = 1
    KIND = 2
    TEXT = 3
    CONTACT = 4


async def start_complaint(update: Update, context: Ctx) -> None:
    """/complain: ask which unit the complaint is about (反映对象)."""
    lang = await user_lang(update, context)
    units = await call(context.svc.cases.units)
    await begin(context, update, "complain", Step.UNIT, {})
    await answer(update, t(lang, "complain.ask_unit", units="\n".join(
        f"{u.code} {u.name}" for u in units)))


async def receive_unit(update: Update, context: Ctx) -> int | None:
    lang = await user_lang(update, context)
    unit = await call(context.svc.membership.find_unit, typed(update))
    if unit is None:
        await answer(update, t(lang, "cases.unknown_unit_code", code=typed(update)))
        return None
    assert context.dialog is not None
    context.dialog.data["unit"] = unit.id
    await answer(update, t(lang, "complain.ask_kind", unit=unit.name))
    return Step.KIND


async def receive_kind(update: Update, context: Ctx) -> int | None:
    lang = await user_lang(update, context)
    choice = typed(update)
    labels = {t(lang, f"cases.kind.{k.value}"): k for k in KINDS}
    kind = {"1": KINDS[0], "2": KINDS[1], **labels}.get(choice)
    if kind is None:
        await answer(update, t(lang, "cases.bad_kind"))
        return None
    assert context.dialog is not None
    context.dialog.data["kind"] = kind.value
    await answer(update, t(lang, "complain.ask_text"))
    return Step.TEXT


async def receive_text(update: Update, context: Ctx) -> int | None:
    """The matter itself: text, or a photo with its caption as the text."""
    lang = await user_lang(update, context)
    message = update.effective_message
    assert message is not None and context.dialog is not None
    text = (message.text or message.caption or "").strip()
    limits = context.svc.config.cases
    if not text or len(text) > limits.max_text:
        await answer(update, t(lang, "cases.empty") if not text
                     else t(lang, "cases.too_long", limit=limits.max_text))
        return None
    context.dialog.data["text"] = text
    if message.photo:
        context.dialog.data["photo"] = message.photo[-1].file_id
    await answer(update, t(lang, "complain.ask_contact"))
    return Step.CONTACT


async def receive_contact(update: Update, context: Ctx) -> int | None:
    """匿名, or a name and a phone number: then the case is registered and its 查询码 given."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    reply = typed(update)
    name = phone = None
    anonymous = reply.lower() in ANONYMOUS
    if not anonymous:
        words = reply.split()
        if words and PHONE.match(words[-1]):
            phone = words.pop()
        name = " ".join(words) or None
    assert context.dialog is not None
    data = context.dialog.data
    photo = await _photo(context, data.get("photo"))
    submitted = await concluding(context, update, call(
        context.svc.cases.submit, unit_id=data["unit"], kind=data["kind"], text=data["text"],
        photo=photo, contact_name=name, contact_phone=phone, anonymous=anonymous,
        channel=f"chat:{ident.user_id}", dialog=here(context, update)))
    web = context.svc.config.web
    if web.public_url:
        await answer(update, t(lang, "complain.done", code=submitted.code,
                               where=f"{web.public_url}/{web.public_path}/track"))
    else:
        await answer(update, t(lang, "complain.done_code", code=submitted.code))
    return END


async def _photo(context: Ctx, file_id: str | None) -> bytes | None:
    if not file_id:
        return None
    found = await context.bot.get_file(file_id)
    if found.file_size and found.file_size > context.svc.config.cases.max_photo_bytes:
        raise DomainError("cases.photo_too_big",
                          limit=f"{context.svc.config.cases.max_photo_bytes / 1e6:g}")
    return bytes(await found.download_as_bytearray())


_TEXT = filters.TEXT & ~filters.COMMAND

COMMANDS = (CommandHandler("complain", start_complaint, filters=filters.ChatType.PRIVATE),)
BUTTONS = ()
MESSAGES = ()
FLOWS = (Flow("complain", {
    Step.UNIT: [MessageHandler(_TEXT, receive_unit)],
    Step.KIND: [MessageHandler(_TEXT, receive_kind)],
    Step.TEXT: [MessageHandler(_TEXT | filters.PHOTO, receive_text)],
    Step.CONTACT: [MessageHandler(_TEXT, receive_contact)],
}),)
RENDERERS: Renderers = {}
