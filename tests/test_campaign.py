"""The campaign calendar: countdown lines, phase announcements and the closing workbook."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import CampaignConfig
from bot.reports.campaign import countdown
from bot.reports.digest import DigestReport
from bot.services.campaign import Campaign
from tests.chat import Chat
from tests.conftest import SHANGHAI
from tests.test_digest import (  # noqa: F401 - fixtures
    EDU_GROUP,
    HEALTH_GROUP,
    OFFICE,
    PHASES,
    attach,
    config,
    join_chats,
    local,
    seed,
    tick_at,
    wired,
)


def calendar(phases: list[dict[str, str]] = PHASES) -> Campaign:
    return Campaign(CampaignConfig.model_validate({"phases": phases}), SHANGHAI)


@pytest.mark.parametrize(("day", "zh", "en"), [
    (dt.date(2026, 10, 30), "整顿将于11月2日启动（首个阶段：学习动员），还有3天。",
     "The campaign starts on 11/2 (first phase: 学习动员), in 3 day(s)."),
    (dt.date(2026, 12, 7),
     "当前阶段：整改落实（12月7日—12月27日），距阶段结束还有20天；距整顿结束还有34天。",
     "Current phase: 整改落实 (12/7–12/27); the phase ends in 20 day(s), "
     "the campaign ends in 34 day(s)."),
    (dt.date(2027, 1, 10),
     "当前阶段：总结提升（12月28日—1月10日），距阶段结束仅剩今天；距整顿结束仅剩今天。",
     "Current phase: 总结提升 (12/28–1/10); the phase ends today, the campaign ends today."),
    (dt.date(2027, 1, 11), "整顿已于1月10日结束，长期坚持事项转入常态化监督。",
     "The campaign ended on 1/10; ongoing items are now under routine supervision."),
])
def test_countdown_lines(day: dt.date, zh: str, en: str) -> None:
    assert countdown(calendar(), "zh", day) == zh
    assert countdown(calendar(), "en", day) == en


def test_a_gap_between_phases_counts_down_to_the_next() -> None:
    gap = [{"name": "学习动员", "start": "2026-11-02", "end": "2026-11-10"},
           {"name": "查摆问题", "start": "2026-11-16", "end": "2026-12-06"}]
    assert countdown(calendar(gap), "zh", dt.date(2026, 11, 12)) == (
        "下一阶段：查摆问题（11月16日—12月6日），4天后开始；距整顿结束还有24天。")


def test_no_phases_no_countdown() -> None:
    assert countdown(calendar([]), "zh", dt.date(2026, 11, 30)) == ""


def test_announcements_are_due_on_the_first_morning_and_caught_up_briefly() -> None:
    c = calendar()
    assert [p.name for p in c.announcements_due(local(2026, 12, 7, 8, 59))] == []
    assert [p.name for p in c.announcements_due(local(2026, 12, 7, 9, 0))] == ["整改落实"]
    assert [p.name for p in c.announcements_due(local(2026, 12, 10, 20, 0))] == ["整改落实"]
    assert c.announcements_due(local(2026, 12, 11, 9, 0)) == []


async def test_phase_change_is_announced_once_to_groups_and_office(
        services: Services, clock: FixedClock, chat: Chat) -> None:
    seed(services, clock)
    join_chats(chat.sandbox)
    await tick_at(chat, clock, local(2026, 12, 7, 9, 0))
    await tick_at(chat, clock, local(2026, 12, 7, 9, 1))
    for target in (EDU_GROUP, HEALTH_GROUP, OFFICE):
        announced = [text for text in chat.texts(target) if "📣" in text]
        assert len(announced) == 1, target
        assert "第3阶段（共4个）：<b>整改落实</b>（12月7日—12月27日，共21天）" in announced[0]
        assert "距整顿结束还有34天" in announced[0]


async def test_end_of_campaign_sends_the_workbook_once(
        services: Services, clock: FixedClock, chat: Chat) -> None:
    seed(services, clock)
    join_chats(chat.sandbox)
    await tick_at(chat, clock, local(2027, 1, 11, 9, 0))
    await tick_at(chat, clock, local(2027, 1, 11, 10, 0))
    ended = [text for text in chat.texts(OFFICE) if "🏁" in text]
    assert len(ended) == 1 and "共查摆问题9个，已整改3个，整改率33.3%" in ended[0]
    assert not [text for text in chat.texts(EDU_GROUP) if "🏁" in text]
    [doc] = [m for m in chat.sandbox.sent(OFFICE) if m.document]
    assert doc.document is not None and doc.document[0].endswith(".xlsx")
    book = load_workbook(io.BytesIO(doc.document[1]), read_only=True)
    assert book.sheetnames == ["汇总", "长期坚持"]


def test_the_closing_workbook_lists_units_and_hands_over_ongoing_items(
        services: Services, clock: FixedClock) -> None:
    seed(services, clock)
    digest: DigestReport = attach(services)
    book = load_workbook(io.BytesIO(digest.end_book()), read_only=True)
    assert book.sheetnames == ["汇总", "长期坚持"]
    # Under the title and the 填报 line, like the ledger; the legend after the 合计 row.
    summary = [list(r) for r in book["汇总"].iter_rows(values_only=True)][2:-2]
    assert summary[0][:9] == ["单位编号", "单位", "问题总数", "待整改", "整改中", "待销号",
                              "已销号", "逾期", "整改率"]
    assert summary[1][:9] == ["EDU", "市教育局", 7, 4, 1, 1, 1, 1, 0.286]
    assert summary[-1][0] == "合计" and summary[-1][2] == 9
    ongoing = [list(r) for r in book["长期坚持"].iter_rows(values_only=True)][2:]
    assert len(ongoing) == 2
    assert ongoing[1][1:3] == ["EDU-0005", "市教育局"] and ongoing[1][-1] == "转入常态化监督"
