"""``client.stats`` over real HTTP: the counters dashboards need, counted with no hooks."""

from __future__ import annotations

import asyncio
from collections import Counter

import _timing
import attrs
import pytest
from conftest import FAST

from synerise_async import NotFoundError, TokenRefreshError
from synerise_async.api import _paths as paths
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise, ManualClock

CURRENT = paths.CURRENT_WORKSPACE


async def test_stats_count_waits_refreshes_and_status_classes_without_hooks() -> None:
    manual = ManualClock()
    async with FakeSynerise(
        token_lifetime=100, workflows_per_workspace=3, clock=manual.wall
    ) as fake:
        client = _timing.workspace_client(fake, manual, FAST)
        async with client, asyncio.timeout(20):
            assert client.config.event_hooks == ()
            await get_current_workspace.asyncio(client=client)  # a login and the call: 2xx x2
            fake.faults.rate_limit(retry_after=2, path=CURRENT)
            await get_current_workspace.asyncio(client=client)
            fake.faults.error(503, path=CURRENT)
            await get_current_workspace.asyncio(client=client)
            fake.faults.error(404, path=CURRENT)
            with pytest.raises(NotFoundError):
                await get_current_workspace.asyncio(client=client)
            manual.advance(101)  # expired: a second login
            await get_current_workspace.asyncio(client=client)
            manual.advance(101)
            fake.faults.error(503, count=FAST.token_refresh_attempts, path=paths.WORKSPACE_LOGIN)
            with pytest.raises(TokenRefreshError):
                await get_current_workspace.asyncio(client=client)
            stats = client.stats
            # Backoff: the Retry-After and the 503's jittered backoff (0.5 of base), plus
            # the failed logins' own retries (token_refresh_attempts - 1 of them).
            login_backoffs = sum(
                0.5 * min(FAST.backoff_cap, FAST.backoff_base * 2 ** (n - 1))
                for n in range(1, FAST.token_refresh_attempts)
            )
            assert stats.backoff_seconds == pytest.approx(
                2 + 0.5 * FAST.backoff_base + login_backoffs
            )
            assert stats.token_refreshes == 2
            assert stats.token_refresh_failures == 1
            assert stats.responses_by_status_class == Counter(
                {"2xx": 2 + 1 + 1 + 2, "4xx": 2, "5xx": 1 + FAST.token_refresh_attempts}
            )
            assert sum(stats.responses_by_status_class.values()) == stats.responses
            assert stats.cool_down_seconds == stats.rate_limit_seconds == 0
            assert stats.concurrency_wait_seconds == 0


async def test_stats_count_each_kind_of_limiter_wait() -> None:
    manual = ManualClock(auto_advance=False)
    config = attrs.evolve(FAST, max_concurrency=1)
    async with FakeSynerise(workflows_per_workspace=3, clock=manual.wall) as fake:
        client = _timing.workspace_client(fake, manual, config)
        async with client, asyncio.timeout(20):
            await get_current_workspace.asyncio(client=client)
            fake.faults.rate_limit(retry_after=3, path=CURRENT)
            first = asyncio.create_task(get_current_workspace.asyncio(client=client))
            await _timing.until(lambda: client.limiter.in_use == 1, "the first call's slot")
            second = asyncio.create_task(get_current_workspace.asyncio(client=client))
            await _timing.until(lambda: len(manual.waiting) == 2, "both calls waiting")
            manual.advance(3)
            await asyncio.gather(first, second)
            assert client.stats.cool_down_seconds == pytest.approx(3)
            assert client.stats.backoff_seconds == pytest.approx(3)

    manual = ManualClock()
    config = attrs.evolve(FAST, max_requests_per_second=4, max_concurrency=1)
    async with FakeSynerise(workflows_per_workspace=3, clock=manual.wall) as fake:
        client = _timing.workspace_client(fake, manual, config)
        async with client, asyncio.timeout(20):
            for _ in range(3):
                await get_current_workspace.asyncio(client=client)
            assert client.stats.rate_limit_seconds == pytest.approx(2 * 0.25)
            async with _timing.each_request_takes(fake, manual, 0.5):
                await asyncio.gather(
                    *(get_current_workspace.asyncio(client=client) for _ in range(2))
                )
            # The second waited for the first's slot (0.5 s), then no turn (it had passed).
            assert client.stats.concurrency_wait_seconds == pytest.approx(0.5)
