"""Hostile text at every step the bot reads text: no crash, valid replies, escaped, no stray saves.

Each test builds the bot once (SQLite only: the properties are about handlers and rendering,
and the feature suites cover both backends) and feeds it many generated messages, each at the
step it targets, from a fresh start of that step.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from bot.quickfile import MAX_NAME
from bot.texts import t
from sandbox import SentMessage
from storage.db import Database
from tests.chat import Chat, running_bot
from tests.figures import budget, count, derandomized
from tests.test_forged_updates import (
    LEADER,
    LIAISON,
    MEMBER,
    OWNER,
    assert_clean,
    awaiting_item,
    build_org,
    changed,
    db_url,  # noqa: F401 -- the SQLite-only database fixture
    edu_meeting,
    file_item,
    press,
    snapshot,
)

# Markup a person may type that must come back as typed, never as formatting.
CANARIES = ('<b>x</b>', '<a href="tg://user?id=1">a</a>', "<i>y</i>", "<tg-spoiler>s</tg-spoiler>")
FRAGMENTS = (
    *CANARIES, "*x*", "_y_", "`z`", "```", "[a](tg://user?id=1)", "&", "&amp;", "&#0;", "<", ">",
    "<script>", "</b>", "\x00", "\x01", "\x7f", "\r", "\r\n", "\n", "\t", "\u2028", "\u2029",
    "\u202e", "\u202d", "\u200f", "\u2066", "\u2069", "\ufeff", "\u200b", "\u3000", "😀", "𝕏",
    "👨\u200d👩\u200d👧", "\U0010fffd", "🇨🇳", "明天下午3点", "下周五前", "问题：", "措施：",
    "提醒我",
    "12月31日", "1", "²", "٣", "9" * 30, "EDU-0001", "/", "@zhenggai_bot", "#", " ",
)
_fragments = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), min_size=1, max_size=12)
HOSTILE = st.one_of(
    st.text(min_size=1, max_size=60),
    _fragments.map("".join),
    # 10,000 characters: the longest message a modified client could send, and beyond.
    st.tuples(st.sampled_from((*FRAGMENTS, "字", "a ")), st.integers(4000, 10000)).map(
        lambda p: (p[0] * p[1])[: p[1]]),
    st.sampled_from([" ", "\n\t ", "\u3000", "\u200b", "\r\n", "\x00"]),
)
_ALLOWED_TAG = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|code|pre|blockquote|tg-spoiler|span)>"
    r'|<a href="[^"<>]*">|</a>')
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def check_html(message: SentMessage) -> None:
    """Stricter than the sandbox: every <, > and & belongs to a tag or an entity, and the text
    fits Telegram's 4096 characters counted in UTF-16 code units."""
    raw = message.text or ""
    if (message.parse_mode or "").upper() == "HTML":
        bare = _ENTITY.sub("", _ALLOWED_TAG.sub("", raw))
        assert not set("<>&") & set(bare), f"unescaped markup in {raw[:300]!r}"
    shown = message.shown_text
    limit = 4096 if message.document is None and message.photo is None else 1024
    assert len(shown.encode("utf-16-le")) // 2 <= limit, f"{len(shown)} characters"
    for canary in CANARIES:
        assert canary not in raw, f"{canary!r} sent as markup"


class Harness:
    """One running bot for a whole hypothesis run, on a loop of its own."""

    def __init__(self, loop: asyncio.AbstractEventLoop, chat: Chat, services: Services) -> None:
        self.loop = loop
        self.chat = chat
        self.services = services

    def run(self, coroutine: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coroutine)


@pytest.fixture
def harness(config: Config, clock: FixedClock, database: Database,
            services: Services) -> Iterator[Harness]:
    loop = asyncio.new_event_loop()
    bot = running_bot(config, clock, database)
    chat = loop.run_until_complete(bot.__aenter__())
    try:
        build_org(services, chat)
        yield Harness(loop, chat, services)
    finally:
        loop.run_until_complete(bot.__aexit__(None, None, None))
        loop.close()


Setup = Callable[[Chat, Services], Awaitable[Any]]


