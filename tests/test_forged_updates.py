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
from bot.domain import LeaveKind, LeaveState, Role, Status
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
            "nudge:snooze", "nudge:later", "ongoing:ok", "file:cat", "file:level", "file:confirm")
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
    await chat.click(OWNER, "个人")
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


# -- stale and replayed buttons ------------------------------------------------------------------


async def test_stale_buttons_are_refused(chat: Chat, org: Services) -> None:
    item = awaiting_item(org)
    [card] = await chat.send(LEADER, "/item EDU-0001")
    await chat.click(LEADER, "通过", message=card)
    assert org.ledger.peek(item).status == Status.SIGNED_OFF  # type: ignore[union-attr]
    for user in (LEADER, OFFICE):
        pressed = await refused(chat, org, user, f"item:approve:{item}", card)
        assert "不在待销号状态" in pressed.told or "已销号" in pressed.told or \
            "找不到" in pressed.told, pressed.told
        await refused(chat, org, user, f"item:reject:{item}", card)
        count("forged.stale", 2)

    meeting = edu_meeting(org)
    await chat.app.bot_data.sender.tick()
    notice = chat.sandbox.last(MEMBER)
    org.meetings.cancel(meeting, by=org.membership.identify(LIAISON))
    for label in ("参加", "请假"):
        before = snapshot(org)
        pressed = await press(chat, MEMBER, chat_data(chat, notice, label), notice)
        assert_clean(chat, pressed.calls)
        assert pressed.answered and "已取消" in pressed.told
        assert changed(before, snapshot(org)) == []
        count("forged.stale")

    await chat.send(OWNER, "/file")
    [category_question] = [m for m in chat.sandbox.sent(OWNER) if "问题类别" in (m.text or "")]
    await chat.send(OWNER, "/cancel")
    pressed = await refused(chat, org, OWNER, chat_data(chat, category_question, "履职尽责缺位"),
                            category_question)
    assert STALE in pressed.told
    count("forged.stale")

    request_id = leave_request(org)
    org.leave.decide(request_id, by=org.membership.identify(LEADER), by_name="李局长",
                     approve=True)
    for action in ("ok", "no"):
        pressed = await refused(chat, org, LEADER, f"leave:{action}:{request_id}")
        assert "已由" in pressed.told or "已经" in pressed.told, pressed.told
        count("forged.stale")


def chat_data(chat: Chat, message: Any, label: str) -> str:
    for row in chat.sandbox.buttons(message):
        for text_, data in row:
            if text_ == label:
                return data
    raise LookupError(label)


async def test_a_replayed_progress_button_after_the_item_is_signed_off(
    chat: Chat, org: Services
) -> None:
    item = file_item(org)
    [card] = await chat.send(OWNER, "/item EDU-0001")
    await chat.click(OWNER, "报告完成", message=card)
    await chat.send(OWNER, "已改好")
    org.ledger.approve(item, by=org.membership.identify(LEADER), by_name="李局长")
    kept = tuple(name for name in TABLES if name != "dialogs")
    before = snapshot(org, kept)
    pressed = await press(chat, OWNER, chat_data(chat, card, "更新进展"), card)
    replies = [*pressed.replies, *await chat.send(OWNER, "再补一句")]
    assert_clean(chat, pressed.calls)
    assert org.ledger.peek(item).status == Status.SIGNED_OFF  # type: ignore[union-attr]
    assert changed(before, snapshot(org, kept)) == []
    assert any("EDU-0001" in m.shown_text and "不" in m.shown_text for m in replies), [
        m.text for m in replies]
    [after] = await chat.send(OWNER, "随便说点什么")
    assert "/file" in (after.text or "")  # the refusal did not leave the person in that step
    count("forged.stale")


# -- who is talking, and where -------------------------------------------------------------------

COMMANDS = ("/start", "/help", "/file", "/my", "/ledger", "/item EDU-0001", "/export",
            "/remind 明天上午9点 交材料", "/reminders", "/officehours 08:00 17:00", "/meeting",
            "/leave", "/stats", "/stats EDU", "/invite", "/invite EDU leader", "/bindgroup",
            "/bindgroup EDU", "/lang en", "/cancel", "/join ABCDEFGH")


