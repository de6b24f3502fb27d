"""Membership service on a real SQLite file: units, invites, joining, roles and group binding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import Role
from bot.errors import DomainError


def _join(services: Services, code: str, user_id: int) -> None:
    services.membership.redeem_invite(code, user_id=user_id, display_name=f"u{user_id}",
                                      username=None)


def test_invite_is_one_time_and_expires(services: Services, clock: FixedClock) -> None:
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    invite = m.create_invite(unit="EDU", role=Role.LIAISON, by=None)
    assert invite.expires_at == clock.now() + dt.timedelta(days=7)

    result = m.redeem_invite(invite.code.lower(), user_id=1, display_name="张三", username="zs")
    assert (result.unit.code, result.role, result.previous_unit) == ("EDU", Role.LIAISON, None)
    who = m.identify(1)
    assert (who.role, who.unit and who.unit.code) == (Role.LIAISON, "EDU")

    with pytest.raises(DomainError) as used:
        _join(services, invite.code, 2)
    assert used.value.key == "join.used"

    late = m.create_invite(unit="EDU", role=Role.MEMBER, by=None)
    clock.advance(days=7)
    with pytest.raises(DomainError) as expired:
        _join(services, late.code, 3)
    assert expired.value.key == "join.expired"
    with pytest.raises(DomainError) as invalid:
        _join(services, "NOSUCHCODE", 3)
    assert invalid.value.key == "join.invalid"
    assert m.identify(3).role is None


def test_joining_another_unit_moves_the_person(services: Services) -> None:
    m = services.membership
    m.add_unit("甲局", code="A")
    m.add_unit("乙局", code="B")
    _join(services, m.create_invite(unit="A", role=Role.MEMBER, by=None).code, 7)
    moved = m.redeem_invite(m.create_invite(unit="B", role=Role.LEADER, by=None).code,
                            user_id=7, display_name="x", username=None)
    assert moved.previous_unit is not None and moved.previous_unit.code == "A"
    assert m.identify(7).unit is not None and m.identify(7).unit.code == "B"  # type: ignore[union-attr]


def test_office_admins_from_config_are_office(services: Services) -> None:
    who = services.membership.identify(900)
    assert who.role is Role.OFFICE and who.unit is None


@pytest.mark.parametrize(
    ("inviter", "role", "allowed"),
    [
        (Role.MEMBER, Role.MEMBER, False),
        (Role.LIAISON, Role.MEMBER, True),
        (Role.LIAISON, Role.LIAISON, False),
        (Role.LIAISON, Role.LEADER, False),
        (Role.LEADER, Role.LEADER, True),
        (Role.LEADER, Role.OFFICE, False),
    ],
)
def test_who_may_invite_whom(services: Services, inviter: Role, role: Role, allowed: bool) -> None:
    m = services.membership
    m.add_unit("甲局", code="A")
    _join(services, m.create_invite(unit="A", role=inviter, by=None).code, 1)
    if allowed:
        assert m.create_invite(unit=None, role=role, by=m.identify(1)).unit.code == "A"
    else:
        with pytest.raises(DomainError):
            m.create_invite(unit=None, role=role, by=m.identify(1))


def test_only_the_office_invites_into_another_unit(services: Services) -> None:
    m = services.membership
    m.add_unit("甲局", code="A")
    m.add_unit("乙局", code="B")
    _join(services, m.create_invite(unit="A", role=Role.LEADER, by=None).code, 1)
    with pytest.raises(DomainError) as denied:
        m.create_invite(unit="B", role=Role.MEMBER, by=m.identify(1))
    assert denied.value.key == "invite.denied"
    assert m.create_invite(unit="B", role=Role.LEADER, by=m.identify(900)).unit.code == "B"
    with pytest.raises(DomainError) as stranger:
        m.create_invite(unit=None, role=Role.MEMBER, by=m.identify(55))
    assert stranger.value.key == "invite.denied"


def test_bind_group_needs_unit_admin_and_group_admin(services: Services) -> None:
    m = services.membership
    m.add_unit("甲局", code="A")
    _join(services, m.create_invite(unit="A", role=Role.MEMBER, by=None).code, 1)
    _join(services, m.create_invite(unit="A", role=Role.LIAISON, by=None).code, 2)
    with pytest.raises(DomainError) as member:
        m.bind_group(chat_id=-5, title="g", by=m.identify(1), unit=None, group_admin=True)
    assert member.value.key == "bind.denied"
    with pytest.raises(DomainError) as not_admin:
        m.bind_group(chat_id=-5, title="g", by=m.identify(2), unit=None, group_admin=False)
    assert not_admin.value.key == "bind.not_group_admin"
    unit = m.bind_group(chat_id=-5, title="甲局工作群", by=m.identify(2), unit=None,
                        group_admin=True)
    assert unit.code == "A" and m.unit_groups(unit.id) == [-5]


def test_units_form_a_hierarchy_and_codes_are_unique(services: Services) -> None:
    m = services.membership
    city = m.add_unit("市委", code="CITY")
    county = m.add_unit("某县", parent="市委")
    assert county.parent_code == city.code and county.code == "U002"
    for kwargs, key in (
        ({"name": "市委"}, "unit.exists"),
        ({"name": "新局", "code": "CITY"}, "unit.code_taken"),
        ({"name": "新局", "parent": "NOPE"}, "unit.unknown"),
        ({"name": "  "}, "unit.name_empty"),
    ):
        with pytest.raises(DomainError) as info:
            m.add_unit(**kwargs)
        assert info.value.key == key


def test_import_units_from_xlsx_in_any_order(services: Services, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "code", "parent"])
    sheet.append(["乡镇甲", "T1", "某县"])
    sheet.append(["某县", "C1", "市委"])
    sheet.append(["市委", "CITY", None])
    path = tmp_path / "units.xlsx"
    book.save(path)
    report = services.membership.import_units(path)
    assert (report.created, report.skipped) == (3, 0)
    assert services.membership.import_units(path).skipped == 3
    units = {u.code: u.parent_code for u in services.membership.list_units()}
    assert units == {"CITY": None, "C1": "CITY", "T1": "C1"}


def test_import_refuses_a_missing_parent(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("name,parent\n孤儿局,不存在\n", encoding="utf-8")
    with pytest.raises(DomainError) as info:
        services.membership.import_units(path)
    assert info.value.key == "unit.unknown"
