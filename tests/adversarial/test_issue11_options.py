"""Issue 11, adversarial: ``with_options`` views, ``Request.headers`` and deadlines.

- headers that would break the request's framing (``Content-Length``,
  ``Transfer-Encoding``: the body sets them) are refused like Authorization, before
  anything is sent, wherever extra headers are taken;
- views compose in order (the later one wins), share one login, and a deadline behaves
  on a ``ManualClock`` as on the real one: ``APITimeoutError`` at the deadline, the
  limiter left clean.
"""

from __future__ import annotations

import asyncio
import random

import pytest
from _adversarial import watchdog

from synerise_async import (
    APITimeoutError,
    ClientConfig,
    InvalidArgumentError,
    Request,
    SyneriseClient,
    WorkspaceAuth,
)
from synerise_async.api import _paths as paths
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise

CURRENT = paths.CURRENT_WORKSPACE

FRAMING = [{"Content-Length": "5"}, {"content-length": "0"}, {"Transfer-Encoding": "chunked"}]


@pytest.mark.parametrize("headers", FRAMING)
def test_framing_headers_are_refused_wherever_headers_are_taken(headers: dict[str, str]) -> None:
    client = SyneriseClient(WorkspaceAuth("k" * 36), base_url="http://127.0.0.1:9")
    with pytest.raises(InvalidArgumentError, match="headers"):
        client.with_options(headers=headers)
    with pytest.raises(InvalidArgumentError, match="headers"):
        ClientConfig(headers=headers)
    with pytest.raises(InvalidArgumentError, match="headers"):
        Request(method="GET", path="/x", headers=headers)


async def test_deadlines_cut_at_random_in_the_limiter_queue_poison_nothing() -> None:
    """Many calls queued behind two slots against a slow server, each through a view with
    its own deadline (seeded): each one ends with its answer or ``APITimeoutError``, no
    later than its deadline and a little; afterwards no slot is held, nobody waits, and
    a call without a deadline gets its answer."""
    rng = random.Random(5)
    config = ClientConfig(max_concurrency=2, max_retries=0, timeout=5)
    async with FakeSynerise(latency=0.03) as fake:
        client = SyneriseClient(
            WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config
        )
        async with watchdog(30, "deadlines in the limiter queue"), client:
            await get_current_workspace.asyncio(client=client)  # logged in
            loop = asyncio.get_running_loop()

            async def bounded(total: float) -> tuple[float, float, str]:
                start = loop.time()
                try:
                    await get_current_workspace.asyncio(
                        client=client.with_options(total_timeout=total)
                    )
                    outcome = "ok"
                except APITimeoutError:
                    outcome = "timeout"
                return total, loop.time() - start, outcome

            results = await asyncio.gather(
                *(bounded(rng.choice((0.02, 0.05, 0.1, 0.3, 2.0))) for _ in range(40))
            )
            assert (client.limiter.in_use, client.limiter.waiting) == (0, 0)
            assert (await get_current_workspace.asyncio(client=client)).data is not None
    outcomes = {outcome for _, _, outcome in results}
    assert outcomes == {"ok", "timeout"}, results
    late = [(total, took) for total, took, outcome in results if took > total + 0.25]
    assert not late, late


async def test_later_views_win_and_headers_merge_without_case() -> None:
    async with FakeSynerise() as fake:
        client = SyneriseClient(
            WorkspaceAuth(fake.workspace.api_key),
            base_url=fake.url,
            config=ClientConfig(headers={"X-Team": "base"}, total_timeout=30),
        )
        async with watchdog(20, "composed views"), client:
            view = client.with_options(timeout=9, headers={"x-team": "a", "X-One": "1"})
            view = view.with_options(timeout=3, total_timeout=None, headers={"X-TEAM": "b"})
            assert (view.config.timeout, view.config.total_timeout) == (3, None)
            assert client.config.total_timeout == 30 and client.config.timeout != 3
            await get_current_workspace.asyncio(client=view)
            sent = [r for r in fake.requests if r.path == CURRENT][-1].headers
            teams = [value for name, value in sent.items() if name.lower() == "x-team"]
            assert teams == ["b"] and sent.get("X-One") == "1"
            assert fake.count(path=paths.WORKSPACE_LOGIN) == 1


async def test_a_deadline_while_waiting_for_a_slow_login_ends_at_the_deadline() -> None:
    """Calls waiting for a slow first login, one slot: the bounded one ends with
    ``APITimeoutError`` at its deadline (unsent), the unbounded one gets its answer once the
    login is done, and the limiter is left clean."""
    async with FakeSynerise() as fake:
        client = SyneriseClient(
            WorkspaceAuth(fake.workspace.api_key),
            base_url=fake.url,
            config=ClientConfig(max_concurrency=1),
        )
        fake.faults.delay(0.6, path=paths.WORKSPACE_LOGIN)
        async with watchdog(20, "a deadline during a slow login"), client:
            loop = asyncio.get_running_loop()
            start = loop.time()
            bounded = asyncio.create_task(
                get_current_workspace.asyncio(client=client.with_options(total_timeout=0.15))
            )
            plain = asyncio.create_task(get_current_workspace.asyncio(client=client))
            with pytest.raises(APITimeoutError, match="waiting for a token") as info:
                await bounded
            assert loop.time() - start < 0.5
            assert not info.value.may_have_been_processed and info.value.attempts == 0
            assert (await plain).data is not None
            assert (client.limiter.in_use, client.limiter.waiting) == (0, 0)
            assert fake.count(path=paths.WORKSPACE_LOGIN) == 1