async def test_commands_from_unknown_users_change_nothing(chat: Chat, org: Services) -> None:
    file_item(org)
    for n, command in enumerate(COMMANDS):
        stranger = 7000 + n
        before = snapshot(org, tuple(t for t in TABLES if t not in ("users", "dialogs")))
        replies, calls = await feed(chat, chat.sandbox.message(stranger, command), stranger)
        assert_clean(chat, calls)
        assert replies, command
        told = "\n".join(m.shown_text for m in replies)
        assert "窗口午休无人值守" not in told and "EDU-0001" not in told, command
        after = snapshot(org, tuple(t for t in TABLES if t not in ("users", "dialogs")))
        assert changed(before, after) == [], command
        count("forged.unknown_user")


async def test_commands_in_an_unbound_group(chat: Chat, org: Services) -> None:
    file_item(org)
    group = -100777
    chat.sandbox.add_group(group, "闲聊群", admins=[OUTSIDER], members=[MEMBER, LEADER])
    for user in (OUTSIDER, MEMBER, LEADER):
        for command in COMMANDS:
            before = snapshot(org, tuple(t for t in TABLES if t != "users"))
            replies, calls = await feed(chat, chat.sandbox.message(user, command, group), group)
            assert_clean(chat, calls)
            told = "\n".join(m.shown_text for m in replies)
            assert "窗口午休无人值守" not in told, (user, command)  # no item text in a group
            after = snapshot(org, tuple(t for t in TABLES if t != "users"))
            # /lang changes only the person's own language; nothing else may change.
            assert changed(before, after) == [], (user, command)
            count("forged.unbound_group")
    assert chat.sandbox.sent(group) is not None


async def test_edited_messages_do_not_act_again(chat: Chat, org: Services) -> None:
    sandbox = chat.sandbox
    for original, edit in (("提醒我 明天上午9点 交材料", "提醒我 明天上午10点 交材料"),
                           ("/file 问题：空调长开 措施：装定时器", "/file 问题：空调一直开着"),
                           ("/join ABCDEFGH", "/join ZZZZZZZZ"),
                           ("/leave", "/leave"),
                           ("/remind 明天上午9点 交材料", "/remind 后天上午9点 交材料")):
        first = sandbox.message(OWNER, original)
        await feed(chat, first, OWNER)
        before = snapshot(org)
        replies, calls = await feed(chat, sandbox.edited_message(first, edit), OWNER)
        assert_clean(chat, calls)
        assert changed(before, snapshot(org)) == [], (original, edit)
        assert replies == [], [m.text for m in replies]
        await chat.send(OWNER, "/cancel")
        count("forged.edited")


async def test_channel_posts_and_unknown_groups(chat: Chat, org: Services) -> None:
    sandbox = chat.sandbox
    channel = {"id": -1001234, "type": "channel", "title": "通知频道"}
    for n, body in enumerate(("/stats", "/help", "/file 问题：x 措施：y", "提醒我 明天9点 开会")):
        post = {"message_id": n + 1, "chat": channel, "date": 1_790_000_000, "text": body}
        if body.startswith("/"):
            post["entities"] = [{"type": "bot_command", "offset": 0,
                                 "length": len(body.split()[0])}]
        before = snapshot(org)
        for kind in ("channel_post", "edited_channel_post"):
            update = {"update_id": 900_000 + 2 * n + (kind != "channel_post"), kind: post}
            _, calls = await feed(chat, update, channel["id"])
            assert_clean(chat, calls)
            count("forged.channel_post")
        assert changed(before, snapshot(org)) == []
    group = -100888
    before = snapshot(org)
    replies, calls = await feed(chat, sandbox.my_chat_member(group, OUTSIDER, "member"), group)
    assert_clean(chat, calls)
    assert [m.shown_text for m in replies] and "/bindgroup" in replies[0].shown_text
    _, calls = await feed(chat, sandbox.my_chat_member(group, OUTSIDER, "left"), group)
    assert_clean(chat, calls)
    _, calls = await feed(chat, sandbox.my_chat_member(OWNER, OWNER, "kicked"), OWNER)
    assert_clean(chat, calls)
    assert changed(before, snapshot(org)) == []
    count("forged.my_chat_member", 3)
