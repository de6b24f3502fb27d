"""The rectification-campaign Telegram bot: composition root, services, jobs and the CLI."""
