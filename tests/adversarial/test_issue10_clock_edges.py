"""Issue 10 adversary: the limiter on any clock. ``ManualClock(start=...)`` takes any
reading, and a clock is only ever compared with itself, so no reading may mean "not
cooling". Found failing on main: the limiter's "no cool-down" was the clock time 0.0,
so on a clock reading below 0 a waiter for a slot slept until the clock reached 0.
"""

from __future__ import annotations

import asyncio

import pytest

from synerise_async._limits import Limiter
from synerise_async.testing import ManualClock


@pytest.mark.timeout(30)
@pytest.mark.parametrize("start", [-5.0, -1e9, 0.0, 1000.0])
async def test_a_waiter_for_a_slot_does_not_sleep_on_any_clock(start: float) -> None:
    manual = ManualClock(start=start)
    limiter = Limiter(1, clock=manual.monotonic, sleep=manual.sleep)
    async with asyncio.timeout(5):
        await limiter.acquire()
        waiter = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0)
        limiter.release()
        await waiter
    assert manual.sleeps == []
    assert manual.now == start
    assert limiter.cooling_until == 0.0
    limiter.release()


@pytest.mark.timeout(30)
async def test_a_cool_down_on_a_negative_clock_lasts_what_it_says() -> None:
    manual = ManualClock(start=-50.0)
    limiter = Limiter(2, clock=manual.monotonic, sleep=manual.sleep)
    limiter.cool_down(3.0)
    assert limiter.cooling_until == -47.0
    async with asyncio.timeout(5):
        await limiter.acquire()
    assert manual.sleeps == [3.0]
    assert manual.now == -47.0
    limiter.release()
