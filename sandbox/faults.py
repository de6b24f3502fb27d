"""Failures injected into the next calls, and Telegram's broadcast limits answered with 429."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sandbox.objects import Reply, error

FaultKind = Literal["429", "401", "403", "400", "500", "502", "timeout", "reset"]
FAULT_KINDS: tuple[str, ...] = ("429", "401", "403", "400", "500", "502", "timeout", "reset")
_FAULT_REPLIES = {
    "401": (401, "Unauthorized"),
    "403": (403, "Forbidden: bot was blocked by the user"),
    "400": (400, "Bad Request: injected by the sandbox"),
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
}


@dataclass
class Fault:
    """One injected failure, armed for `times` more calls of `method` ("*" = any)."""

    method: str
    kind: str
    times: int
    retry_after: int
    description: str | None
    chat_id: int | None

    def reply(self) -> Reply:
        if self.kind == "timeout":
            return Reply(0, {}, drop="timeout")
        if self.kind == "reset":
            return Reply(0, {}, drop="reset")
        if self.kind == "429":
            text = self.description or f"Too Many Requests: retry after {self.retry_after}"
            return error(429, text, self.retry_after)
        status, default = _FAULT_REPLIES[self.kind]
        return error(status, self.description or default)


@dataclass
class RateLimits:
    """Sliding windows over sends, mirroring Telegram's documented broadcast limits."""

    per_second: int | None
    per_chat_per_second: int | None
    per_group_per_minute: int | None
    clock: Callable[[], float]
    everywhere: deque[float] = field(default_factory=deque)
    per_chat: dict[int, deque[float]] = field(default_factory=dict)

    def admit(self, chat_id: int | None, at: float | None = None) -> int | None:
        """Record a send arriving `at` (default: now) and return None, or return retry_after
        seconds and record nothing."""
        now = self.clock() if at is None else at
        chat_log = self.per_chat.setdefault(chat_id, deque()) if chat_id is not None else None
        windows = [(self.everywhere, 1.0, self.per_second)]
        if chat_log is not None:
            windows.append((chat_log, 1.0, self.per_chat_per_second))
            if chat_id is not None and chat_id < 0:
                windows.append((chat_log, 60.0, self.per_group_per_minute))
        wait = 0.0
        for log, window, cap in windows:
            recent = [t for t in log if now - t < window]
            if cap and len(recent) >= cap:
                # The window frees up when the cap-th most recent send ages out.
                wait = max(wait, recent[-cap] + window - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        logs = [(self.everywhere, 1.0)] + ([(chat_log, 60.0)] if chat_log is not None else [])
        for log, horizon in logs:
            log.append(now)
            while now - log[0] >= horizon:
                log.popleft()
        return None


class Faults:
    """What the next calls suffer; callers hold the sandbox's lock."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self.limits: RateLimits | None = None

    def arm(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; use one of {FAULT_KINDS}")
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        self._armed.append(fault)

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """The first fault armed for this call, spending one of its times."""
        for fault in self._armed:
            if fault.method in (method, "*") and fault.chat_id in (None, chat_id):
                fault.times -= 1
                if not fault.times:
                    self._armed.remove(fault)
                return fault
        return None

    def retry_after(self, method: str, chat_id: int | None,
                    at: float | None = None) -> int | None:
        """Seconds to wait if this call (arriving `at`, default now) would break a rate limit;
        None admits (and counts) it."""
        sends = method.startswith(("send", "edit", "copy", "forward"))
        if self.limits is None or not sends or method == "sendChatAction":
            return None
        return self.limits.admit(chat_id, at)
