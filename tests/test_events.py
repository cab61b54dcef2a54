"""Events (``synerise_async.events``) over real HTTP against the fake server: what each
emission point sends, with which fields, in a scripted run; hooks that raise or hang
change nothing; no event holds a secret."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Sequence
from typing import Any

import _timing
import attrs
import pytest
from conftest import FAST

import synerise_async._http
import synerise_async._limits
import synerise_async.auth._session
import synerise_async.pagination
from synerise_async import ClientConfig, InvalidArgumentError, SyneriseClient, TokenRefreshError
from synerise_async import events as ev
from synerise_async.api import _paths as paths
from synerise_async.api.automation import get_workflow_statistics, list_workflows
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise, ManualClock

CURRENT = paths.CURRENT_WORKSPACE
LOGIN = paths.WORKSPACE_LOGIN


class Recorder:
    """A sync hook keeping every event."""

    def __init__(self) -> None:
        self.events: list[ev.Event] = []

    def __call__(self, event: ev.Event) -> None:
        self.events.append(event)

    def of(self, kind: type[ev.Event], **fields: Any) -> list[Any]:
        return [
            e
            for e in self.events
            if isinstance(e, kind) and all(getattr(e, k) == v for k, v in fields.items())
        ]

    def clear(self) -> None:
        self.events.clear()


def client_for(
    fake: FakeSynerise,
    manual: ManualClock,
    hooks: Sequence[ev.EventHook],
    config: ClientConfig = FAST,
) -> SyneriseClient:
    return _timing.workspace_client(fake, manual, attrs.evolve(config, event_hooks=list(hooks)))


def fields_of(event: ev.Event) -> dict[str, Any]:
    return attrs.asdict(event, recurse=False)


async def test_a_scripted_run_emits_every_event_kind_with_its_fields() -> None:
    manual = ManualClock()
    record = Recorder()
    async with FakeSynerise(
        token_lifetime=100, workflows_per_workspace=20, clock=manual.wall
    ) as fake:
        async with client_for(fake, manual, [record]) as client, asyncio.timeout(20):
            # 1. The first call logs in first: its attempt links the refresh it waited for.
            await get_current_workspace.asyncio(client=client)
            started = record.of(ev.RequestStarted, operation="get_current_workspace")
            assert len(started) == 1
            call = started[0].call_id
            assert started[0].method == "GET"
            assert started[0].path_template == CURRENT
            assert started[0].url == fake.url + CURRENT
            (refresh,) = record.of(ev.TokenRefreshStarted)
            base = refresh.refresh_id  # unique in the process: the others count from it
            assert (refresh.credential, refresh.reason) == ("workspace", "first")
            (login,) = record.of(ev.RequestStarted, operation="workspace_login")
            assert login.call_id != call and login.path_template == LOGIN
            (obtained,) = record.of(ev.TokenObtained)
            assert obtained.refresh_id == base and obtained.credential == "workspace"
            assert obtained.expiry_source in ("expiration", "jwt-exp")
            assert obtained.lifetime == pytest.approx(100, abs=2)
            (attempt,) = record.of(ev.AttemptStarted, call_id=call)
            assert attempt.attempt == 1 and attempt.waited_for_refresh == (base,)
            (ended,) = record.of(ev.AttemptEnded, call_id=call)
            assert (ended.status_code, ended.error_type, ended.attempt) == (200, None, 1)
            (end,) = record.of(ev.RequestEnded, call_id=call)
            assert (end.status_code, end.error_type, end.attempts) == (200, None, 1)
            assert end.path_template == CURRENT and end.duration >= 0
            kinds = [type(e).__name__ for e in record.events]
            assert kinds.index("RequestStarted") < kinds.index("TokenRefreshStarted")
            assert kinds.index("TokenObtained") < kinds.index(
                "AttemptEnded", kinds.index("TokenObtained")
            )
            assert kinds[-1] == "RequestEnded"
            record.clear()

            # 2. A 429 with Retry-After: the retry waits what the server said.
            fake.faults.rate_limit(retry_after=2, path=CURRENT)
            await get_current_workspace.asyncio(client=client)
            (call,) = {e.call_id for e in record.of(ev.RequestStarted)}
            first, second = record.of(ev.AttemptEnded, call_id=call)
            assert (first.status_code, first.error_type) == (429, "RateLimitError")
            assert (second.status_code, second.attempt) == (200, 2)
            (retry,) = record.of(ev.RetryScheduled)
            assert (retry.call_id, retry.operation, retry.attempt) == (
                call,
                "get_current_workspace",
                1,
            )
            assert (retry.reason, retry.status_code, retry.delay, retry.retry_after) == (
                "HTTP 429",
                429,
                2,
                True,
            )
            assert [a.waited_for_refresh for a in record.of(ev.AttemptStarted)] == [(), ()]
            (end,) = record.of(ev.RequestEnded)
            assert (end.attempts, end.status_code, end.error_type) == (2, 200, None)
            record.clear()

            # 3. A 503: retried after the backoff, no Retry-After.
            fake.faults.error(503, path=CURRENT)
            await get_current_workspace.asyncio(client=client)
            (retry,) = record.of(ev.RetryScheduled)
            assert (retry.reason, retry.status_code, retry.retry_after) == ("HTTP 503", 503, False)
            assert retry.delay == pytest.approx(0.5 * FAST.backoff_base)  # the jitter is 0.5
            assert [e.error_type for e in record.of(ev.AttemptEnded)] == [
                "InternalServerError",
                None,
            ]
            record.clear()

            # 4. The token expires mid-run: the next call waits for a new one.
            manual.advance(101)
            await get_current_workspace.asyncio(client=client)
            (refresh,) = record.of(ev.TokenRefreshStarted)
            assert (refresh.refresh_id, refresh.reason) == (base + 1, "expired")
            (attempt,) = record.of(ev.AttemptStarted, operation="get_current_workspace")
            assert attempt.waited_for_refresh == (base + 1,)
            record.clear()

            # ... or enters its refresh window: renewed in the background, nobody waits.
            manual.advance(90)
            await get_current_workspace.asyncio(client=client)
            await _timing.refreshes_done()
            (refresh,) = record.of(ev.TokenRefreshStarted)
            assert (refresh.refresh_id, refresh.reason) == (base + 2, "expiring")
            assert record.of(ev.TokenObtained, refresh_id=base + 2)
            (attempt,) = record.of(ev.AttemptStarted, operation="get_current_workspace")
            assert attempt.waited_for_refresh == ()
            record.clear()

            # 5. A prefetching walk: the first page asked for, the next ones fetched ahead.
            pages = [
                page async for page in list_workflows.paginate(client=client, limit=5, prefetch=2)
            ]
            assert len(pages) == 4
            fetched = sorted(record.of(ev.PageFetched), key=lambda e: e.page)
            assert [(e.operation, e.page, e.items, e.prefetched) for e in fetched] == [
                ("list_workflows", 1, 5, False),
                ("list_workflows", 2, 5, True),
                ("list_workflows", 3, 5, True),
                ("list_workflows", 4, 5, True),
            ]
            assert {e.path_template for e in record.of(ev.RequestStarted)} == {paths.LIST_WORKFLOWS}
            record.clear()

            # 6. A refresh that fails: the waiting call ends with the error's type.
            manual.advance(101)
            fake.faults.error(503, count=FAST.token_refresh_attempts, path=LOGIN)
            with pytest.raises(TokenRefreshError):
                await get_current_workspace.asyncio(client=client)
            (failed,) = record.of(ev.TokenRefreshFailed)
            assert (failed.refresh_id, failed.credential, failed.error_type) == (
                base + 3,
                "workspace",
                "TokenRefreshError",
            )
            (end,) = record.of(ev.RequestEnded, operation="get_current_workspace")
            assert (end.error_type, end.attempts, end.status_code) == ("TokenRefreshError", 0, None)
            assert not record.of(ev.AttemptStarted, operation="get_current_workspace")
    for event in record.events:
        assert event.at >= 1000.0  # the client's clock, not the loop's


async def test_a_cool_down_a_rate_limit_and_a_slot_are_waits_of_their_own_kind() -> None:
    # Held sleeps (auto_advance=False): a 429's cool-down is still on when the call queued
    # behind it gets the slot.
    manual = ManualClock(auto_advance=False)
    record = Recorder()
    config = attrs.evolve(FAST, max_concurrency=1)
    async with FakeSynerise(workflows_per_workspace=3, clock=manual.wall) as fake:
        async with client_for(fake, manual, [record], config) as client, asyncio.timeout(20):
            await get_current_workspace.asyncio(client=client)  # logged in
            record.clear()
            fake.faults.rate_limit(retry_after=3, path=CURRENT)
            first = asyncio.create_task(get_current_workspace.asyncio(client=client))
            await _timing.until(lambda: client.limiter.in_use == 1, "the first call's slot")
            second = asyncio.create_task(get_current_workspace.asyncio(client=client))
            await _timing.until(lambda: len(manual.waiting) == 2, "both calls waiting")
            manual.advance(3)
            await asyncio.gather(first, second)
            calls = [e.call_id for e in record.of(ev.RequestStarted)]
            waits = record.of(ev.ThrottleWaited, call_id=calls[1])
            assert [(w.kind, w.seconds) for w in waits] == [
                (ev.ThrottleKind.CONCURRENCY, 0.0),  # held on the clock: no time passed
                (ev.ThrottleKind.COOL_DOWN, pytest.approx(3)),
            ]
            # The first call's retry may find the second in the one slot: no cool-down.
            assert {w.kind for w in record.of(ev.ThrottleWaited, call_id=calls[0])} <= {
                ev.ThrottleKind.CONCURRENCY
            }
            # The wait comes before the attempt it delayed.
            order = record.events.index(waits[1])
            assert record.events.index(record.of(ev.AttemptStarted, call_id=calls[1])[0]) > order

    manual = ManualClock()
    record = Recorder()
    config = attrs.evolve(FAST, max_requests_per_second=2)
    async with FakeSynerise(workflows_per_workspace=3, clock=manual.wall) as fake:
        async with client_for(fake, manual, [record], config) as client, asyncio.timeout(20):
            await get_current_workspace.asyncio(client=client)
            record.clear()
            await get_current_workspace.asyncio(client=client)
            (wait,) = record.of(ev.ThrottleWaited)
            assert wait.kind is ev.ThrottleKind.RATE_LIMIT
            assert wait.seconds == pytest.approx(0.5)
            assert wait.call_id == record.of(ev.RequestStarted)[0].call_id

    manual = ManualClock()
    record = Recorder()
    config = attrs.evolve(FAST, max_concurrency=1)
    async with FakeSynerise(workflows_per_workspace=3, clock=manual.wall) as fake:
        async with (
            client_for(fake, manual, [record], config) as client,
            asyncio.timeout(20),
        ):
            await get_current_workspace.asyncio(client=client)
            record.clear()
            async with _timing.each_request_takes(fake, manual, 0.25):
                await asyncio.gather(
                    *(get_current_workspace.asyncio(client=client) for _ in range(2))
                )
            (wait,) = record.of(ev.ThrottleWaited)
            assert wait.kind is ev.ThrottleKind.CONCURRENCY
            assert wait.seconds == pytest.approx(0.25)
            # A call that took its slot at once reports no wait.
            assert wait.call_id == record.of(ev.RequestStarted)[1].call_id


async def test_no_event_holds_a_secret() -> None:
    manual = ManualClock()
    record = Recorder()
    tokens: set[str] = set()

    def keep_token(event: ev.Event) -> None:
        if isinstance(event, ev.TokenObtained):
            session = client.token_session
            assert session is not None and session.token is not None
            tokens.add(str(session.token.value))

    async with FakeSynerise(
        token_lifetime=100, workflows_per_workspace=6, clock=manual.wall
    ) as fake:
        client = client_for(fake, manual, [record, keep_token])
        async with client, asyncio.timeout(20):
            fake.faults.rate_limit(retry_after=1, path=CURRENT)
            await get_current_workspace.asyncio(client=client)
            manual.advance(101)
            async for _ in list_workflows.paginate(client=client, limit=2, prefetch=1):
                pass
            fake.faults.error(401, path=CURRENT)
            await get_current_workspace.asyncio(client=client)
            secrets = {fake.workspace.api_key, *tokens}
    assert len(secrets) == 4  # the key and three tokens
    assert {type(e) for e in record.events} >= {
        ev.RequestStarted,
        ev.RequestEnded,
        ev.AttemptStarted,
        ev.AttemptEnded,
        ev.RetryScheduled,
        ev.TokenRefreshStarted,
        ev.TokenObtained,
        ev.PageFetched,
    }
    reasons = {e.reason for e in record.of(ev.RetryScheduled)}
    assert reasons == {"HTTP 429", "token refused"}
    assert {e.reason for e in record.of(ev.TokenRefreshStarted)} == {
        "first",
        "expired",
        "invalidated",
    }
    for event in record.events:
        for name, value in fields_of(event).items():
            shown = f"{value!r} {value}"
            for secret in secrets:
                assert secret not in shown, (type(event).__name__, name)
            assert "Bearer" not in shown and "apiKey" not in shown


async def test_hooks_that_raise_or_hang_change_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The same run with no hooks, and with a hook that raises on every event and an async
    one that never returns: the same results, the same requests, the same waits. The
    raising hook is logged once; the hanging one is cancelled at aclose, not left pending."""
    monkeypatch.setattr("synerise_async._client.DEFAULT_EVENT_HOOK_CLOSE_TIMEOUT", 0.05)
    never = asyncio.Event()
    hung: list[asyncio.Task[Any]] = []

    def raising(event: ev.Event) -> None:
        raise RuntimeError("a bug in the application's hook")

    async def hanging(event: ev.Event) -> None:
        task = asyncio.current_task()
        assert task is not None
        hung.append(task)
        await never.wait()

    async def run(hooks: Sequence[ev.EventHook]) -> tuple[Any, ...]:
        manual = ManualClock()
        async with FakeSynerise(workflows_per_workspace=6, clock=manual.wall) as fake:
            async with client_for(fake, manual, hooks) as client, asyncio.timeout(20):
                fake.faults.rate_limit(retry_after=2, path=CURRENT)
                fake.faults.error(503, path=CURRENT)
                workspace = await get_current_workspace.asyncio(client=client)
                names = [
                    w.name async for w in list_workflows.paginate(client=client, limit=2).items()
                ]
                if hooks:
                    assert [t for t in hung if not t.done()], "the call returned while its hook ran"
                counts = (len(fake.requests), fake.count(path=CURRENT), fake.count(path=LOGIN))
                stats = attrs.asdict(client.stats)
            return workspace, names, counts, tuple(manual.sleeps), stats

    caplog.set_level(logging.WARNING, logger="synerise_async.events")
    async with asyncio.timeout(30):  # aclose included: a hook it failed to cancel hangs
        plain = await run([])
        hooked = await run([raising, hanging])
    assert hooked == plain
    assert hung and all(t.cancelled() for t in hung)
    records = [r for r in caplog.records if r.name == "synerise_async.events"]
    assert len(records) == 1
    assert "raising" in records[0].getMessage() and records[0].exc_info is not None


