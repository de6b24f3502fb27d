"""One definition of each count: the unit and city digests, /stats and the export agree.

The figures are read from what each place shows (text, workbook), never from how it computes
them, so the test holds whatever the queries behind them look like.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from openpyxl import load_workbook

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import parse_config
from bot.reports.campaign import announcement
from bot.services.campaign import Campaign
from bot.services.problem import Draft
from tests.chat import Chat
from tests.test_digest import (
    CADRE,
    EDU_GROUP,
    HLEADER,
    LEADER,
    MONDAY_9,
    NURSE,
    OFFICE,
    PEOPLE,
    PHASES,
    attach,
    config,
    join_chats,
    local,
    seed,
    wired,
)

__all__ = ["config", "wired"]  # fixtures, shared with the module they come from
HEADLINE = re.compile(
    r"共查摆问题(\d+)个，已整改(\d+)个，整改率([\d.]+%|—)，已销号(\d+)个，逾期(\d+)个")
ROW = re.compile(r"^(?:\d+|—)\. (\S+?)｜(\d+)｜(\d+)｜([\d.]+%|—)｜(\d+)$", re.M)
SCORE = re.compile(r"^(?:\d+|—)\. (\S+?) .*?回炉(\d+)次", re.M)
NEW_FIXED = re.compile(r"新(?:完成)?整改(\d+)个")


def _by(services: Services, description: str) -> int:
    [item] = [r for r in services.ledger.rows() if r.description == description]
    return item.id


def _file(services: Services, clock: FixedClock, when: dt.datetime, text: str, by: int) -> int:
    clock.set(when)
    draft = Draft(category="履职尽责缺位", source="self", description=text, measures=("整改",),
                  track="deadline", owner_name=PEOPLE[by], owner_user_id=by,
                  deadline=local(2026, 12, 20, 23, 59).isoformat())
    return services.ledger.file(draft, by=services.membership.identify(by),
                                by_name=PEOPLE[by]).id


def rejections(services: Services, clock: FixedClock) -> None:
    """On top of the digests' data set, three reports of 整改 sent back (回炉) by a leader.

    EDU: one reported last week and sent back this week; one reported and sent back this week.
    HEALTH: one reported, sent back and reported again this week (it counts once).
    """
    led, m = services.ledger, services.membership
    cadre, leader, nurse, hleader = (m.identify(u) for u in (CADRE, LEADER, NURSE, HLEADER))
    again = local(2026, 12, 20, 23, 59)

    def done(item: int, by: object, when: dt.datetime) -> None:
        clock.set(when)
        led.report_done(item, by=by, by_name="x", completion="已改")  # type: ignore[arg-type]

    def back(item: int, by: object, when: dt.datetime) -> None:
        clock.set(when)
        led.reject(item, by=by, by_name="y", reason="佐证不足",  # type: ignore[arg-type]
                   new_deadline=again)

    old = _file(services, clock, local(2026, 11, 20, 11, 0), "公文审核流于形式", CADRE)
    done(old, cadre, local(2026, 11, 21, 10, 0))
    back(old, leader, local(2026, 11, 24, 10, 0))
    meeting = _by(services, "会议文件冗长")
    done(meeting, cadre, local(2026, 11, 27, 10, 0))
    back(meeting, leader, local(2026, 11, 28, 10, 0))
    guide = _by(services, "门诊指引不清")
    done(guide, nurse, local(2026, 11, 26, 10, 0))
    back(guide, hleader, local(2026, 11, 27, 10, 0))
    done(guide, nurse, local(2026, 11, 28, 10, 0))
    clock.set(MONDAY_9)


def _headline(text: str) -> tuple[int, int, str, int, int]:
    found = HEADLINE.search(text)
    assert found, text
    total, fixed, rate, signed, overdue = found.groups()
    return int(total), int(fixed), rate, int(signed), int(overdue)


def _city(text: str) -> dict[str, tuple[int, int, str, int]]:
    return {unit: (int(total), int(fixed), rate, int(overdue))
            for unit, total, fixed, rate, overdue in ROW.findall(text)}


def _export(document: bytes) -> tuple[dict[str, tuple[int, int, str, int, int]], Counter[str]]:
    """The 汇总 sheet's figures by unit name, and 回炉 times by unit from the ledger sheets."""
    book = load_workbook(io.BytesIO(document), read_only=True)
    summary: dict[str, tuple[int, int, str, int, int]] = {}
    for row in book["汇总"].iter_rows(values_only=True):
        if row and row[0] not in (None, "单位编号") and isinstance(row[2], int):
            rate = f"{row[8] * 100:.1f}%" if isinstance(row[8], int | float) else str(row[8])
            summary[str(row[1] or row[0])] = (row[2], row[5] + row[6], rate, row[6], row[7])
    rework: Counter[str] = Counter()
    for sheet in book.worksheets:
        if sheet.title == "汇总":
            continue
        for row in sheet.iter_rows(values_only=True):
            for cell in row:
                for times in re.findall(r"回炉(\d+)次", str(cell or "")):
                    rework[sheet.title] += int(times)
    return summary, rework


