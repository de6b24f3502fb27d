"""督办: the office marks an item 黄牌 / 红牌 with a note from its card; the leader is told at
once; the mark is in the history, heads the leader's /todo and is counted per unit."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import EventKind, Role, Status, Supervision
from bot.errors import DomainError
from bot.reports.digest import DigestReport
from bot.reports.workbook import COLUMNS, row_values
from bot.services.supervision import check_plain_edit, requires_approval
from tests.chat import Chat, join, local, texts_with
from tests.import_sheets import OFFICE_ROWS, office_book
from tests.test_forged_updates import anchor, press
from tests.test_ladder import file_item

CADRE, LEADER, OFFICE, FIN_LEADER = 41, 42, 900, 51
NOTE = "请于本周内整改到位 <b>并报送佐证</b>"


@pytest.fixture
def unit(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    services.membership.add_unit("市财政局", code="FIN")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    join(services, chat, "FIN", FIN_LEADER, Role.LEADER, "钱局长")
    chat.sandbox.add_user(OFFICE, "周主任")
    return services


def card_labels(chat: Chat, user: int) -> list[str]:
    return [label for row in chat.sandbox.buttons(chat.sandbox.last(user)) for label, _ in row]


async def test_the_office_marks_an_item_and_the_leader_is_told_at_once(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    item = file_item(unit, local(2026, 12, 31, 23, 59))
    await chat.send(LEADER, "/item EDU-1")
    assert "红牌督办" not in card_labels(chat, LEADER)
    await chat.send(OFFICE, "/item EDU-1")
    assert {"黄牌督办", "红牌督办"} <= set(card_labels(chat, OFFICE))
    asked = await chat.click(OFFICE, "红牌督办")
    assert "请写明督办意见" in (asked[-1].text or "")
    done = await chat.send(OFFICE, f"  {NOTE}  ")
    assert "已对 EDU-0001 🟥 红牌督办，已通知责任领导（1人）" in (done[-1].text or "")
    told = texts_with(chat, LEADER, "🟥 红牌督办：市教育局 EDU-0001")
    assert len(told) == 1
    assert "督办意见：请于本周内整改到位 &lt;b&gt;并报送佐证&lt;/b&gt;" in told[0]
    assert "督办人：周主任" in told[0]
    assert texts_with(chat, FIN_LEADER, "督办") == []
    problem = unit.ledger.peek(item)
    assert problem is not None
    assert (problem.supervision, problem.supervision_note) == (Supervision.RED, NOTE)
    _, history = unit.ledger.get(item, by=unit.membership.identify(OFFICE))
    assert [(e.kind, e.note) for e in history][-1] == (EventKind.SUPERVISED, NOTE)
    card = (await chat.send(LEADER, "/item EDU-1"))[-1].text or ""
    assert "督办：🟥 红牌督办（请于本周内整改到位 &lt;b&gt;" in card
    assert "周主任 督办" in card


async def test_marked_items_head_the_leaders_todo_and_are_counted_per_unit(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    waiting = file_item(unit, local(2026, 12, 31, 23, 59))
    unit.ledger.report_done(waiting, by=unit.membership.identify(CADRE), by_name="张三",
                            completion="已改")
    yellow = file_item(unit, local(2026, 12, 31, 23, 59))
    red = file_item(unit, local(2026, 12, 30, 23, 59))
    office = unit.membership.identify(OFFICE)
    unit.supervision.mark(yellow, by=office, by_name="周主任", mark=Supervision.YELLOW,
                          note="进度偏慢")
    clock.set(local(2026, 11, 28, 16, 0))
    unit.supervision.mark(red, by=office, by_name="周主任", mark=Supervision.RED,
                          note="群众反映强烈")
    text = (await chat.send(LEADER, "/todo"))[-1].text or ""
    assert text.index("督办事项（2项：红牌1项，黄牌1项）") < text.index("待销号")
    assert text.index("🟥 红牌督办 EDU-0003") < text.index("🟨 黄牌督办 EDU-0002")
    edu = unit.membership.identify(LEADER).unit
    assert edu is not None
    assert unit.supervision.marked_counts() == {
        edu.id: {Supervision.YELLOW: 1, Supervision.RED: 1}}
    assert unit.supervision.marked(unit.membership.identify(FIN_LEADER)) == ()


async def test_only_the_office_marks_and_a_note_is_required(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    item = file_item(unit, local(2026, 12, 31, 23, 59))
    await chat.send(LEADER, "/help")
    await press(chat, LEADER, f"sup:mark:{item}:r", anchor(chat, LEADER))
    assert "只有领导小组办公室可以督办" in chat.last_text(LEADER)
    with pytest.raises(DomainError):
        unit.supervision.mark(item, by=unit.membership.identify(LEADER), by_name="李局长",
                              mark=Supervision.RED, note="x")
    with pytest.raises(DomainError):
        unit.supervision.mark(item, by=unit.membership.identify(OFFICE), by_name="周主任",
                              mark=Supervision.RED, note="   ")
    problem = unit.ledger.peek(item)
    assert problem is not None and problem.supervision is None


async def test_the_digests_count_colours_and_marks(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    report = DigestReport(unit.digest)
    edu = unit.membership.identify(LEADER).unit
    assert edu is not None
    near = file_item(unit, local(2026, 12, 4, 23, 59))
    file_item(unit, local(2026, 12, 31, 23, 59))
    assert "预警与督办" not in report.unit_text(edu.id, "zh")
    unit.supervision.mark(near, by=unit.membership.identify(OFFICE), by_name="周主任",
                          mark=Supervision.RED, note="抓紧")
    clock.set(local(2026, 12, 2, 9, 30))
    unit.ladder.step()
    line = "【预警与督办】红色预警0个 · 黄色预警0个 · 蓝色预警1个；红牌督办1个 · 黄牌督办0个"
    assert line in report.unit_text(edu.id, "zh")
    assert line in report.city_text("zh")
    assert "red 0 · yellow 0 · blue 1; red cards 1" in report.unit_text(edu.id, "en")


def test_a_marked_item_keeps_its_deadline_track_and_owner_against_a_re_import(
    unit: Services,
) -> None:
    unit.importer.run(office_book(), "台账.xlsx", by=None, by_name="导入员", unit="EDU")
    items = {v.number: v for v in unit.ledger.iter_rows()}
    marked = items["EDU-0002"]
    assert not requires_approval(marked, "deadline")
    unit.supervision.mark(marked.id, by=unit.membership.identify(OFFICE), by_name="周主任",
                          mark=Supervision.YELLOW, note="进度偏慢")
    marked = unit.ledger.peek(marked.id)  # type: ignore[assignment]
    assert marked is not None
    assert [f for f in ("deadline", "track", "owner", "description", "status")
            if requires_approval(marked, f)] == ["deadline", "track", "owner"]
    check_plain_edit(marked, ("description", "measures"), marked.number)  # free to edit
    with pytest.raises(DomainError) as refused:
        check_plain_edit(marked, ("description", "owner_name"), marked.number)
    assert refused.value.key == "change.needs_approval"
    rows = [list(r) for r in OFFICE_ROWS]
    rows[1][5] = "2027年3月31日前"  # the marked item's deadline
    rows[4][5] = "2027年1月31日前"  # an unmarked item's deadline: an ordinary update
    preview = unit.importer.run(office_book(rows), "台账.xlsx", by=None, by_name="导入员",
                                unit="EDU")
    assert [(e.key, e.params) for e in preview.errors] == [
        ("ledger_import.needs_approval", {"number": "EDU-0002"})]
    assert preview.updated == 1
    after = {v.number: v for v in unit.ledger.iter_rows()}
    assert after["EDU-0002"].deadline == marked.deadline
    assert after["EDU-0005"].deadline != items["EDU-0005"].deadline
    # What the mark leaves alone still imports: the progress of the marked item.
    rows = [list(r) for r in OFFICE_ROWS]
    rows[1][6] = "已整改"
    done = unit.importer.run(office_book(rows), "台账.xlsx", by=None, by_name="导入员",
                             unit="EDU")
    assert done.errors == () and done.updated == 2  # and EDU-0005 back to its first deadline
    assert {v.number: v for v in unit.ledger.iter_rows()}["EDU-0002"].status \
        == Status.AWAITING_SIGNOFF


async def test_the_office_lifts_a_mark_from_the_card_and_the_history_keeps_it(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    item = file_item(unit, local(2026, 12, 31, 23, 59))
    unit.supervision.mark(item, by=unit.membership.identify(OFFICE), by_name="周主任",
                          mark=Supervision.YELLOW, note="进度偏慢")
    await chat.send(OFFICE, "/item EDU-1")
    labels = card_labels(chat, OFFICE)
    assert "解除督办" in labels and "红牌督办" in labels and "黄牌督办" not in labels
    await chat.send(LEADER, "/item EDU-1")
    assert "解除督办" not in card_labels(chat, LEADER)
    await press(chat, LEADER, f"sup:unmark:{item}", anchor(chat, LEADER))
    assert "只有领导小组办公室可以督办" in chat.last_text(LEADER)
    lifted = await chat.click(OFFICE, "解除督办")
    assert "已解除 EDU-0001 的督办，历史记录保留。" in (lifted[-1].text or "")
    problem = unit.ledger.peek(item)
    assert problem is not None and problem.supervision is None
    _, history = unit.ledger.get(item, by=unit.membership.identify(OFFICE))
    assert [e.kind for e in history][-2:] == [EventKind.SUPERVISED, EventKind.UNSUPERVISED]
    assert "解除督办" in ((await chat.send(LEADER, "/item EDU-1"))[-1].text or "")
    assert unit.supervision.marked_counts() == {}


def test_the_export_says_which_items_are_under_a_mark(unit: Services) -> None:
    marked = file_item(unit, local(2026, 12, 31, 23, 59))
    file_item(unit, local(2026, 12, 30, 23, 59))
    unit.supervision.mark(marked, by=unit.membership.identify(OFFICE), by_name="周主任",
                          mark=Supervision.RED, note="抓紧")
    rows = {v.number: row_values(v, 1, tz=unit.config.tz, now=unit.clock.now())
            for v in unit.ledger.iter_rows()}
    remarks = COLUMNS.index("备注")
    assert rows["EDU-0001"][remarks] == "红牌督办"
    assert rows["EDU-0002"][remarks] == ""
