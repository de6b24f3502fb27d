"""One run of the sender in flight: several requests at once, each chat's notes in order.

Over a 150 ms round trip, one request at a time reaches a fifth of the 30 messages a second
Telegram allows. A Wave keeps up to `in_flight` requests going (the Budget spaces them), puts
a chat that is cooling down aside instead of waiting on it, and writes what was sent in
batches, off the sending path: while one batch is written, the next gathers.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence

from sqlalchemy.exc import DBAPIError

from bot.delivery.pacing import Pacer
from bot.services.notify import Note, Planned

# Start one note; False means stop the run (a flood wait, or the lease was lost).
Deliver = Callable[[Note], Awaitable[bool]]
Refill = Callable[[], Awaitable[list[Note]]]
WriteSent = Callable[[list[Note], list[Planned]], Awaitable[None]]
KeepSent = Callable[[list[Note], list[Planned]], None]


class Wave:
    """Notes started as slots and chats allow; stops early on a flood wait or a lost lease.

    Notes never started stay with the run, which hands them back; a note that went out is
    written as sent, or kept as owed if the database refuses, never sent again by this process.
    """

    def __init__(self, deliver: Deliver, pacer: Pacer, *, per_chat_per_second: float,
                 in_flight: int, write_sent: WriteSent, keep_sent: KeepSent) -> None:
        self._deliver = deliver
        self._pacer = pacer
        self._per_chat = per_chat_per_second
        self._slots = asyncio.Semaphore(in_flight)
        self._ready: deque[Note] = deque()
        self._held: dict[int, deque[Note]] = {}  # behind a send in flight or a cooling chat
        self._cooling: list[tuple[float, int]] = []  # (loop time it may go, chat)
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._write_sent = write_sent
        self._keep_sent = keep_sent
        self._sent: list[tuple[Note, Sequence[Planned]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._finished = 0
        self.stopped = False
        self.error: BaseException | None = None

    @property
    def backlog(self) -> int:
        """Notes in hand not yet started."""
        return len(self._ready) + sum(len(q) for q in self._held.values())

    def add(self, notes: Iterable[Note]) -> None:
        self._ready.extend(notes)

    def sent(self, note: Note, then: Sequence[Planned]) -> None:
        """A note went out: write it (and what it plans next) with the next batch."""
        self._sent.append((note, then))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def run(self, refill: Refill | None = None, *, low: int = 0) -> None:
        """Send everything in hand, asking `refill` for more while fewer than `low` wait.

        Once refill has nothing, it is asked again only when the wave falls idle after a send
        finished since (a send may plan another due now, such as a report to the admin chat)."""
        empty_at: int | None = None  # sends finished when refill last had nothing
        try:
            while not self.stopped:
                idle = not self._tasks and not self._cooling and not self.backlog
                if refill is not None and self.backlog <= low and (
                        empty_at is None or (idle and empty_at != self._finished)):
                    more = await refill()
                    empty_at = None if more else self._finished
                    self.add(more)
                    continue
                note = self._next()
                if note is not None:
                    await self._slots.acquire()
                    if self.stopped:  # stopped while waiting for a slot: the note goes back
                        self._slots.release()
                        self._ready.appendleft(note)
                        break
                    self._start(note)
                elif self._tasks or self._cooling:
                    await self._wait()
                else:
                    break
        finally:
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._finish_writes()
        if self.error is not None:
            raise self.error

    # -- choosing the next note ------------------------------------------------------------

    def _next(self) -> Note | None:
        loop_now = asyncio.get_running_loop().time()
        while self._cooling and self._cooling[0][0] <= loop_now:
            _, chat = heapq.heappop(self._cooling)
            note = self._take_held(chat)
            if note is not None:
                return note
        while self._ready:
            note = self._ready.popleft()
            chat = note.chat_id
            if chat in self._busy or chat in self._held:
                self._held.setdefault(chat, deque()).append(note)
                continue
            ready_at = self._pacer.ready_at(chat, self._per_chat)
            if ready_at > loop_now:
                self._held[chat] = deque([note])
                heapq.heappush(self._cooling, (ready_at, chat))
                continue
            return note
        return None

    def _take_held(self, chat: int) -> Note | None:
        queue = self._held.get(chat)
        if not queue or chat in self._busy:
            return None
        note = queue.popleft()
        if not queue:
            del self._held[chat]
        return note

    async def _wait(self) -> None:
        self._changed.clear()
        timeout = None
        if self._cooling:
            timeout = max(0.0, self._cooling[0][0] - asyncio.get_running_loop().time())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    # -- one note in flight ----------------------------------------------------------------

    def _start(self, note: Note) -> None:
        self._busy.add(note.chat_id)
        self._tasks.add(asyncio.create_task(self._one(note)))

    async def _one(self, note: Note) -> None:
        chat = note.chat_id
        try:
            if not await self._deliver(note):
                self.stopped = True
        except Exception as exc:  # the database refused: the run stops, the rest goes back
            self.stopped = True
            self.error = self.error or exc
        finally:
            # Out of the set before the run loop wakes, not in a done callback after it.
            task = asyncio.current_task()
            if task is not None:
                self._tasks.discard(task)
            self._finished += 1
            self._slots.release()
            self._busy.discard(chat)
            if chat in self._held:
                heapq.heappush(self._cooling, (self._pacer.ready_at(chat, self._per_chat), chat))
            self._changed.set()

    # -- writing what went out -------------------------------------------------------------

    async def _write(self) -> None:
        while self._sent and self.error is None:
            batch, self._sent = self._sent, []
            notes = [n for n, _ in batch]
            then = [p for _, planned in batch for p in planned]
            try:
                await self._write_sent(notes, then)
            except DBAPIError as exc:  # already owed by the outcomes; stop sending more
                self.stopped = True
                self.error = self.error or exc
                self._changed.set()

    async def _finish_writes(self) -> None:
        if self._writer is not None:
            await self._writer
        if self._sent and self.error is None:
            await self._write()
        if self._sent:  # the database refused: what went out is owed, written first next time
            batch, self._sent = self._sent, []
            self._keep_sent([n for n, _ in batch], [p for _, ps in batch for p in ps])
