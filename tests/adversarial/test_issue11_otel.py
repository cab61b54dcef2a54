"""Issue 11, adversarial: the OpenTelemetry hook under concurrency and sharing.

- one ``OpenTelemetryHook`` (one ``ClientConfig``) shared by two clients: each call links
  to its own client's token refresh, never to the other's;
- every span started is ended, under a seeded storm with cancellations;
- no attribute holds a credential.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import pytest
from _adversarial import Counting, watchdog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import _SUPPRESS_HTTP_INSTRUMENTATION_KEY
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from synerise_async import ClientConfig, SyneriseClient, SyneriseError, WorkspaceAuth
from synerise_async import events as ev
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.otel import OpenTelemetryHook
from synerise_async.testing import FakeSynerise


@pytest.fixture
def spans() -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter, provider
    provider.shutdown()


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id


async def test_two_clients_sharing_one_hook_link_to_their_own_refreshes(
    spans: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    exporter, provider = spans
    config = ClientConfig(event_hooks=[OpenTelemetryHook(tracer_provider=provider)])
    async with FakeSynerise(workspaces=2, latency=0.02) as fake:
        first, second = (
            SyneriseClient(WorkspaceAuth(w.api_key), base_url=fake.url, config=config)
            for w in fake.workspaces
        )
        async with watchdog(20, "two clients' first calls"), first, second:
            await asyncio.gather(
                get_current_workspace.asyncio(client=first),
                get_current_workspace.asyncio(client=second),
            )
    finished = exporter.get_finished_spans()
    refreshes = {span_id(s): s for s in finished if s.name == "synerise.token_refresh"}
    calls = [s for s in finished if s.name == "synerise.get_current_workspace"]
    assert len(refreshes) == 2 and len(calls) == 2
    for call in calls:
        linked = [link.context.span_id for link in call.links]
        assert len(linked) == 1
        # The refresh a call waited for is the one its own client started, under it.
        refresh = refreshes[linked[0]]
        assert refresh.parent is not None and refresh.parent.span_id == span_id(call), (
            "a call links to the other client's token refresh"
        )


async def test_every_span_started_is_ended_under_a_storm_with_cancellations() -> None:
    rng = random.Random(77)
    exporter = InMemorySpanExporter()
    counting = Counting(exporter)
    provider = TracerProvider()
    provider.add_span_processor(counting)
    config = ClientConfig(
        event_hooks=[OpenTelemetryHook(tracer_provider=provider)],
        backoff_base=0.01,
        backoff_cap=0.02,
        max_concurrency=3,
        timeout=0.5,
        token_refresh_attempts=2,
    )
    before = otel_context.get_current()
    try:
        async with FakeSynerise(seed=77, workspaces=1) as fake:
            client = SyneriseClient(
                WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config
            )
            async with watchdog(60, "the OpenTelemetry storm"), client:
                fake.token_lifetime = 0.3
                fake.revoke_every(0.25)
                fake.faults.random(
                    0.3, kinds=("rate_limit", "error", "drop", "delay"), seed=77, retry_after=0.02
                )
                tight = client.with_options(total_timeout=0.05)
                for _ in range(5):
                    tasks = [
                        asyncio.create_task(
                            get_current_workspace.asyncio(
                                client=tight if rng.random() < 0.3 else client
                            )
                        )
                        for _ in range(15)
                    ]
                    for task in tasks:
                        if rng.random() < 0.3:
                            asyncio.get_running_loop().call_later(rng.uniform(0, 0.1), task.cancel)
                    results = await asyncio.gather(*tasks, return_exceptions=True)
                    assert all(
                        isinstance(r, SyneriseError | asyncio.CancelledError)
                        for r in results
                        if isinstance(r, BaseException)
                    ), results
                    assert otel_context.get_current() == before
                fake.stop_revoking()
                fake.faults.clear()
                for task in [t for t in asyncio.all_tasks() if "token refresh" in t.get_name()]:
                    await asyncio.wait([task])
    finally:
        provider.shutdown()
    assert counting.started > 50
    assert counting.started == counting.ended, "spans left open"
    for span in exporter.get_finished_spans():
        for value in (span.attributes or {}).values():
            assert fake.workspace.api_key not in str(value)
            assert "Bearer" not in str(value)


async def test_an_async_hook_task_does_not_run_inside_an_attempt_span(
    spans: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    """An async hook after the OpenTelemetry hook is started while the attempt's span is
    attached (with HTTP instrumentation suppressed): its task must not inherit that, or
    an HTTP request it makes is suppressed and a call it makes is parented to another
    call's attempt. It runs in the context the event found (the call's, as it was)."""
    _, provider = spans
    seen: list[tuple[str, object, str]] = []

    async def shipper(event: Any) -> None:
        span = trace.get_current_span()
        name = getattr(span, "name", "")
        seen.append(
            (type(event).__name__, otel_context.get_value(_SUPPRESS_HTTP_INSTRUMENTATION_KEY), name)
        )

    config = ClientConfig(event_hooks=[OpenTelemetryHook(tracer_provider=provider), shipper])
    async with FakeSynerise() as fake:
        client = SyneriseClient(
            WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config
        )
        async with watchdog(20, "a call with an async hook"), client:
            await get_current_workspace.asyncio(client=client)
    attempts = [s for s in seen if s[0] == "AttemptStarted"]
    assert attempts
    for kind, suppressed, name in attempts:
        assert not suppressed, (kind, name)
        assert not name.startswith("GET "), (kind, name)


async def test_metrics_count_what_the_events_count_under_a_storm() -> None:
    rng = random.Random(99)
    events: list[Any] = []
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    config = ClientConfig(
        event_hooks=[events.append, OpenTelemetryHook(meter_provider=meters)],
        backoff_base=0.01,
        backoff_cap=0.02,
        max_concurrency=2,
        max_requests_per_second=300,
        token_refresh_attempts=2,
    )
    try:
        async with FakeSynerise(seed=99, workspaces=1) as fake:
            client = SyneriseClient(
                WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config
            )
            async with watchdog(60, "the metrics storm"), client:
                fake.token_lifetime = 0.3
                fake.faults.random(
                    0.3, kinds=("rate_limit", "error", "drop"), seed=99, retry_after=0.02
                )
                for _ in range(4):
                    tasks = [
                        asyncio.create_task(get_current_workspace.asyncio(client=client))
                        for _ in range(10)
                    ]
                    for task in tasks:
                        if rng.random() < 0.2:
                            asyncio.get_running_loop().call_later(rng.uniform(0, 0.05), task.cancel)
                    await asyncio.gather(*tasks, return_exceptions=True)
                fake.faults.clear()
                for task in [t for t in asyncio.all_tasks() if "token refresh" in t.get_name()]:
                    await asyncio.wait([task])
        data = reader.get_metrics_data()
    finally:
        meters.shutdown()
    totals: dict[str, float] = {}
    for resource in data.resource_metrics if data is not None else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = point.count if hasattr(point, "count") else point.value
                    totals[metric.name] = totals.get(metric.name, 0) + value

    def count(*kinds: type[Any]) -> int:
        return sum(isinstance(e, kinds) for e in events)

    assert totals["http.client.request.duration"] == count(ev.AttemptEnded)
    assert totals["synerise.client.retries"] == count(ev.RetryScheduled)
    assert totals["synerise.client.token_refreshes"] == count(
        ev.TokenObtained, ev.TokenRefreshFailed
    )
    assert totals.get("synerise.client.throttle.duration", 0) == count(ev.ThrottleWaited)
    assert count(ev.RetryScheduled) and count(ev.ThrottleWaited)


async def test_two_opentelemetry_hooks_in_one_client_restore_the_callers_context() -> None:
    """Two hooks that attach a context (two tracers) nest: each call's end reaches them in
    the reverse order of its start, so each detaches what it attached last and the
    caller's context is back as it was (no ended span left current)."""
    first, second = TracerProvider(), TracerProvider()
    exporters = (InMemorySpanExporter(), InMemorySpanExporter())
    first.add_span_processor(SimpleSpanProcessor(exporters[0]))
    second.add_span_processor(SimpleSpanProcessor(exporters[1]))
    hooks = [OpenTelemetryHook(tracer_provider=p) for p in (first, second)]
    try:
        async with FakeSynerise() as fake:
            client = SyneriseClient(
                WorkspaceAuth(fake.workspace.api_key),
                base_url=fake.url,
                config=ClientConfig(event_hooks=list(hooks)),
            )
            async with watchdog(20, "two tracers"), client:
                before = otel_context.get_current()
                await get_current_workspace.asyncio(client=client)
                assert otel_context.get_current() == before
                await get_current_workspace.asyncio(client=client)
                assert otel_context.get_current() == before
    finally:
        first.shutdown()
        second.shutdown()
    for exporter in exporters:
        calls = [
            s for s in exporter.get_finished_spans() if s.name == "synerise.get_current_workspace"
        ]
        assert len(calls) == 2
        assert calls[1].parent is None or calls[1].parent.span_id != span_id(calls[0])
