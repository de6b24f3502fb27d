"""Importing offices' own ledgers: real-looking sheets, repeat imports, the export's round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.bootstrap import Services, build_services
from bot.clock import FixedClock
from bot.domain import EventKind, Role, Status, Track
from bot.errors import DomainError
from bot.reports.import_preview import error_book
from bot.reports.ledger_csv import write_csv
from bot.reports.workbook import write_xlsx
from bot.services.problem import Draft
from storage.db import Database
from storage.ledger import Problem, ProblemEvent
from storage.models import Unit
from storage.notify import Notification
from tests.import_sheets import OFFICE_HEADERS, OFFICE_ROWS, office_book, plain_book

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def edu(services: Services) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    return services


def _rows(services: Services) -> list[list[object]]:
    out = io.StringIO()
    write_csv(services.ledger.iter_rows(), out, tz=services.config.tz, now=services.clock.now())
    return list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))


def _export(services: Services, fmt: str, *, bom: bool) -> bytes:
    """The ledger as the bot exports it (a CSV with or without its BOM)."""
    out = io.BytesIO()
    now, tz = services.clock.now(), services.config.tz
    if fmt == "xlsx":
        write_xlsx(services.ledger.iter_rows(), out, tz=tz, now=now)
        return out.getvalue()
    text = io.StringIO()
    write_csv(services.ledger.iter_rows(), text, tz=tz, now=now)
    return text.getvalue().lstrip("\ufeff").encode("utf-8-sig" if bom else "utf-8")


def _count(services: Services, model: type) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_an_office_sheet_is_understood_and_imported(edu: Services) -> None:
    data = office_book()
    preview = edu.importer.preview(data, "台账.xlsx", by=None, unit="EDU")
    assert (preview.added, preview.updated, preview.unchanged) == (5, 0, 0)
    assert preview.header_row == 3 and preview.filled_on == dt.date(2026, 11, 20)
    assert preview.unknown == ("联系电话",)
    assert _count(edu, Problem) == 0  # a preview writes nothing

    done = edu.importer.run(data, "台账.xlsx", by=None, by_name="导入员", unit="EDU")
    assert done.numbers == ("EDU-0001", "EDU-0002", "EDU-0003", "EDU-0004", "EDU-0005")
    rows = {v.number: v for v in edu.ledger.iter_rows()}
    first, second, third, fourth, fifth = (rows[f"EDU-000{i}"] for i in range(1, 6))
    assert first.measures == ("开展窗口作风专项整治", "建立首问负责制")
    assert first.deadline == dt.datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI)
    assert first.status == Status.IN_PROGRESS and first.owner_name == "王芳"
    assert first.leader_name == "李局长" and first.category == "服务群众不优"
    assert second.measures == ("精简会议", "压减发文")
    assert second.deadline == dt.datetime(2027, 1, 15, 23, 59, tzinfo=SHANGHAI)  # a date cell
    assert second.status == Status.PENDING  # 未完成
    assert third.deadline == dt.datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI)  # serial 46387
    assert third.status == Status.AWAITING_SIGNOFF  # 已完成
    assert fourth.track == Track.ONGOING and fourth.deadline is None
    assert fourth.measures == ("每周集中学习", "建立学习台账")
    # 12月底前, read from the sheet's 填报日期 (2026-11-20).
    assert fifth.deadline == dt.datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI)
    with edu.db.read() as conn:
        events = conn.execute(select(ProblemEvent.kind, ProblemEvent.details)).all()
        planned = conn.execute(select(Notification.subject)).scalars().all()
    assert len(events) == 5 and all(kind == EventKind.FILED for kind, _ in events)
    assert {d["import"]["sha256"] for _, d in events} == {done.sha256}
    # Reminders for the open items with a deadline (not for 已完成, which waits for sign-off;
    # a 长期坚持 item's check-in needs an owner who is a member, and 王芳 is none here).
    ids = {v.id for v in rows.values()
           if v.status in (Status.PENDING, Status.IN_PROGRESS) and v.deadline}
    assert {int(s.split(":")[1]) for s in planned if s} == ids


def test_importing_the_same_file_again_changes_nothing(edu: Services) -> None:
    data = office_book()
    edu.importer.run(data, "台账.xlsx", by=None, by_name="导入员", unit="EDU")
    before = (_rows(edu), _count(edu, ProblemEvent), _count(edu, Notification))
    again = edu.importer.run(data, "台账.xlsx", by=None, by_name="导入员", unit="EDU")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert (_rows(edu), _count(edu, ProblemEvent), _count(edu, Notification)) == before


def test_a_changed_row_is_an_update_with_its_event(edu: Services) -> None:
    edu.importer.run(office_book(), "台账.xlsx", by=None, by_name="导入员", unit="EDU")
    rows = [list(r) for r in OFFICE_ROWS]
    rows[1][6] = "已整改"
    preview = edu.importer.run(office_book(rows), "台账.xlsx", by=None, by_name="导入员",
                               unit="EDU")
    assert (preview.added, preview.updated, preview.unchanged) == (0, 1, 4)
    second = {v.number: v for v in edu.ledger.iter_rows()}["EDU-0002"]
    assert second.status == Status.AWAITING_SIGNOFF


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_bots_own_export_imports_back_as_no_change(edu: Services, fmt: str) -> None:
    edu.importer.run(office_book(), "台账.xlsx", by=None, by_name="导入员", unit="EDU")
    before = _rows(edu)
    back = edu.importer.run(_export(edu, fmt, bom=False), f"导出.{fmt}", by=None,
                            by_name="导入员", unit="EDU")
    assert (back.added, back.updated, back.unchanged, back.errors) == (0, 0, 5, ())
    assert _rows(edu) == before


def test_numbers_come_from_the_units_counter(edu: Services) -> None:
    m = edu.membership
    code = m.create_invite(unit="EDU", role=Role.LIAISON, by=None).code
    m.redeem_invite(code, user_id=501, display_name="王芳", username=None)
    who = m.identify(501)
    draft = Draft(category="其他", source="self", description="先录入的", measures=("改",),
                  track="deadline", owner_name="王芳",
                  deadline=dt.datetime(2027, 1, 1, 23, 59, tzinfo=SHANGHAI).isoformat())
    assert edu.ledger.file(draft, by=who, by_name="王芳").number == "EDU-0001"
    done = edu.importer.run(office_book(), "台账.xlsx", by=who, by_name="王芳")
    assert done.numbers[0] == "EDU-0002" and done.numbers[-1] == "EDU-0006"
    assert edu.ledger.file(draft, by=who, by_name="王芳").number == "EDU-0007"
    with edu.db.read() as conn:
        assert conn.execute(select(Unit.problem_seq)).scalar_one() == 7
    # The owner named 王芳 is matched to the member of that name.
    owners = {v.number: v.owner_user_id for v in edu.ledger.iter_rows()}
    assert owners["EDU-0002"] == 501 and owners["EDU-0003"] is None


def test_a_gb18030_csv_with_variant_headers(edu: Services) -> None:
    text = ("问题编号,办结时限,问题表现,责任人,整改措施,进展情况,层面\r\n"
            "JY-01,2026-12-20,文件流转慢,陈明,\"1. 建立督办单\n2. 每周通报\",正在推进,单位\r\n"
            "JY-02,明年1月底前,基层调研少,陈明,每月下基层,,个人\r\n")
    data = text.encode("gb18030")
    done = edu.importer.run(data, "台账.csv", by=None, by_name="导入员", unit="EDU")
    assert done.added == 2 and done.errors == ()
    rows = sorted(edu.ledger.iter_rows(), key=lambda v: v.number)
    assert rows[0].measures == ("建立督办单", "每周通报")
    assert rows[0].status == Status.IN_PROGRESS
    assert rows[1].deadline == dt.datetime(2027, 1, 31, 23, 59, tzinfo=SHANGHAI)
    again = edu.importer.preview(data, "台账.csv", by=None, unit="EDU")
    assert (again.added, again.unchanged) == (0, 2)  # matched by the sheet's own numbers


def test_bad_rows_are_listed_and_skipped(edu: Services) -> None:
    rows = [list(r) for r in OFFICE_ROWS]
    rows[0][5] = "等领导定"  # unreadable deadline
    rows[2][3] = ""  # no owner
    rows.append(list(OFFICE_ROWS[1]))  # the same row twice
    rows.append([7, "去年的问题", "补课", "王芳", "", "2026年11月1日", "整改中", "", ""])
    preview = edu.importer.preview(office_book(rows), "台账.xlsx", by=None, unit="EDU")
    reasons = {(e.row, e.column, e.key) for e in preview.errors}
    assert (4, "完成时限", "ledger_import.bad_deadline") in reasons
    assert (6, "具体责任人", "ledger_import.missing") in reasons
    assert (9, "存在问题", "ledger_import.duplicate") in reasons
    assert preview.added == 4 and preview.overdue == (10,)  # a deadline already past
    book = load_workbook(io.BytesIO(error_book("zh", preview)))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [*OFFICE_HEADERS, "错误原因"]
    assert [c.value for c in sheet[2]][1] == OFFICE_ROWS[0][1]
    assert "看不懂的时限" in str(sheet.cell(2, len(header)).value)
    done = edu.importer.run(office_book(rows), "台账.xlsx", by=None, by_name="导入员",
                            unit="EDU")
    assert done.added == 4 and _count(edu, Problem) == 4


def test_refusals(edu: Services, config: object) -> None:
    importer = edu.importer

    def refused(data: bytes, name: str, **kwargs: object) -> DomainError:
        with pytest.raises(DomainError) as caught:
            importer.preview(data, name, by=None, unit="EDU", **kwargs)  # type: ignore[arg-type]
        return caught.value

    cfb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64
    protected = cfb + "EncryptionInfo".encode("utf-16-le")
    assert refused(protected, "台账.xlsx").key == "ledger_import.protected"
    assert refused(cfb, "台账.xls").key == "ledger_import.xls"
    assert refused(b"%PDF-1.4 ...", "台账.pdf").key == "ledger_import.format"
    assert refused(plain_book({"Sheet1": []}), "空.xlsx").key == "ledger_import.empty"
    header_only = plain_book({"Sheet1": [OFFICE_HEADERS]})
    assert refused(header_only, "空.xlsx").key == "ledger_import.empty"
    two = plain_book({"一科": [OFFICE_HEADERS, OFFICE_ROWS[0]],
                      "二科": [OFFICE_HEADERS, OFFICE_ROWS[1]]})
    which = refused(two, "两表.xlsx")
    assert which.key == "ledger_import.which_sheet" and which.params["choices"] == ("一科", "二科")
    assert importer.preview(two, "两表.xlsx", by=None, unit="EDU", sheet="二科").added == 1
    formula = plain_book({"Sheet1": [OFFICE_HEADERS, [*OFFICE_ROWS[0][:5], "=TODAY()+30",
                                                      *OFFICE_ROWS[0][6:]]]})
    errs = importer.preview(formula, "公式.xlsx", by=None, unit="EDU").errors
    assert next((e.column, e.key) for e in errs) == ("完成时限", "ledger_import.formula")


def test_more_rows_than_allowed_are_refused_with_the_number(
    config: object, clock: FixedClock, database: Database,
) -> None:
    from bot.config import Config, ImportConfig

    assert isinstance(config, Config)
    small = config.model_copy(update={"importing": ImportConfig(max_rows=3)})
    services = build_services(small, clock=clock, database=database)
    services.membership.add_unit("市教育局", code="EDU")
    with pytest.raises(DomainError) as caught:
        services.importer.preview(office_book(), "台账.xlsx", by=None, unit="EDU")
    assert caught.value.key == "ledger_import.too_many"
    assert caught.value.params == {"rows": 5, "max": 3}


def test_a_member_cannot_import_and_a_liaison_only_into_their_unit(edu: Services) -> None:
    m = edu.membership
    m.add_unit("市财政局", code="FIN")
    for user, role in ((601, Role.MEMBER), (602, Role.LIAISON)):
        code = m.create_invite(unit="EDU", role=role, by=None).code
        m.redeem_invite(code, user_id=user, display_name=f"u{user}", username=None)
    with pytest.raises(DomainError, match=r"ledger_import\.denied"):
        edu.importer.preview(office_book(), "台账.xlsx", by=m.identify(601))
    with pytest.raises(DomainError, match=r"ledger_import\.denied"):
        edu.importer.preview(office_book(), "台账.xlsx", by=m.identify(602), unit="FIN")
    assert edu.importer.preview(office_book(), "台账.xlsx", by=m.identify(602)).added == 5


def test_the_office_leaves_the_unit_to_each_rows_unit_column(edu: Services) -> None:
    edu.membership.add_unit("市财政局", code="FIN")
    headers = ("责任单位", "问题描述", "整改措施", "责任人", "整改时限")
    rows = [("市教育局", "甲", "改", "张三", "2027-01-01"),
            ("FIN", "乙", "改", "李四", "2027-01-01"),
            ("不存在局", "丙", "改", "王五", "2027-01-01")]
    data = plain_book({"Sheet1": [headers, *rows]})
    done = edu.importer.run(data, "全市.xlsx", by=None, by_name="督导办")
    assert done.numbers == ("EDU-0001", "FIN-0001")
    assert [(e.row, e.key) for e in done.errors] == [(4, "ledger_import.no_unit")]


def _member(services: Services, user: int, role: Role, name: str) -> object:
    m = services.membership
    code = m.create_invite(unit="EDU", role=role, by=None).code
    m.redeem_invite(code, user_id=user, display_name=name, username=None)
    return m.identify(user)


def _worked_ledger(edu: Services, clock: FixedClock) -> None:
    """Items in every state: progress, evidence, signed off, sent back, overdue, ongoing."""
    liaison = _member(edu, 701, Role.LIAISON, "陈联络")
    leader = _member(edu, 702, Role.LEADER, "李局长")
    rows = [list(r) for r in OFFICE_ROWS]
    rows[4][5] = "2026年12月1日"  # overdue once the clock moves on
    edu.importer.run(office_book(rows), "台账.xlsx", by=liaison, by_name="陈联络")  # type: ignore[arg-type]
    ids = {v.number: v.id for v in edu.ledger.iter_rows()}
    ledger = edu.ledger
    ledger.add_progress(ids["EDU-0001"], by=liaison, by_name="陈联络", text="已开会部署")  # type: ignore[arg-type]
    ledger.report_done(ids["EDU-0002"], by=liaison, by_name="陈联络",  # type: ignore[arg-type]
                       completion="会议减少三成", attachment="AgACAgUAAx")
    ledger.approve(ids["EDU-0002"], by=leader, by_name="李局长")  # type: ignore[arg-type]
    ledger.reject(ids["EDU-0003"], by=leader, by_name="李局长", reason="材料不全",  # type: ignore[arg-type]
                  new_deadline=dt.datetime(2027, 3, 1, 23, 59, tzinfo=SHANGHAI))
    clock.set(dt.datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_of_a_worked_ledger(edu: Services, clock: FixedClock, fmt: str) -> None:
    _worked_ledger(edu, clock)
    before = _rows(edu)
    assert any("已超期" in cell for row in before for cell in row)  # type: ignore[operator]
    assert any("佐证 1 件" in cell for row in before for cell in row)  # type: ignore[operator]
    events = _count(edu, ProblemEvent)
    back = edu.importer.run(_export(edu, fmt, bom=True), f"导出.{fmt}", by=None,
                            by_name="导入员", unit="EDU")
    assert (back.added, back.updated, back.unchanged, back.errors) == (0, 0, 5, ())
    assert _rows(edu) == before and _count(edu, ProblemEvent) == events


def test_the_export_with_a_title_a_filing_line_and_more_columns_still_matches(
    edu: Services, clock: FixedClock,
) -> None:
    """The workbook's layout may grow a title row, a 填报 line and columns the import does not
    know (联系电话 here): those are listed and ignored."""
    _worked_ledger(edu, clock)
    before = _rows(edu)
    header, *body = before
    wide = [[*r[:3], "", *r[3:]] for r in body]
    sheet = [["问题台账"], ["填报单位：市教育局  填报日期：2026年12月5日"],
             [*header[:3], "联系电话", *header[3:]], *wide]
    back = edu.importer.preview(plain_book({"问题台账": sheet}), "新版导出.xlsx", by=None,
                                unit="EDU")
    assert back.header_row == 3 and back.unknown == ("联系电话",)
    assert (back.added, back.updated, back.unchanged) == (0, 0, 5)


def test_signed_off_on_import_names_the_importer(edu: Services) -> None:
    rows = [list(r) for r in OFFICE_ROWS]
    rows[0][6] = "已销号"
    edu.importer.run(office_book(rows), "台账.xlsx", by=None, by_name="督导办张三", unit="EDU")
    first = {v.number: v for v in edu.ledger.iter_rows()}["EDU-0001"]
    assert first.status == Status.SIGNED_OFF and first.reviewer_name == "督导办张三"
    assert first.signed_off_at == edu.clock.now()
    with edu.db.read() as conn:
        note = conn.execute(select(ProblemEvent.note).where(
            ProblemEvent.problem_id == first.id)).scalar_one()
        planned = conn.execute(select(Notification.id).where(
            Notification.subject == f"problem:{first.id}")).all()
    assert "已销号" in note and planned == []


def test_a_leader_merged_down_a_block_of_rows_counts_for_each(edu: Services) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["问题描述", "整改措施", "责任人", "责任领导", "整改时限"])
    ws.append(["甲", "改甲", "张三", "王副局长", "2027-01-10"])
    ws.append(["乙", "改乙", "李四", None, "2027-01-10"])
    ws.append(["丙", "改丙", "王五", None, "2027-01-10"])
    ws.merge_cells("D2:D4")
    out = io.BytesIO()
    wb.save(out)
    edu.importer.run(out.getvalue(), "合并.xlsx", by=None, by_name="导入员", unit="EDU")
    assert [v.leader_name for v in edu.ledger.iter_rows()] == ["王副局长"] * 3


def test_a_two_row_header_and_progress_written_as_a_sentence(edu: Services) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "问题描述", "整改措施", "整改责任", None, "进展情况"])
    ws.append([None, None, None, "责任人", "整改时限", None])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.merge_cells("C1:C2")
    ws.merge_cells("D1:E1")
    ws.merge_cells("F1:F2")
    ws.append([1, "督查检查过多", "1.合并同类检查 2.建立计划报备", "孙涛", "46400",
               "已召开专题会议研究部署"])
    ws.append([2, "调研走过场", "改进调研方式", "孙涛", "2027/2/1", "待整改"])
    out = io.BytesIO()
    wb.save(out)
    preview = edu.importer.preview(out.getvalue(), "两行表头.xlsx", by=None, unit="EDU")
    assert preview.header_row == 2 and preview.errors == () and preview.added == 2
    first, second = preview.sample
    assert first["owner_name"] == "孙涛" and first["measures"] == ["合并同类检查", "建立计划报备"]
    assert first["deadline"] == dt.datetime(2027, 1, 13, 23, 59, tzinfo=SHANGHAI)  # serial
    assert first["status"] == Status.IN_PROGRESS and first["progress"] == "已召开专题会议研究部署"
    assert second["status"] == Status.PENDING
