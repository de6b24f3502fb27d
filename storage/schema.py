"""Every table in one metadata: what migrations are generated from and compared with."""

from __future__ import annotations

from storage import cases, inbox, leave, ledger, meetings, models, notify, rounds, web

metadata = models.Base.metadata

__all__ = ["cases", "inbox", "leave", "ledger", "meetings", "metadata", "notify", "rounds", "web"]
