"""OpenTelemetry traces and metrics from the client's events (the ``otel`` extra).

Install ``synerise-async[otel]`` (it brings ``opentelemetry-api`` only; your application
chooses the SDK and exporters), then give the client the hook::

    from synerise_async import ClientConfig, SyneriseClient
    from synerise_async.otel import OpenTelemetryHook

    config = ClientConfig(event_hooks=[OpenTelemetryHook()])
    async with SyneriseClient(auth, config=config) as client:
        ...

Spans (tracer ``synerise_async``):

- ``synerise.<operation>`` (``synerise.list_workflows``), kind INTERNAL: one per logical
  call, every retry and token renewal included, a child of the caller's current span;
  its events say each retry (``synerise.retry``) and limiter wait (``synerise.throttle``).
- ``<METHOD> <path template>`` (``GET /automation/v2/workflows``), kind CLIENT: one per
  HTTP attempt, a child of the call's span, with the HTTP client semantic conventions'
  attributes (``http.request.method``, ``server.address``, ``server.port``, ``url.full``,
  ``url.template``, ``http.response.status_code``, ``error.type``,
  ``http.request.resend_count`` from the second attempt on).
- ``synerise.token_refresh``, kind INTERNAL: one per token fetch, a child of the span
  current where the fetch started; every attempt span and call span that waited for it
  links to it.

Metrics (meter ``synerise_async``):

- ``http.client.request.duration`` (histogram, s): every HTTP attempt, with
  ``http.request.method``, ``server.address``, ``server.port``,
  ``http.response.status_code``, ``error.type``;
- ``synerise.client.retries`` (counter): by ``synerise.operation`` and
  ``synerise.retry.reason``;
- ``synerise.client.token_refreshes`` (counter): by ``synerise.credential`` and
  ``error.type`` (absent when a token was obtained);
- ``synerise.client.throttle.duration`` (histogram, s): limiter waits by
  ``synerise.throttle.kind`` (``cool-down``, ``rate-limit``, ``concurrency``).

Policy:

- no attribute ever holds a secret: the events carry none (``url.full`` is the
  credential-free URL, userinfo stripped again here);
- the hook is a plain (synchronous) hook, so it runs in the caller's context: the call's
  span is the current span while the call runs, and during an attempt the attempt's span
  is, with HTTP instrumentation suppressed (``suppress_http_instrumentation``'s context
  key): the generic aiohttp-client instrumentation, if installed, records no second span
  and no second ``http.client.request.duration`` for the SDK's requests;
- ``attempt_spans=False`` leaves HTTP attempts to another instrumentation: no attempt
  spans, no ``http.client.request.duration`` and no suppression, so the aiohttp-client
  instrumentation's spans become the children of the call's span;
- whatever OpenTelemetry raises, the call is not changed and its context is restored
  (the client logs the hook's first error).
- a ``PageFetched`` is not recorded: each page is a call, with its span;
- a refresh is linked by its ``refresh_id``; the last :data:`REFRESHES_KEPT` are kept.
"""

from __future__ import annotations

import collections
import contextvars

import attrs
import yarl

try:
    from opentelemetry import context as otel_context
    from opentelemetry import metrics, trace

    # The key HTTP instrumentations check (``suppress_http_instrumentation()`` sets it).
    from opentelemetry.context import _SUPPRESS_HTTP_INSTRUMENTATION_KEY
except ImportError as error:  # pragma: no cover: the tests run with the extra
    raise ImportError(
        "synerise_async.otel needs OpenTelemetry: install the 'otel' extra "
        "(pip install 'synerise-async[otel]')"
    ) from error

from ._version import __version__
from .events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    RequestEnded,
    RequestStarted,
    RetryScheduled,
    ThrottleWaited,
    TokenObtained,
    TokenRefreshFailed,
    TokenRefreshStarted,
)

__all__ = ["DURATION_BUCKETS", "REFRESHES_KEPT", "SCOPE", "OpenTelemetryHook"]

#: The instrumentation scope of the tracer and the meter.
SCOPE = "synerise_async"
#: How many recent token refreshes are remembered for links (a call waits for a recent one).
REFRESHES_KEPT = 64
#: The semantic conventions' advised buckets of ``http.client.request.duration`` (s).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)

_ContextToken = contextvars.Token[otel_context.Context]


@attrs.define
class _Attempt:
    attempt: int
    span: trace.Span | None
    token: _ContextToken | None  # of the attached context; None: nothing attached


@attrs.define
class _Call:
    call_id: int
    span: trace.Span
    server: dict[str, str | int]  # server.address, server.port
    token: _ContextToken | None = None
    var_token: contextvars.Token[_Call | None] | None = None
    attempt: _Attempt | None = None
    linked: set[int] = attrs.field(factory=set)


@attrs.define
class _Refresh:
    refresh_id: int
    span: trace.Span
    token: _ContextToken | None = None
    var_token: contextvars.Token[_Refresh | None] | None = None


