"""``ManualClock``: a client clock for tests that moves only when told to."""

from __future__ import annotations

import asyncio
import time

from .._clock import Clock

__all__ = ["ManualClock"]


class ManualClock:
    """Time that stands still until a test (or a sleep) moves it.

    Pass ``manual.clock`` to ``SyneriseClient(..., clock=...)``: ``sleep(s)`` records
    ``s`` in :attr:`sleeps`, moves both clocks by ``s`` at once and yields to the event
    loop, so backoffs, rate-limit turns and cool-downs take no real time; ``random``
    returns :attr:`jitter`, so every backoff is predictable.

    Args:
        start: the monotonic clock's first reading.
        wall: the wall clock's first reading (epoch seconds); the real time by default,
            so tokens of a real-time server look as fresh as they are.
        jitter: what ``random()`` returns, in ``[0, 1)``.
    """

    def __init__(
        self, *, start: float = 1000.0, wall: float | None = None, jitter: float = 0.5
    ) -> None:
        self.now = start
        self.wall_now = time.time() if wall is None else wall
        self.jitter = jitter
        #: Every ``sleep`` requested, in order.
        self.sleeps: list[float] = []
        self.clock = Clock(
            monotonic=self.monotonic, wall=self.wall, sleep=self.sleep, random=self.random
        )

    def monotonic(self) -> float:
        """The monotonic clock now."""
        return self.now

    def wall(self) -> float:
        """The wall clock now."""
        return self.wall_now

    def random(self) -> float:
        """The fixed jitter."""
        return self.jitter

    def advance(self, seconds: float) -> None:
        """Move both clocks by ``seconds``."""
        self.now += seconds
        self.wall_now += seconds

    async def sleep(self, seconds: float) -> None:
        """Record the wait, move the clocks past it, and let other tasks run."""
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"<ManualClock monotonic={self.now:.3f} wall={self.wall_now:.3f}>"
