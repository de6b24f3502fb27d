"""Who may do what: one table, read by services and generated into the docs."""

from __future__ import annotations

import enum

from bot.domain import Role


class Action(enum.StrEnum):
    INVITE_MEMBER = "invite_member"
    INVITE_LIAISON = "invite_liaison"
    INVITE_LEADER = "invite_leader"
    INVITE_OFFICE = "invite_office"
    INVITE_OTHER_UNIT = "invite_other_unit"
    BIND_GROUP = "bind_group"
    BIND_OTHER_UNIT = "bind_other_unit"
    FILE = "file"
    VIEW_UNIT_LEDGER = "view_unit_ledger"
    VIEW_ALL_UNITS = "view_all_units"
    UPDATE_UNIT_ITEMS = "update_unit_items"
    SIGN_OFF = "sign_off"
    EXPORT = "export"
    SUPERVISE = "supervise"  # 黄牌督办 / 红牌督办
    SET_ROUNDS = "set_rounds"  # 进展报送: the office for every unit, a unit for its own
    INVITE_INSPECTOR = "invite_inspector"
    INSPECT = "inspect"  # 暗访监督: file a finding into any unit's ledger


_ADMINS = frozenset({Role.OFFICE, Role.LEADER, Role.LIAISON})

ALLOWED: dict[Action, frozenset[Role]] = {
    Action.INVITE_MEMBER: _ADMINS,
    Action.INVITE_LIAISON: frozenset({Role.OFFICE, Role.LEADER}),
    Action.INVITE_LEADER: frozenset({Role.OFFICE, Role.LEADER}),
    Action.INVITE_OFFICE: frozenset({Role.OFFICE}),
    Action.INVITE_OTHER_UNIT: frozenset({Role.OFFICE}),
    Action.BIND_GROUP: _ADMINS,
    Action.BIND_OTHER_UNIT: frozenset({Role.OFFICE}),
    Action.FILE: frozenset(Role),
    Action.VIEW_UNIT_LEDGER: _ADMINS,
    Action.VIEW_ALL_UNITS: frozenset({Role.OFFICE}),
    # Leaders and liaisons keep the whole unit's ledger current, not only their own items.
    Action.UPDATE_UNIT_ITEMS: _ADMINS,
    Action.SIGN_OFF: frozenset({Role.OFFICE, Role.LEADER}),
    Action.EXPORT: _ADMINS,
    Action.SUPERVISE: frozenset({Role.OFFICE}),
    Action.SET_ROUNDS: _ADMINS,
    Action.INVITE_INSPECTOR: frozenset({Role.OFFICE}),
    Action.INSPECT: frozenset({Role.INSPECTOR, Role.OFFICE}),
}

INVITE_ACTION = {
    Role.MEMBER: Action.INVITE_MEMBER,
    Role.LIAISON: Action.INVITE_LIAISON,
    Role.LEADER: Action.INVITE_LEADER,
    Role.OFFICE: Action.INVITE_OFFICE,
    Role.INSPECTOR: Action.INVITE_INSPECTOR,
}


def can(role: Role | None, action: Action) -> bool:
    """Tell whether a role (None: someone with no unit) may take an action."""
    return role is not None and role in ALLOWED[action]


def invitable_roles(role: Role | None) -> list[Role]:
    """List the roles a person with `role` may hand out by invite, most junior first."""
    order = [Role.MEMBER, Role.LIAISON, Role.LEADER, Role.OFFICE, Role.INSPECTOR]
    return [r for r in order if can(role, INVITE_ACTION[r])]
