"""Shared limits of one client: how many requests run at once, how fast they start, and a
cool-down all requests honour after a 429.

Small on purpose, and cancellation-safe: a task cancelled while it waits holds nothing
and gives its turn to the next in line, and a task cancelled while it holds a slot gives
the slot back (``async with``).

A request that had to wait reports it when it takes its slot: the seconds go to the
client's stats (``cool_down_seconds``, ``rate_limit_seconds``,
``concurrency_wait_seconds``) and, with event hooks, into one
:class:`~synerise_async.events.ThrottleWaited` per kind of wait. A request that took its
slot at once costs nothing of this.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING

from ._clock import SYSTEM_CLOCK
from .events import _CURRENT_CALL, ThrottleKind, ThrottleWaited, _Dispatcher

if TYPE_CHECKING:
    from ._http import ClientStats

__all__ = ["Limiter"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

#: Before any clock reading (a clock may read below 0: a test's ManualClock).
_NEVER = float("-inf")


class Limiter:
    """Concurrency slots, an optional start rate, and a shared cool-down.

    Policy:

    - at most ``max_concurrency`` holders at once (``async with limiter``);
    - requests start in the order they arrived (one queue; nobody overtakes);
    - with ``rate``, starts are spaced at least ``1 / rate`` seconds apart;
    - ``cool_down(seconds)`` makes every request that has not started yet wait until that
      moment (the latest requested moment wins); requests already started are untouched;
    - a waiter cancelled anywhere in the queue leaves it, and whoever was behind it moves
      up: no turn is reserved in advance, so a cancelled one cannot keep one.

    Only the waiter at the head of the queue waits for time or a slot; the others wait
    to become the head. That keeps one "next turn" moment instead of a future start time
    per waiter.
    """

    def __init__(
        self,
        max_concurrency: int,
        *,
        rate: float | None = None,
        clock: Clock = SYSTEM_CLOCK.monotonic,
        sleep: Sleep = SYSTEM_CLOCK.sleep,
        stats: ClientStats | None = None,
        events: _Dispatcher | None = None,
    ) -> None:
        self.max_concurrency = max_concurrency
        self._interval = 1.0 / rate if rate else 0.0
        self._clock = clock
        self._sleep = sleep
        self._in_use = 0
        self._next_turn = float("-inf")  # the earliest moment the next request may start
        self._cool_until = _NEVER  # no cool-down: any clock reading is after it
        # Each waiter's future is resolved when it becomes the head of the queue.
        self._queue: deque[asyncio.Future[None]] = deque()
        # Set while the head waits for a slot; resolved by the next release.
        self._slot_freed: asyncio.Future[None] | None = None
        #: Where the seconds waited are counted (the client's stats), and told.
        self.stats = stats
        self._events = events if events is not None and events.hooks else None

    @property
    def cooling_until(self) -> float:
        """The clock time before which no request starts (0 when never cooled)."""
        return 0.0 if self._cool_until == _NEVER else self._cool_until

    @property
    def in_use(self) -> int:
        """How many slots are held now."""
        return self._in_use

    @property
    def waiting(self) -> int:
        """How many requests wait for their turn (0 when the limiter is idle)."""
        return len(self._queue)

    def cool_down(self, seconds: float) -> None:
        """Hold every request that has not started yet for ``seconds`` from now."""
        self._cool_until = max(self._cool_until, self._clock() + seconds)

    def _ready_in(self) -> float:
        # Seconds until the rate and the cool-down allow the next start (<= 0: now).
        return max(self._next_turn, self._cool_until) - self._clock()

    def _start(self) -> None:
        self._in_use += 1
        if self._interval:
            self._next_turn = self._clock() + self._interval

    def _try_start(self) -> bool:
        # The uncontended fast path: nobody waiting, a slot free, no rate or cool-down
        # holding starts back (the clock is read only when one could).
        if self._queue or self._in_use >= self.max_concurrency:
            return False
        if (self._interval or self._cool_until != _NEVER) and self._ready_in() > 0:
            return False
        self._start()
        return True

    def _holding(self) -> ThrottleKind:
        # What keeps a request from starting now: the later of the cool-down and the
        # rate's next turn, else the slots.
        if self._ready_in() > 0:
            if self._cool_until >= self._next_turn:
                return ThrottleKind.COOL_DOWN
            return ThrottleKind.RATE_LIMIT
        return ThrottleKind.CONCURRENCY

    async def acquire(self) -> None:
        """Wait for this request's turn and a slot, and take the slot."""
        if self._try_start():
            return
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        if not self._queue:
            turn.set_result(None)
        self._queue.append(turn)
        # Seconds waited by kind; the time behind others in the queue is put down to what
        # held the queue back when this request joined it.
        waited: dict[ThrottleKind, float] = {}
        mark = self._clock()
        try:
            if not turn.done():
                kind = self._holding()
                await turn
                mark = self._waited(waited, kind, mark)
            while True:  # the head: wait for the moment, then for a slot
                if (delay := self._ready_in()) > 0:
                    kind = self._holding()
                    await self._sleep(delay)
                elif self._in_use >= self.max_concurrency:
                    kind = ThrottleKind.CONCURRENCY
                    self._slot_freed = loop.create_future()
                    await self._slot_freed
                else:
                    break
                mark = self._waited(waited, kind, mark)
        finally:
            self._leave(turn)
        self._start()
        if waited:
            self._report(waited)

    def _waited(self, waited: dict[ThrottleKind, float], kind: ThrottleKind, mark: float) -> float:
        now = self._clock()
        waited[kind] = waited.get(kind, 0.0) + max(0.0, now - mark)
        return now

    def _report(self, waited: dict[ThrottleKind, float]) -> None:
        stats = self.stats
        if stats is not None:
            stats.cool_down_seconds += waited.get(ThrottleKind.COOL_DOWN, 0.0)
            stats.rate_limit_seconds += waited.get(ThrottleKind.RATE_LIMIT, 0.0)
            stats.concurrency_wait_seconds += waited.get(ThrottleKind.CONCURRENCY, 0.0)
        events = self._events
        if events is not None:
            call = _CURRENT_CALL.get()
            now = events.now()
            for kind, seconds in waited.items():
                events.emit(
                    ThrottleWaited(
                        at=now,
                        call_id=None if call is None else call.call_id,
                        kind=kind,
                        seconds=seconds,
                    )
                )

    def _leave(self, turn: asyncio.Future[None]) -> None:
        # Taking its turn or cancelled: either way the waiter leaves the queue, and if it
        # was the head the next one becomes the head.
        if self._queue and self._queue[0] is turn:
            self._queue.popleft()
            self._slot_freed = None
            if self._queue and not self._queue[0].done():
                self._queue[0].set_result(None)
        else:
            self._queue.remove(turn)
        turn.cancel()  # its result, if any, is no longer wanted

    def release(self) -> None:
        """Give a slot back."""
        self._in_use -= 1
        if self._slot_freed is not None and not self._slot_freed.done():
            self._slot_freed.set_result(None)

    async def __aenter__(self) -> None:
        if not self._try_start():  # saves a coroutine when a slot is free
            await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
