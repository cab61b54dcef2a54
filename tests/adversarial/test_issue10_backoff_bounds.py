"""Issue 10 adversary: the one backoff at any retry number. Found failing on main:
``backoff_base * 2.0 ** (retry - 1)`` raised ``OverflowError`` from retry 1025 on, so a
client with a large ``max_retries`` got that non-SDK error out of a call, and a token
session whose background refresh failed 1025 times in a row raised it in its task's
done callback (its next background refresh was then never pushed back).
"""

from __future__ import annotations

import asyncio

import _timing
import pytest

from synerise_async import APIConnectionError, ClientConfig, RequestInfo
from synerise_async._http import backoff_delay
from synerise_async.api import _paths as paths
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise, ManualClock


@pytest.mark.timeout(30)
@pytest.mark.parametrize("retry", [1, 2, 60, 1024, 1025, 1026, 5000, 10**6])
def test_the_backoff_stays_within_its_cap_at_any_retry(retry: int) -> None:
    config = ClientConfig(backoff_base=0.5, backoff_cap=7.0)
    delay = backoff_delay(retry, config, lambda: 0.999)
    assert 0.0 <= delay < 7.0
    assert backoff_delay(retry, config, lambda: 0.0) == 0.0


@pytest.mark.timeout(60)
async def test_a_call_with_a_large_retry_budget_outlasts_1030_failures(
    fake: FakeSynerise,
) -> None:
    manual = ManualClock()
    config = ClientConfig(max_retries=1100, backoff_base=0.01, backoff_cap=0.02)
    async with _timing.workspace_client(fake, manual, config) as client:
        await get_current_workspace.asyncio(client=client)  # logged in
        fake.faults.error(503, count=1030, path=paths.CURRENT_WORKSPACE)
        async with asyncio.timeout(50):
            current = await get_current_workspace.asyncio(client=client)
    assert current is not None
    assert fake.count(path=paths.CURRENT_WORKSPACE) == 1032
    assert all(0 <= s < 0.02 for s in manual.sleeps)


@pytest.mark.timeout(60)
async def test_a_background_refresh_failing_1100_times_in_a_row_is_still_backed_off() -> None:
    from synerise_async.auth import IssuedToken, TokenSession

    manual = ManualClock(jitter=0.5)
    config = ClientConfig(backoff_base=0.01, backoff_cap=0.02, default_token_lifetime=3600)
    fetches = 0

    async def fetch(current: object) -> IssuedToken:
        nonlocal fetches
        fetches += 1
        if fetches == 1:
            return IssuedToken(value="first-token", expiration=manual.wall() + 3600)
        raise APIConnectionError(request=RequestInfo("POST", "http://127.0.0.1/login"))

    loop = asyncio.get_running_loop()
    failures: list[object] = []
    loop.set_exception_handler(lambda _, context: failures.append(context.get("exception")))
    session = TokenSession(fetch, config=config, name="test", clock=manual.clock)
    try:
        async with asyncio.timeout(40):
            token = await session.get_token()
            manual.advance(token.refresh_at - manual.now + 1)  # into the refresh window
            for _ in range(1100):
                manual.advance(0.02)  # past any backoff
                assert await session.get_token() is token  # the old token still serves
                await _timing.settle(3)
            assert fetches == 1101
            for _ in range(5):  # no time passes: the next refresh waits for its backoff
                await session.get_token()
                await _timing.settle(3)
            assert fetches == 1101
    finally:
        loop.set_exception_handler(None)
        await session.aclose()
    assert failures == []
