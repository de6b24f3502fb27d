"""The web dashboard and Telegram Mini App: HTTP I/O only, over the same services as the bot."""
