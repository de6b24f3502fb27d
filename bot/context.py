"""The typed callback context: handlers reach the services through `context.svc`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Config
from bot.services.membership import MembershipService
from storage.db import Database


@dataclass
class Services:
    config: Config
    clock: Clock
    db: Database
    membership: MembershipService


class BotData:
    """Application-wide state; python-telegram-bot creates it empty, build_application binds it."""

    def __init__(self) -> None:
        self._services: Services | None = None

    def bind(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services used before build_application bound them")
        return self._services


class Ctx(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def svc(self) -> Services:
        return self.bot_data.services
