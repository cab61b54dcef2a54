"""Session review: issue 11's views, events and OpenTelemetry hook under issue 12's audit.

- the audit of three Workspaces through a ``with_options`` view of a User client with a
  plain hook, an async hook and the OpenTelemetry hook: every span started is ended, no
  credential in any span or event, the view's headers on every request of every
  Workspace client, one dispatcher (``call_id`` unique over the run);
- ``total_timeout`` on the audit's client: a deadline that passes is a fetch failure of
  one workflow (or a listing failure), never a crash of the audit.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import attrs
from _adversarial import Counting, watchdog
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from synerise_async import ClientConfig, SyneriseClient, UserAuth
from synerise_async import events as ev
from synerise_async.audit import FETCH_FAILED, audit_workflows
from synerise_async.otel import OpenTelemetryHook
from synerise_async.testing import FakeSynerise

STATS = "/automation-brain/diagrams/*"


def _values(spans: tuple[ReadableSpan, ...]) -> list[str]:
    values: list[Any] = []
    for span in spans:
        values += [span.name, *(span.attributes or {}).values()]
        for event in span.events:
            values += [event.name, *(event.attributes or {}).values()]
        for link in span.links:
            values += list((link.attributes or {}).values())
    return [str(value) for value in values]


async def test_audit_of_three_workspaces_through_a_view_with_hooks_and_opentelemetry() -> None:
    exporter = InMemorySpanExporter()
    counting = Counting(exporter)
    provider = TracerProvider()
    provider.add_span_processor(counting)
    seen: list[ev.Event] = []
    seen_async: list[ev.Event] = []

    async def later(event: ev.Event) -> None:
        seen_async.append(event)

    config = ClientConfig(
        event_hooks=[seen.append, later, OpenTelemetryHook(tracer_provider=provider)],
        backoff_base=0.01,
        backoff_cap=0.02,
    )
    tokens: set[str] = set()

    async def on_request_start(
        session: object, context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        header = params.headers.get("Authorization")
        if header:
            tokens.add(header.removeprefix("Bearer "))

    watch = aiohttp.TraceConfig()
    watch.on_request_start.append(on_request_start)
    try:
        async with FakeSynerise(seed=11, workspaces=3, workflows_per_workspace=12) as fake:
            fake.faults.rate_limit(count=2, path=STATS, retry_after=0.01)
            fake.faults.error(503, count=2, path=STATS)
            auth = UserAuth(fake.user.username, fake.user.password)
            async with (
                watchdog(60, "the audit through a view"),
                aiohttp.ClientSession(trace_configs=[watch]) as session,
                SyneriseClient(auth, base_url=fake.url, config=config, session=session) as client,
            ):
                view = client.with_options(timeout=5.0, headers={"X-Audit": "review"})
                async with audit_workflows(view, workspaces="all") as run:
                    records = [record async for record in run]
                assert run.progress.complete
                stats = client.stats
            requests = list(fake.requests)
            user = fake.user
    finally:
        provider.shutdown()
    assert len(records) == 36
    assert not [r for r in records if r.error is not None]
    assert stats.retries >= 4
    # The view's header went with every request but the client's own login (its token
    # session is the client's, shared): the Workspace clients' selections included.
    without = [r.path for r in requests if r.headers.get("X-Audit") != "review"]
    assert without == ["/uauth/auth/login/user"]
    # One login, one Workspace selection each: the view and its children share the session.
    assert fake.count("/uauth/auth/login/user/profile/*") == 3
    # Every span started is ended; no credential anywhere.
    assert counting.started == counting.ended > 0
    finished = exporter.get_finished_spans()
    assert {s.name for s in finished} >= {
        "synerise.list_workspaces",
        "synerise.list_workflows",
        "synerise.get_workflow_statistics",
        "synerise.token_refresh",
    }
    secrets = {user.password, *tokens}
    assert len(tokens) >= 4  # the User's token and three Workspace tokens
    leaked = [v for v in _values(finished) if any(s in v for s in secrets)]
    assert not leaked
    leaked_events = [e for e in seen if any(s in repr(e) for s in secrets)]
    assert not leaked_events
    # One dispatcher: the children's calls number on from the view's client.
    started = [e.call_id for e in seen if isinstance(e, ev.RequestStarted)]
    ended = [e.call_id for e in seen if isinstance(e, ev.RequestEnded)]
    assert len(started) == len(set(started)) == len(ended)
    assert sorted(started) == sorted(ended)
    refreshes = [e.refresh_id for e in seen if isinstance(e, ev.TokenRefreshStarted)]
    assert len(refreshes) == len(set(refreshes)) >= 4
    # The async hook saw them all too (aclose waited for its tasks).
    assert len(seen_async) == len(seen)


async def test_a_total_timeout_on_the_audits_client_is_a_fetch_failure_not_a_crash() -> None:
    async with FakeSynerise(seed=12, workspaces=1, workflows_per_workspace=6) as fake:
        auth = UserAuth(fake.user.username, fake.user.password, workspace=fake.workspace.id)
        config = ClientConfig(backoff_base=0.01, backoff_cap=0.02)
        async with (
            watchdog(30, "the audit with a deadline"),
            SyneriseClient(auth, base_url=fake.url, config=config) as client,
        ):
            await asyncio.sleep(0)
            # A token first, with no deadline; then the statistics are slow.
            fast = client.with_options(total_timeout=0.3)
            async with audit_workflows(client) as warm:
                assert len([r async for r in warm]) == 6
            fake.faults.delay(1.0, path=STATS, count=2)
            async with audit_workflows(fast, concurrency=1) as run:
                records = [record async for record in run]
    assert len(records) == 6
    failed = [r for r in records if r.error is not None]
    assert len(failed) == 2
    for record in failed:
        assert record.error is not None and record.error.kind == "timeout", attrs.asdict(
            record.error
        )
        assert FETCH_FAILED in {f.code for f in record.findings}


async def test_an_audit_stopped_midway_through_a_view_ends_every_span() -> None:
    from opentelemetry import context as otel_context

    exporter = InMemorySpanExporter()
    counting = Counting(exporter)
    provider = TracerProvider()
    provider.add_span_processor(counting)
    config = ClientConfig(event_hooks=[OpenTelemetryHook(tracer_provider=provider)])
    before = otel_context.get_current()
    try:
        async with FakeSynerise(
            seed=13, workspaces=3, workflows_per_workspace=60, latency=0.005
        ) as fake:
            auth = UserAuth(fake.user.username, fake.user.password)
            async with (
                watchdog(30, "an audit stopped midway"),
                SyneriseClient(auth, base_url=fake.url, config=config) as client,
            ):
                view = client.with_options(timeout=5.0, total_timeout=10.0)
                for stop_after in (1, 25, 70):
                    async with audit_workflows(view, workspaces="all", page_size=10) as run:
                        taken = 0
                        async for _ in run:
                            taken += 1
                            if taken == stop_after:
                                break
                    assert otel_context.get_current() == before
    finally:
        provider.shutdown()
    assert counting.started == counting.ended > 0
