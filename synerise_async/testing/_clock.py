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

    With ``auto_advance=False`` a sleep moves nothing: it waits until :meth:`advance`
    carries the clock past its end. Two waits that overlap in time (a cool-down every
    request shares) then overlap on this clock too, and :attr:`waiting` shows who waits
    for how long before the test lets them go.

    Args:
        start: the monotonic clock's first reading.
        wall: the wall clock's first reading (epoch seconds); the real time by default,
            so tokens of a real-time server look as fresh as they are.
        jitter: what ``random()`` returns, in ``[0, 1)``.
        auto_advance: whether a sleep moves the clocks itself (the default) or waits
            for :meth:`advance`.
    """

    def __init__(
        self,
        *,
        start: float = 1000.0,
        wall: float | None = None,
        jitter: float = 0.5,
        auto_advance: bool = True,
    ) -> None:
        self.now = start
        self.wall_now = time.time() if wall is None else wall
        self.jitter = jitter
        self.auto_advance = auto_advance
        #: Every ``sleep`` requested, in order.
        self.sleeps: list[float] = []
        self._held: list[tuple[float, asyncio.Future[None]]] = []
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

    @property
    def waiting(self) -> list[float]:
        """Seconds each held sleep still has to wait, soonest first (``auto_advance=False``)."""
        return sorted(end - self.now for end, future in self._held if not future.done())

    def advance(self, seconds: float) -> None:
        """Move both clocks by ``seconds``, and wake every held sleep that has ended."""
        self.now += seconds
        self.wall_now += seconds
        for end, future in self._held:
            if end <= self.now + 1e-9 and not future.done():
                future.set_result(None)

    async def sleep(self, seconds: float) -> None:
        """Record the wait, move the clocks past it (or wait for them), let others run."""
        self.sleeps.append(seconds)
        if self.auto_advance or seconds <= 0:
            self.advance(max(seconds, 0.0))
            await asyncio.sleep(0)
            return
        entry = (self.now + seconds, asyncio.get_running_loop().create_future())
        self._held.append(entry)
        try:
            await entry[1]
        finally:
            self._held.remove(entry)

    def __repr__(self) -> str:
        return f"<ManualClock monotonic={self.now:.3f} wall={self.wall_now:.3f}>"