async def test_the_digests_stats_and_export_give_one_set_of_figures(
    services: Services, clock: FixedClock, chat: Chat
) -> None:
    seed(services, clock)
    rejections(services, clock)
    join_chats(chat.sandbox)
    report = attach(services)
    edu_id, health_id = (services.digest.find_unit(code)[0] for code in ("EDU", "HEALTH"))
    edu_text, health_text = (report.unit_text(u, "zh") for u in (edu_id, health_id))
    city_text = report.city_text("zh")

    # What the data set says, counted by hand: a report sent back is not 整改, in the totals
    # or in the week; one reported again counts once.
    assert _headline(edu_text) == (8, 2, "25.0%", 1, 1)
    assert _headline(health_text) == (2, 2, "100.0%", 1, 0)
    assert _headline(city_text) == (10, 4, "40.0%", 2, 1)
    assert "【本周】新查摆5个，新整改2个，新销号1个" in edu_text
    assert "【本周】新查摆2个，新整改2个，新销号1个" in health_text
    # The city digest says one 新整改, however many lines mention it.
    assert set(NEW_FIXED.findall(city_text)) == {"4"}, city_text
    assert "（现为40.0%）" in city_text

    city = _city(city_text)
    assert city == {"市教育局": (8, 2, "25.0%", 1), "市卫健委": (2, 2, "100.0%", 0)}
    for name, text in (("市教育局", edu_text), ("市卫健委", health_text)):
        total, fixed, rate, _signed, overdue = _headline(text)
        assert city[name] == (total, fixed, rate, overdue)
    assert dict(SCORE.findall(city_text)) == {"市教育局": "2", "市卫健委": "1"}

    # /stats shows the same, for the office (the city) and for a unit.
    office_replies = await chat.send(OFFICE, "/stats")
    office_text = "\n".join(m.text or m.caption or "" for m in office_replies)
    assert _headline(office_text) == _headline(city_text)
    assert _city(office_text) == city
    assert set(NEW_FIXED.findall(office_text)) == {"4"}
    [unit_reply, *_] = await chat.send(LEADER, "/stats")
    assert _headline(unit_reply.text or "") == _headline(edu_text)
    assert "新整改2个" in (unit_reply.text or "")

    # The export: the same totals, 已整改, 已销号, 逾期 and 整改率 per unit, and the same 回炉.
    [document] = [m.document for m in await chat.send(OFFICE, "/export") if m.document]
    summary, rework = _export(document[1])
    assert summary["市教育局"] == _headline(edu_text)
    assert summary["市卫健委"] == _headline(health_text)
    assert sum(rework.values()) == 3
    assert {name: n for name, n in rework.items() if n} == {"市教育局": 2, "市卫健委": 1}


@pytest.mark.parametrize("day", [dt.date(2026, 12, 7), dt.date(2026, 12, 9)])
async def test_a_phase_announcement_counts_down_as_stats_does_that_day(
    services: Services, clock: FixedClock, chat: Chat, day: dt.date
) -> None:
    seed(services, clock)
    join_chats(chat.sandbox)
    clock.set(dt.datetime.combine(day, dt.time(9, 30), tzinfo=MONDAY_9.tzinfo))
    # The announcement as it goes out that day (on time, or caught up after downtime).
    await chat.app.bot_data.sender.tick()
    [announced] = [text for text in chat.texts(EDU_GROUP) if "📣" in text]
    [stats, *_] = await chat.send(LEADER, "/stats")
    countdown = next(line for line in (stats.text or "").split("\n") if line.startswith("当前阶段"))
    assert announced.endswith(countdown), (announced, countdown)
    left = (dt.date(2026, 12, 27) - day).days
    assert f"距阶段结束还有{left}天" in countdown


def test_the_announcement_text_takes_the_day_it_is_sent() -> None:
    config = parse_config({"campaign": {"phases": PHASES}})
    campaign = Campaign(config.campaign, config.tz)
    phase = campaign.phases[2]
    on_time = announcement(campaign, "zh", phase, "整顿", dt.date(2026, 12, 7))
    late = announcement(campaign, "zh", phase, "整顿", dt.date(2026, 12, 9))
    assert "距阶段结束还有20天" in on_time and "距阶段结束还有18天" in late
