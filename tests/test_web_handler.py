"""/web and 打开工作台 in the chat: a link that signs in once, the Mini App button over https."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.bootstrap import Services
from bot.config import Config
from tests.chat import Chat
from tests.test_digest import EDU_GROUP, STRANGER, join_chats
from tests.web_fixtures import (  # noqa: F401 - fixtures
    LEADER,
    PUBLIC,
    seeded,
    web,
    web_config,
)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def public() -> str:
    return PUBLIC


@pytest.fixture
def config(db_url: str, public: str) -> Config:
    return web_config(db_url, public_url=public)


@pytest.fixture
def people(seeded: Services, chat: Chat) -> Chat:
    join_chats(chat.sandbox)
    return chat


def _link(text: str) -> str:
    found = re.search(r'href="(http[^"]+)"', text)
    assert found, text
    return found.group(1)


async def test_web_sends_a_one_time_link_that_signs_in(people: Chat,
                                                      web: httpx.AsyncClient) -> None:
    [reply] = await people.send(LEADER, "/web")
    link = _link(reply.text or "")
    assert link.startswith(f"{PUBLIC}/signin/") and "10分钟" in (reply.text or "")
    path = link.removeprefix(PUBLIC)
    assert (await web.post(path)).status_code == 303
    assert (await web.get("/mine")).status_code == 200
    web.cookies.clear()
    assert (await web.post(path)).status_code == 400


async def test_web_refuses_strangers_and_groups(people: Chat) -> None:
    [reply] = await people.send(STRANGER, "/web")
    assert "还没有加入" in (reply.text or "") and "href" not in (reply.text or "")
    # In a group: no sign-in link, only the way to the private chat.
    [pointer] = await people.send(LEADER, "/web", chat_id=EDU_GROUP)
    assert "/signin/" not in (pointer.text or "") and "私聊" in (pointer.text or "")


async def test_over_http_there_is_no_mini_app_button(people: Chat) -> None:
    [reply] = await people.send(LEADER, "/web")
    assert reply.reply_markup is None or "web_app" not in str(reply.reply_markup)
    [start] = await people.send(LEADER, "/start")
    assert "web_app" not in str(start.reply_markup)


@pytest.mark.parametrize("public", ["https://zg.example.gov.cn"])
async def test_over_https_web_and_start_offer_the_mini_app(people: Chat) -> None:
    [reply] = await people.send(LEADER, "/web")
    markup = reply.reply_markup or {}
    rows = markup["inline_keyboard"]
    assert rows[0][0]["text"] == "打开工作台"
    assert rows[0][0]["web_app"] == {"url": "https://zg.example.gov.cn/app"}
    assert rows[1][0]["url"] == _link(reply.text or "")
    [start] = await people.send(LEADER, "/start")
    last = (start.reply_markup or {})["inline_keyboard"][-1]
    assert last[0]["web_app"] == {"url": "https://zg.example.gov.cn/app"}
