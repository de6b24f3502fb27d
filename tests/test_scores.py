"""Unit scores (考核): the formula over its named components, from a fixed data set, and the
city digest showing each unit's score with the components that make it."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import ScoreWeights
from bot.domain import Role, Status, Supervision
from bot.reports.digest import DigestReport
from bot.services.scores import ranked, score
from bot.services.stats import UnitStats
from tests.chat import Chat, join, local
from tests.test_ladder import file_item

CADRE, LEADER, OFFICE = 41, 42, 900


def unit_stats(code: str, open_: int, fixed: int, **figures: int) -> UnitStats:
    s = UnitStats(len(code), code, f"单位{code}")
    s.status[Status.PENDING] = open_
    s.status[Status.SIGNED_OFF] = fixed
    s.marks[Supervision.RED] = figures.pop("red", 0)
    for name, value in figures.items():
        setattr(s, name, value)
    return s


def test_the_formula_weighs_rates_and_takes_penalties_per_item() -> None:
    w = ScoreWeights()
    s = unit_stats("EDU", 2, 2, rework=2, red=1, overdue_days=6, with_deadline=4, on_time=3)
    x = score(s, w)
    # 100 × (50% × 60 + 75% × 40) / 100 = 60; less (2 × 10 + 1 × 20 + 6 × 1) / 4 items = 11.5.
    assert (x.rectification_rate, x.on_time_rate, x.rework, x.red_cards, x.overdue_days,
            x.points) == (0.5, 0.75, 2, 1, 6, 48.5)
    assert score(s, ScoreWeights(rework=0, red_cards=0, overdue_days=0)).points == 60.0
    # Twice the items with the same rates and penalties per item: the same score.
    big = unit_stats("BIG", 4, 4, rework=4, red=2, overdue_days=12, with_deadline=8, on_time=6)
    assert score(big, w).points == 48.5
    worst = unit_stats("BAD", 1, 0, rework=9, overdue_days=90, with_deadline=1)
    empty = unit_stats("NIL", 0, 0)
    order = ranked([empty, worst, s, unit_stats("TOP", 0, 3, with_deadline=3, on_time=3)], w)
    assert [(x.unit.code, x.points) for x in order] == [
        ("TOP", 100.0), ("EDU", 48.5), ("BAD", 0.0), ("NIL", None)]


def test_missed_reports_take_points_off_and_the_public_rating_joins_the_rates() -> None:
    w = ScoreWeights()
    s = unit_stats("EDU", 2, 2, with_deadline=4, on_time=3, missed_rounds=2)
    x = score(s, w)
    # Nobody rated yet: 100 × (50% × 60 + 75% × 40) / 100 = 60, less 2 × 5 / 4 items = 57.5.
    assert (x.missed_rounds, x.satisfaction, x.points) == (2, None, 57.5)
    rated = unit_stats("EDU", 2, 2, with_deadline=4, on_time=3, missed_rounds=2,
                       rated=4, satisfied=1)
    x = score(rated, w)
    # 100 × (50% × 60 + 75% × 40 + 25% × 20) / 120 = 54.17, less 2.5 = 51.7.
    assert (x.satisfaction, x.points) == (0.25, 51.7)
    off = ScoreWeights(satisfaction=0, missed_rounds=0)
    assert score(rated, off).points == 60.0
    # All satisfied lifts a unit above what its rates alone would give.
    assert score(unit_stats("TOP", 2, 2, with_deadline=4, on_time=3, rated=3, satisfied=3),
                 w).points == 66.7


async def test_the_city_digest_shows_each_score_with_its_components(
    chat: Chat, services: Services, clock: FixedClock
) -> None:
    services.membership.add_unit("市教育局", code="EDU")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    cadre, leader = services.membership.identify(CADRE), services.membership.identify(LEADER)
    late = file_item(services, local(2026, 11, 30, 18, 0))
    reworked = file_item(services, local(2026, 12, 20, 18, 0))
    services.ledger.report_done(reworked, by=cadre, by_name="张三", completion="已改")
    services.ledger.reject(reworked, by=leader, by_name="李局长", reason="佐证不足",
                           new_deadline=local(2026, 12, 25, 18, 0))
    services.supervision.mark(late, by=services.membership.identify(OFFICE), by_name="周主任",
                              mark=Supervision.RED, note="抓紧")
    clock.set(local(2026, 12, 3, 10, 0))  # the first item is overdue its 3rd day
    text = DigestReport(services.digest).city_text("zh")
    assert "<b>考核得分</b>（整改率×60、按期整改率×40与满意率×20合计100分" in text
    # 100 × (0 × 60 + 50% × 40) / 100 = 20; less (1 × 10 + 1 × 20 + 3 × 1) / 2 = 16.5.
    assert "1. 市教育局 3.5分：整改率0.0% · 按期率50.0% · 回炉1次 · 红牌1个 · 超期3天" in text


async def test_a_long_city_keeps_the_digest_within_one_message(
    chat: Chat, services: Services, clock: FixedClock
) -> None:
    for n in range(60):
        code = f"U{n:02d}"
        services.membership.add_unit(f"某某县第{n}号单位（城市管理综合行政执法局）", code=code)
        join(services, chat, code, 1000 + n, Role.MEMBER, f"干部{n}")
        file_item(services, local(2026, 12, 20, 18, 0), owner=1000 + n, name=f"干部{n}")
    text = DigestReport(services.digest).city_text("zh")
    assert len(text) <= 4096
    scores = text.split("<b>考核得分</b>")[1].split("\n")
    assert "中间40个单位从略" in scores[11] and scores[-1].startswith("60. 某某县第59号单位")