class OpenTelemetryHook:
    """An event hook that records the client's calls as OpenTelemetry spans and metrics.

    Put one in ``ClientConfig(event_hooks=[...])``. The spans, metrics and attributes are
    listed in :mod:`synerise_async.otel`'s docstring.

    Args:
        tracer_provider: where the spans go; the global one when None.
        meter_provider: where the metrics go; the global one when None.
        attempt_spans: record each HTTP attempt (a span, ``http.client.request.duration``)
            and suppress other HTTP instrumentation during it; False leaves the HTTP
            level to another instrumentation (the aiohttp-client one), whose spans then
            become children of the call's span.
    """

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        attempt_spans: bool = True,
    ) -> None:
        self._attempt_spans = attempt_spans
        self._tracer = trace.get_tracer(SCOPE, __version__, tracer_provider)
        meter = metrics.get_meter(SCOPE, __version__, meter_provider)
        self._duration = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self._retries = meter.create_counter(
            "synerise.client.retries",
            unit="{retry}",
            description="Retries the client scheduled, by operation and reason.",
        )
        self._refreshes = meter.create_counter(
            "synerise.client.token_refreshes",
            unit="{refresh}",
            description="Token fetches, by credential kind; error.type when one failed.",
        )
        self._throttle = meter.create_histogram(
            "synerise.client.throttle.duration",
            unit="s",
            description="Seconds a call waited in the limiter, by what it waited for.",
        )
        self._call: contextvars.ContextVar[_Call | None] = contextvars.ContextVar(
            f"synerise_async.otel.call.{id(self)}", default=None
        )
        self._refresh: contextvars.ContextVar[_Refresh | None] = contextvars.ContextVar(
            f"synerise_async.otel.refresh.{id(self)}", default=None
        )
        self._refresh_spans: collections.OrderedDict[int, trace.Span] = collections.OrderedDict()

    def __call__(self, event: Event) -> None:
        """Record ``event`` (the client calls this)."""
        if isinstance(event, AttemptStarted):
            self._attempt_started(event)
        elif isinstance(event, AttemptEnded):
            self._attempt_ended(event)
        elif isinstance(event, RequestStarted):
            self._request_started(event)
        elif isinstance(event, RequestEnded):
            self._request_ended(event)
        elif isinstance(event, RetryScheduled):
            self._retry_scheduled(event)
        elif isinstance(event, ThrottleWaited):
            self._throttle_waited(event)
        elif isinstance(event, TokenRefreshStarted):
            self._refresh_started(event)
        elif isinstance(event, TokenObtained | TokenRefreshFailed):
            self._refresh_ended(event)

    # --- calls ------------------------------------------------------------------------

    def _current(self, call_id: int | None) -> _Call | None:
        call = self._call.get()
        return call if call is not None and call.call_id == call_id else None

    def _request_started(self, event: RequestStarted) -> None:
        server = _server(event.url)
        span = self._tracer.start_span(
            f"synerise.{event.operation}",
            kind=trace.SpanKind.INTERNAL,
            attributes={
                "synerise.operation": event.operation,
                "http.request.method": event.method,
                "url.template": event.path_template,
                **server,
            },
        )
        call = _Call(event.call_id, span, server)
        call.var_token = self._call.set(call)
        call.token = otel_context.attach(trace.set_span_in_context(span))

    def _request_ended(self, event: RequestEnded) -> None:
        call = self._current(event.call_id)
        if call is None:
            return
        try:
            self._end_attempt(call)  # one left open (a cancellation inside the attempt)
        finally:
            _detach(call.token)
            if call.var_token is not None:
                self._call.reset(call.var_token)
        span = call.span
        span.set_attribute("synerise.attempts", event.attempts)
        if event.status_code is not None:
            span.set_attribute("http.response.status_code", event.status_code)
        if event.error_type is not None:
            span.set_attribute("error.type", event.error_type)
            span.set_status(trace.StatusCode.ERROR, event.error_type)
        span.end()

    def _retry_scheduled(self, event: RetryScheduled) -> None:
        self._retries.add(
            1, {"synerise.operation": event.operation, "synerise.retry.reason": event.reason}
        )
        call = self._current(event.call_id)
        if call is not None:
            attributes: dict[str, str | int | float | bool] = {
                "synerise.retry.attempt": event.attempt,
                "synerise.retry.reason": event.reason,
                "synerise.retry.delay": event.delay,
                "synerise.retry.retry_after": event.retry_after,
            }
            if event.status_code is not None:
                attributes["http.response.status_code"] = event.status_code
            call.span.add_event("synerise.retry", attributes)

    def _throttle_waited(self, event: ThrottleWaited) -> None:
        self._throttle.record(event.seconds, {"synerise.throttle.kind": event.kind.value})
        call = self._current(event.call_id)
        if call is not None:
            call.span.add_event(
                "synerise.throttle",
                {
                    "synerise.throttle.kind": event.kind.value,
                    "synerise.throttle.seconds": event.seconds,
                },
            )

    # --- attempts ---------------------------------------------------------------------

    def _attempt_started(self, event: AttemptStarted) -> None:
        call = self._current(event.call_id)
        if call is None:
            return
        self._end_attempt(call)
        links = []
        for refresh_id in event.waited_for_refresh:
            refresh = self._refresh_spans.get(refresh_id)
            if refresh is None:
                continue
            links.append(trace.Link(refresh.get_span_context()))
            if refresh_id not in call.linked:
                call.linked.add(refresh_id)
                call.span.add_link(refresh.get_span_context())
        if not self._attempt_spans:
            call.attempt = _Attempt(event.attempt, None, None)
            return
        attributes: dict[str, str | int] = {
            "http.request.method": event.method,
            "url.full": _without_userinfo(event.url),
            "url.template": event.path_template,
            **call.server,
        }
        if event.attempt > 1:
            attributes["http.request.resend_count"] = event.attempt - 1
        span = self._tracer.start_span(
            f"{event.method} {event.path_template}",
            kind=trace.SpanKind.CLIENT,
            attributes=attributes,
            links=links,
        )
        context = otel_context.set_value(
            _SUPPRESS_HTTP_INSTRUMENTATION_KEY, True, trace.set_span_in_context(span)
        )
        call.attempt = _Attempt(event.attempt, span, otel_context.attach(context))

    def _attempt_ended(self, event: AttemptEnded) -> None:
        call = self._current(event.call_id)
        attempt = call.attempt if call is not None else None
        if call is None or attempt is None or attempt.attempt != event.attempt:
            return
        call.attempt = None
        _detach(attempt.token)
        if attempt.span is None:
            return
        attributes: dict[str, str | int] = {
            "http.request.method": event.method,
            **call.server,
        }
        if event.status_code is not None:
            attributes["http.response.status_code"] = event.status_code
        error_type = _error_type(event.status_code, event.error_type)
        if error_type is not None:
            attributes["error.type"] = error_type
        self._duration.record(event.duration, attributes)
        attempt.span.set_attributes(attributes)
        if error_type is not None:
            attempt.span.set_status(trace.StatusCode.ERROR, event.error_type or error_type)
        attempt.span.end()

    def _end_attempt(self, call: _Call) -> None:
        attempt, call.attempt = call.attempt, None
        if attempt is not None:
            _detach(attempt.token)
            if attempt.span is not None:
                attempt.span.end()

    # --- token refreshes --------------------------------------------------------------

    def _refresh_started(self, event: TokenRefreshStarted) -> None:
        span = self._tracer.start_span(
            "synerise.token_refresh",
            kind=trace.SpanKind.INTERNAL,
            attributes={
                "synerise.credential": event.credential,
                "synerise.token.refresh_reason": event.reason,
            },
        )
        self._refresh_spans[event.refresh_id] = span
        self._refresh_spans.move_to_end(event.refresh_id)
        while len(self._refresh_spans) > REFRESHES_KEPT:
            self._refresh_spans.popitem(last=False)
        # A refresh runs in a task of its own: its login request is the refresh's child.
        refresh = _Refresh(event.refresh_id, span)
        refresh.var_token = self._refresh.set(refresh)
        refresh.token = otel_context.attach(trace.set_span_in_context(span))

    def _refresh_ended(self, event: TokenObtained | TokenRefreshFailed) -> None:
        counted: dict[str, str] = {"synerise.credential": event.credential}
        if isinstance(event, TokenRefreshFailed):
            counted["error.type"] = event.error_type
        self._refreshes.add(1, counted)
        refresh = self._refresh.get()
        if refresh is None or refresh.refresh_id != event.refresh_id:
            return
        try:
            _detach(refresh.token)
        finally:
            if refresh.var_token is not None:
                self._refresh.reset(refresh.var_token)
        span = refresh.span
        if isinstance(event, TokenObtained):
            span.set_attribute("synerise.token.expiry_source", event.expiry_source)
            if event.lifetime is not None:
                span.set_attribute("synerise.token.lifetime", event.lifetime)
        else:
            span.set_attribute("error.type", event.error_type)
            span.set_status(trace.StatusCode.ERROR, event.error_type)
        span.end()


def _detach(token: _ContextToken | None) -> None:
    if token is not None:
        otel_context.detach(token)


def _server(url: str) -> dict[str, str | int]:
    """``server.address`` and ``server.port`` of ``url`` (the port its scheme implies too)."""
    parsed = yarl.URL(url)
    server: dict[str, str | int] = {}
    if parsed.host:
        server["server.address"] = parsed.host
    if parsed.port is not None:
        server["server.port"] = parsed.port
    return server


def _without_userinfo(url: str) -> str:
    parsed = yarl.URL(url)
    if parsed.user is None and parsed.password is None:
        return url
    return str(parsed.with_user(None))


def _error_type(status_code: int | None, error_type: str | None) -> str | None:
    """The conventions' ``error.type``: the status as text for a 4xx/5xx, else the error."""
    if status_code is not None and status_code >= 400:
        return str(status_code)
    return error_type
