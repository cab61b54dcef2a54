"""Waiting in tests without guessing durations (imported as `_timing`: tests/ has no packages).

A fixed ``asyncio.sleep(0.05)`` bets that something happens within 50 ms; these helpers
wait for the thing itself, so a test neither sleeps longer than it must nor fails on a
slow machine. Time-dependent logic runs on a ``ManualClock`` instead (see
``synerise_async.testing``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from synerise_async import ClientConfig, SyneriseClient, WorkspaceAuth
from synerise_async.testing import FakeSynerise, ManualClock

#: Real seconds a condition may take to hold: loopback HTTP answers in milliseconds.
PATIENCE = 5.0


def workspace_client(
    fake: FakeSynerise, manual: ManualClock, config: ClientConfig | None = None
) -> SyneriseClient:
    """A client of ``fake``'s first Workspace whose every clock is ``manual``."""
    auth = WorkspaceAuth(fake.workspace.api_key)
    return SyneriseClient(
        auth, base_url=fake.url, config=config or ClientConfig(), clock=manual.clock
    )


async def settle(rounds: int = 20) -> None:
    """Let every task that is ready run until it waits again (no real time passes)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def within(condition: Callable[[], bool], patience: float = PATIENCE) -> bool:
    """Yield to the event loop until ``condition()`` holds or ``patience`` real seconds pass.

    For what waits on I/O (a request reaching the fake server, a response coming back):
    the loop keeps serving sockets between checks, and nothing sleeps a guessed time.

    Returns:
        Whether the condition held.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0)
    return True


async def until(condition: Callable[[], bool], what: str, patience: float = PATIENCE) -> None:
    """:func:`within`, failing the test if ``condition()`` never holds."""
    if not await within(condition, patience):
        raise AssertionError(f"{what} did not happen within {patience:.0f}s")


def refresh_tasks() -> list[asyncio.Task[object]]:
    """The token sessions' background refreshes running now."""
    return [t for t in asyncio.all_tasks() if "token refresh" in t.get_name()]


async def refreshes_done() -> None:
    """Wait for every background token refresh running now to end."""
    tasks = refresh_tasks()
    if tasks:
        await asyncio.wait(tasks)


@contextlib.asynccontextmanager
async def each_request_takes(
    fake: FakeSynerise, manual: ManualClock, seconds: float
) -> AsyncIterator[None]:
    """Move ``manual`` by ``seconds`` as each request reaches ``fake``: calls that take
    time, on the clock the client and the server share, with no real waiting."""

    async def tick() -> None:
        seen = len(fake.requests)
        while True:
            await until(lambda s=seen: len(fake.requests) > s, "a request", patience=60)
            manual.advance(seconds * (len(fake.requests) - seen))
            seen = len(fake.requests)

    ticker = asyncio.create_task(tick())
    try:
        yield
    finally:
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)