async def test_an_async_hook_that_fails_is_logged_once_and_a_sync_hook_runs_in_the_callers_context(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="synerise_async.events")
    manual = ManualClock()
    seen: list[object] = []
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="none")

    def sync_hook(event: ev.Event) -> None:
        if isinstance(event, ev.RequestStarted) and event.operation == "get_current_workspace":
            seen.append(marker.get())

    failures = 0

    async def failing(event: ev.Event) -> None:
        nonlocal failures
        failures += 1
        raise ValueError("hook failed")

    async with FakeSynerise(workflows_per_workspace=3, clock=manual.wall) as fake:
        async with client_for(fake, manual, [sync_hook, failing]) as client, asyncio.timeout(20):
            marker.set("the caller's")
            for _ in range(3):
                await get_current_workspace.asyncio(client=client)
            await _timing.settle()
    assert seen == ["the caller's"] * 3
    assert failures > 3
    (record,) = [r for r in caplog.records if r.name == "synerise_async.events"]
    assert "failing" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ValueError


async def test_a_cancelled_call_still_ends_and_leaves_the_limiter_clean() -> None:
    manual = ManualClock()
    record = Recorder()
    config = attrs.evolve(FAST, max_concurrency=1)
    async with FakeSynerise(workflows_per_workspace=3, clock=manual.wall) as fake:
        async with client_for(fake, manual, [record], config) as client, asyncio.timeout(20):
            await get_current_workspace.asyncio(client=client)
            record.clear()
            fake.faults.delay(30, path=CURRENT)
            call = asyncio.create_task(get_current_workspace.asyncio(client=client))
            queued = asyncio.create_task(get_current_workspace.asyncio(client=client))
            await _timing.until(lambda: fake.count(path=CURRENT) == 2, "the slow request")
            await _timing.until(lambda: client.limiter.waiting == 1, "the queued call")
            call.cancel()
            queued.cancel()
            for task in (call, queued):
                with pytest.raises(asyncio.CancelledError):
                    await task
            ends = record.of(ev.RequestEnded)
            assert [e.error_type for e in ends] == ["CancelledError", "CancelledError"]
            assert [e.attempts for e in ends] == [1, 0]
            (cut,) = record.of(ev.AttemptEnded)
            assert (cut.error_type, cut.status_code) == ("CancelledError", None)
            assert record.of(ev.ThrottleWaited) == []  # a wait that was cancelled is not one
            assert (client.limiter.in_use, client.limiter.waiting) == (0, 0)
            record.clear()
            await get_current_workspace.asyncio(client=client)  # not poisoned
            (end,) = record.of(ev.RequestEnded)
            assert end.error_type is None and end.status_code == 200


