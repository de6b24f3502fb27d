"""Telegram I/O: read the update, call one service, render one text, reply."""
