"""The typed callback context: handlers reach the services through `context.svc`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock
from bot.config import Config
from bot.services.dialogs import DialogState, DialogStore
from bot.services.digest import DigestService
from bot.services.leave import LeaveService
from bot.services.ledger import LedgerService
from bot.services.meetings import MeetingService
from bot.services.membership import Identity, MembershipService
from bot.services.notify import NotificationService
from bot.services.office_hours import OfficeHoursService
from bot.services.privacy import PrivacyService
from bot.services.reminders import ReminderService
from bot.workdays import WorkCalendar
from storage.db import Database

if TYPE_CHECKING:
    from bot.scheduler import Sender


@dataclass
class Services:
    config: Config
    clock: Clock
    db: Database
    membership: MembershipService
    ledger: LedgerService
    dialogs: DialogStore
    calendar: WorkCalendar
    notify: NotificationService
    meetings: MeetingService
    leave: LeaveService
    reminders: ReminderService
    office_hours: OfficeHoursService
    digest: DigestService
    privacy: PrivacyService


class BotData:
    """Application-wide state; python-telegram-bot creates it empty, build_application binds it."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._sender: Sender | None = None

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
