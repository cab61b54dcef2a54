"""Shared limits of one client: how many requests run at once, how fast they start, and a
cool-down all requests honour after a 429.

Small on purpose, and cancellation-safe: a task cancelled while it waits holds nothing,
and a task cancelled while it holds a slot gives it back (``async with``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

__all__ = ["Limiter"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


class Limiter:
    """Concurrency slots, an optional start rate, and a shared cool-down.

    Policy:

    - at most ``max_concurrency`` holders at once (``async with limiter``);
    - with ``rate``, starts are spaced at least ``1 / rate`` seconds apart; a waiter
      cancelled before its turn hands its turn back when nobody queued behind it;
    - ``cool_down(seconds)`` makes every later ``acquire`` wait until that moment
      (the latest requested moment wins); waiting happens before taking a slot, so a
      cooling request does not block others that are already allowed to go.
    """

    def __init__(
        self,
        max_concurrency: int,
        *,
        rate: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._slots = asyncio.Semaphore(max_concurrency)
        self._interval = 1.0 / rate if rate else 0.0
        self._next_start = 0.0
        self._cool_until = 0.0
        self._clock = clock
        self._sleep = sleep
        self.max_concurrency = max_concurrency

    @property
    def cooling_until(self) -> float:
        """The clock time before which no request starts (0 when not cooling)."""
        return self._cool_until

    def cool_down(self, seconds: float) -> None:
        """Hold every request that has not started yet for ``seconds`` from now."""
        self._cool_until = max(self._cool_until, self._clock() + seconds)

    async def _wait_turn(self) -> None:
        while (delay := self._cool_until - self._clock()) > 0:
            await self._sleep(delay)
        if not self._interval:
            return
        now = self._clock()
        start = max(now, self._next_start)
        self._next_start = start + self._interval
        if start > now:
            try:
                await self._sleep(start - now)
            except BaseException:
                if self._next_start == start + self._interval:
                    self._next_start = start  # nobody queued behind: give the turn back
                raise

    async def __aenter__(self) -> None:
        await self._wait_turn()
        await self._slots.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._slots.release()

    @property
    def in_use(self) -> int:
        """How many slots are held now."""
        return self.max_concurrency - self._slots._value
