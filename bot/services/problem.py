"""The ledger's data as services hand it out: a draft being filed, an item, its history, a page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from bot.domain import OPEN, EventKind, Level, Role, Source, Status, Supervision, Track
from storage.ledger import Problem


@dataclass(frozen=True)
class Draft:
    """Everything filing collects before the confirm button; JSON-safe for the dialog table."""

    category: str | None = None
    level: str | None = None
    source: str | None = None
    description: str | None = None
    measures: tuple[str, ...] = ()
    goal: str | None = None
    track: str | None = None
    leader_name: str | None = None
    leader_user_id: int | None = None
    owner_name: str | None = None
    owner_user_id: int | None = None
    deadline: str | None = None  # ISO 8601, aware
    checkin_days: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["measures"] = list(self.measures)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["measures"] = tuple(values.get("measures") or ())
        return cls(**values)

    @property
    def deadline_at(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.deadline) if self.deadline else None

    def missing(self) -> list[str]:
        """Name the fields still needed before the draft can be saved, in asking order."""
        need = ["category", "source", "description", "measures", "track", "owner_name"]
        gaps = [name for name in need if not getattr(self, name)]
        if self.track in (Track.DEADLINE, Track.IMMEDIATE) and not self.deadline:
            gaps.append("deadline")
        if self.track == Track.ONGOING and not self.checkin_days:
            gaps.append("checkin_days")
        return gaps


@dataclass(frozen=True)
class EvidenceFile:
    """One 佐证 as Telegram holds it: resent by its file id, as a photo or as a document."""

    file_id: str
    kind: str = "photo"  # photo or document
    name: str | None = None  # a document's file name as sent

    def to_json(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "kind": self.kind, "name": self.name}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EvidenceFile:
        name = data.get("name")
        return cls(str(data["file_id"]), "document" if data.get("kind") == "document"
                   else "photo", str(name) if name else None)


def evidence_files(files: list[dict[str, Any]] | None, ids: Any) -> tuple[EvidenceFile, ...]:
    """An item's evidence with kind and name; ids kept before those were (photos, unnamed)."""
    if files:
        return tuple(EvidenceFile.from_json(f) for f in files)
    return tuple(EvidenceFile(str(i)) for i in ids or ())


@dataclass(frozen=True)
class EventView:
    at: dt.datetime
    actor_name: str
    kind: EventKind
    from_status: Status | None
    to_status: Status | None
    note: str | None
    attachment: str | None
    # The deadline an event set (a 驳回's new 整改时限), when it set one.
    deadline: dt.datetime | None = None
    # What it changed (an edit: the field, its old and new value) and the evidence it added.
    details: dict[str, Any] | None = None

    @property
    def evidence(self) -> tuple[EvidenceFile, ...]:
        listed = (self.details or {}).get("evidence")
        if isinstance(listed, list):
            return tuple(EvidenceFile.from_json(f) for f in listed)
        return (EvidenceFile(self.attachment),) if self.attachment else ()


def event_deadline(details: dict[str, Any] | None) -> dt.datetime | None:
    """The deadline an event set (a 驳回's new 整改时限, a granted 延期), from its details."""
    written = (details or {}).get("deadline")
    return dt.datetime.fromisoformat(written) if isinstance(written, str) else None


@dataclass(frozen=True)
class ProblemView:
    id: int
    number: str
    unit_id: int
    unit_code: str
    unit_name: str
    level: Level | None
    source: Source
    category: str
    description: str
    measures: tuple[str, ...]
    goal: str | None
    track: Track
    leader_name: str | None
    leader_user_id: int | None
    owner_name: str
    owner_user_id: int | None
    deadline: dt.datetime | None
    checkin_days: int | None
    status: Status
    progress: str | None
    completion: str | None
    evidence: tuple[str, ...]
    rework_count: int
    signed_off_at: dt.datetime | None
    reviewer_name: str | None
    remarks: str | None
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime
    original_deadline: dt.datetime | None = None  # before the first 延期
    extension_count: int = 0
    supervision: Supervision | None = None  # 黄牌督办 / 红牌督办
    supervision_note: str | None = None
    evidence_files: tuple[EvidenceFile, ...] = ()

    def overdue(self, now: dt.datetime) -> bool:
        return self.status in OPEN and self.deadline is not None and self.deadline < now


@dataclass(frozen=True)
class Page:
    """One page of a list; `after` and `before` are the cursors of the pages either side
    (None: none there)."""

    items: tuple[ProblemView, ...]
    total: int
    page: int  # its number, as far as the walk so far counted
    pages: int
    after: int | None = None
    before: int | None = None
    unit_name: str | None = None  # the one unit a list is of, when the office named it


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    role: Role


@dataclass(frozen=True)
class DoneReport:
    problem: ProblemView
    reviewers: tuple[int, ...]


def view(p: Problem) -> ProblemView:
    return ProblemView(
        id=p.id, number=p.number, unit_id=p.unit_id, unit_code=p.unit.code,
        unit_name=p.unit.name, level=p.level, source=p.source, category=p.category,
        description=p.description, measures=tuple(p.measures), goal=p.goal, track=p.track,
        leader_name=p.leader_name, leader_user_id=p.leader_user_id, owner_name=p.owner_name,
        owner_user_id=p.owner_user_id, deadline=p.deadline, checkin_days=p.checkin_days,
        status=p.status, progress=p.progress, completion=p.completion,
        evidence=tuple(p.evidence or ()), rework_count=p.rework_count,
        signed_off_at=p.signed_off_at, reviewer_name=p.reviewer_name, remarks=p.remarks,
        created_by=p.created_by, created_at=p.created_at, updated_at=p.updated_at,
        original_deadline=p.original_deadline, extension_count=p.extension_count or 0,
        supervision=p.supervision, supervision_note=p.supervision_note,
        evidence_files=evidence_files(p.evidence_files, p.evidence),
    )
