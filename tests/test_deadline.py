"""``total_timeout``: one deadline over a whole call (its attempts, backoffs, limiter and
token waits), ending it with ``APITimeoutError``, on the client's clock (a ManualClock
here: no real sleeps but the slow server's)."""

from __future__ import annotations

import asyncio
import time

import pytest
from _timing import until

from synerise_async import (
    APIStatusError,
    APITimeoutError,
    ClientConfig,
    Clock,
    InvalidArgumentError,
    SyneriseClient,
    WorkspaceAuth,
)
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise, ManualClock

CURRENT = "/uauth/business-profile/current"
LOGIN = "/uauth/v2/auth/login/profile"
#: Backoffs of 0.5, 1, 2, 4, 4, ... seconds with ManualClock's jitter of 0.5.
STEADY = ClientConfig(max_retries=10, backoff_base=1.0, backoff_cap=8.0)


def client_for(fake: FakeSynerise, config: ClientConfig, clock: Clock) -> SyneriseClient:
    auth = WorkspaceAuth(fake.workspace.api_key)
    return SyneriseClient(auth, base_url=fake.url, config=config, clock=clock)


async def test_a_deadline_ends_a_call_retrying_against_a_failing_server(
    fake: FakeSynerise,
) -> None:
    manual = ManualClock()
    async with client_for(fake, STEADY, manual.clock) as client:
        await get_current_workspace.asyncio(client=client)  # logged in
        bounded = client.with_options(total_timeout=10.0)
        fake.faults.error(503, count=100, path=CURRENT)
        start, sleeps = manual.now, len(manual.sleeps)
        with pytest.raises(APITimeoutError) as info:
            await get_current_workspace.asyncio(client=bounded)
    error = info.value
    # 0.5 + 1 + 2 + 4 = 7.5 s slept; the next backoff (4 s) would end after 10 s: not slept.
    assert manual.sleeps[sleeps:] == [0.5, 1.0, 2.0, 4.0]
    assert manual.now - start == 7.5
    assert error.attempts == 5 and fake.count(path=CURRENT) == 6  # one before the faults
    assert "total_timeout of 10s passed before attempt 6" in error.message
    assert isinstance(error.__cause__, APIStatusError) and error.__cause__.status_code == 503
    assert error.request.url.endswith(CURRENT)


async def test_a_retry_after_past_the_deadline_is_not_waited_out(fake: FakeSynerise) -> None:
    manual = ManualClock()
    config = ClientConfig(total_timeout=10.0)  # the client's default deadline
    async with client_for(fake, config, manual.clock) as client:
        await get_current_workspace.asyncio(client=client)
        fake.faults.rate_limit(count=1, retry_after=30.0, path=CURRENT)
        sleeps = len(manual.sleeps)
        with pytest.raises(APITimeoutError, match=r"backoff of 30\.00s"):
            await get_current_workspace.asyncio(client=client)
        assert manual.sleeps[sleeps:] == []
        # The 429 still holds the client's other requests, as without a deadline.
        assert client.limiter.cooling_until == pytest.approx(manual.now + 30.0)
        # A view without the deadline waits the cool-down out and gets its answer.
        unbounded = client.with_options(total_timeout=None)
        assert (await get_current_workspace.asyncio(client=unbounded)).data is not None


async def test_a_deadline_ends_a_call_against_a_slow_server_at_the_deadline(
    fake: FakeSynerise,
) -> None:
    # The attempts' timeouts are aiohttp's, in real time: so is this test's clock.
    config = ClientConfig(timeout=0.2, backoff_base=0.01, backoff_cap=0.02, max_retries=20)
    async with client_for(fake, config, Clock()) as client, asyncio.timeout(10):
        await get_current_workspace.asyncio(client=client)
        fake.faults.delay(5.0, count=100, path=CURRENT)
        bounded = client.with_options(total_timeout=0.7)
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            await get_current_workspace.asyncio(client=bounded)
        took = time.monotonic() - started
    assert 0.65 <= took < 1.5
    attempts = info.value.attempts
    assert 3 <= attempts <= 4  # three of 0.2 s, then one cut at the deadline
    assert f"total_timeout of 0.7s passed during attempt {attempts}" in info.value.message
    assert isinstance(info.value.__cause__, APITimeoutError)  # the cut attempt's own
    assert info.value.may_have_been_processed
    assert fake.count(path=CURRENT) == 1 + attempts


