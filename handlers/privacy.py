"""/mydata: send the person everything the bot stores about them, as a JSON document."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import Ctx
from bot.delivery.rendering import Renderers
from bot.texts import t
from handlers.common import identify, lang_of


async def send_my_data(update: Update, context: Ctx) -> None:
    """Send the person their own data export."""
    ident = await identify(update, context)
    lang = lang_of(ident, context)
    svc = context.svc
    privacy = svc.privacy
    # Refuses (privacy.nothing) when nothing is stored; the error handler answers with it.
    data = await asyncio.to_thread(privacy.export_json, ident.user_id)
    stamp = svc.clock.now().astimezone(svc.config.tz)
    message = update.effective_message
    assert message is not None
    await message.reply_document(
        data, filename=f"mydata_{ident.user_id}_{stamp:%Y%m%d}.json",
        caption=t(lang, "privacy.mydata_caption", when=f"{stamp:%Y-%m-%d %H:%M}"),
    )


COMMANDS = (CommandHandler("mydata", send_my_data, filters=filters.ChatType.PRIVATE),)
BUTTONS = ()
MESSAGES = ()
FLOWS = ()
RENDERERS: Renderers = {}
