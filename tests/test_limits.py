"""The Limiter on its own, on a fake clock: nothing here really sleeps.

``FakeTime`` gives the limiter its clock and its sleep; a test moves time forward with
``advance`` and every sleeper whose moment has come wakes in time order. Each test runs
under a watchdog so that a limiter that never lets a waiter go fails fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
from collections.abc import AsyncIterator

import _timing
import attrs
import pytest

from synerise_async import ClientConfig, SyneriseClient
from synerise_async._limits import Limiter
from synerise_async.api import _paths as paths
from synerise_async.api.automation import list_workflows
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise, ManualClock

RATE = 10.0
INTERVAL = 1 / RATE
EPS = 1e-9
WATCHDOG = 10.0  # seconds of real time; the tests themselves take milliseconds
FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
CURRENT = paths.CURRENT_WORKSPACE
LIST = paths.LIST_WORKFLOWS


class FakeTime:
    """A clock that only moves when told to, and a sleep that waits for it."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(delay, 0.0), next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` on, waking each sleeper at its own moment."""
        target = self.now + seconds
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target + EPS:
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            if not future.done():
                future.set_result(None)
            await settle()
        self.now = target
        await settle()

    async def run_until_idle(self, limit: float = 1000.0) -> None:
        """Advance until nobody sleeps any more (or ``limit`` seconds have passed)."""
        start = self.now
        await settle()
        while self._sleepers and self.now - start < limit:
            await self.advance(max(self._sleepers[0][0] - self.now, 0.0))