@dataclass(frozen=True)
class Step:
    """A place where the bot reads text: how to get there, how to send, what it may change."""

    name: str
    user: int
    setup: Setup
    prefix: str = ""
    may_change: frozenset[str] = frozenset({"dialogs"})
    refusals: tuple[str, ...] = ()


async def _nothing(chat: Chat, org: Services) -> None:
    return None


def _say(user: int, *messages: str) -> Setup:
    async def setup(chat: Chat, org: Services) -> None:
        for message in messages:
            await chat.send(user, message)
    return setup


async def _to_description(chat: Chat, org: Services) -> None:
    await chat.send(OWNER, "/file")
    for label in ("履职尽责缺位", "干部个人", "暗访监督"):
        await chat.click(OWNER, label)


async def _to_measures(chat: Chat, org: Services) -> None:
    await _to_description(chat, org)
    await chat.send(OWNER, "上班时间玩手机")


_QUICK = "/file 问题：空调长开 措施：装定时器 类别：1 层级：个人"


async def _to_card(chat: Chat, org: Services) -> None:
    await chat.send(OWNER, _QUICK + " 类型：限期整改 责任领导：李局长 责任人：张三 时限：下周五前")


def _edit(field: str) -> Setup:
    async def setup(chat: Chat, org: Services) -> None:
        await _to_card(chat, org)
        await chat.click(OWNER, field)
    return setup


def _press_item(user: int, action: str, waiting: bool = False, *then: str) -> Setup:
    async def setup(chat: Chat, org: Services) -> None:
        item = awaiting_item(org) if waiting else file_item(org)
        await press(chat, user, f"item:{action}:{item}")
        for message in then:
            await chat.send(user, message)
    return setup


async def _to_decline_reason(chat: Chat, org: Services) -> None:
    meeting = edu_meeting(org)
    await press(chat, MEMBER, f"meet:no:{meeting}")


async def _to_new_time(chat: Chat, org: Services) -> None:
    meeting = edu_meeting(org)
    await press(chat, LIAISON, f"meet:move:{meeting}")


async def _to_leave_dates(chat: Chat, org: Services) -> None:
    await chat.send(OWNER, "/leave")
    await chat.click(OWNER, "事假")


async def _to_leave_reason(chat: Chat, org: Services) -> None:
    await _to_leave_dates(chat, org)
    await chat.send(OWNER, "明天到后天")


FILING_TABLES = frozenset({"dialogs"})  # nothing reaches the ledger before 确认
LEDGER_TABLES = frozenset({"dialogs", "problems", "problem_events", "notifications"})

