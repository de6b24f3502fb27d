"""/stats in every scope, and the digest on the command line: the same figures as the digests."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.reports.digest import DigestReport
from tests.chat import Chat
from tests.test_digest import (  # noqa: F401 - fixtures
    CADRE,
    EDU_GROUP,
    LEADER,
    LIAISON,
    MONDAY_9,
    OFFICE,
    PEOPLE,
    STRANGER,
    config,
    digest,
    join_chats,
    seed,
    unit_id,
    wired,
)

# -- /stats ------------------------------------------------------------------------------------


@pytest.fixture
async def stats_chat(services: Services, clock: FixedClock, chat: Chat) -> Chat:
    seed(services, clock)
    join_chats(chat.sandbox)
    return chat


async def test_stats_for_a_member_shows_the_unit_without_names(stats_chat: Chat) -> None:
    [reply] = await stats_chat.send(CADRE, "/stats")
    assert "市教育局" in (reply.text or "") and "整改率28.6%" in (reply.text or "")
    assert not any(name in (reply.text or "") for name in PEOPLE.values())


async def test_stats_for_a_leader_adds_the_private_note(stats_chat: Chat) -> None:
    replies = await stats_chat.send(LEADER, "/stats")
    assert len(replies) == 2 and "EDU-0001 张三" in (replies[1].text or "")


async def test_stats_in_a_group_never_names_anyone(stats_chat: Chat) -> None:
    [reply] = await stats_chat.send(LEADER, "/stats", chat_id=EDU_GROUP)
    assert "市教育局" in (reply.text or "")
    assert not any(name in (reply.text or "") for name in PEOPLE.values())


async def test_stats_for_the_office_is_the_city_table_and_chart(stats_chat: Chat) -> None:
    replies = await stats_chat.send(OFFICE, "/stats")
    assert "全市进展周报" in (replies[0].text or "")
    assert replies[-1].photo is not None and replies[-1].photo.startswith(b"\x89PNG")
    [unit, note] = await stats_chat.send(OFFICE, "/stats EDU")
    assert "市教育局" in (unit.text or "") and "张三" in (note.text or "")


async def test_stats_refuses_other_units_and_strangers(stats_chat: Chat) -> None:
    [denied] = await stats_chat.send(LEADER, "/stats HEALTH")
    assert "只能查看本单位" in (denied.text or "")
    [stranger] = await stats_chat.send(STRANGER, "/stats")
    assert "/join" in (stranger.text or "")


# -- the command line --------------------------------------------------------------------------


def test_cli_prints_and_send_plans_for_the_running_bot(digest: DigestReport) -> None:
    text = digest.cli("EDU", send=False)
    assert "截至11月30日" in text and "EDU-0001 张三" in text
    city = digest.cli(None, send=False)
    assert "市卫健委" in city and "市教育局" in city
    planned = digest.cli("EDU", send=True)
    assert "3" in planned  # the group, the leader and the liaison
    notes = digest.service.notify.listing()
    assert sorted(n.chat_id for n in notes) == sorted([EDU_GROUP, LEADER, LIAISON])
    assert digest.cli("EDU", send=True)  # a second --send is a new one-off


def test_the_senders_shared_pass_gives_the_same_digest(digest: DigestReport,
                                                       services: Services) -> None:
    for code in ("EDU", "HEALTH"):
        uid = unit_id(services, code)
        assert digest.unit_text(uid, "zh", MONDAY_9, shared=True) == digest.unit_text(
            uid, "zh", MONDAY_9)
