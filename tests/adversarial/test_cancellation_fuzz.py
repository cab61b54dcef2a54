"""Cancellation fuzz: hundreds of calls, prefetching walks and token refreshes cancelled
after seeded random delays leave nothing behind, and the client still works."""

from __future__ import annotations

import asyncio
import gc
import random
import warnings
from collections import Counter
from typing import Any

import _timing
import attrs
from _adversarial import limiter_of, scaled, watchdog

from synerise_async import ClientConfig, SyneriseClient, SyneriseError, WorkspaceAuth
from synerise_async.api.automation import get_workflow_statistics, list_workflows
from synerise_async.testing import FakeSynerise

SEED = 99
FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05, max_concurrency=8)


def client_tasks() -> set[asyncio.Task[Any]]:
    """Running tasks, without the fake server's connection handlers (the server keeps
    one per open keep-alive connection)."""
    return {
        t
        for t in asyncio.all_tasks()
        if getattr(t.get_coro(), "__qualname__", "") != "RequestHandler.start"
    }


async def walk(client: SyneriseClient) -> int:
    count = 0
    async for _ in list_workflows.paginate(client=client, limit=5, prefetch=3).items():
        count += 1
    return count


async def refresh(client: SyneriseClient, fake: FakeSynerise) -> object:
    # Revoked and invalidated: the next get_token() waits for a login (the must window).
    session = client.token_session
    assert session is not None
    fake.revoke_all_tokens()
    token = session.token
    if token is not None:
        session.invalidate(token.header())
    return await session.get_token()


async def test_cancelled_calls_walks_and_refreshes_leave_nothing_behind() -> None:
    rng = random.Random(SEED)
    loop = asyncio.get_running_loop()
    loop_errors: list[dict[str, Any]] = []
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await fuzz(rng)
            gc.collect()
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(previous_handler)
    resource = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not resource, f"ResourceWarnings: {[str(w.message) for w in resource[:3]]}"
    assert not loop_errors, f"the loop reported: {[c.get('message') for c in loop_errors[:3]]}"


async def fuzz(rng: random.Random) -> None:
    async with FakeSynerise(seed=SEED, workspaces=1, workflows_per_workspace=60) as fake:
        fake.latency = 0.005
        fake.token_lifetime = 2
        fake.faults.random(0.1, kinds=("delay", "error", "rate_limit"), seed=SEED, retry_after=0.02)
        ids = [w["diagramId"] for w in fake.workflows()]
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with (
            watchdog(60, "the cancellation fuzz"),
            SyneriseClient(auth, base_url=fake.url, config=FAST) as client,
        ):
            await get_workflow_statistics.asyncio(client=client, diagram_id=ids[0])
            before = client_tasks()
            outcomes: list[object] = []
            for _ in range(scaled(10)):
                tasks = []
                for _ in range(30):
                    match rng.randrange(4):
                        case 0 | 1:
                            coro: Any = get_workflow_statistics.asyncio(
                                client=client, diagram_id=rng.choice(ids)
                            )
                        case 2:
                            coro = walk(client)
                        case _:
                            coro = refresh(client, fake)
                    tasks.append(asyncio.create_task(coro))
                for task in tasks:
                    loop = asyncio.get_running_loop()
                    loop.call_later(rng.uniform(0, 0.15), task.cancel)
                outcomes += await asyncio.gather(*tasks, return_exceptions=True)
            cancelled = sum(isinstance(o, asyncio.CancelledError) for o in outcomes)
            untyped = [
                o
                for o in outcomes
                if isinstance(o, BaseException)
                and not isinstance(o, asyncio.CancelledError | SyneriseError)
            ]
            kinds = Counter(type(o).__name__ for o in outcomes)
            print(f"cancellation fuzz outcomes: {dict(kinds)}")
            assert not untyped, f"untyped errors: {untyped[:3]}"
            assert cancelled >= len(outcomes) // 4, f"only {cancelled} of {len(outcomes)} cancelled"
            # A refresh started by a cancelled waiter may still be finishing, shielded.
            session = client.token_session
            assert session is not None
            await _timing.within(lambda: not client_tasks() - before, patience=1.0)
            leftover = client_tasks() - before
            assert not leftover, f"tasks left running: {sorted(t.get_name() for t in leftover)}"
            limiter = limiter_of(client)
            assert (limiter.in_use, limiter.waiting) == (0, 0), "a limiter slot or turn was kept"
            assert limiter.cooling_until <= asyncio.get_running_loop().time() + 1
            fake.faults.clear()
            stats = await get_workflow_statistics.asyncio(client=client, diagram_id=ids[1])
            assert attrs.has(type(stats))
            assert await walk(client) == len(ids)
