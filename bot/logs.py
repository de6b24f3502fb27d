"""Logging set-up that never lets the bot token reach a log line."""

from __future__ import annotations

import json as jsonlib
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


class JsonFormatter(RedactingFormatter):
    """One JSON object a line: time, level, logger, message and any traceback, token removed."""

    def __init__(self, token: str | None) -> None:
        super().__init__("%(message)s", token)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}"
                    + self.formatTime(record, "%z"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        text = jsonlib.dumps(entry, ensure_ascii=False, default=str)
        # The token could sit in any field, escaped or not: remove both spellings.
        if self.token:
            for spelling in {self.token, jsonlib.dumps(self.token)[1:-1]}:
                text = text.replace(spelling, "<token>")
        return text


def setup_logging(token: str | None, level: int | str = logging.INFO, *,
                  json: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(token) if json else RedactingFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s", token))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # A long tick makes APScheduler skip the next ones, with a warning each: expected, noise.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
