"""Placeholder for the reminders feature; filled in by its own change."""

from __future__ import annotations

from typing import Any

from handlers.dialog import Flow

FLOWS: list[Flow] = []


def commands() -> list[Any]:
    return []


def buttons() -> list[Any]:
    return []


def messages() -> list[Any]:
    return []
