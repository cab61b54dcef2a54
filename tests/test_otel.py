"""synerise_async.otel over HTTP against the fake server: the span tree of a call that
waited for a login and was retried after a 429, the metrics, no credential anywhere, an
OpenTelemetry that raises, and no doubling with the aiohttp-client instrumentation."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import _timing
import aiohttp
import attrs
import pytest
import yarl
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.aiohttp_client import create_trace_config
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from synerise_async import ClientConfig, SyneriseClient, UserAuth, WorkspaceAuth
from synerise_async.api.automation import list_workflows
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.otel import OpenTelemetryHook
from synerise_async.testing import FakeSynerise, ManualClock

CURRENT = "/uauth/business-profile/current"
#: Every test's bound: loopback calls take milliseconds.
WATCHDOG = 20.0


@attrs.define
class Telemetry:
    """An SDK tracer and meter provider whose spans and metrics stay in memory."""

    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    def hook(self, *, attempt_spans: bool = True) -> OpenTelemetryHook:
        return OpenTelemetryHook(
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
            attempt_spans=attempt_spans,
        )

    def finished(self) -> tuple[ReadableSpan, ...]:
        return tuple(self.spans.get_finished_spans())

    def points(self) -> dict[str, list[Any]]:
        """Every metric's data points, by metric name (all scopes)."""
        data = self.metrics.get_metrics_data()
        found: dict[str, list[Any]] = {}
        for resource in data.resource_metrics if data is not None else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Telemetry(spans, reader, tracer_provider, meter_provider)
    tracer_provider.shutdown()
    meter_provider.shutdown()


def client_for(
    fake: FakeSynerise, hooks: Sequence[Any], manual: ManualClock, **config: Any
) -> SyneriseClient:
    return SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key),
        base_url=fake.url,
        config=ClientConfig(event_hooks=list(hooks), **config),
        clock=manual.clock,
    )


