"""Issue 11, adversarial: events stay paired and ``client.stats`` equals what the events
count, under a seeded fault storm with calls cancelled at random points, deadlines,
short-lived and revoked tokens, and the limiter's cool-down.

- every ``RequestStarted`` has exactly one ``RequestEnded`` (cancelled, deadline-ended
  and token-failed calls included), and its ``attempts`` is the number of its
  ``AttemptStarted``;
- every ``AttemptStarted`` has exactly one ``AttemptEnded``, before the next attempt of
  its call and before its call's ``RequestEnded``; a ``RetryScheduled`` comes between
  the attempt that failed and the next;
- every ``TokenRefreshStarted`` has exactly one ``TokenObtained`` or ``TokenRefreshFailed``;
- the counters of ``client.stats`` are the events' counts and sums.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from typing import Any

import attrs
import pytest
from _adversarial import scaled, watchdog

from synerise_async import ClientConfig, SyneriseClient, SyneriseError, WorkspaceAuth
from synerise_async import events as ev
from synerise_async.api.automation import get_workflow_statistics, list_workflows
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise

SEED = 1111

CONFIG = ClientConfig(
    backoff_base=0.01,
    backoff_cap=0.03,
    max_retries=4,
    token_refresh_attempts=2,
    timeout=0.5,
    max_concurrency=4,
    max_requests_per_second=400,
)


def check_pairing(events: list[ev.Event]) -> None:
    started: dict[int, ev.RequestStarted] = {}
    ended: Counter[int] = Counter()
    open_attempt: dict[int, int] = {}
    attempts: Counter[int] = Counter()
    refreshes: dict[int, int] = defaultdict(int)
    for event in events:
        if isinstance(event, ev.RequestStarted):
            assert event.call_id not in started, event
            started[event.call_id] = event
        elif isinstance(event, ev.AttemptStarted):
            assert event.call_id in started and not ended[event.call_id], event
            assert event.call_id not in open_attempt, ("attempt left open", event)
            assert event.attempt == attempts[event.call_id] + 1, event
            open_attempt[event.call_id] = event.attempt
            attempts[event.call_id] += 1
        elif isinstance(event, ev.AttemptEnded):
            assert open_attempt.pop(event.call_id, None) == event.attempt, event
        elif isinstance(event, ev.RetryScheduled):
            # After the attempt that failed ended, before the next one starts.
            assert event.call_id not in open_attempt, ("retry during an attempt", event)
            assert event.attempt == attempts[event.call_id], event
        elif isinstance(event, ev.RequestEnded):
            assert event.call_id in started, event
            assert event.call_id not in open_attempt, ("attempt not ended", event)
            ended[event.call_id] += 1
            assert event.attempts == attempts[event.call_id], event
        elif isinstance(event, ev.TokenRefreshStarted):
            assert event.refresh_id not in refreshes, event
            refreshes[event.refresh_id] = 0
        elif isinstance(event, ev.TokenObtained | ev.TokenRefreshFailed):
            refreshes[event.refresh_id] += 1
    unended = set(started) - set(ended)
    assert not unended, [started[c] for c in sorted(unended)]
    assert set(ended.values()) <= {1}, ended
    assert set(refreshes.values()) <= {1}, refreshes


def check_stats(events: list[ev.Event], stats: Any) -> None:
    def of(kind: type[Any]) -> list[Any]:
        return [e for e in events if isinstance(e, kind)]

    ended = of(ev.AttemptEnded)
    retries = of(ev.RetryScheduled)
    backoffs = [r for r in retries if r.reason != "token refused"]
    throttled: Counter[ev.ThrottleKind] = Counter()
    for wait in of(ev.ThrottleWaited):
        throttled[wait.kind] += wait.seconds
    by_class = Counter(f"{e.status_code // 100}xx" for e in ended if e.status_code is not None)
    assert stats.attempts == len(of(ev.AttemptStarted))
    assert stats.responses == sum(e.status_code is not None for e in ended)
    assert stats.responses_by_status_class == by_class
    assert stats.errors == sum(e.error_type not in (None, "CancelledError") for e in ended)
    assert stats.retries == len(backoffs)
    assert stats.reauthentications == len(retries) - len(backoffs)
    assert stats.backoff_seconds == pytest.approx(sum(r.delay for r in backoffs))
    assert stats.token_refreshes == len(of(ev.TokenObtained))
    failed = [e for e in of(ev.TokenRefreshFailed) if e.error_type != "CancelledError"]
    assert stats.token_refresh_failures == len(failed)
    assert stats.cool_down_seconds == pytest.approx(throttled[ev.ThrottleKind.COOL_DOWN])
    assert stats.rate_limit_seconds == pytest.approx(throttled[ev.ThrottleKind.RATE_LIMIT])
    assert stats.concurrency_wait_seconds == pytest.approx(throttled[ev.ThrottleKind.CONCURRENCY])


async def test_events_pair_up_and_stats_match_them_under_a_storm_with_cancellations() -> None:
    rng = random.Random(SEED)
    events: list[ev.Event] = []
    escapes: list[BaseException] = []
    outcomes: Counter[str] = Counter()
    async with FakeSynerise(seed=SEED, workspaces=1, workflows_per_workspace=30) as fake:
        client = SyneriseClient(
            WorkspaceAuth(fake.workspace.api_key),
            base_url=fake.url,
            config=attrs.evolve(CONFIG, event_hooks=[events.append]),
        )
        diagrams = [w["diagramId"] for w in fake.workflows()]
        async with watchdog(90, "the event-pairing storm"), client:
            fake.token_lifetime = 0.4
            fake.revoke_every(0.3)
            fake.faults.random(
                0.3,
                kinds=("rate_limit", "error", "drop", "delay"),
                seed=SEED,
                retry_after=0.02,
                error_status_codes=(500, 503),
            )
            tight = client.with_options(total_timeout=0.08)

            async def one() -> None:
                target = tight if rng.random() < 0.2 else client
                match rng.randrange(3):
                    case 0:
                        op: Any = get_current_workspace.asyncio(client=target)
                    case 1:
                        op = get_workflow_statistics.asyncio(
                            client=target, diagram_id=rng.choice(diagrams)
                        )
                    case _:
                        op = _walk(target)
                try:
                    await op
                    outcomes["ok"] += 1
                except SyneriseError as error:
                    outcomes[type(error).__name__] += 1
                except asyncio.CancelledError:
                    outcomes["cancelled"] += 1
                    raise
                except Exception as error:
                    escapes.append(error)

            for _ in range(scaled(6)):
                tasks = [asyncio.create_task(one()) for _ in range(20)]
                for task in tasks:
                    if rng.random() < 0.3:
                        asyncio.get_running_loop().call_later(rng.uniform(0, 0.15), task.cancel)
                await asyncio.gather(*tasks, return_exceptions=True)
            fake.stop_revoking()
            fake.faults.clear()
            await asyncio.sleep(0.05)  # background refreshes end
            for task in [t for t in asyncio.all_tasks() if "token refresh" in t.get_name()]:
                await asyncio.wait([task])
            stats = client.stats
            limiter = client.limiter
            assert (limiter.in_use, limiter.waiting) == (0, 0)
    assert not escapes, escapes
    assert outcomes["ok"] and outcomes["cancelled"], outcomes
    check_pairing(events)
    check_stats(events, stats)


async def _walk(client: SyneriseClient) -> None:
    async for _ in list_workflows.paginate(client=client, limit=7, prefetch=2).items():
        pass
