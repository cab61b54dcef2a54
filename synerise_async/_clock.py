"""``Clock``: every time source the SDK uses, in one frozen bundle.

A client reads the time, waits and draws jitter only through the :class:`Clock` it was
given (``SyneriseClient(..., clock=...)``), and hands the same one to its pipeline,
limiter and token session: a test that passes a fake clock controls all of them at once
(:class:`synerise_async.testing.ManualClock` is one). This is the only module of the
SDK that names ``time.monotonic``, ``time.time``, ``asyncio.sleep`` or ``random``; a
test keeps it so.
"""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Awaitable, Callable

import attrs

__all__ = ["SYSTEM_CLOCK", "Clock"]


@attrs.frozen(kw_only=True)
class Clock:
    """The time sources of one client.

    Attributes:
        monotonic: seconds on a clock that never goes back; token expiry, the limiter's
            spacing and cool-down, request timings.
        wall: seconds since the epoch; a ``Retry-After`` date, a token's expiry when the
            server gave no issue time.
        sleep: waits that many seconds (a backoff, a rate-limit turn, a cool-down).
        random: a float in ``[0, 1)``: the jitter of every backoff.
    """

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    random: Callable[[], float] = _random.random


#: The real clock: what a client uses unless it is given another.
SYSTEM_CLOCK = Clock()