async def test_without_hooks_no_event_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every emission point builds its event from the name its module imported: each is
    replaced by a recorder, and a run with every kind of emission point builds none."""
    built: list[str] = []
    emitters = (
        synerise_async._http,
        synerise_async._limits,
        synerise_async.auth._session,
        synerise_async.pagination,
    )
    replaced = 0
    for module in emitters:
        for name in ev.__all__:
            if name not in ("Event", "EventHook", "ThrottleKind") and hasattr(module, name):
                monkeypatch.setattr(module, name, lambda name=name, **_: built.append(name))
                replaced += 1
    assert replaced == 10  # every event class is built somewhere
    manual = ManualClock()
    config = attrs.evolve(FAST, max_requests_per_second=1)
    async with FakeSynerise(workflows_per_workspace=6, clock=manual.wall) as fake:
        async with client_for(fake, manual, [], config) as client, asyncio.timeout(20):
            fake.faults.rate_limit(retry_after=1, path=CURRENT)
            await get_current_workspace.asyncio(client=client)
            async for _ in list_workflows.paginate(client=client, limit=2, prefetch=1):
                pass
            assert client.stats.rate_limit_seconds > 0  # the limiter did wait
    assert built == []


@pytest.mark.parametrize("hooks", [print, ["not callable"], "abc", [None]])
def test_event_hooks_must_be_a_list_of_callables(hooks: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="event_hooks"):
        ClientConfig(event_hooks=hooks)


def test_event_hooks_are_kept_as_a_tuple() -> None:
    assert ClientConfig(event_hooks=[print]).event_hooks == (print,)
    assert ClientConfig().event_hooks == ()


async def test_a_workspace_statistics_call_names_its_template(fake: FakeSynerise) -> None:
    manual = ManualClock()
    record = Recorder()
    async with client_for(fake, manual, [record]) as client, asyncio.timeout(20):
        diagram = fake.workflows(fake.workspace.id)[0]["diagramId"]
        await get_workflow_statistics.asyncio(client=client, diagram_id=diagram)
    (started,) = record.of(ev.RequestStarted, operation="get_workflow_statistics")
    assert started.path_template == paths.WORKFLOW_STATISTICS
    assert diagram in started.url


async def test_a_view_tells_its_clients_hooks_with_the_same_call_count() -> None:
    manual = ManualClock()
    record = Recorder()
    async with FakeSynerise(workflows_per_workspace=4, clock=manual.wall) as fake:
        async with client_for(fake, manual, [record]) as client, asyncio.timeout(20):
            view = client.with_options(timeout=5.0)
            await get_current_workspace.asyncio(client=client)
            pages = [p async for p in list_workflows.paginate(client=view, limit=2)]
            await get_current_workspace.asyncio(client=view)
    assert len(pages) == 2
    assert [e.page for e in record.of(ev.PageFetched)] == [1, 2]
    ids = [e.call_id for e in record.of(ev.RequestStarted)]
    assert ids == sorted(set(ids))  # one count across the client and its view
    assert len(record.of(ev.TokenRefreshStarted)) == 1  # one login for both
