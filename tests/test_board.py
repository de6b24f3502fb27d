"""The web's reads: counts equal the lists they open and the digest's; who sees what; paging."""

from __future__ import annotations

import dataclasses

import pytest

from bot.bootstrap import Services
from bot.domain import Status, Track
from bot.errors import DomainError
from bot.services.board import STATUS_GROUPS, BoardService, Due, ItemFilter
from tests.test_digest import SILENT, unit_id
from tests.web_fixtures import (  # noqa: F401 - fixtures
    CADRE,
    HLEADER,
    LEADER,
    LIAISON,
    NURSE,
    OFFICE,
    config,
    seeded,
)


def who(services: Services, user: int):  # type: ignore[no-untyped-def]
    return services.membership.identify(user)


def test_every_count_on_the_unit_page_equals_the_list_it_opens(seeded: Services) -> None:
    board, edu = seeded.board, unit_id(seeded, "EDU")
    leader = who(seeded, LEADER)
    stats = board.unit(leader, edu).stats
    expected = {f"status={k}": sum(stats.status[s] for s in v) for k, v in STATUS_GROUPS.items()}
    expected |= {f"track={t.value}": stats.track[t] for t in Track}
    expected |= {f"due={d.value}": stats.buckets[i] for i, d in enumerate(Due)}
    assert stats.total == 7 and stats.overdue == 1 and sum(expected.values()) > stats.total
    for query, count in expected.items():
        name, value = query.split("=")
        page = board.unit(leader, edu, ItemFilter.parse({name: value})).page
        assert page.total == count == len(page.items), query
    assert board.unit(leader, edu).page.total == stats.total


def test_the_pages_numbers_are_the_digests(seeded: Services) -> None:
    office = who(seeded, OFFICE)
    city = seeded.board.city(office)
    # The page shows the digest's counts (not its colours, marks or score components).
    digest = {s.unit_id: s for s in seeded.digest.city_stats(supervision=False)}
    assert {r.stats.unit_id: r.stats for r in city.ranked} == digest
    full = {s.unit_id: s for s in seeded.digest.city_stats()}
    assert {u: (s.status, s.track, s.buckets) for u, s in full.items()} == {
        u: (s.status, s.track, s.buckets) for u, s in digest.items()}
    assert city.totals.total == sum(s.total for s in digest.values()) == 9
    assert city.totals.fixed == sum(s.fixed for s in digest.values())
    for unit, figures in full.items():
        assert seeded.board.unit(office, unit).stats == figures
    assert [r.rank for r in city.ranked] == [1, 2]  # HEALTH 50 %, EDU 28.6 %


def test_leaders_and_liaisons_see_their_unit_only(seeded: Services) -> None:
    edu, health = unit_id(seeded, "EDU"), unit_id(seeded, "HEALTH")
    for person in (LEADER, LIAISON):
        assert seeded.board.unit(who(seeded, person), edu).unit.code == "EDU"
        with pytest.raises(DomainError, match=r"web\.not_found"):
            seeded.board.unit(who(seeded, person), health)
        with pytest.raises(DomainError, match=r"web\.denied"):
            seeded.board.city(who(seeded, person))
    with pytest.raises(DomainError, match=r"web\.not_found"):
        seeded.board.unit(who(seeded, LEADER), 99_999)


def test_cadres_see_their_own_items_and_no_unit(seeded: Services) -> None:
    cadre, nurse = who(seeded, CADRE), who(seeded, NURSE)
    with pytest.raises(DomainError, match=r"web\.not_found"):
        seeded.board.unit(cadre, unit_id(seeded, "EDU"))
    mine = seeded.board.mine(cadre)
    assert mine.total == 7 and all(p.owner_user_id == CADRE for p in mine.items)
    assert seeded.board.mine(nurse).total == 2
    with pytest.raises(DomainError, match=r"web\.not_found"):
        seeded.board.item(nurse, mine.items[0].id)
    assert seeded.board.item(cadre, mine.items[0].id)[0].number == "EDU-0001"
    # Another cadre of the same unit: not their item (in the chat, /item would show it).
    with pytest.raises(DomainError, match=r"web\.not_found"):
        seeded.board.item(who(seeded, SILENT), mine.items[0].id)
    assert seeded.board.item(who(seeded, HLEADER), seeded.board.mine(nurse).items[0].id)
    with pytest.raises(DomainError, match=r"web\.not_found"):
        seeded.board.item(who(seeded, HLEADER), mine.items[0].id)


def test_keyset_pages_walk_every_item_once_both_ways(seeded: Services) -> None:
    board = BoardService(seeded.db, seeded.clock, seeded.digest, seeded.ledger, page_size=3)
    leader, edu = who(seeded, LEADER), unit_id(seeded, "EDU")
    seen, pages, after = [], [], None
    while True:
        page = board.unit(leader, edu, after=after).page
        pages.append(page)
        seen += [p.number for p in page.items]
        if page.after is None:
            break
        after = page.after
    assert seen == [f"EDU-{n:04d}" for n in range(1, 8)] and len(pages) == 3
    assert pages[0].before is None and pages[-1].before is not None
    back = board.unit(leader, edu, before=pages[-1].before).page
    assert back.items == pages[1].items and back.before is not None
    first = board.unit(leader, edu, before=back.before).page
    assert first.items == pages[0].items and first.before is None


def test_text_search_reads_descriptions_and_measures(seeded: Services) -> None:
    leader, edu = who(seeded, LEADER), unit_id(seeded, "EDU")

    def found(text: str) -> int:
        return seeded.board.unit(leader, edu, ItemFilter(text=text)).page.total

    assert found("午休") == 1  # a description
    assert found("轮值") == 7  # every item's measures (stored as JSON)
    assert found("%") == 0 and found("_") == 0 and found('"') == 0
    both = ItemFilter(text="会议", status=Status.PENDING.value)
    assert seeded.board.unit(leader, edu, both).page.total == 0  # 会议文件冗长 is in progress


def test_owner_category_and_bad_filters(seeded: Services) -> None:
    leader, edu = who(seeded, LEADER), unit_id(seeded, "EDU")
    board = seeded.board.unit(leader, edu)
    assert board.owners == ("张三",) and board.categories == ("履职尽责缺位",)
    assert seeded.board.unit(leader, edu, ItemFilter(owner="张三")).page.total == 7
    assert seeded.board.unit(leader, edu, ItemFilter(owner="李四")).page.total == 0
    for bad in ({"status": "x"}, {"track": "soon"}, {"due": "d30"}):
        with pytest.raises(DomainError, match=r"web\.bad_filter"):
            ItemFilter.parse(bad)
    flt = ItemFilter.parse({"status": "open", "q": " 会议 ", "owner": ""})
    assert dataclasses.astuple(flt) == ("open", None, None, None, None, "会议")


def test_exports_are_scoped_as_the_pages(seeded: Services) -> None:
    edu, health = unit_id(seeded, "EDU"), unit_id(seeded, "HEALTH")
    assert seeded.board.export_scope(who(seeded, OFFICE), None) is None
    assert len(list(seeded.board.export_rows(who(seeded, OFFICE), None))) == 9
    assert len(list(seeded.board.export_rows(who(seeded, LIAISON), edu))) == 7
    for person, unit in ((LIAISON, None), (LEADER, health), (CADRE, edu)):
        with pytest.raises(DomainError):
            seeded.board.export_scope(who(seeded, person), unit)
