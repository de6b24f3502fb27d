"""/mydata: send the person everything the bot stores about them, as a JSON document."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.context import Ctx
from bot.texts import t
from handlers.common import identify, lang_of


async def send_my_data(update: Update, context: Ctx) -> None:
    """Send the person their own data export."""
    ident = identify(update, context)
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
