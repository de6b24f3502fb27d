"""Logging set-up that never lets the bot token reach a log line."""

from __future__ import annotations

import logging


class RedactToken(logging.Filter):
    """Replace the token wherever it appears, e.g. in the request URLs httpx logs."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<token>")
                record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """Format a record, traceback included, with the token replaced: python-telegram-bot's
    InvalidToken and httpx errors quote the request URL, and so the token, in exceptions."""

    def __init__(self, fmt: str, token: str | None) -> None:
        super().__init__(fmt)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self.token, "<token>") if self.token else text


def setup_logging(token: str | None, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                            token))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # A long tick makes APScheduler skip the next ones, with a warning each: expected, noise.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
