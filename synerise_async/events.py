"""Typed events: what the client does for you, as it happens.

Pass hooks in ``ClientConfig(event_hooks=[...])``; each is called with every event::

    from synerise_async import events

    def on_event(event: events.Event) -> None:
        if isinstance(event, events.RetryScheduled):
            retries.labels(event.operation, event.reason).inc()

A hook is a plain or an ``async`` callable. A plain hook runs inline, in the task and
context of the call that caused the event (its ``contextvars``, a tracing library's
current span among them, are the caller's); keep it quick. An ``async`` hook is started
as a task, in a copy of the context as the event found it (what a hook before it attached,
such as an attempt's span, is not inherited), and never awaited by the call;
``SyneriseClient.aclose()`` waits a little (``DEFAULT_EVENT_HOOK_CLOSE_TIMEOUT``, 1 s)
for those still running, then cancels them. The events of a call that ends after
``aclose()`` (it was in flight) reach the plain hooks only: no task is started then.
Hooks are called in their order, and for an end (of a call, an attempt, a token fetch) in
the reverse order, like nested context managers: hooks that attach a context nest.
A hook that raises never changes the call: its first error is logged (WARNING, with the
traceback, logger ``synerise_async.events``), later ones of the same hook are not. With
no hooks no event is built.

Every event is frozen and has ``at``, the client clock's monotonic time when it
happened. No field holds a secret: no token, header value or body; ``url`` is the
credential-free URL of :class:`~synerise_async.RequestInfo`.

``call_id`` numbers one logical call (one operation call, every retry and token renewal
included), unique per root client (its Workspace clients share the count);
``refresh_id`` numbers one token fetch, unique in the process: clients that share a hook
(one ``ClientConfig``) never give two fetches the same number.

========================  ==========================================================
event                     when
========================  ==========================================================
``RequestStarted``        a call begins
``AttemptStarted``        one HTTP attempt is about to be sent (after every wait)
``AttemptEnded``          one HTTP attempt got a status or failed
``RetryScheduled``        the call will try again, after ``delay`` seconds
``RequestEnded``          the call returns or raises (cancelled: ``"CancelledError"``)
``ThrottleWaited``        a call waited for the cool-down, the rate or a slot
``TokenRefreshStarted``   a token session starts obtaining a token
``TokenObtained``         ... and got one
``TokenRefreshFailed``    ... and failed
``PageFetched``           a paginator fetched a page
========================  ==========================================================
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import inspect
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar

import attrs

__all__ = [
    "AttemptEnded",
    "AttemptStarted",
    "Event",
    "EventHook",
    "PageFetched",
    "RequestEnded",
    "RequestStarted",
    "RetryScheduled",
    "ThrottleKind",
    "ThrottleWaited",
    "TokenObtained",
    "TokenRefreshFailed",
    "TokenRefreshStarted",
]

logger = logging.getLogger("synerise_async.events")

#: Every ``refresh_id``: one counter for the process (see ``_Dispatcher.next_refresh_id``).
_REFRESH_IDS = itertools.count(1)

#: What ``ClientConfig.event_hooks`` holds: ``hook(event)``, plain or ``async``.
EventHook = Callable[["Event"], "Awaitable[None] | None"]


@attrs.frozen(kw_only=True)
class Event:
    """Base of every event.

    Attributes:
        at: the client clock's monotonic time when it happened.
    """

    at: float


@attrs.frozen(kw_only=True)
class RequestStarted(Event):
    """A logical call begins (``Pipeline.send``: one operation call, every retry included).

    Attributes:
        call_id: numbers the call (unique per root client).
        operation: the operation module's name (``"list_workflows"``); ``"send"`` for a
            bare ``client.send``.
        method: the HTTP method.
        path_template: the path with its parameters unfilled
            (``"/automation-brain/diagrams/{workflow_id}/run"``).
        url: the URL, query included, without credentials.
    """

    call_id: int
    operation: str
    method: str
    path_template: str
    url: str


@attrs.frozen(kw_only=True)
class RequestEnded(Event):
    """A logical call returns or raises.

    Attributes:
        call_id, operation, method, path_template: as in :class:`RequestStarted`.
        status_code: the last response's status (None when none came).
        error_type: the SDK error's class name (``"RateLimitError"``,
            ``"APITimeoutError"``), ``"CancelledError"`` when the call was cancelled,
            None on success.
        attempts: how many HTTP attempts were sent.
        duration: seconds from the start of the call.
    """

    call_id: int
    operation: str
    method: str
    path_template: str
    status_code: int | None
    error_type: str | None
    attempts: int
    duration: float


@attrs.frozen(kw_only=True)
class AttemptStarted(Event):
    """One HTTP attempt is about to be sent, after every wait (cool-down, rate, slot,
    token refresh, backoff).

    Attributes:
        call_id, operation, method, path_template, url: as in :class:`RequestStarted`.
        attempt: 1 for the first.
        waited_for_refresh: the ``refresh_id`` of each token refresh this call waited
            for before this attempt (for span links).
    """

    call_id: int
    operation: str
    method: str
    path_template: str
    url: str
    attempt: int
    waited_for_refresh: tuple[int, ...] = ()


@attrs.frozen(kw_only=True)
class AttemptEnded(Event):
    """One HTTP attempt ended.

    Attributes:
        call_id, operation, method, path_template, attempt: as in :class:`AttemptStarted`.
        status_code: the response's status, None when none came.
        error_type: the SDK error class name of a failure without a response
            (``"APITimeoutError"``, ``"APIConnectionError"``), or of the status's error
            (``"RateLimitError"``); None for a 2xx.
        duration: seconds the attempt took on the wire.
    """

    call_id: int
    operation: str
    method: str
    path_template: str
    attempt: int
    status_code: int | None
    error_type: str | None
    duration: float


@attrs.frozen(kw_only=True)
class RetryScheduled(Event):
    """The retry loop will try again after ``delay`` seconds (emitted before it sleeps).

    Attributes:
        call_id, operation: as in :class:`RequestStarted`.
        attempt: the attempt that failed.
        reason: ``"HTTP 429"``, ``"HTTP 503"``, ``"timeout"``, ``"connection"``,
            ``"token refused"`` (a stale token; the retry uses the current one), or
            ``"invalid response"`` (a token request's answer did not decode).
        status_code: the failed attempt's status, None when none came.
        delay: seconds it will wait.
        retry_after: whether a ``Retry-After`` header decided the delay.
    """

    call_id: int
    operation: str
    attempt: int
    reason: str
    status_code: int | None
    delay: float
    retry_after: bool


class ThrottleKind(enum.Enum):
    """What a call waited for in the limiter."""

    #: The shared cool-down after a 429 (its ``Retry-After``).
    COOL_DOWN = "cool-down"
    #: The spacing of ``ClientConfig.max_requests_per_second``.
    RATE_LIMIT = "rate-limit"
    #: A free slot of ``ClientConfig.max_concurrency``.
    CONCURRENCY = "concurrency"


@attrs.frozen(kw_only=True)
class ThrottleWaited(Event):
    """A call waited in the limiter (emitted only when it really waited).

    Attributes:
        call_id: the call that waited (None for a wait outside a call).
        kind: what it waited for.
        seconds: how long, on the client's clock.
    """

    call_id: int | None
    kind: ThrottleKind
    seconds: float


@attrs.frozen(kw_only=True)
class TokenRefreshStarted(Event):
    """A token session starts obtaining a token.

    Attributes:
        refresh_id: numbers this fetch, unique among the fetches of every client in the
            process (a hook shared by two clients tells their refreshes apart).
        credential: the credentials' kind: ``"workspace"``, ``"user"``, ``"profile"``,
            ``"token-provider"``, ``"token"``.
        reason: ``"first"`` (no token yet), ``"expiring"`` (in its refresh window, a
            background refresh), ``"expired"``, ``"invalidated"`` (refused by the API).
    """

    refresh_id: int
    credential: str
    reason: str


@attrs.frozen(kw_only=True)
class TokenObtained(Event):
    """A token session obtained a token (never shown here).

    Attributes:
        refresh_id, credential: as in :class:`TokenRefreshStarted`.
        lifetime: seconds the token is valid for, None when unknown (a fixed token used
            until refused).
        expiry_source: where the expiry came from: ``"expiration"`` (the response's
            field), ``"jwt-exp"`` (the JWT's ``exp``), ``"default"`` (the configured
            default lifetime).
        duration: seconds the fetch took.
    """

    refresh_id: int
    credential: str
    lifetime: float | None
    expiry_source: str
    duration: float


@attrs.frozen(kw_only=True)
class TokenRefreshFailed(Event):
    """A token session failed to obtain a token.

    Attributes:
        refresh_id, credential: as in :class:`TokenRefreshStarted`.
        error_type: the SDK error's class name (``"LoginRefusedError"``,
            ``"TokenRefreshError"``).
        duration: seconds the fetch took.
    """

    refresh_id: int
    credential: str
    error_type: str
    duration: float


@attrs.frozen(kw_only=True)
class PageFetched(Event):
    """A paginator fetched one page.

    Attributes:
        operation: the list operation's name (``"list_workflows"``).
        page: the page's number (1-based, as in :attr:`Page.page`).
        items: how many items it held.
        prefetched: whether it was fetched ahead, before it was asked for.
    """

    operation: str
    page: int
    items: int
    prefetched: bool


#: The events that end what another began: hooks see them in the reverse order.
_ENDS = (RequestEnded, AttemptEnded, TokenObtained, TokenRefreshFailed)


class _Dispatcher:
    """Hands events to the hooks of one client (and its Workspace clients).

    The client makes one only when there are hooks; emission points test that it is
    there (``if call is not None``, ``if self._events is not None``) before building an
    event, so that with no hooks an event costs one branch. Policy:

    - hooks are called in their order for a start and in the reverse order for its
      end (``RequestEnded``, ``AttemptEnded``, ``TokenObtained``, ``TokenRefreshFailed``),
      like nested context managers: two hooks that attach a context (two tracers) each
      detach theirs in turn, and the caller's context is restored;
    - a plain hook runs inline; an async hook's coroutine becomes a task held in a set
      (never awaited by the call), run in a copy of the context as the event found it
      (before any hook changed it);
    - an ``Exception`` from a hook (raised, or ending its task) is logged once per hook
      and dropped; ``CancelledError`` and other ``BaseException`` raised inline pass;
    - ``aclose`` waits up to ``close_timeout`` seconds for running hook tasks, then
      cancels them and waits for them to end, so none is left pending; a task that
      ignores its cancellation is waited for ``close_timeout`` seconds more, then left
      (with a WARNING): ``aclose`` never hangs;
    - after ``aclose`` (a call that was in flight ends), an async hook's coroutine is
      closed unstarted: no task is left that nobody waits for.
    """

    def __init__(
        self, hooks: Sequence[EventHook], *, close_timeout: float, now: Callable[[], float]
    ) -> None:
        self.hooks: tuple[EventHook, ...] = tuple(hooks)
        # The hooks with their indexes, in order for a start, reversed for an end.
        self._in_order = tuple(enumerate(self.hooks))
        self._reversed = self._in_order[::-1]
        self._close_timeout = close_timeout
        #: The client clock's monotonic time: every event's ``at``.
        self.now = now
        self._tasks: set[asyncio.Task[None]] = set()
        self._failed: set[int] = set()  # indexes of hooks whose error was logged
        self._call_ids = 0
        self._closed = False

    def next_call_id(self) -> int:
        """A new ``call_id``."""
        self._call_ids += 1
        return self._call_ids

    def next_refresh_id(self) -> int:
        """A new ``refresh_id``: one counter for every token session in the process, so
        that a link names one refresh even for a hook that two clients share."""
        return next(_REFRESH_IDS)

    def emit(self, event: Event) -> None:
        """Give ``event`` to every hook. Call it only ``if self.hooks``."""
        # The context as the event found it, for async hooks' tasks: not as a hook before
        # them left it (the OpenTelemetry hook attaches an attempt's span and suppresses
        # HTTP instrumentation until the attempt ends: a task must not inherit that).
        # With one hook nothing ran before it: the copy is made only if it is needed.
        ordered = self._reversed if isinstance(event, _ENDS) else self._in_order
        context = contextvars.copy_context() if len(ordered) > 1 else None
        for index, hook in ordered:
            try:
                result = hook(event)
            except Exception:
                self._failed_once(index, hook)
                continue
            if result is not None and inspect.isawaitable(result):
                self._start(index, hook, result, context)

    def _start(
        self,
        index: int,
        hook: EventHook,
        awaitable: Awaitable[None],
        context: contextvars.Context | None,
    ) -> None:
        if self._closed:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            return
        if inspect.iscoroutine(awaitable):
            # ``context=None``: a copy of the current one (with one hook, the same thing).
            task = asyncio.get_running_loop().create_task(awaitable, context=context)
        else:  # a future or another awaitable: it runs where it was made
            task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                self._failed_once(index, hook, task.exception())

        task.add_done_callback(done)

    def _failed_once(self, index: int, hook: EventHook, error: BaseException | None = None) -> None:
        if index in self._failed:
            return
        self._failed.add(index)
        name = getattr(hook, "__qualname__", None) or type(hook).__name__
        logger.warning(
            "event hook %s raised; its further errors are not logged",
            name,
            exc_info=error if error is not None else True,
        )

    async def aclose(self) -> None:
        """Wait up to ``close_timeout`` seconds (real time) for hook tasks still running,
        then cancel them and wait (as long again) for them to end."""
        self._closed = True
        # Not the task of a hook that is closing the client: it cannot end before this.
        tasks = self._tasks - {asyncio.current_task()}
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=self._close_timeout)
        for task in pending:
            task.cancel()
        if pending:
            _, pending = await asyncio.wait(pending, timeout=self._close_timeout)
        if pending:
            logger.warning(
                "%d event hook task(s) did not stop when cancelled; left running", len(pending)
            )


@attrs.define(slots=True, eq=False)
class _Call:
    """What the pipeline tracks of one observed call, for its events (only with hooks)."""

    call_id: int
    operation: str
    method: str
    path_template: str
    url: str
    started: float
    #: The number of the last attempt sent (0 before the first).
    attempt: int = 0
    #: The status of the last response (None before one came).
    last_status: int | None = None
    #: When the attempt in flight started (None between attempts).
    attempt_started: float | None = None
    #: Refresh ids the call waited for since its last attempt (the token session adds them).
    waited_for_refresh: list[int] = attrs.field(factory=list)


#: The observed call running in this task (set by the pipeline only when there are hooks):
#: the limiter names it in ``ThrottleWaited``, the token session notes the refreshes it
#: waits for.
_CURRENT_CALL: ContextVar[_Call | None] = ContextVar("synerise_async_call", default=None)