def by_name(spans: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def parent_of(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def port_of(fake: FakeSynerise) -> int:
    port = yarl.URL(fake.url).port
    assert port is not None
    return port


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id


async def test_span_tree_of_a_call_that_waited_for_a_login_and_was_retried_after_a_429(
    fake: FakeSynerise, telemetry: Telemetry
) -> None:
    manual = ManualClock()
    tracer = telemetry.tracer_provider.get_tracer("the app")
    fake.faults.rate_limit(count=1, retry_after=2, path=CURRENT)
    async with client_for(fake, [telemetry.hook()], manual) as client, asyncio.timeout(WATCHDOG):
        with tracer.start_as_current_span("handler"):
            workspace = await get_current_workspace.asyncio(client=client)
        assert trace.get_current_span() is trace.INVALID_SPAN  # the caller's context restored
    assert workspace.selected
    spans = telemetry.finished()
    (handler,) = by_name(spans, "handler")
    (call,) = by_name(spans, "synerise.get_current_workspace")
    (refresh,) = by_name(spans, "synerise.token_refresh")
    first, second = by_name(spans, f"GET {CURRENT}")

    # The call: a child of the caller's span, linked to the login it waited for.
    assert parent_of(call) == span_id(handler)
    assert call.kind is SpanKind.INTERNAL
    assert call.status.status_code is StatusCode.UNSET
    assert call.attributes is not None
    assert dict(call.attributes) == {
        "synerise.operation": "get_current_workspace",
        "http.request.method": "GET",
        "url.template": CURRENT,
        "server.address": "127.0.0.1",
        "server.port": port_of(fake),
        "synerise.attempts": 2,
        "http.response.status_code": 200,
    }
    assert [link.context.span_id for link in call.links] == [span_id(refresh)]
    (retry,) = [event for event in call.events if event.name == "synerise.retry"]
    assert retry.attributes is not None
    assert dict(retry.attributes) == {
        "synerise.retry.attempt": 1,
        "synerise.retry.reason": "HTTP 429",
        "synerise.retry.delay": 2.0,
        "synerise.retry.retry_after": True,
        "http.response.status_code": 429,
    }

    # The login: a span of its own, under the call that started it, its request under it.
    assert parent_of(refresh) == span_id(call)
    assert refresh.attributes is not None
    assert refresh.attributes["synerise.credential"] == "workspace"
    assert refresh.attributes["synerise.token.refresh_reason"] == "first"
    assert refresh.attributes["synerise.token.expiry_source"] in ("expiration", "jwt-exp")
    (login,) = [s for s in spans if parent_of(s) == span_id(refresh)]
    assert login.name.startswith("synerise.")
    (login_attempt,) = [s for s in spans if parent_of(s) == span_id(login)]
    assert login_attempt.kind is SpanKind.CLIENT
    assert login_attempt.attributes is not None
    assert login_attempt.attributes["http.request.method"] == "POST"

    # The attempts: CLIENT children of the call, the HTTP conventions' attributes.
    for attempt in (first, second):
        assert parent_of(attempt) == span_id(call)
        assert attempt.kind is SpanKind.CLIENT
    assert first.attributes is not None and second.attributes is not None
    url = f"{fake.url}{CURRENT}"
    assert dict(first.attributes) == {
        "http.request.method": "GET",
        "url.full": url,
        "url.template": CURRENT,
        "server.address": "127.0.0.1",
        "server.port": port_of(fake),
        "http.response.status_code": 429,
        "error.type": "429",
    }
    assert first.status.status_code is StatusCode.ERROR
    assert first.status.description == "RateLimitError"
    assert [link.context.span_id for link in first.links] == [span_id(refresh)]
    assert dict(second.attributes) == {
        "http.request.method": "GET",
        "url.full": url,
        "url.template": CURRENT,
        "server.address": "127.0.0.1",
        "server.port": port_of(fake),
        "http.request.resend_count": 1,
        "http.response.status_code": 200,
    }
    assert second.status.status_code is StatusCode.UNSET
    assert list(second.links) == []


async def test_metrics_of_a_retried_call(fake: FakeSynerise, telemetry: Telemetry) -> None:
    manual = ManualClock()
    fake.faults.rate_limit(count=1, retry_after=2, path=CURRENT)
    fake.faults.error(503, count=1, path=CURRENT)
    async with client_for(fake, [telemetry.hook()], manual) as client, asyncio.timeout(WATCHDOG):
        await get_current_workspace.asyncio(client=client)
        await get_current_workspace.asyncio(client=client)
    points = telemetry.points()

    durations = {
        (p.attributes.get("http.request.method"), p.attributes.get("http.response.status_code")): p
        for p in points["http.client.request.duration"]
    }
    assert set(durations) == {("POST", 200), ("GET", 429), ("GET", 503), ("GET", 200)}
    assert [durations["GET", status].count for status in (429, 503, 200)] == [1, 1, 2]
    assert all(isinstance(p, HistogramDataPoint) for p in durations.values())
    assert durations["GET", 429].attributes["error.type"] == "429"
    assert durations["GET", 429].attributes["server.port"] == port_of(fake)
    assert "error.type" not in durations["GET", 200].attributes

    retries = {
        p.attributes["synerise.retry.reason"]: p.value for p in points["synerise.client.retries"]
    }
    assert retries == {"HTTP 429": 1, "HTTP 503": 1}
    (refreshes,) = points["synerise.client.token_refreshes"]
    assert (dict(refreshes.attributes), refreshes.value) == (
        {"synerise.credential": "workspace"},
        1,
    )
    # After the 429, the retry slept its Retry-After; the rest of the shared cool-down (if
    # any) is a throttle wait by its kind.
    for point in points.get("synerise.client.throttle.duration", []):
        assert point.attributes["synerise.throttle.kind"] in (
            "cool-down",
            "rate-limit",
            "concurrency",
        )


async def test_throttle_waits_are_recorded_by_kind(
    fake: FakeSynerise, telemetry: Telemetry
) -> None:
    manual = ManualClock()
    async with (
        client_for(fake, [telemetry.hook()], manual, max_requests_per_second=1.0) as client,
        asyncio.timeout(WATCHDOG),
    ):
        for _ in range(3):
            await get_current_workspace.asyncio(client=client)
    (point,) = telemetry.points()["synerise.client.throttle.duration"]
    assert dict(point.attributes) == {"synerise.throttle.kind": "rate-limit"}
    assert point.count >= 2 and point.sum > 0
    calls = by_name(telemetry.finished(), "synerise.get_current_workspace")
    waits = [e for span in calls for e in span.events if e.name == "synerise.throttle"]
    assert len(waits) == point.count


def _all_attribute_values(telemetry: Telemetry) -> list[str]:
    values: list[Any] = []
    for span in telemetry.finished():
        values += [span.name, *(span.attributes or {}).values()]
        for event in span.events:
            values += [event.name, *(event.attributes or {}).values()]
        for link in span.links:
            values += list((link.attributes or {}).values())
        values += list(span.resource.attributes.values())
    for points in telemetry.points().values():
        for point in points:
            values += list(point.attributes.values())
    return [str(value) for value in values]


@pytest.mark.parametrize("kind", ["workspace", "user"])
async def test_no_credential_in_any_attribute(
    fake: FakeSynerise, telemetry: Telemetry, kind: str
) -> None:
    manual = ManualClock()
    if kind == "workspace":
        auth: Any = WorkspaceAuth(fake.workspace.api_key)
        secrets = {fake.workspace.api_key}
    else:
        user = fake.user
        auth = UserAuth(user.username, user.password, workspace=fake.workspace.id)
        secrets = {user.password}
    fake.faults.error(401, count=1, path=CURRENT)  # a refused token: renewed, then retried
    sent: set[str] = set()  # every Authorization header on the wire: the tokens

    async def on_request_start(
        session: object, context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        header = params.headers.get("Authorization")
        if header:
            sent.add(header.removeprefix("Bearer "))

    watch = aiohttp.TraceConfig()
    watch.on_request_start.append(on_request_start)
    config = ClientConfig(event_hooks=[telemetry.hook()])
    async with (
        aiohttp.ClientSession(trace_configs=[watch]) as session,
        SyneriseClient(
            auth, base_url=fake.url, config=config, clock=manual.clock, session=session
        ) as client,
        asyncio.timeout(WATCHDOG),
    ):
        await get_current_workspace.asyncio(client=client)
        await list_workflows.asyncio(client=client, limit=2)
    secrets |= sent
    assert len(secrets) >= 3  # the credential and two tokens
    values = _all_attribute_values(telemetry)
    assert values
    for secret in secrets:
        assert not [value for value in values if secret in value]


class Raising(SpanProcessor):
    """A span processor that raises where it is told to."""

    def __init__(self, where: str) -> None:
        self.where = where

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        if self.where == "start" or (self.where == "client" and span.kind is SpanKind.CLIENT):
            raise RuntimeError("processor on_start")

    def on_end(self, span: ReadableSpan) -> None:
        if self.where == "end":
            raise RuntimeError("processor on_end")


@pytest.mark.parametrize("where", ["start", "client", "end"])
async def test_an_opentelemetry_that_raises_never_breaks_the_call(
    fake: FakeSynerise, telemetry: Telemetry, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    manual = ManualClock()
    telemetry.tracer_provider.add_span_processor(Raising(where))
    fake.faults.rate_limit(count=1, retry_after=1, path=CURRENT)
    plain = client_for(fake, [], manual)
    observed = client_for(fake, [telemetry.hook()], manual)
    async with plain, observed, asyncio.timeout(WATCHDOG):
        expected = await get_current_workspace.asyncio_detailed(client=plain)
        fake.faults.rate_limit(count=1, retry_after=1, path=CURRENT)
        before = otel_context.get_current()
        got = await get_current_workspace.asyncio_detailed(client=observed)
        assert otel_context.get_current() == before  # nothing left attached
        await get_current_workspace.asyncio(client=observed)
        assert otel_context.get_current() == before
    assert (got.status_code, got.attempts, got.parsed) == (
        expected.status_code,
        expected.attempts,
        expected.parsed,
    )
    if where == "end":  # the spans were exported before the processor raised: still a tree
        spans = telemetry.finished()
        calls = {span_id(call) for call in by_name(spans, "synerise.get_current_workspace")}
        attempts = by_name(spans, f"GET {CURRENT}")
        assert len(calls) == 2 and len(attempts) == 3
        assert all(parent_of(attempt) in calls for attempt in attempts)
    warnings = [r for r in caplog.records if r.name == "synerise_async.events"]
    assert len(warnings) == 1  # once for the hook, not per event
    assert "raised" in warnings[0].getMessage()


async def test_aiohttp_instrumentation_is_suppressed_during_attempts(
    fake: FakeSynerise, telemetry: Telemetry
) -> None:
    """The default: the SDK's attempt spans, and the aiohttp-client instrumentation's
    trace config on the same session records nothing for them (no doubled span/metric)."""
    manual = ManualClock()
    trace_config = create_trace_config(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    async with aiohttp.ClientSession(trace_configs=[trace_config]) as session:
        config = ClientConfig(event_hooks=[telemetry.hook()])
        async with (
            SyneriseClient(
                WorkspaceAuth(fake.workspace.api_key),
                base_url=fake.url,
                config=config,
                clock=manual.clock,
                session=session,
            ) as client,
            asyncio.timeout(WATCHDOG),
        ):
            await get_current_workspace.asyncio(client=client)
            # The same session outside the SDK is still traced by the instrumentation.
            async with session.get(f"{fake.url}/not-the-sdk") as response:
                await response.read()
    spans = telemetry.finished()
    scopes = {s.name: s.instrumentation_scope.name for s in spans if s.instrumentation_scope}
    aiohttp_spans = [s for s, scope in scopes.items() if scope != "synerise_async"]
    assert aiohttp_spans == ["GET"]  # only the request made outside the SDK
    assert sum(s.kind is SpanKind.CLIENT for s in spans) == 3  # login, attempt, outside
    (duration,) = telemetry.points()["http.client.request.duration"][:1] or [None]
    assert duration is not None


async def test_attempt_spans_off_leaves_http_to_the_aiohttp_instrumentation(
    fake: FakeSynerise, telemetry: Telemetry
) -> None:
    manual = ManualClock()
    trace_config = create_trace_config(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    async with aiohttp.ClientSession(trace_configs=[trace_config]) as session:
        config = ClientConfig(event_hooks=[telemetry.hook(attempt_spans=False)])
        async with (
            SyneriseClient(
                WorkspaceAuth(fake.workspace.api_key),
                base_url=fake.url,
                config=config,
                clock=manual.clock,
                session=session,
            ) as client,
            asyncio.timeout(WATCHDOG),
        ):
            await get_current_workspace.asyncio(client=client)
    spans = telemetry.finished()
    (call,) = by_name(spans, "synerise.get_current_workspace")
    client_spans = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert {s.instrumentation_scope.name for s in client_spans if s.instrumentation_scope} == {
        "opentelemetry.instrumentation.aiohttp_client"
    }
    (get,) = [s for s in client_spans if s.name == "GET"]
    assert parent_of(get) == span_id(call)  # the instrumentation's span, under the call
    assert len(client_spans) == 2  # the login's POST and the GET: one span each
    assert "http.client.request.duration" not in telemetry.points()  # not recorded twice


def test_importing_the_package_does_not_import_opentelemetry() -> None:
    code = (
        "import sys, synerise_async, synerise_async.events;"
        "assert not [m for m in sys.modules if m.startswith('opentelemetry')], 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_without_the_extra_the_module_names_it() -> None:
    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "try:\n    import synerise_async.otel\n"
        "except ImportError as e:\n    print(e)\nelse:\n    raise SystemExit('imported')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "'otel' extra" in proc.stdout
    assert "pip install 'synerise-async[otel]'" in proc.stdout


async def test_concurrent_calls_share_one_refresh_span_and_both_link_to_it(
    fake: FakeSynerise, telemetry: Telemetry
) -> None:
    manual = ManualClock()
    async with client_for(fake, [telemetry.hook()], manual) as client, asyncio.timeout(WATCHDOG):
        await asyncio.gather(
            get_current_workspace.asyncio(client=client),
            list_workflows.asyncio(client=client, limit=2),
        )
    spans = telemetry.finished()
    (refresh,) = by_name(spans, "synerise.token_refresh")
    calls = by_name(spans, "synerise.get_current_workspace") + by_name(
        spans, "synerise.list_workflows"
    )
    assert len(calls) == 2
    for call in calls:
        assert [link.context.span_id for link in call.links] == [span_id(refresh)]
        assert call.parent is None  # each its own trace: the calls ran in their own tasks
    assert parent_of(refresh) in {span_id(call) for call in calls}  # under the one that began it
    call_ids = {span_id(call) for call in calls}
    attempts = [s for s in spans if s.kind is SpanKind.CLIENT and parent_of(s) in call_ids]
    assert len(attempts) == 2
    for attempt in attempts:
        assert [link.context.span_id for link in attempt.links] == [span_id(refresh)]


async def test_a_cancelled_call_ends_its_spans_and_restores_the_context(
    fake: FakeSynerise, telemetry: Telemetry
) -> None:
    manual = ManualClock()
    async with client_for(fake, [telemetry.hook()], manual) as client, asyncio.timeout(WATCHDOG):
        await get_current_workspace.asyncio(client=client)  # logged in
        fake.faults.delay(30, count=1, path=CURRENT)
        before = otel_context.get_current()
        call = asyncio.create_task(get_current_workspace.asyncio(client=client))
        await _timing.until(lambda: fake.count(path=CURRENT) == 2, "the slow request")
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert otel_context.get_current() == before
    calls = by_name(telemetry.finished(), "synerise.get_current_workspace")
    attempts = by_name(telemetry.finished(), f"GET {CURRENT}")
    assert len(calls) == len(attempts) == 2  # the cancelled ones ended too
    cancelled = calls[-1]
    assert cancelled.attributes is not None
    assert cancelled.attributes["error.type"] == "CancelledError"
    assert cancelled.status.status_code is StatusCode.ERROR
    assert parent_of(attempts[-1]) == span_id(cancelled)
    assert attempts[-1].attributes is not None
    assert attempts[-1].attributes["error.type"] == "CancelledError"


async def test_workspace_clients_of_a_user_link_to_their_own_refreshes(
    fake: FakeSynerise, telemetry: Telemetry
) -> None:
    manual = ManualClock()
    config = ClientConfig(event_hooks=[telemetry.hook()])
    auth = UserAuth(fake.user.username, fake.user.password)
    async with (
        SyneriseClient(auth, base_url=fake.url, config=config, clock=manual.clock) as client,
        asyncio.timeout(WATCHDOG),
    ):
        for workspace in fake.workspaces[:2]:
            await get_current_workspace.asyncio(client=client.for_workspace(workspace.id))
    spans = telemetry.finished()
    refreshes = by_name(spans, "synerise.token_refresh")
    assert len(refreshes) == 3  # the User's login, then one selection per Workspace
    first, second = by_name(spans, "synerise.get_current_workspace")
    linked = [{link.context.span_id for link in call.links} for call in (first, second)]
    assert linked[0] == {span_id(refreshes[0]), span_id(refreshes[1])}
    assert linked[1] == {span_id(refreshes[2])}
