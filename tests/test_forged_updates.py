"""Forged, replayed and odd updates: refused with a clear answer, the database unchanged."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.bootstrap import Services
from bot.domain import LeaveKind, LeaveState, Role
from bot.services.problem import Draft
from bot.texts import t
from sandbox import visible_text
from tests.chat import Chat, join
from tests.figures import count

# Who is who. The office member belongs to the city office's own unit (CITY).
OUTSIDER, OWNER, MEMBER, LIAISON, LEADER = 50, 40, 41, 33, 32
OTHER_LEADER, OTHER_MEMBER, OFFICE, CITY_MEMBER, CONFIG_ADMIN = 34, 35, 901, 902, 900
APOLOGY = t("zh", "error.generic")
STALE = t("zh", "button.stale")
# Every table a refused update must leave as it was (leases belong to the sender's tick).
TABLES = ("units", "users", "members", "group_chats", "invites", "dialogs", "problems",
          "problem_events", "notifications", "meetings", "meeting_attendees", "leave_requests")


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    # These suites drive hundreds of updates; the backend-specific code paths are covered by the
    # feature suites, so they run on SQLite only.
    yield f"sqlite:///{tmp_path / 'test.db'}"


def build_org(services: Services, chat: Chat) -> None:
    """Two units and the city office, with one person in every role."""
    m = services.membership
    m.add_unit("市委办公室", code="CITY")
    m.add_unit("市教育局", code="EDU", parent="CITY")
    m.add_unit("市财政局", code="FIN", parent="CITY")
    join(services, chat, "EDU", OWNER, Role.MEMBER, "张三")
    join(services, chat, "EDU", MEMBER, Role.MEMBER, "孙干部")
    join(services, chat, "EDU", LIAISON, Role.LIAISON, "王联络")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    join(services, chat, "FIN", OTHER_LEADER, Role.LEADER, "赵局长")
    join(services, chat, "FIN", OTHER_MEMBER, Role.MEMBER, "钱干部")
    join(services, chat, "CITY", OFFICE, Role.OFFICE, "周主任")
    join(services, chat, "CITY", CITY_MEMBER, Role.MEMBER, "吴干事")
    chat.sandbox.add_user(OUTSIDER, "路人甲")
    chat.sandbox.add_user(CONFIG_ADMIN, "办公室值班")


def file_item(services: Services, owner: int = OWNER, *, days: int = 6,
              description: str = "窗口午休无人值守", track: str = "deadline") -> int:
    """File an item in the owner's unit straight through the service; return its id."""
    who = services.membership.identify(owner)
    now = services.clock.now()
    draft = Draft(category="履职尽责缺位", source="self", description=description,
                  measures=("安排轮值",), track=track, owner_name="张三", owner_user_id=owner,
                  leader_name="李局长", leader_user_id=LEADER if who.unit and who.unit.code == "EDU"
                  else None,
                  deadline=None if track == "ongoing" else (now + dt.timedelta(days=days))
                  .isoformat(), checkin_days=7 if track == "ongoing" else None)
    return services.ledger.file(draft, by=who, by_name="张三").id


def awaiting_item(services: Services) -> int:
    item = file_item(services)
    services.ledger.report_done(item, by=services.membership.identify(OWNER), by_name="张三",
                                completion="已改")
    return item


def edu_meeting(services: Services, organiser: int = LIAISON) -> int:
    meeting = services.meetings.create(
        by=services.membership.identify(organiser), by_name="王联络", title="推进会",
        place="三楼", starts_at=services.clock.now() + dt.timedelta(days=2), invite=None)
    return meeting.id


def leave_request(services: Services, user: int = OWNER) -> int:
    today = services.leave.today()
    return services.leave.submit(
        by=services.membership.identify(user), by_name="张三", kind=LeaveKind.PERSONAL,
        first_day=today + dt.timedelta(days=1), last_day=today + dt.timedelta(days=2),
        reason="家事").request.id


def snapshot(services: Services, tables: tuple[str, ...] = TABLES) -> dict[str, list[Any]]:
    """Every row of the given tables, in a stable order."""
    with services.db.engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))]
                for name in tables}


