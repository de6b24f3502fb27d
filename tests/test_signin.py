"""Signing in without passwords: one-time links, Telegram's initData, sessions."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.errors import DomainError
from bot.services.signin import LINKS_PER_TTL, check_init_data
from tests.web_fixtures import (  # noqa: F401 - fixtures
    CADRE,
    LEADER,
    STRANGER,
    TOKEN,
    config,
    init_fields,
    seeded,
    sign_init_data,
)


def refused(key: str, work: object, *args: object) -> None:
    with pytest.raises(DomainError) as caught:
        work(*args)  # type: ignore[operator]
    assert caught.value.key == key


# -- links -------------------------------------------------------------------------------------


def test_a_link_signs_its_person_in_once(seeded: Services) -> None:
    token = seeded.signin.issue_link(LEADER)
    assert seeded.signin.redeem_link(token) == LEADER
    refused("web.link_used", seeded.signin.redeem_link, token)


def test_a_link_expires_after_ten_minutes(seeded: Services, clock: FixedClock) -> None:
    token = seeded.signin.issue_link(CADRE)
    clock.advance(minutes=10, seconds=1)
    refused("web.link_expired", seeded.signin.redeem_link, token)


def test_forged_and_tampered_links_are_refused(seeded: Services) -> None:
    token = seeded.signin.issue_link(CADRE)
    random_part, _, signature = token.partition(".")
    # Each forgery differs from the token: a changed character is never the one it replaces.
    tail = "BB" if signature.endswith("AA") else "AA"
    head = "B" if random_part[0] == "A" else "A"
    for forged in (f"{random_part}.{signature[:-2]}{tail}", f"{head}{random_part[1:]}.{signature}",
                   random_part, "", "x" * 500, "中文.签名"):
        refused("web.link_invalid", seeded.signin.redeem_link, forged)
    # Signed with the right secret but never issued: the database does not know it.
    unissued, _ = seeded.signin._new_token("link")
    refused("web.link_invalid", seeded.signin.redeem_link, unissued)
    # A session cookie is no link, though both are signed with the same secret.
    refused("web.link_invalid", seeded.signin.redeem_link,
            seeded.signin.open_session(CADRE, "link"))
    assert seeded.signin.redeem_link(token) == CADRE


def test_only_members_get_links_and_not_too_many(seeded: Services) -> None:
    refused("web.not_member", seeded.signin.issue_link, STRANGER)
    for _ in range(LINKS_PER_TTL):
        seeded.signin.issue_link(LEADER)
    refused("web.link_too_many", seeded.signin.issue_link, LEADER)


# -- Telegram's initData -----------------------------------------------------------------------


def test_init_data_signed_as_telegram_specifies_is_accepted(seeded: Services,
                                                           clock: FixedClock) -> None:
    now = int(clock.now().timestamp())
    # `signature` (Bot API 8.0) is one more received field: part of the data-check-string.
    raw = sign_init_data(init_fields(LEADER, now - 60, signature="abc"))
    person = seeded.signin.from_init_data(raw)
    assert person.user_id == LEADER and person.language_code == "zh-hans"


def test_forged_init_data_is_refused(seeded: Services, clock: FixedClock) -> None:
    now = int(clock.now().timestamp())
    fields = init_fields(LEADER, now)
    good = sign_init_data(fields)
    other_bot = sign_init_data(fields, token="999:other")
    tampered = good.replace("query_id=AAE1", "query_id=AAE2")
    as_someone_else = sign_init_data(fields).replace(f"%22id%22%3A+{LEADER}",
                                                     f"%22id%22%3A+{CADRE}")
    duplicated = good + "&auth_date=1"
    unsigned = good.split("&hash=")[0]
    for raw in (other_bot, tampered, as_someone_else, duplicated, unsigned, "", "%%%", "a=b"):
        refused("web.initdata_invalid", seeded.signin.from_init_data, raw)
    assert seeded.signin.from_init_data(good).user_id == LEADER


def test_old_init_data_is_refused_by_its_auth_date(seeded: Services, clock: FixedClock) -> None:
    now = int(clock.now().timestamp())
    max_age = seeded.config.web.init_data_max_age
    refused("web.initdata_expired", seeded.signin.from_init_data,
            sign_init_data(init_fields(LEADER, now - max_age - 1)))
    refused("web.initdata_expired", seeded.signin.from_init_data,
            sign_init_data(init_fields(LEADER, now + 3600)))
    assert seeded.signin.from_init_data(sign_init_data(init_fields(LEADER, now - max_age)))


def test_init_data_of_a_stranger_signs_nobody_in(seeded: Services, clock: FixedClock) -> None:
    raw = sign_init_data(init_fields(STRANGER, int(clock.now().timestamp())))
    refused("web.not_member", seeded.signin.from_init_data, raw)


def test_check_init_data_needs_the_right_token() -> None:
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    raw = sign_init_data(init_fields(1, int(now.timestamp())))
    assert check_init_data(raw, TOKEN, now=now, max_age=dt.timedelta(hours=1)).user_id == 1
    with pytest.raises(DomainError):
        check_init_data(raw, "123:abd", now=now, max_age=dt.timedelta(hours=1))


# -- sessions ----------------------------------------------------------------------------------


def test_a_session_names_its_person_until_signed_out(seeded: Services) -> None:
    cookie = seeded.signin.open_session(LEADER, "webapp")
    assert seeded.signin.session_user(cookie) == LEADER
    seeded.signin.close_session(cookie)
    assert seeded.signin.session_user(cookie) is None


def test_tampered_and_expired_cookies_name_nobody(seeded: Services, clock: FixedClock) -> None:
    cookie = seeded.signin.open_session(LEADER, "link")
    random_part, _, signature = cookie.partition(".")
    for bad in (f"{random_part}x.{signature}", f"{random_part}.{signature}x", random_part,
                f"{random_part[::-1]}.{signature}", ""):
        assert seeded.signin.session_user(bad) is None
    clock.advance(hours=seeded.config.web.session_hours, seconds=1)
    assert seeded.signin.session_user(cookie) is None
