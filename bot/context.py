"""The typed callback context: handlers reach the services through `context.svc`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.bootstrap import Services
from bot.delivery.sender import Sender
from bot.domain import DialogState
from bot.services.membership import Identity


class BotData:
    """Application-wide state; python-telegram-bot creates it empty, build_application binds it."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._sender: Sender | None = None
        # When each kind of failure was last reported to the admin chat (handlers.errors).
        self.reported: dict[str, dt.datetime] = {}

    def bind(self, services: Services, sender: Sender) -> None:
        self._services = services
        self._sender = sender

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            raise RuntimeError("sender used before build_application bound it")
        return self._sender

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services used before build_application bound them")
        return self._services


class Ctx(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    # Set by the DialogHandler for the update it routes; the step's draft lives in .data.
    dialog: DialogState | None = None
    # Who sent the update, looked up once per update by handlers.common.identify.
    identity: Identity | None = None

    @property
    def svc(self) -> Services:
        return self.bot_data.services


App = Application[ExtBot[None], Ctx, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Ctx]]
