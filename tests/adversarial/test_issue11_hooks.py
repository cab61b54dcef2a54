"""Issue 11, adversarial: event hooks that misbehave, and hooks around ``aclose()``.

Each test is bounded by a watchdog: a hook the client fails to contain shows as a hang
that fails fast, not as a stuck suite.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import _timing
import pytest
from _adversarial import watchdog

from synerise_async import ClientConfig, ClientStateError, SyneriseClient, WorkspaceAuth
from synerise_async import events as ev
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise


def hooked(fake: FakeSynerise, *hooks: ev.EventHook, **config: Any) -> SyneriseClient:
    return SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key),
        base_url=fake.url,
        config=ClientConfig(event_hooks=list(hooks), backoff_base=0.01, backoff_cap=0.02, **config),
    )


async def test_aclose_does_not_hang_on_an_async_hook_that_ignores_its_cancellation(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A hook that swallows ``CancelledError`` and goes on waiting: ``aclose`` cancels
    it, waits a bounded time again, says so in a WARNING and returns."""
    monkeypatch.setattr("synerise_async._client.DEFAULT_EVENT_HOOK_CLOSE_TIMEOUT", 0.05)
    release = asyncio.Event()

    async def stubborn(event: ev.Event) -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:  # the bug under test: the hook's, not the SDK's
                continue

    caplog.set_level(logging.WARNING, logger="synerise_async.events")
    async with FakeSynerise() as fake:
        client = hooked(fake, stubborn)
        try:
            async with watchdog(10, "aclose with a hook that ignores cancellation"):
                async with client:
                    await get_current_workspace.asyncio(client=client)
        finally:
            release.set()  # let the stubborn tasks end before the loop does
            await asyncio.sleep(0)
    assert any("did not stop" in r.getMessage() for r in caplog.records)


async def test_a_call_in_flight_when_the_client_closes_raises_a_typed_error() -> None:
    """Calls queued behind ``max_concurrency=1`` while the client closes end with
    :class:`ClientStateError` (a ``SyneriseError``), not aiohttp's bare ``RuntimeError``,
    and each still ends its events in pairs."""
    events: list[ev.Event] = []
    async with FakeSynerise(latency=0.05) as fake:
        client = hooked(fake, events.append, max_concurrency=1, max_retries=2)
        async with watchdog(20, "calls in flight during aclose"):
            await client.open()
            calls = [
                asyncio.create_task(get_current_workspace.asyncio(client=client)) for _ in range(4)
            ]
            # Past the login: the first call done, the others queued behind the one slot.
            await _timing.until(
                lambda: any(
                    isinstance(e, ev.RequestEnded) and e.operation == "get_current_workspace"
                    for e in events
                ),
                "the first call",
            )
            await client.aclose()
            results = await asyncio.gather(*calls, return_exceptions=True)
    escaped = [r for r in results if isinstance(r, BaseException)]
    assert escaped, "no call was cut by the close: the test did not test anything"
    assert all(isinstance(e, ClientStateError) for e in escaped), escaped
    kinds = [type(e).__name__ for e in events]
    assert kinds.count("RequestStarted") == kinds.count("RequestEnded")
    assert kinds.count("AttemptStarted") == kinds.count("AttemptEnded")


async def test_async_hooks_of_events_after_aclose_are_not_left_pending() -> None:
    """A call that ends after ``aclose`` (it was in flight) emits its last events then:
    an async hook of those is not started as a task nobody waits for."""
    started_after: list[str] = []
    closed = False

    async def ahook(event: ev.Event) -> None:
        if closed:
            started_after.append(type(event).__name__)

    async with FakeSynerise(latency=0.05) as fake:
        client = hooked(fake, ahook, max_concurrency=1)
        async with watchdog(20, "calls in flight during aclose"):
            await client.open()
            calls = [
                asyncio.create_task(get_current_workspace.asyncio(client=client)) for _ in range(3)
            ]
            await asyncio.sleep(0.1)
            await client.aclose()
            closed = True
            await asyncio.gather(*calls, return_exceptions=True)
            mine = asyncio.current_task()
            await asyncio.sleep(0.05)
            left = [t for t in asyncio.all_tasks() if t is not mine]
    assert not left, left
    assert not started_after, started_after


async def test_hooks_of_odd_shapes_change_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """A sync hook returning a coroutine (run as a task, awaited by nobody but aclose), an
    async generator function (its result is not awaitable: ignored), a callable object,
    a hook that raises ``CancelledError`` from its task: the call's result is the same."""
    ran: list[str] = []

    async def later(event: ev.Event) -> None:
        ran.append("coroutine")

    def returns_coroutine(event: ev.Event) -> Any:
        return later(event)

    async def agen(event: ev.Event) -> Any:
        ran.append("agen")  # never runs: nobody iterates it
        yield

    async def cancels_itself(event: ev.Event) -> None:
        raise asyncio.CancelledError

    class Callable:
        def __call__(self, event: ev.Event) -> None:
            ran.append("object")

    caplog.set_level(logging.WARNING, logger="synerise_async.events")
    async with FakeSynerise() as fake:
        async with watchdog(20, "odd hooks"):
            async with hooked(fake, returns_coroutine, agen, cancels_itself, Callable()) as client:
                workspace = await get_current_workspace.asyncio(client=client)
            assert workspace.data.name
    assert "coroutine" in ran and "object" in ran and "agen" not in ran
    assert not [r for r in caplog.records if r.name == "synerise_async.events"]


async def test_an_async_hook_that_closes_the_client_does_not_wait_for_itself() -> None:
    """An async hook may close the client (on a refused login, say): ``aclose`` from
    inside the hook's task does not wait the close timeout for that very task, nor
    cancel it."""
    closed: list[str] = []

    async def closer(event: ev.Event) -> None:
        if isinstance(event, ev.RequestEnded) and event.operation == "get_current_workspace":
            await client.aclose()
            closed.append("closed")

    async with FakeSynerise() as fake:
        client = hooked(fake, closer)
        async with watchdog(20, "a hook that closes the client"):
            await client.open()
            await get_current_workspace.asyncio(client=client)
            loop = asyncio.get_running_loop()
            start = loop.time()
            await _timing.until(lambda: client.closed and bool(closed), "the hook's aclose")
            assert loop.time() - start < 0.5