STEPS: tuple[Step, ...] = (
    Step("file.category", OWNER, _say(OWNER, "/file")),
    Step("file.description", OWNER, _to_description),
    Step("file.measures", OWNER, _to_measures),
    Step("file.leader", OWNER, _say(OWNER, _QUICK + " 类型：限期整改")),
    Step("file.owner", OWNER, _say(OWNER, _QUICK + " 类型：限期整改 责任领导：李局长")),
    Step("file.deadline", OWNER, _say(OWNER, _QUICK + " 类型：限期整改 责任领导：李 责任人：张三")),
    Step("file.checkin", OWNER, _say(OWNER, _QUICK + " 类型：长期坚持 责任领导：李 责任人：张三")),
    Step("file.edit_description", OWNER, _edit("改描述")),
    Step("file.edit_measures", OWNER, _edit("改措施")),
    Step("file.edit_deadline", OWNER, _edit("改时限")),
    Step("file.one_message", OWNER, _nothing, prefix="/file 问题："),
    Step("file.one_message_fields", OWNER, _nothing, prefix="问题：窗口无人 措施："),
    Step("file.free_text", OWNER, _nothing, prefix="/file "),
    Step("item.progress", OWNER, _press_item(OWNER, "progress"), may_change=LEDGER_TABLES,
         refusals=(t("zh", "item.need_text"),)),
    Step("item.done", OWNER, _press_item(OWNER, "done"), may_change=LEDGER_TABLES,
         refusals=(t("zh", "item.need_text"),)),
    Step("reject.reason", LEADER, _press_item(LEADER, "reject", True),
         may_change=LEDGER_TABLES, refusals=(t("zh", "reject.ask_reason_again"),)),
    Step("reject.deadline", LEADER, _press_item(LEADER, "reject", True, "佐证不足"),
         may_change=LEDGER_TABLES),
    Step("remind.command", OWNER, _nothing, prefix="/remind ",
         may_change=frozenset({"dialogs", "notifications"})),
    Step("remind.text", OWNER, _nothing, prefix="提醒我",
         may_change=frozenset({"dialogs", "notifications"})),
    Step("remind.when", OWNER, _say(OWNER, "/remind"),
         may_change=frozenset({"dialogs", "notifications"})),
    Step("remind.what", OWNER, _say(OWNER, "/remind", "明天上午9点"),
         may_change=frozenset({"dialogs", "notifications"})),
    Step("meeting.title", LIAISON, _say(LIAISON, "/meeting")),
    Step("meeting.when", LIAISON, _say(LIAISON, "/meeting", "推进会")),
    Step("meeting.place", LIAISON, _say(LIAISON, "/meeting", "推进会", "下周一上午10点")),
    Step("meeting.decline_reason", MEMBER, _to_decline_reason,
         may_change=frozenset({"dialogs", "meeting_attendees", "notifications"})),
    Step("meeting.new_time", LIAISON, _to_new_time,
         may_change=frozenset({"dialogs", "meetings", "notifications"})),
    Step("leave.dates", OWNER, _to_leave_dates),
    Step("leave.reason", OWNER, _to_leave_reason),
    Step("join.code", 7777, _nothing, prefix="/join ", may_change=frozenset()),
    Step("item.number", MEMBER, _nothing, prefix="/item ", may_change=frozenset()),
    Step("ledger.filter", LEADER, _nothing, prefix="/ledger ", may_change=frozenset()),
    Step("my.filter", OWNER, _nothing, prefix="/my ", may_change=frozenset()),
    Step("officehours.args", LIAISON, _nothing, prefix="/officehours ",
         may_change=frozenset({"units", "users", "notifications"})),
    Step("stats.args", MEMBER, _nothing, prefix="/stats ", may_change=frozenset()),
    Step("invite.args", LEADER, _nothing, prefix="/invite ", may_change=frozenset({"invites"})),
    Step("lang.args", OWNER, _nothing, prefix="/lang ", may_change=frozenset({"users"})),
    # Free text that starts with a label (问题：…) begins a filing draft: a dialogs row.
    Step("plain.text", OWNER, _nothing, may_change=frozenset({"dialogs"})),
    Step("plain.stranger", 7778, _nothing, may_change=frozenset()),
)


def _message(step: Step, hostile: str) -> str:
    text = step.prefix + hostile
    return text if text.strip("\x00") else " "  # Telegram delivers no empty messages


