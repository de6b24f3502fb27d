"""The rectification-campaign Telegram bot: kernel, composition root, delivery and the CLI."""