async def settle() -> None:
    """Let every task that is ready run until it waits again."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@contextlib.asynccontextmanager
async def watchdog() -> AsyncIterator[None]:
    async with asyncio.timeout(WATCHDOG):
        yield


class Recorder:
    """Starts tasks that take a turn from the limiter and notes when they got in."""

    def __init__(self, limiter: Limiter, time: FakeTime) -> None:
        self.limiter, self.time = limiter, time
        self.started: dict[int, float] = {}
        self.holding = 0
        self.peak = 0
        self.tasks: dict[int, asyncio.Task[None]] = {}

    async def _use(self, key: int, hold: float) -> None:
        async with self.limiter:
            self.started[key] = self.time.now
            self.holding += 1
            self.peak = max(self.peak, self.holding)
            try:
                if hold:
                    await self.time.sleep(hold)
            finally:
                self.holding -= 1

    def start(self, key: int, hold: float = 0.0) -> asyncio.Task[None]:
        task = asyncio.create_task(self._use(key, hold))
        self.tasks[key] = task
        return task

    async def cancel(self, *keys: int) -> None:
        for key in keys:
            self.tasks[key].cancel()
        await settle()
        for key in keys:
            assert self.tasks[key].cancelled()

    async def finish(self) -> None:
        await self.time.run_until_idle()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        assert self.limiter.in_use == 0
        assert self.limiter.waiting == 0


def assert_spaced(starts: list[float], interval: float) -> None:
    starts = sorted(starts)
    for before, after in itertools.pairwise(starts):
        assert after - before >= interval - EPS, starts


# --- rate ------------------------------------------------------------------------------


async def test_starts_are_spaced_by_the_rate(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(100, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        for key in range(5):
            rec.start(key)
            await time.advance(0.03)  # arriving faster than the rate allows
        await rec.finish()
    assert_spaced(list(rec.started.values()), INTERVAL)
    assert list(rec.started) == [0, 1, 2, 3, 4]  # first come, first served


async def test_a_burst_of_n_starts_at_exactly_k_over_rate(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(100, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        for key in range(8):
            rec.start(key)
        await settle()
        assert limiter.waiting == 7  # the first went at once
        await rec.finish()
    assert [rec.started[k] for k in range(8)] == pytest.approx([k * INTERVAL for k in range(8)])


async def test_an_idle_limiter_lets_the_next_call_in_at_once(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(4, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        rec.start(0)
        await time.advance(5.0)
        rec.start(1)
        await settle()
        await rec.finish()
    assert rec.started == {0: 0.0, 1: 5.0}


async def test_without_a_rate_only_the_slots_limit(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(3, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        for key in range(7):
            rec.start(key, hold=1.0)
        await settle()
        assert (limiter.in_use, limiter.waiting) == (3, 4)
        await rec.finish()
    assert rec.peak == 3
    assert [rec.started[k] for k in range(7)] == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]


async def test_an_uncontended_start_without_rate_or_cool_down_reads_no_clock() -> None:
    # The fast path of every request: a free slot, nobody waiting, nothing to time.
    def no_clock() -> float:
        raise AssertionError("the clock was read")

    async with watchdog():
        limiter = Limiter(2, clock=no_clock)
        for _ in range(3):
            async with limiter, limiter:
                assert limiter.in_use == 2
        assert limiter.in_use == 0


async def test_slots_and_rate_together(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(2, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        for key in range(6):
            rec.start(key, hold=0.25)
        await rec.finish()
    assert rec.peak == 2
    assert_spaced(list(rec.started.values()), INTERVAL)
    assert list(rec.started) == list(range(6))


# --- cool-down ------------------------------------------------------------------------


async def test_cool_down_holds_new_acquires_and_the_latest_moment_wins(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(4, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        limiter.cool_down(2.0)
        limiter.cool_down(0.5)  # earlier than the one in force: ignored
        assert limiter.cooling_until == 2.0
        rec.start(0)
        await time.advance(1.0)
        assert rec.started == {}
        limiter.cool_down(3.0)  # now + 3 = 4.0: later, so it wins
        assert limiter.cooling_until == 4.0
        rec.start(1)
        await time.advance(2.5)
        assert rec.started == {}
        await rec.finish()
    assert rec.started == pytest.approx({0: 4.0, 1: 4.0 + INTERVAL})


async def test_cool_down_does_not_touch_requests_already_started(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(4, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        rec.start(0, hold=5.0)
        await settle()
        limiter.cool_down(1.0)
        assert limiter.in_use == 1
        rec.start(1)
        await time.advance(0.5)
        assert list(rec.started) == [0]
        await rec.finish()
    assert rec.started == {0: 0.0, 1: 1.0}


# --- cancellation ---------------------------------------------------------------------


@pytest.mark.parametrize("cancelled", [(1,), (3,), (7,), (1, 2), (2, 5, 7), (4, 6)])
async def test_a_cancelled_waiter_hands_its_turn_back(
    time: FakeTime, cancelled: tuple[int, ...]
) -> None:
    # Anywhere in the queue, not only the last: everyone behind it moves up one turn.
    async with watchdog():
        limiter = Limiter(100, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        for key in range(8):
            rec.start(key)
        await settle()
        await rec.cancel(*cancelled)
        assert limiter.waiting == 7 - len(cancelled)
        await rec.finish()
    survivors = [k for k in range(8) if k not in cancelled]
    assert list(rec.started) == survivors
    assert [rec.started[k] for k in survivors] == pytest.approx(
        [i * INTERVAL for i in range(len(survivors))]
    )


async def test_cancelling_the_waiter_whose_turn_is_next_mid_sleep(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(100, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        for key in range(4):
            rec.start(key)
        await time.advance(0.05)  # key 1 is half-way to its turn
        await rec.cancel(1)
        await rec.finish()
    assert rec.started == pytest.approx({0: 0.0, 2: INTERVAL, 3: 2 * INTERVAL})


async def test_a_cancelled_cooling_waiter_holds_nothing(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(1, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        limiter.cool_down(1.0)
        rec.start(0)
        rec.start(1)
        await time.advance(0.5)
        await rec.cancel(0)
        assert (limiter.in_use, limiter.waiting) == (0, 1)
        await rec.finish()
    assert rec.started == {1: 1.0}


async def test_cancellation_while_waiting_for_a_slot_holds_nothing(time: FakeTime) -> None:
    async with watchdog():
        limiter = Limiter(2, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        rec.start(0, hold=10.0)
        rec.start(1, hold=10.0)
        rec.start(2, hold=10.0)
        rec.start(3, hold=10.0)
        await time.advance(1.0)  # 2 and 3 have had their time: they wait for a slot only
        assert (limiter.in_use, limiter.waiting) == (2, 2)
        await rec.cancel(2)
        assert (limiter.in_use, limiter.waiting) == (2, 1)
        await rec.cancel(0)  # a holder cancelled gives its slot back...
        assert limiter.in_use == 2  # ...and the next waiter takes it at once
        assert rec.started[3] == 1.0
        await rec.cancel(1, 3)
        assert (limiter.in_use, limiter.waiting) == (0, 0)
        rec.start(4)
        await settle()
        await rec.finish()
    assert rec.started[4] == pytest.approx(1.0 + INTERVAL)  # spaced from 3, no later


async def test_after_200_cancelled_waiters_the_next_call_starts_within_one_interval(
    time: FakeTime,
) -> None:
    # Regression: each cancelled waiter kept its reserved turn, so the next call waited
    # ~20 s (199 turns) at 10 requests per second.
    async with watchdog():
        limiter = Limiter(10, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        for key in range(200):
            rec.start(key)
        await settle()
        assert limiter.waiting == 199
        await rec.cancel(*range(1, 200))
        assert limiter.waiting == 0
        rec.start(1000)
        await time.advance(INTERVAL)
        assert rec.started == pytest.approx({0: 0.0, 1000: INTERVAL})
        await rec.finish()


async def test_cancellation_fuzz_leaves_the_limiter_consistent() -> None:
    # Seeded: random arrivals, holds and cancellations (waiting or holding). Afterwards
    # every slot is free, nobody waits, the starts kept order, spacing and the slot
    # bound, and a fresh call starts within one interval.
    for seed in range(25):
        gen = random.Random(seed)
        time = FakeTime()
        slots = gen.randint(1, 4)
        limiter = Limiter(slots, rate=RATE, clock=time.clock, sleep=time.sleep)
        rec = Recorder(limiter, time)
        async with watchdog():
            for key in range(40):
                rec.start(key, hold=gen.choice([0.0, 0.05, 0.3]))
                if gen.random() < 0.3:
                    limiter.cool_down(gen.uniform(0.0, 0.5))
                await time.advance(gen.uniform(0.0, 0.08))
                alive = [k for k, t in rec.tasks.items() if not t.done()]
                for victim in gen.sample(alive, k=min(len(alive), gen.randint(0, 2))):
                    rec.tasks[victim].cancel()
                await settle()
            await rec.finish()
            assert rec.peak <= slots
            assert_spaced(list(rec.started.values()), INTERVAL)
            assert list(rec.started) == sorted(rec.started)  # first come, first served
            await time.advance(max(0.0, limiter.cooling_until - time.now))
            rec.start(10_000)
            await time.advance(INTERVAL)
            assert 10_000 in rec.started, seed
            await rec.finish()


# --- through the client, over HTTP --------------------------------------------------
#
# The same promises end to end: ClientConfig(max_requests_per_second=...) and a real 429
# with Retry-After from the fake server, the client and the server on one ManualClock
# (the server's ``at`` is the manual wall clock), so the recorded sleeps and arrival
# times prove the spacing and the shared cool-down without any real waiting.


@contextlib.asynccontextmanager
async def logged_in(
    manual: ManualClock, config: ClientConfig = FAST, workflows: int = 0
) -> AsyncIterator[tuple[FakeSynerise, SyneriseClient]]:
    """A fake and a logged-in client on ``manual``, the request log cleared, in a watchdog."""
    async with (
        FakeSynerise(workflows_per_workspace=workflows, clock=manual.wall) as fake,
        _timing.workspace_client(fake, manual, config) as client,
        watchdog(),
    ):
        await get_current_workspace.asyncio(client=client)  # log in: its turn is taken
        fake.requests.clear()
        manual.sleeps.clear()
        yield fake, client


def arrivals(fake: FakeSynerise, path: str) -> list[float]:
    return [r.at for r in fake.requests if r.path == path]


async def test_the_client_spaces_a_burst_by_max_requests_per_second() -> None:
    manual = ManualClock()
    config = attrs.evolve(FAST, max_requests_per_second=RATE)
    async with logged_in(manual, config) as (fake, client):
        start = manual.wall()
        await asyncio.gather(*(get_current_workspace.asyncio(client=client) for _ in range(8)))
        # The k-th request of the burst waits its turn, k intervals after the login's.
        assert arrivals(fake, CURRENT) == pytest.approx([start + k * INTERVAL for k in range(1, 9)])
        assert manual.sleeps == pytest.approx([INTERVAL] * 8)  # only the head waits
        manual.advance(5.0)  # idle: the next request goes at once
        manual.sleeps.clear()
        await get_current_workspace.asyncio(client=client)
        assert manual.sleeps == []


async def test_a_429_cools_down_every_request_of_the_client_on_its_clock() -> None:
    manual = ManualClock(auto_advance=False)  # sleeps wait for advance(): overlaps show
    async with logged_in(manual, workflows=3) as (fake, client):
        fake.faults.rate_limit(count=1, retry_after=2, path=CURRENT)
        first = asyncio.create_task(get_current_workspace.asyncio(client=client))
        await _timing.until(lambda: bool(manual.waiting), "the 429's retry wait")
        assert manual.waiting == pytest.approx([2.0])  # Retry-After, not a backoff
        others = [
            asyncio.create_task(list_workflows.asyncio(client=client, limit=1)) for _ in range(5)
        ]
        await _timing.settle()
        # Nobody else was sent: the head of the queue waits out the same cool-down.
        assert arrivals(fake, LIST) == []
        assert manual.waiting == pytest.approx([2.0, 2.0])
        manual.advance(1.5)
        await _timing.settle()
        assert arrivals(fake, LIST) == []
        manual.advance(0.5)
        await asyncio.gather(first, *others)
    [limited] = [r for r in fake.requests if r.status_code == 429]
    later = arrivals(fake, LIST) + arrivals(fake, CURRENT)[1:]
    assert len(later) == 6
    assert all(at >= limited.at + 2.0 for at in later)


async def test_a_cancelled_turn_of_the_client_is_handed_to_the_next_request() -> None:
    manual = ManualClock(auto_advance=False)
    config = attrs.evolve(FAST, max_requests_per_second=1.0)
    async with logged_in(manual, config) as (fake, client):
        start = manual.wall()
        head = asyncio.create_task(get_current_workspace.asyncio(client=client))
        behind = [
            asyncio.create_task(get_current_workspace.asyncio(client=client)) for _ in range(3)
        ]
        await _timing.settle()
        assert manual.waiting == pytest.approx([1.0])  # the head waits, the rest queue
        head.cancel()
        await _timing.settle()
        assert head.cancelled()
        # The next one takes the cancelled turn: it waits what was left, not one more.
        assert manual.waiting == pytest.approx([1.0])
        for _ in range(3):
            manual.advance(1.0)
            await _timing.until(
                lambda: bool(manual.waiting) or all(t.done() for t in behind), "a turn"
            )
        await asyncio.gather(*behind)
        assert client.limiter.waiting == 0
    assert arrivals(fake, CURRENT) == pytest.approx([start + 1.0, start + 2.0, start + 3.0])
