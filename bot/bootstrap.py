"""Build the services from the config: the whole product without Telegram (CLI, web, workers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.metrics import Metrics
from bot.services.board import BoardService
from bot.services.cases import CasesService
from bot.services.digest import DigestService
from bot.services.importer import ImportService
from bot.services.inbox import InboxService
from bot.services.inspection import InspectionService
from bot.services.ladder import LadderService
from bot.services.leave import LeaveService
from bot.services.ledger import LedgerService
from bot.services.meetings import MeetingService
from bot.services.membership import MembershipService
from bot.services.notify import NotificationService
from bot.services.office_hours import OfficeHoursService
from bot.services.plans import DeadlinePlanner
from bot.services.privacy import PrivacyService
from bot.services.reminders import ReminderService
from bot.services.rounds import RoundService
from bot.services.signin import SigninService
from bot.services.supervision import SupervisionService
from bot.services.todo import TodoService
from bot.workdays import WorkCalendar
from storage.db import Database
from storage.dialogs import DialogStore


@dataclass
class Services:
    """Every use case, wired once; handlers, the CLI and tests reach them through this."""

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
    inbox: InboxService
    signin: SigninService
    board: BoardService
    todo: TodoService
    importer: ImportService
    metrics: Metrics
    cases: CasesService
    ladder: LadderService
    supervision: SupervisionService
    rounds: RoundService
    inspection: InspectionService


def build_services(config: Config, *, clock: Clock | None = None,
                   database: Database | None = None) -> Services:
    """Make the services; nothing here imports Telegram or the handlers."""
    clock = clock or SystemClock()
    db = database or Database.from_url(config.database.url, echo=config.database.echo)
    membership = MembershipService(
        db, clock, office_admins=config.office_admins, invite_days=config.invite_valid_days,
        join_failures=config.limits.join_failures,
        join_lockout=dt.timedelta(minutes=config.limits.join_lockout_minutes))
    calendar = WorkCalendar.from_config(config.calendar)
    r = config.reminders
    notify = NotificationService(
        db, clock, late_window=dt.timedelta(hours=r.late_window_hours),
        claim_timeout=dt.timedelta(seconds=r.claim_timeout_seconds))
    planner = DeadlinePlanner(config, clock, notify, calendar)
    dialogs = DialogStore(db, clock)
    metrics = Metrics()
    ledger = LedgerService(db, clock, replan=planner.replan, notify=notify,
                           office_admins=config.office_admins, metrics=metrics,
                           signoff_remind_days=config.reminders.signoff_remind_days)
    digest = DigestService(db, clock, notify, config, calendar)
    w = config.web
    signin = SigninService(db, clock, membership, secret=config.web_secret,
                           bot_token=config.token, init_data_max_age=w.init_data_max_age,
                           session_hours=w.session_hours)
    meetings = MeetingService(db, clock, notify, config.tz)
    leave = LeaveService(db, clock, notify, calendar, config.tz,
                         office_admins=config.office_admins)
    supervision = SupervisionService(db, clock, notify=notify, office_admins=config.office_admins)
    return Services(
        config=config, clock=clock, db=db, membership=membership,
        ledger=ledger,
        dialogs=dialogs,
        calendar=calendar, notify=notify,
        meetings=meetings,
        leave=leave,
        reminders=ReminderService(notify, clock, config.tz),
        office_hours=OfficeHoursService(db, clock, calendar, notify, config),
        digest=digest,
        privacy=PrivacyService(db, clock, config, replan=planner.replan),
        inbox=InboxService(db, clock, retake_after=dt.timedelta(
            seconds=r.claim_timeout_seconds)),
        signin=signin,
        board=BoardService(db, clock, digest, ledger),
        todo=TodoService(db, ledger, leave, meetings, office_admins=config.office_admins,
                         supervision=supervision),
        importer=ImportService(db, clock, config, calendar, planner, ledger),
        metrics=metrics,
        cases=CasesService(db, clock, config, ledger, notify, replan=planner.replan,
                           calendar=calendar),
        ladder=LadderService(db, clock, config, calendar, notify),
        supervision=supervision,
        rounds=RoundService(db, clock, config, calendar, notify),
        inspection=InspectionService(db, config, ledger),
    )