async def test_a_deadline_ends_a_wait_for_a_limiter_slot_and_leaves_it_usable(
    fake: FakeSynerise,
) -> None:
    # A slot is waited for in real time (another request holds it): so is this clock.
    async with client_for(fake, ClientConfig(max_concurrency=1), Clock()) as client:
        await get_current_workspace.asyncio(client=client)
        fake.requests.clear()
        fake.faults.delay(1.0, count=1, path=CURRENT)
        holder = asyncio.ensure_future(get_current_workspace.asyncio(client=client))
        await until(lambda: client.limiter.in_use == 1, "the slot to be taken")
        bounded = client.with_options(total_timeout=0.2)
        started = time.monotonic()
        async with asyncio.timeout(5):
            with pytest.raises(APITimeoutError) as info:
                await get_current_workspace.asyncio(client=bounded)
        assert 0.15 <= time.monotonic() - started < 0.9  # at the deadline, not after the holder
        error = info.value
        assert "passed while waiting for its turn in the limiter" in error.message
        assert error.attempts == 0 and not error.may_have_been_processed
        assert client.limiter.waiting == 0 and client.limiter.in_use == 1
        async with asyncio.timeout(5):
            assert (await holder).data is not None
            assert client.limiter.in_use == 0
            assert (await get_current_workspace.asyncio(client=bounded)).data is not None
        assert fake.count(path=CURRENT) == 2  # the holder's and the last: nothing of the cut one


async def test_a_cool_down_past_the_deadline_ends_the_call_unsent(fake: FakeSynerise) -> None:
    manual = ManualClock()  # its sleeps move it: the cool-down is slept through at once
    async with client_for(fake, ClientConfig(), manual.clock) as client:
        await get_current_workspace.asyncio(client=client)
        fake.requests.clear()
        client.limiter.cool_down(60.0)  # as after a 429 with Retry-After: 60
        bounded = client.with_options(total_timeout=5.0)
        with pytest.raises(APITimeoutError, match="waiting for its turn in the limiter") as info:
            await get_current_workspace.asyncio(client=bounded)
        assert info.value.attempts == 0 and not info.value.may_have_been_processed
        assert fake.requests == []
        assert client.limiter.in_use == 0 and client.limiter.waiting == 0
        assert (await get_current_workspace.asyncio(client=bounded)).data is not None


async def test_a_deadline_ends_a_wait_for_a_token_and_the_refresh_goes_on(
    fake: FakeSynerise,
) -> None:
    async with client_for(fake, ClientConfig(), Clock()) as client, asyncio.timeout(5):
        fake.faults.delay(0.6, count=1, path=LOGIN)  # a slow login
        bounded = client.with_options(total_timeout=0.2)
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="passed while waiting for a token") as info:
            await get_current_workspace.asyncio(client=bounded)
        assert time.monotonic() - started < 0.5
        assert info.value.attempts == 0
        # The refresh was not cancelled with the call: the client gets that token.
        assert (await get_current_workspace.asyncio(client=client)).data is not None
        assert fake.count(path=LOGIN) == 1
        assert fake.count(path=CURRENT) == 1


@pytest.mark.parametrize("where", ["token", "limiter"])
async def test_cancelling_a_view_call_is_a_cancellation_and_poisons_nothing(
    fake: FakeSynerise, where: str
) -> None:
    config = ClientConfig(max_concurrency=1)
    async with client_for(fake, config, Clock()) as client, asyncio.timeout(10):
        holder = None
        if where == "token":
            fake.faults.delay(0.4, count=1, path=LOGIN)
        else:
            await get_current_workspace.asyncio(client=client)
            fake.faults.delay(0.4, count=1, path=CURRENT)
            holder = asyncio.ensure_future(get_current_workspace.asyncio(client=client))
            await until(lambda: client.limiter.in_use == 1, "the slot to be taken")
        bounded = client.with_options(total_timeout=5.0, max_retries=0)
        call = asyncio.ensure_future(get_current_workspace.asyncio(client=bounded))
        if where == "token":
            await until(lambda: fake.count(path=LOGIN) == 1, "the login to start")
        else:
            await until(lambda: client.limiter.waiting == 1, "the call to queue")
        call.cancel()
        with pytest.raises(asyncio.CancelledError):  # not turned into a timeout
            await call
        assert client.limiter.waiting == 0
        if holder is not None:
            await holder
        assert client.limiter.in_use == 0
        for each in (bounded, client):
            assert (await get_current_workspace.asyncio(client=each)).data is not None
        assert fake.count(path=LOGIN) == 1  # the refresh was shared, not restarted


async def test_a_call_within_its_deadline_is_untouched(fake: FakeSynerise) -> None:
    manual = ManualClock()
    async with client_for(fake, STEADY, manual.clock) as client:
        bounded = client.with_options(total_timeout=10.0)
        fake.faults.error(503, count=3, path=CURRENT)
        response = await get_current_workspace.asyncio_detailed(client=bounded)
        assert response.attempts == 4  # 0.5 + 1 + 2 s of backoff fit in 10 s
        assert manual.waiting == []  # no timer left behind


@pytest.mark.parametrize("value", [0, -1.0, float("inf"), float("nan"), "5", True])
def test_total_timeout_is_checked(value: object) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        ClientConfig(total_timeout=value)  # type: ignore[arg-type]
    assert info.value.argument == "config.total_timeout"


def test_retry_unsafe_is_checked() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        ClientConfig(retry_unsafe=1)  # type: ignore[arg-type]
    assert info.value.argument == "config.retry_unsafe"
    assert ClientConfig().total_timeout is None and not ClientConfig().retry_unsafe