def changed(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


@dataclass
class Pressed:
    """What one callback query led to."""

    replies: list[Any]
    answered: bool
    alert: str | None
    calls: list[Any] = field(default_factory=list)

    @property
    def told(self) -> str:
        """Everything the presser was told: the query's answer and any message text (an edit
        turned down as unchanged counts: the message already says it)."""
        edits = [str(c.params.get("text") or "") for c in self.calls
                 if c.method == "editMessageText"]
        return "\n".join([self.alert or "", *(m.shown_text for m in self.replies), *edits])


def anchor(chat: Chat, user: int) -> Any:
    """The newest bot message in the user's private chat, to hang a forged button press on."""
    return chat.sandbox.last(user)


async def feed(chat: Chat, data: dict[str, Any], chat_id: int) -> tuple[list[Any], list[Any]]:
    """Process one raw update; return the messages it sent or changed there, and its API calls."""
    sandbox = chat.sandbox
    before = {m.message_id: (m.text, m.reply_markup) for m in sandbox.sent(chat_id)}
    calls_before = len(sandbox.calls)
    await chat.app.process_update(sandbox.update(data, chat.app.bot))
    replies = [m for m in sandbox.sent(chat_id)
               if before.get(m.message_id) != (m.text, m.reply_markup)]
    return replies, sandbox.calls[calls_before:]


async def press(chat: Chat, user: int, data: str, message: Any = None) -> Pressed:
    """Send a callback query with any data, as a modified client could, on a message in the
    user's chat (the newest one unless given)."""
    sandbox = chat.sandbox
    target = message or anchor(chat, user)
    sandbox.strict = False  # lets the query carry data no button on the message offers
    try:
        update = sandbox.callback(user, target, data)
    finally:
        sandbox.strict = True
    query_id = update["callback_query"]["id"]
    replies, calls = await feed(chat, update, target.chat_id)
    answers = [c for c in calls if c.method == "answerCallbackQuery"
               and str(c.params.get("callback_query_id")) == query_id]
    alert = next((str(c.params["text"]) for c in answers if c.params.get("text")), None)
    return Pressed(replies, bool(answers), alert, calls)


def _acceptable(call: Any) -> bool:
    """Accepted, or an edit Telegram turned down only because it changed nothing."""
    if call.status == 200:
        return True
    if not call.method.startswith("edit"):
        return False
    visible_text(str(call.params.get("text") or "x"), call.params.get("parse_mode"))
    return True


def assert_clean(chat: Chat, calls: list[Any]) -> None:
    """No apology anywhere and every Bot API call the update made was accepted."""
    failed = [(c.method, c.status, c.params.get("text")) for c in calls if not _acceptable(c)]
    assert failed == [], failed
    apologies = [c for c in calls if c.method == "sendMessage" and c.params.get("text") == APOLOGY]
    assert apologies == [], "the error handler apologised"


async def refused(chat: Chat, services: Services, user: int, data: str,
                  message: Any = None) -> Pressed:
    """Press a forged button; assert it is answered, explained, harmless. Return what happened."""
    before = snapshot(services)
    pressed = await press(chat, user, data, message)
    assert_clean(chat, pressed.calls)
    assert pressed.answered, f"{data!r}: the query was never answered"
    assert pressed.told.strip(), f"{data!r}: the presser was told nothing"
    assert changed(before, snapshot(services)) == [], f"{data!r} changed the database"
    return pressed


@pytest.fixture
async def org(services: Services, chat: Chat) -> Services:
    build_org(services, chat)
    for user in (OUTSIDER, OWNER, MEMBER, LIAISON, LEADER, OTHER_LEADER, OTHER_MEMBER, OFFICE):
        await chat.send(user, "/help")  # a message in every chat to press forged buttons on
    return services


# -- another unit's ids --------------------------------------------------------------------------


async def test_another_units_item_ids_are_refused(chat: Chat, org: Services) -> None:
    waiting = awaiting_item(org)
    open_item = file_item(org)
    cases = [(f"item:approve:{waiting}", "找不到这个问题"),
             (f"item:reject:{waiting}", "只有本单位责任领导"),
             (f"item:progress:{open_item}", "找不到这个问题"),
             (f"item:done:{open_item}", "找不到这个问题"),
             (f"led:open:{open_item}", "找不到这个问题"),
             (f"ongoing:ok:{open_item}", "找不到这个问题")]
    for data, expected in cases:
        for user in (OTHER_LEADER, OTHER_MEMBER, OUTSIDER):
            pressed = await refused(chat, org, user, data)
            assert expected in pressed.told or "找不到这个问题" in pressed.told, (data, user)
            assert "窗口午休无人值守" not in pressed.told  # nothing of the item leaks
            count("forged.other_unit_item")
    # Inside the unit, a member who neither owns nor filed the item cannot move it either.
    for data in (f"item:approve:{waiting}", f"item:reject:{waiting}", f"item:done:{open_item}",
                 f"item:progress:{open_item}", f"ongoing:ok:{open_item}"):
        await refused(chat, org, MEMBER, data)
        count("forged.not_own_item")


async def test_leave_decisions_for_another_unit_are_refused(chat: Chat, org: Services) -> None:
    request = leave_request(org)
    for user in (OTHER_LEADER, OTHER_MEMBER, MEMBER, LIAISON, OUTSIDER, OWNER):
        for action in ("ok", "no"):
            await refused(chat, org, user, f"leave:{action}:{request}")
            count("forged.leave_decision")
    assert org.leave.get(request).state == LeaveState.PENDING  # type: ignore[union-attr]
    for user in (OTHER_LEADER, MEMBER, LEADER):
        await refused(chat, org, user, f"leave:back:{request}")  # not theirs, not approved
        count("forged.leave_back")


async def test_meeting_answers_need_an_invitation(chat: Chat, org: Services) -> None:
    meeting = edu_meeting(org)
    for user in (OTHER_LEADER, OTHER_MEMBER, OUTSIDER, OFFICE, LIAISON):
        for action in ("yes", "no"):
            pressed = await refused(chat, org, user, f"meet:{action}:{meeting}")
            assert "不在这个会议的参会名单中" in pressed.told
            count("forged.meeting_answer")
    for user in (OTHER_LEADER, MEMBER, LEADER, OUTSIDER):  # only the organiser or the office
        for action in ("who", "move", "cancel", "cancel_yes"):
            pressed = await refused(chat, org, user, f"meet:{action}:{meeting}")
            assert "推进会" not in pressed.told or "只有会议召集人" in pressed.told
            count("forged.meeting_manage")


async def test_other_peoples_reminders_and_nudges_are_refused(chat: Chat, org: Services) -> None:
    await chat.send(OWNER, "/remind 明天上午9点 交材料")
    [reminder] = org.reminders.pending(OWNER)
    for user in (MEMBER, LEADER, OTHER_LEADER, OUTSIDER):
        for data in (f"rem:del:{reminder.id}", f"rem:del:{reminder.id}:l", f"rem:ack:{reminder.id}",
                     f"rem:snz:{reminder.id}:10m", f"nudge:snooze:{reminder.id}",
                     f"nudge:later:{reminder.id}:h1"):
            await refused(chat, org, user, data)
            count("forged.reminder")
    assert [r.id for r in org.reminders.pending(OWNER)] == [reminder.id]


# -- malformed data ------------------------------------------------------------------------------

# Every callback prefix the bot answers, with the argument shapes it expects.
PREFIXES = ("lang:set", "invite:role", "led:page", "led:open", "item:progress",
            "item:done", "item:approve", "item:reject", "meet:yes", "meet:no", "meet:who",
            "meet:move", "meet:cancel", "meet:cancel_yes", "leave:ok", "leave:no", "leave:back",
            "rem:del", "rem:all", "rem:allok", "rem:allno", "rem:ack", "rem:snz", "rem:oh",
            "nudge:snooze", "nudge:later", "ongoing:ok", "file:cat", "file:level", "file:confirm",
            "case:ack")
BAD_ARGS = ("", ":", ":x", ":-1", ":0", ":1:2:3", ":99999999999999999999999999", ":1.5",
            ":" + "9" * 60, ":²", ":abc:def", ":__", ":1:", "::1", ":ZZ-0001")


def _malformed(rng: random.Random) -> Iterator[str]:
    for prefix in PREFIXES:
        for args in BAD_ARGS:
            yield prefix + args
    for _ in range(60):  # random bytes, decoded as a client would send them
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        yield raw.decode("utf-8", "replace")
    yield "x" * 64
    yield "led:open:" + "1" * 200  # over-long: Telegram caps at 64 bytes, a forger may not


async def test_malformed_callback_data_is_answered_without_errors(
    chat: Chat, org: Services
) -> None:
    rng = random.Random(20261128)
    file_item(org)
    leave_request(org)
    edu_meeting(org)
    for data in _malformed(rng):
        for user in (LEADER, OUTSIDER, OFFICE):
            await refused(chat, org, user, data)
            count("forged.malformed")


async def refused_all(chat: Chat, org: Services, user: int, *datas: str) -> None:
    """Each forged answer to the step the person is at is refused; the step stays."""
    for data in datas:
        await refused(chat, org, user, data)
        count("forged.dialog_step")


async def test_malformed_data_inside_a_conversation(chat: Chat, org: Services) -> None:
    """A forged answer to the step the person is at: refused, the step stays where it was."""
    await chat.send(OWNER, "/file")
    await refused_all(chat, org, OWNER,
                      "file:cat:99", "file:cat:-1", "file:cat:x", "file:cat", "file:cat:1:2")
    await chat.click(OWNER, "履职尽责缺位")
    await refused_all(chat, org, OWNER,
                      "file:level:xx", "file:level", "file:src:1", "file:track:fast")
    await chat.click(OWNER, "干部个人")
    await refused_all(chat, org, OWNER, "file:src:nowhere", "file:src", "file:src:self:1")
    await chat.click(OWNER, "暗访监督")
    await chat.send(OWNER, "上班时间玩手机")
    await chat.send(OWNER, "加强考勤")
    await chat.click(OWNER, "措施已写完 ✅")
    await refused_all(chat, org, OWNER, "file:track:x", "file:track")
    await chat.click(OWNER, "长期坚持 — 长期坚持，定期检查")
    await refused_all(chat, org, OWNER, "file:leader:99999", "file:leader:x",
                      f"file:leader:{OTHER_LEADER}", "file:leader:" + "9" * 40)
    await chat.click(OWNER, "跳过")
    await refused_all(chat, org, OWNER, "file:owner:x", f"file:owner:{OTHER_MEMBER}", "file:owner")
    await chat.click(OWNER, "我自己")
    await refused_all(chat, org, OWNER,
                      "file:checkin:0", "file:checkin:100000", "file:checkin:x", "file:checkin")
    [card] = await chat.click(OWNER, "每周")
    await refused_all(chat, org, OWNER, "file:edit:nothing", "file:edit", "file:edit:deadline:1")
    await chat.click(OWNER, "确认", message=card)
    [row] = org.ledger.rows()
    assert row.checkin_days == 7 and row.description == "上班时间玩手机"