async def _one(h: Harness, step: Step, hostile: str) -> list[SentMessage]:
    chat, org = h.chat, h.services
    await chat.send(step.user, "/cancel")
    await step.setup(chat, org)
    before = snapshot(org)
    calls = len(chat.sandbox.calls)
    sent_before = {(m.chat_id, m.message_id, m.text) for m in chat.sandbox.sent()}
    replies = await chat.send(step.user, _message(step, hostile))
    assert_clean(chat, chat.sandbox.calls[calls:])
    for message in chat.sandbox.sent():
        if (message.chat_id, message.message_id, message.text) not in sent_before:
            check_html(message)
    moved = set(changed(before, snapshot(org)))
    assert moved <= step.may_change, (step.name, moved)
    refused = any(r in m.shown_text for m in replies for r in step.refusals)
    if refused:
        assert moved <= {"dialogs"}, (step.name, moved)
        count(f"fuzz.{step.name}.refused")
    count(f"fuzz.{step.name}.inputs")
    return replies


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_hostile_text_at_every_step(harness: Harness, step: Step) -> None:
    @settings(max_examples=budget(8), deadline=None, database=None, derandomize=derandomized(),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(hostile=HOSTILE)
    @example(hostile="<b>x</b> *x* [a](tg://user?id=1) \u202e😀")
    @example(hostile=" \n\t")
    @example(hostile="字" * 10000)
    def feed(hostile: str) -> None:
        harness.run(_one(harness, step, hostile))

    feed()


# -- what the person typed comes back as typed ---------------------------------------------------

TYPED = '<b>x</b> & *x* [a](tg://user?id=1) \u202e😀𝕏'


def test_typed_markup_is_shown_literally(harness: Harness) -> None:
    """The places that echo what was typed show it character for character."""
    chat, org = harness.chat, harness.services

    async def scenario() -> dict[str, str]:
        shown: dict[str, str] = {}
        await _to_description(chat, org)
        await chat.send(OWNER, TYPED)
        await chat.send(OWNER, TYPED)
        await chat.click(OWNER, "措施已写完 ✅")
        await chat.click(OWNER, "限期整改 — 在规定时限内改好")
        [leader] = await chat.send(OWNER, TYPED)
        await chat.send(OWNER, TYPED)
        await chat.send(OWNER, "下周五前")
        shown["card"] = chat.sandbox.last(OWNER).shown_text
        await chat.click(OWNER, "确认")
        [item] = org.ledger.rows()
        [answer] = await chat.send(OWNER, f"/item {item.number}")
        shown["item"] = answer.shown_text
        [reminder] = await chat.send(OWNER, "/remind 明天上午9点 " + TYPED)
        shown["reminder"] = reminder.shown_text
        [meeting] = await chat.send(MEMBER, "/meeting")
        await chat.send(LIAISON, "/meeting")
        await chat.send(LIAISON, TYPED)
        await chat.send(LIAISON, "下周一上午10点")
        await chat.send(LIAISON, TYPED)
        [confirm] = await chat.click(LIAISON, "全单位")
        shown["meeting"] = confirm.shown_text
        assert leader.text and meeting.text
        return shown

    shown = harness.run(scenario())
    literal = TYPED.strip()
    for place, text_ in shown.items():
        assert literal in text_ or html.unescape(literal) in text_, (place, text_[:400])
        assert "<b>x</b>" in text_, place  # the tags are visible characters, not formatting


def test_the_longest_accepted_answers_still_fit_in_one_message(harness: Harness) -> None:
    """Every field at its own limit: the echo, the card and the item still reach the person."""
    chat, org = harness.chat, harness.services
    longest = "长" * 2000

    async def scenario() -> list[SentMessage]:
        calls = len(chat.sandbox.calls)
        await chat.send(OWNER, f"/file 问题：{longest} 措施：{longest}；{longest}；{longest}")
        await _to_description(chat, org)
        await chat.send(OWNER, longest)
        for _ in range(3):
            await chat.send(OWNER, "\n".join([longest] * 3))
        await chat.click(OWNER, "措施已写完 ✅")
        await chat.click(OWNER, "限期整改 — 在规定时限内改好")
        await chat.send(OWNER, longest[:MAX_NAME])  # 责任领导, typed
        await chat.send(OWNER, longest[:MAX_NAME])  # 责任人, typed
        await chat.send(OWNER, "下周五前")
        await chat.click(OWNER, "确认")
        [item] = org.ledger.rows()
        await chat.send(OWNER, f"/item {item.number}")
        await press(chat, OWNER, f"item:done:{item.id}")
        await chat.send(OWNER, longest)
        await chat.send(LEADER, f"/item {item.number}")
        await press(chat, LEADER, f"item:reject:{item.id}")
        await chat.send(LEADER, longest)
        await chat.send(LEADER, "下周三")
        assert_clean(chat, chat.sandbox.calls[calls:])
        return chat.sandbox.sent()

    for message in harness.run(scenario()):
        check_html(message)
    [item] = org.ledger.rows()
    assert item.rework_count == 1 and len(item.measures) >= 9
    count("fuzz.longest_fields.inputs", 14)


# -- the services refuse these too, not only the handlers in front of them -------------------


@pytest.mark.parametrize("key", ["²", "9" * 30])
def test_find_id_refuses_numbers_that_name_no_item(services: Services, key: str) -> None:
    from bot.errors import DomainError

    services.membership.add_unit("市教育局", code="EDU")
    with pytest.raises(DomainError):
        services.ledger.find_id(key, by=services.membership.identify(900))


def test_an_unknown_unit_is_quoted_short(services: Services) -> None:
    from bot.errors import DomainError

    with pytest.raises(DomainError) as refusal:
        services.digest.scope(services.membership.identify(900), unit="字" * 5000)
    assert len(t("zh", refusal.value.key, **refusal.value.params)) <= 200
