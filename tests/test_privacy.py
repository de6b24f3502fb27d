"""A member's data: exported in full, removed in one go; the ledger stays, named as configured."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.bootstrap import Services, build_services
from bot.cli import main
from bot.clock import FixedClock
from bot.config import Config, parse_config
from bot.domain import DialogState, EventKind, LeaveKind, NoteState, Role
from bot.errors import DomainError
from bot.services.privacy import REMOVED_ID, SYSTEM_ACTOR
from bot.services.problem import Draft
from storage.db import Database
from storage.leave import LeaveRequest
from storage.ledger import Problem, ProblemEvent
from storage.meetings import Attendee, Meeting
from storage.models import Dialog, Member, User
from storage.notify import Notification
from tests import figures
from tests.chat import Chat
from tests.conftest import T0

CADRE, LEADER, COLLEAGUE = 101, 102, 103


def _populate(services: Services, clock: FixedClock) -> dict[str, Any]:
    m, ledger = services.membership, services.ledger
    m.add_unit("市教育局", code="EDU")
    for uid, role, name in ((CADRE, Role.MEMBER, "张三"), (LEADER, Role.LEADER, "李局长"),
                            (COLLEAGUE, Role.LIAISON, "王五")):
        code = m.create_invite(unit="EDU", role=role, by=None).code
        m.redeem_invite(code, user_id=uid, display_name=name, username=None)
    ident = m.identify

    def draft(owner: int, name: str, days: int) -> Draft:
        return Draft(category="履职尽责缺位", source="self", description="材料报送拖延",
                     measures=("建立台账",), track="deadline", owner_name=name,
                     owner_user_id=owner, leader_name="李局长", leader_user_id=LEADER,
                     deadline=(T0 + dt.timedelta(days=days)).isoformat())

    own = ledger.file(draft(CADRE, "张三", 10), by=ident(CADRE), by_name="张三")
    # Filed by the cadre for a colleague, then signed off by the leader.
    theirs = ledger.file(draft(COLLEAGUE, "王五", 12), by=ident(CADRE), by_name="张三")
    ledger.report_done(theirs.id, by=ident(COLLEAGUE), by_name="王五", completion="完成")
    ledger.approve(theirs.id, by=ident(LEADER), by_name="李局长")
    # Someone else's item the cadre never touched.
    other = ledger.file(draft(COLLEAGUE, "王五", 14), by=ident(COLLEAGUE), by_name="王五")
    services.reminders.add(ident(CADRE), T0 + dt.timedelta(days=1, hours=2), "交材料", "zh")
    services.dialogs.save(CADRE, CADRE, DialogState("filing", 2, {"description": "草稿"}))
    services.leave.submit(by=ident(CADRE), by_name="张三", kind=LeaveKind.SICK,
                          first_day=dt.date(2026, 12, 1), last_day=dt.date(2026, 12, 2),
                          reason="看病")
    meeting = services.meetings.create(by=ident(LEADER), by_name="李局长", title="专题会",
                                       place="三楼会议室", starts_at=T0 + dt.timedelta(days=2),
                                       invite=None)
    services.meetings.answer(meeting.id, by=ident(CADRE), attend=False, reason="出差")
    return {"own": own.id, "theirs": theirs.id, "other": other.id}


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.uow() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_export_holds_everything_stored_about_the_person(
    services: Services, clock: FixedClock
) -> None:
    ids = _populate(services, clock)
    data = json.loads(services.privacy.export_json(CADRE))
    assert data["user"]["display_name"] == "张三" and data["user"]["id"] == CADRE
    assert [(m["unit_code"], m["role"]) for m in data["memberships"]] == [("EDU", "member")]
    relations = {p["id"]: p["relation"] for p in data["problems"]}
    assert relations == {ids["own"]: ["owner", "filer"], ids["theirs"]: ["filer"]}
    assert {e["problem_number"] for e in data["events"]} == {"EDU-0001", "EDU-0002"}
    assert all(e["actor_id"] == CADRE for e in data["events"]) and len(data["events"]) == 2
    assert [r["reason"] for r in data["leave_requests"]] == ["看病"]
    assert [(a["meeting_title"], a["answer"], a["reason"]) for a in data["meeting_answers"]] == [
        ("专题会", "decline", "出差")]
    assert [r["payload"]["text"] for r in data["reminders"]] == ["交材料"]
    kinds = {n["kind"] for n in data["notifications"]}
    assert {"deadline.before", "meeting.notice"} <= kinds
    assert all(n["chat_id"] == CADRE for n in data["notifications"])
    assert [d["flow"] for d in data["dialogs"]] == ["filing"]
    assert data["user"]["created_at"].endswith("+08:00")  # times in the deployment's zone
    figures.count("privacy.export_sections_checked", 11)
    with pytest.raises(DomainError) as info:
        services.privacy.export(999)
    assert info.value.key == "privacy.nothing"


def test_remove_deletes_personal_rows_and_keeps_the_ledger_under_a_placeholder(
    services: Services, clock: FixedClock
) -> None:
    ids = _populate(services, clock)
    db = services.db
    before = _count(db, ProblemEvent)
    report = services.privacy.remove(CADRE)
    assert report.deleted["users"] == 1 and report.deleted["members"] == 1
    for model, where in ((User, User.id == CADRE), (Member, Member.user_id == CADRE),
                         (Dialog, Dialog.user_id == CADRE),
                         (LeaveRequest, LeaveRequest.user_id == CADRE),
                         (Attendee, Attendee.user_id == CADRE),
                         (Notification, Notification.chat_id == CADRE),
                         (Problem, Problem.owner_user_id == CADRE),
                         (Problem, Problem.created_by == CADRE),
                         (ProblemEvent, ProblemEvent.actor_id == CADRE)):
        assert _count(db, model, where) == 0, model
        figures.count("privacy.rows_checked_gone")
    # The leader's leave request about them went too; others' rows are untouched.
    assert _count(db, Notification, Notification.kind == "leave.request") == 0
    assert _count(db, User) == 2 and _count(db, Meeting) == 1 and _count(db, Attendee) == 1
    with db.uow() as s:
        problems = {p.id: p for p in s.scalars(select(Problem))}
        assert len(problems) == 3
        own, theirs, other = problems[ids["own"]], problems[ids["theirs"]], problems[ids["other"]]
        assert (own.owner_name, own.owner_user_id, own.created_by) == ("已离职人员", None,
                                                                        REMOVED_ID)
        assert (theirs.owner_name, theirs.created_by) == ("王五", REMOVED_ID)
        assert theirs.reviewer_name == "李局长"
        assert other.created_by == COLLEAGUE and other.updated_at == T0
        events = list(s.scalars(select(ProblemEvent).order_by(ProblemEvent.id)))
    assert len(events) == before + 2  # one `edited` event per item that named them
    renamed = [e for e in events if e.actor_id == REMOVED_ID and e.kind != EventKind.EDITED]
    assert [e.actor_name for e in renamed] == ["已离职人员", "已离职人员"]
    edits = [e for e in events if e.kind == EventKind.EDITED]
    assert {e.problem_id for e in edits} == {ids["own"], ids["theirs"]}
    assert all(e.actor_name == SYSTEM_ACTOR and e.at == clock.now() for e in edits)
    assert "张三" not in json.dumps([e.details for e in edits], ensure_ascii=False)

    # A later change to their old item plans nothing for them (nor for the removed id).
    leader = services.membership.identify(LEADER)
    services.ledger.report_done(ids["own"], by=leader, by_name="李局长", completion="代为报告")
    services.ledger.reject(ids["own"], by=leader, by_name="李局长", reason="再改",
                           new_deadline=T0 + dt.timedelta(days=20))
    pending = services.notify.listing(states=[NoteState.PENDING], limit=10_000)
    assert pending and {n.chat_id for n in pending}.isdisjoint({CADRE, REMOVED_ID})
    with pytest.raises(DomainError):
        services.privacy.remove(CADRE)  # nothing left to remove


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keep_name_mode_keeps_names_and_drops_the_account_link(
    config: Config, clock: FixedClock, database: Database
) -> None:
    keep = parse_config({**config.model_dump(mode="json", exclude={"campaign"}),
                         "privacy": {"ledger_names": "keep_name"}})
    services = build_services(keep, clock=clock, database=database)
    ids = _populate(services, clock)
    services.privacy.remove(LEADER)
    with database.uow() as s:
        theirs = s.get_one(Problem, ids["theirs"])
        assert (theirs.leader_name, theirs.leader_user_id) == ("李局长", None)
        assert theirs.reviewer_name == "李局长"
        approved = s.scalar(select(ProblemEvent).where(ProblemEvent.kind == EventKind.APPROVED))
        assert approved is not None
        assert (approved.actor_name, approved.actor_id) == ("李局长", REMOVED_ID)
        meeting = s.scalar(select(Meeting))
        assert meeting is not None and meeting.organiser_id == REMOVED_ID
    assert _count(database, Notification, Notification.chat_id == LEADER) == 0


def test_placeholder_mode_renames_the_leader_and_reviewer(
    services: Services, clock: FixedClock
) -> None:
    ids = _populate(services, clock)
    services.privacy.remove(LEADER)
    with services.db.uow() as s:
        theirs = s.get_one(Problem, ids["theirs"])
        assert (theirs.leader_name, theirs.reviewer_name) == ("已离职人员", "已离职人员")
        meeting = s.scalar(select(Meeting))
        assert meeting is not None and meeting.organiser_name == "已离职人员"


def _cfg(tmp_path: Path, config: Config) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(f"database: {{url: '{config.database.url}'}}\n"
                    "privacy: {removed_member_name: 已注销}\n", encoding="utf-8")
    return str(path)


def test_cli_exports_and_removes_only_when_confirmed(
    services: Services, clock: FixedClock, config: Config, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = _populate(services, clock)
    cfg = _cfg(tmp_path, config)
    out = tmp_path / "out" / "101.json"
    assert main(["member", "export", str(CADRE), "-o", str(out), "--config", cfg],
                clock=clock) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["user"]["display_name"] == "张三"
    assert main(["member", "export", "999", "--config", cfg], clock=clock) == 1
    assert "999" in capsys.readouterr().err

    monkeypatch.setattr("builtins.input", lambda _prompt: "no")
    assert main(["member", "remove", str(CADRE), "--config", cfg], clock=clock) == 1
    assert _count(services.db, User, User.id == CADRE) == 1
    assert main(["member", "remove", str(CADRE), "--yes", "--config", cfg], clock=clock) == 0
    assert "removed user 101" in capsys.readouterr().out
    assert _count(services.db, User, User.id == CADRE) == 0
    with services.db.uow() as s:
        assert s.get_one(Problem, ids["own"]).owner_name == "已注销"


async def test_mydata_sends_the_person_their_own_export(
    services: Services, clock: FixedClock, chat: Chat
) -> None:
    _populate(services, clock)
    await chat.send(CADRE, "/mydata")
    [doc] = [m for m in chat.sandbox.sent(CADRE) if m.document]
    assert doc.document is not None
    name, data = doc.document
    assert name.startswith("mydata_101_") and name.endswith(".json")
    assert json.loads(data)["user"]["display_name"] == "张三"
    assert all(not m.document for m in chat.sandbox.sent(LEADER))
    await chat.send(555, "/mydata")  # never seen: told so, no document
    assert not [m for m in chat.sandbox.sent(555) if m.document]
    assert "555" in chat.last_text(555)
