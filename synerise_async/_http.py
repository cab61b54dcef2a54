"""The one request pipeline every operation goes through.

``Pipeline.send`` -> ``_send_with_retries`` -> ``_authorize_attempt`` -> ``_send_once``:

- ``_send_with_retries`` is the one retry loop. It retries connection errors (not a
  failed TLS handshake), timeouts,
  408, 429, 500, 502, 503 and 504 with exponential backoff and full jitter; a
  ``Retry-After`` (seconds or HTTP date) wins up to the configured cap, and a 429's
  ``Retry-After`` holds the client's other requests too. Only idempotent requests are
  retried after they may have reached the server; any request is retried when it is
  known not to have been sent, or after a 429. The wait before each retry is the one
  :func:`backoff_delay`. After a 401 (or a 403 whose body names a
  token problem) it invalidates the token only if it is still the one that failed, and
  tries once more with a fresh one; never more than once. Credentials that cannot renew
  (a fixed token, Basic) get a :class:`~synerise_async.LoginRefusedError` saying so. Token requests (logins,
  refreshes) have their own, smaller budget (``token_refresh_attempts``), and a 2xx
  answer of theirs that does not decode is retried like a 5xx.
  ``ClientConfig.retry_unsafe`` retries the others too. ``ClientConfig.total_timeout``
  bounds the whole loop (``_Deadline``): past it, or when a backoff would end after it,
  the call raises :class:`~synerise_async.APITimeoutError` saying so; it is never retried.
- ``_authorize_attempt`` takes the Authorization header for *each attempt*, after every
  wait (the cool-down, a rate-limit turn, a limiter slot, a backoff): a header whose
  token expired meanwhile is never sent; the token session is asked again instead,
  while the request keeps its slot. A token session's own requests skip the limiter:
  every request in its queue may be waiting for them.
- ``_send_once`` sends one attempt and reads the whole body inside ``async with``, so the
  connection goes back to the pool whatever happens, cancellation included.

A non-2xx status becomes an error from the one mapping in ``_exceptions.status_error``;
a 403 not about the token names the permission its path needs (``api._paths.PERMISSIONS``).
Only errors of the SDK's tree leave the pipeline; a connection error keeps the exception
beneath it as ``__cause__``, never one that holds a credential (``_connection_failure``).
A TLS handshake that fails (a certificate not trusted, an https URL on a plain-http port)
is not retried: it fails the same way every time, so it is raised at once with a hint of
what to check.

Logging, for every ``synerise_async`` logger (the package adds a ``NullHandler`` only, so
an application that configured no logging sees nothing):

- **DEBUG**: each attempt's outcome (method, URL, status, time), a refresh starting.
- **INFO**: what the SDK did on its own and got over: a retry (the reason, the attempt,
  the delay), a token obtained or renewed, a step tried again. So is a failure the caller
  is told of anyway, raised to it or kept in the result it gets (the audit's listing
  failures): the error is the report, and logging it louder would say it twice.
- **WARNING**: something is wrong that no error and no result says: the SDK worked
  around an answer that cannot be right (a token lifetime that cannot be right, once
  per token; a page that repeats the one before), or a result may lack something
  without saying so.
- **ERROR**: a fault in code the application handed in (an audit rule that raised),
  with the traceback the result does not carry.

No record holds a secret: requests are named by method and URL, errors by their message.

Events (:mod:`synerise_async.events`), only when the client has hooks: ``send`` then runs
the loop inside ``_send_observed`` (``RequestStarted``, ``RequestEnded``); the loop tells
each attempt (``AttemptStarted`` once the slot and a header are held, ``AttemptEnded``)
and each retry before it sleeps (``RetryScheduled``). Without hooks each of these points
is one ``if call is not None``. ``ClientStats`` is counted either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import enum
import logging
import math
import re
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar
from urllib.parse import quote_plus

import aiohttp
import attrs
from multidict import CIMultiDictProxy
from yarl import URL

from ._clock import SYSTEM_CLOCK, Clock
from ._config import ClientConfig, check_headers, headers_repr, merge_headers
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ClientStateError,
    ErrorBody,
    InvalidArgumentError,
    LoginRefusedError,
    ResponseValidationError,
    TokenRefreshError,
    status_error,
)
from ._limits import Limiter
from ._redaction import Redacted, RedactedBytes
from ._serde import dumps, loads, structure_response
from ._types import UNSET, RawResponse, RequestInfo
from .api._paths import path_template, required_permission
from .events import (
    _CURRENT_CALL,
    AttemptEnded,
    AttemptStarted,
    RequestEnded,
    RequestStarted,
    RetryScheduled,
    _Call,
    _Dispatcher,
)

__all__ = [
    "REFRESHING",
    "RETRYABLE_STATUSES",
    "Authorization",
    "Authorizer",
    "ClientStats",
    "Pipeline",
    "Request",
    "RetryPolicy",
    "backoff_delay",
    "is_token_problem",
    "parse_retry_after",
    "refused_credentials",
]

logger = logging.getLogger("synerise_async.http")

#: Statuses worth another attempt: the server did not (or could not) do the work.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_TOKEN_PROBLEM = re.compile(r"token|expired|jwt", re.IGNORECASE)

_T = TypeVar("_T")


class RetryPolicy(enum.Enum):
    """When a request may be sent again after a failure."""

    #: Any retryable failure: reads, and writes that are safe to repeat.
    IDEMPOTENT = "idempotent"
    #: Only when it is known not to have reached the server, or after a 429.
    UNSENT_ONLY = "unsent-only"
    #: A token request (a login, an MFA step, a Workspace selection, a token refresh):
    #: retried like ``IDEMPOTENT`` but within ``ClientConfig.token_refresh_attempts``
    #: attempts, and a 2xx answer that does not decode into ``Request.expect`` (an HTML
    #: page from a proxy, a cut or wrong-shaped body) is retried too.
    TOKEN = "token"


def _request_headers(value: object) -> Mapping[str, str] | None:
    return None if value is None else check_headers("headers", value)


@attrs.frozen(kw_only=True)
class Request:
    """One API request, as an operation module describes it.

    Attributes:
        method: the HTTP method.
        path: the path below the base URL, parameters already filled in.
        params: query parameters (already validated and encoded as strings).
        json: the JSON body, ready to encode; ``UNSET`` for none.
        authenticated: send the client's credentials (``False`` for logins).
        token: a token to send instead of the client's (MFA step, profile refresh).
        retry: when the request may be repeated; by default ``IDEMPOTENT`` for GET
            and ``UNSENT_ONLY`` otherwise.
        expect: the model a 2xx body must decode into before the pipeline accepts it
            (token requests: their malformed answers are retried). Its body is treated
            as secret: a decoding error does not keep it.
        operation: the operation module's name (``"list_workflows"``), for events;
            ``"send"`` for a request built by hand.
        headers: extra headers for this request, on top of the client's (names compared
            without case); checked like ``ClientConfig.headers``: Authorization is
            refused (the credentials set it; ``token=`` sends another token), so are
            Content-Length and Transfer-Encoding (the body sets them), and the values
            are not shown in the repr.

    Raises:
        InvalidArgumentError: ``headers`` is not a mapping of valid names to values
            without control characters, or sets Authorization, Content-Length or
            Transfer-Encoding.
    """

    method: str
    path: str
    params: Mapping[str, str] | None = None
    json: Any = UNSET
    authenticated: bool = True
    token: str | None = attrs.field(default=None, repr=False)
    retry: RetryPolicy | None = None
    expect: type | None = attrs.field(default=None, repr=False)
    operation: str = "send"
    headers: Mapping[str, str] | None = attrs.field(
        default=None, converter=_request_headers, repr=headers_repr
    )

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy, with the method's default applied."""
        if self.retry is not None:
            return self.retry
        if self.method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE"):
            return RetryPolicy.IDEMPOTENT
        return RetryPolicy.UNSENT_ONLY


@attrs.frozen
class Authorization:
    """An Authorization header value, the credential it came from (for invalidation), and
    the clock time from which it must not be sent any more (None: no known expiry)."""

    header: str = attrs.field(repr=False, converter=Redacted)
    credential: object = attrs.field(default=None, repr=False, eq=False)
    expires_at: float | None = attrs.field(default=None, eq=False)


class Authorizer(Protocol):
    """Where the pipeline gets its Authorization header (see ``synerise_async.auth``)."""

    async def authorize(self) -> Authorization:
        """A header that is valid now, waiting for a token refresh if none is."""
        ...

    def invalidate(self, authorization: Authorization) -> bool:
        """Forget ``authorization`` if it is still current; whether a fresh one can follow."""
        ...

    def is_current(self, authorization: Authorization) -> bool:
        """Whether ``authorization`` is still the header this authorizer hands out."""
        ...

    async def aclose(self) -> None:
        """Stop whatever the authorizer runs in the background (a token refresh)."""
        ...


@attrs.define
class ClientStats:
    """Counters of one client, for dashboards, progress displays and tests (always
    counted, with or without event hooks; not thread-safe, not needed).

    Attributes:
        attempts: HTTP attempts sent.
        retries: attempts that followed a failed one.
        responses: responses received, any status.
        errors: attempts that failed (no response, a non-2xx status, an answer that
            did not decode).
        reauthentications: attempts repeated for a token the API refused.
        backoff_seconds: seconds the retry loop slept before retries (``Retry-After``
            included).
        cool_down_seconds: seconds requests waited in the shared cool-down after a 429.
        rate_limit_seconds: seconds requests waited for ``max_requests_per_second``.
        concurrency_wait_seconds: seconds requests waited for a ``max_concurrency`` slot.
        token_refreshes: tokens obtained (the first login included).
        token_refresh_failures: attempts to obtain a token that failed.
        responses_by_status_class: responses by ``"2xx"``, ``"4xx"``, ``"5xx"``...
    """

    attempts: int = 0
    retries: int = 0
    responses: int = 0
    errors: int = 0
    reauthentications: int = 0
    backoff_seconds: float = 0.0
    cool_down_seconds: float = 0.0
    rate_limit_seconds: float = 0.0
    concurrency_wait_seconds: float = 0.0
    token_refreshes: int = 0
    token_refresh_failures: int = 0
    responses_by_status_class: Counter[str] = attrs.field(factory=Counter)


#: ``responses_by_status_class`` keys, by ``status // 100``.
_STATUS_CLASSES = tuple(f"{n}xx" for n in range(10))


def backoff_delay(retry: int, config: ClientConfig, random: Callable[[], float]) -> float:
    """The one backoff: full jitter before retry number ``retry`` (1 for the first).

    Uniform in ``[0, min(backoff_cap, backoff_base * 2**(retry - 1)))``, drawn with
    ``random`` (the client clock's). The pipeline waits this long before each retry, and
    the token session this long before it tries a failed background refresh again.
    """
    try:
        grown = config.backoff_base * 2.0 ** (retry - 1)
    except OverflowError:  # from retry 1025 on: far past any cap
        grown = math.inf
    return random() * min(config.backoff_cap, grown)


def refused_credentials(refused: APIStatusError, message: str) -> LoginRefusedError:
    """A :class:`LoginRefusedError` for credentials the API refused, with ``message`` and
    what the refusing response said."""
    return LoginRefusedError(
        message,
        request=refused.request,
        status_code=refused.status_code,
        body=refused.body,
        text=refused.text,
        headers=refused.headers,
        attempts=refused.attempts,
    )


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None.

    A value that is not a finite, representable time (``NaN``, a date in the year
    99999) is ignored, as if no header had come.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            seconds = when.timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def is_token_problem(status: int, body: ErrorBody | None, *, strict: bool = False) -> bool:
    """Whether a 401/403 is about the token sent (expired, revoked, invalid). Any 401 is,
    unless ``strict``: then its body must say so too (for a login step, where a 401 may
    also refuse a password or an MFA code)."""
    if status == 401 and not strict:
        return True
    if status not in (401, 403) or body is None:
        return False
    return any(
        _TOKEN_PROBLEM.search(part) for part in (body.message, body.error, body.error_code) if part
    )


#: Set (in its own task's context) by a token session while it obtains a token: the
#: requests it sends skip the limiter's queue, since the requests in it may be waiting
#: for that very token.
REFRESHING: ContextVar[bool] = ContextVar("synerise_async_refreshing", default=False)

#: How often one attempt asks for a fresh header when the one it got expired while it
#: waited for its turn; past that the token session is evidently handing out tokens
#: that expire before they can be sent.
_MAX_STALE_HEADERS = 3


class _Deadline:
    """The end of one call's ``total_timeout``, read on the client's clock.

    Policy:

    - the time left is read on the client's clock before each wait, each attempt and
      each backoff: what the clock's own sleeps took (a cool-down, a rate-limit turn, a
      backoff) counts, and a call past its deadline ends there;
    - a backoff that would end after the deadline is not slept: the call ends at once;
    - a wait for something else (a limiter slot, a token refresh) is cut by
      ``asyncio.timeout`` when the time left has passed on the event loop: it cancels
      the call's own task, so the waited-on thing cleans up as for any cancellation
      (the queue is left, a shared refresh goes on for the others); that cancellation
      becomes :class:`APITimeoutError`, any other is raised as it came;
    - an attempt gets ``min(timeout, time left)`` as its aiohttp timeout (the event
      loop's time too).

    The loop's timers, not the clock's sleep, cut waits: a test clock that moves on each
    sleep (``ManualClock``) would otherwise jump to the deadline whenever a call waits.
    With the real clock both are the same time.
    """

    def __init__(self, total: float, monotonic: Callable[[], float], info: RequestInfo) -> None:
        self._total = total
        self._monotonic = monotonic
        self._info = info
        self.at = monotonic() + total
        #: The attempt whose aiohttp timeout the deadline shortened (its timeout is the deadline's).
        self.cut_attempt = 0
        #: The error of the call once it ran out of time: raised as it is, never retried.
        self.error: APITimeoutError | None = None

    def remaining(self) -> float:
        return self.at - self._monotonic()

    def passed(self, where: str, attempts: int, *, sent: bool = True) -> APITimeoutError:
        """The error of a call that ran out of time ``where`` (a phrase), after ``attempts``."""
        self.error = APITimeoutError(
            f"The call's total_timeout of {self._total:g}s passed {where}",
            request=self._info,
            attempts=attempts,
            sent=sent,
        )
        return self.error

    async def bound(self, awaitable: Awaitable[_T], where: str, attempt: int) -> _T:
        """``await awaitable``, cut at the deadline; ``attempt`` is the one it waits for."""
        remaining = self.remaining()
        if remaining <= 0:
            if isinstance(awaitable, Coroutine):
                awaitable.close()
            raise self.passed(where, attempt - 1, sent=attempt > 1)
        scope = asyncio.timeout(remaining)
        try:
            async with scope:
                return await awaitable
        except TimeoutError:
            if scope.expired():  # the deadline's own cut, not a TimeoutError from within
                raise self.passed(where, attempt - 1, sent=attempt > 1) from None
            raise

    @contextlib.asynccontextmanager
    async def slot(self, limiter: Limiter, attempt: int) -> AsyncIterator[None]:
        """``async with limiter``, its wait cut at the deadline."""
        where = "while waiting for its turn in the limiter"
        await self.bound(limiter.acquire(), where, attempt)
        try:
            if self.remaining() <= 0:  # the clock's own sleeps (a cool-down) passed it
                raise self.passed(where, attempt - 1, sent=attempt > 1)
            yield
        finally:
            limiter.release()

    def attempt_timeout(
        self, timeout: aiohttp.ClientTimeout, attempt: int
    ) -> aiohttp.ClientTimeout:
        """``timeout`` for ``attempt``, shortened to the time left."""
        remaining = self.remaining()
        if remaining <= 0:
            raise self.passed(f"before attempt {attempt}", attempt - 1, sent=attempt > 1)
        if timeout.total is not None and remaining >= timeout.total:
            return timeout
        self.cut_attempt = attempt
        return aiohttp.ClientTimeout(total=remaining, sock_connect=timeout.sock_connect)


class Pipeline:
    """Sends requests for one client; see the module docstring for the policy."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        base_url: str,
        config: ClientConfig,
        limiter: Limiter,
        authorizer: Authorizer | None = None,
        clock: Clock = SYSTEM_CLOCK,
        stats: ClientStats | None = None,
        proxy: str | None = None,
        events: _Dispatcher | None = None,
    ) -> None:
        self._session = session
        #: Where events go; None without hooks, so that each emission point is one branch.
        self._events = events if events is not None and events.hooks else None
        #: The proxy the session goes through, as it may be shown (no credentials).
        self._proxy = proxy.partition("://")[2] if proxy else None
        self._base_url = base_url.rstrip("/")
        self._config = config
        self._limiter = limiter
        self.authorizer = authorizer
        self._clock = clock.monotonic
        self._wall_clock = clock.wall
        self._sleep = clock.sleep
        self._random = clock.random
        self._timeout = aiohttp.ClientTimeout(
            total=config.timeout, sock_connect=config.connect_timeout
        )
        base = URL(self._base_url)
        self._scheme, self._authority, self._base_path = (
            base.scheme,
            base.raw_authority,
            base.raw_path.rstrip("/"),
        )
        # Built once: a request without a body sends ``_headers`` itself, one with a JSON
        # body ``_json_headers``; ``_with_authorization`` adds the token's header once per token.
        self._headers = config.default_headers()
        self._json_headers = {**self._headers, "Content-Type": "application/json"}
        self._authorized: tuple[dict[str, str], Authorization, dict[str, str]] | None = None
        self.stats = stats if stats is not None else ClientStats()

    def send(self, request: Request) -> Coroutine[Any, Any, RawResponse]:
        """Send ``request`` and return (to ``await``) its 2xx response, fully read.

        A plain function handing over the retry loop's coroutine: one frame fewer for
        every resumption of every request.

        Raises:
            APIStatusError: (a subclass of) for a non-2xx status, after any retries.
            APIConnectionError: when no response could be had, after any retries.
            ResponseValidationError: a token request's answer did not decode, after retries.
            TokenRefreshError: when no valid token could be obtained.
            APITimeoutError: also when the call's ``total_timeout`` passed.
        """
        if self._events is None:
            return self._send_with_retries(request, None)
        return self._send_observed(request, self._events)

    async def _send_observed(self, request: Request, events: _Dispatcher) -> RawResponse:
        """``_send_with_retries`` between a ``RequestStarted`` and a ``RequestEnded``
        (cancelled: ``error_type="CancelledError"``); an attempt cut off by the error
        gets its ``AttemptEnded`` first."""
        prepared = self._url(request)
        info = prepared[1]
        template = path_template(request.path)
        call = _Call(
            events.next_call_id(),
            request.operation,
            request.method,
            template,
            info.url,
            events.now(),
        )
        events.emit(
            RequestStarted(
                at=call.started,
                call_id=call.call_id,
                operation=call.operation,
                method=call.method,
                path_template=template,
                url=info.url,
            )
        )
        outer = _CURRENT_CALL.set(call)
        error: BaseException | None = None
        try:
            return await self._send_with_retries(request, call, prepared)
        except BaseException as exc:
            error = exc
            raise
        finally:
            _CURRENT_CALL.reset(outer)
            error_type = None if error is None else type(error).__name__
            if call.attempt_started is not None:
                self._attempt_ended(call, None, error_type)
            now = events.now()
            events.emit(
                RequestEnded(
                    at=now,
                    call_id=call.call_id,
                    operation=call.operation,
                    method=call.method,
                    path_template=template,
                    status_code=call.last_status,
                    error_type=error_type,
                    attempts=call.attempt,
                    duration=now - call.started,
                )
            )

    def _attempt_ended(self, call: _Call, status: int | None, error_type: str | None) -> None:
        assert self._events is not None
        assert call.attempt_started is not None
        now = self._events.now()
        if status is not None:
            call.last_status = status
        self._events.emit(
            AttemptEnded(
                at=now,
                call_id=call.call_id,
                operation=call.operation,
                method=call.method,
                path_template=call.path_template,
                attempt=call.attempt,
                status_code=status,
                error_type=error_type,
                duration=now - call.attempt_started,
            )
        )
        call.attempt_started = None

    def _retry_scheduled(
        self,
        call: _Call,
        attempt: int,
        failure: APIError | str,
        delay: float,
        retry_after: bool = False,
        status: int | None = None,
    ) -> None:
        """``RetryScheduled`` for a retry after ``failure`` (or a reason: a refused token)."""
        assert self._events is not None
        if isinstance(failure, str):
            reason = failure
        elif isinstance(failure, APIStatusError):
            reason, status = f"HTTP {failure.status_code}", failure.status_code
        elif isinstance(failure, APIConnectionError):
            reason = "timeout" if isinstance(failure, APITimeoutError) else "connection"
        else:
            reason = "invalid response"
        self._events.emit(
            RetryScheduled(
                at=self._events.now(),
                call_id=call.call_id,
                operation=call.operation,
                attempt=attempt,
                reason=reason,
                status_code=status,
                delay=delay,
                retry_after=retry_after,
            )
        )

    def _url(self, request: Request) -> tuple[URL, RequestInfo]:
        # Built once per request, already encoded, so aiohttp does not parse it again.
        # Paths come from the operation modules with every parameter validated or quoted.
        query = _query(request.params) if request.params else ""
        url = URL.build(
            scheme=self._scheme,
            authority=self._authority,
            path=self._base_path + request.path,
            query_string=query,
            encoded=True,
        )
        text = f"{self._base_url}{request.path}?{query}" if query else self._base_url + request.path
        return url, RequestInfo(request.method, text)

    def _with_authorization(
        self, headers: dict[str, str], authorization: Authorization
    ) -> dict[str, str]:
        """``headers`` and the Authorization header, merged once per token: a token
        session hands out the same :class:`Authorization` for as long as its token lasts.
        Nothing downstream changes the dict (aiohttp copies it into its own)."""
        cached = self._authorized
        if cached is not None and cached[0] is headers and cached[1] is authorization:
            return cached[2]
        merged = {**headers, "Authorization": authorization.header}
        self._authorized = (headers, authorization, merged)
        return merged

    def _authorizer_for(self, request: Request) -> Authorizer | Authorization | None:
        if not request.authenticated:
            return None
        if request.token is not None:
            return Authorization(f"Bearer {request.token}")
        return self.authorizer

    async def _send_with_retries(
        self,
        request: Request,
        call: _Call | None,
        prepared: tuple[URL, RequestInfo] | None = None,
    ) -> RawResponse:
        # ``prepared``: the URL ``_send_observed`` built already for its events.
        url, info = self._url(request) if prepared is None else prepared
        headers = self._headers
        body: bytes | None = None
        if request.json is not UNSET:
            try:
                body = RedactedBytes(dumps(request.json))
            except (TypeError, ValueError):  # its message is not shown: it may quote a secret
                raise InvalidArgumentError(
                    f"the body of {request.method} {request.path}",
                    "cannot be sent as JSON: it holds a value JSON cannot hold, or a "
                    "string that is not valid Unicode (a lone surrogate)",
                ) from None
            headers = self._json_headers
        if request.headers:
            headers = merge_headers(headers, request.headers)
        config = self._config
        policy = request.retry_policy
        idempotent = policy is not RetryPolicy.UNSENT_ONLY or config.retry_unsafe
        deadline = (
            None
            if config.total_timeout is None
            else _Deadline(config.total_timeout, self._clock, info)
        )
        max_retries = (
            config.token_refresh_attempts - 1 if policy is RetryPolicy.TOKEN else config.max_retries
        )
        source = self._authorizer_for(request)
        # Who can renew a refused token: the client's authorizer, not a fixed header.
        renewer = None if source is None or isinstance(source, Authorization) else source
        attempt = 0
        retries = 0
        renewed = False
        failure: APIError
        while True:
            attempt += 1
            authorization: Authorization | None = None
            try:
                authorization, (status, resp_headers, content) = await self._authorize_attempt(
                    request, source, url, info, headers, body, attempt, deadline, call
                )
            except APIConnectionError as error:
                if deadline is not None and error is deadline.error:
                    raise
                self.stats.errors += 1
                if call is not None:
                    self._attempt_ended(call, None, type(error).__name__)
                if (
                    deadline is not None
                    and deadline.cut_attempt == attempt
                    and isinstance(error, APITimeoutError)
                ):
                    where = f"during attempt {attempt}"
                    sent = error.may_have_been_processed
                    raise deadline.passed(where, attempt, sent=sent) from error
                if (
                    retries >= max_retries
                    or (error.may_have_been_processed and not idempotent)
                    or _fails_alike(error)
                ):
                    raise
                delay = backoff_delay(retries + 1, config, self._random)
                reason, failure, retried_after = error.message, error, False
            else:
                self.stats.responses += 1
                self.stats.responses_by_status_class[_STATUS_CLASSES[status // 100 % 10]] += 1
                if 200 <= status < 300:
                    if call is not None:
                        self._attempt_ended(call, status, None)
                    raw = RawResponse(
                        status_code=status,
                        headers=resp_headers,
                        content=content,
                        request=info,
                        attempts=attempt,
                    )
                    if request.expect is None:
                        return raw
                    try:
                        structure_response(raw, request.expect, secret=True)
                    except ResponseValidationError as error:
                        self.stats.errors += 1
                        if retries >= max_retries:
                            raise
                        delay = backoff_delay(retries + 1, config, self._random)
                        reason, failure, retried_after = error.message, error, False
                    else:
                        return raw
                else:
                    self.stats.errors += 1
                    retry_after = parse_retry_after(
                        resp_headers.get("Retry-After"), now=self._wall_clock()
                    )
                    error_status = self._status_error(
                        request, status, resp_headers, content, info, attempt, retry_after, renewed
                    )
                    if call is not None:
                        self._attempt_ended(call, status, type(error_status).__name__)
                    if (
                        renewer is not None
                        and authorization is not None
                        and is_token_problem(status, error_status.body)
                    ):
                        if retries < max_retries and not renewer.is_current(authorization):
                            # Refused for a token the session had already replaced (renewed
                            # by another request meanwhile): try the current one, within
                            # the retry budget.
                            retries += 1
                            self.stats.reauthentications += 1
                            if call is not None:
                                self._retry_scheduled(
                                    call, attempt, "token refused", 0.0, status=status
                                )
                            continue
                        if not renewed and renewer.invalidate(authorization):
                            # One more attempt with a fresh token; it uses no retry.
                            renewed = True
                            self.stats.reauthentications += 1
                            if call is not None:
                                self._retry_scheduled(
                                    call, attempt, "token refused", 0.0, status=status
                                )
                            logger.info(
                                "%s %s was refused for its token; renewing the token and retrying once",
                                request.method,
                                request.path,
                            )
                            continue
                        if not renewed:
                            # Fixed credentials (a static token, Basic): nothing to renew.
                            raise refused_credentials(
                                error_status,
                                f"{error_status.message}; the API refused these credentials "
                                "and they cannot be renewed (a fixed token or key: give a "
                                "new one, or TokenAuth(provider=...))",
                            )
                    if (
                        retries >= max_retries
                        or status not in RETRYABLE_STATUSES
                        or (status != 429 and not idempotent)
                        or (retry_after is not None and retry_after > config.max_retry_after)
                    ):
                        raise error_status
                    if retry_after is not None:
                        delay = retry_after
                        if status == 429:
                            self._limiter.cool_down(retry_after)
                    else:
                        delay = backoff_delay(retries + 1, config, self._random)
                    reason, failure = f"HTTP {status}", error_status
                    retried_after = retry_after is not None
            if deadline is not None and delay >= deadline.remaining():
                raise deadline.passed(
                    f"before attempt {attempt + 1}: its backoff of {delay:.2f}s would end after it",
                    attempt,
                ) from failure
            if call is not None:
                self._retry_scheduled(call, attempt, failure, delay, retried_after)
            retries += 1
            self.stats.retries += 1
            self.stats.backoff_seconds += delay
            logger.info(
                "%s %s failed (%s, attempt %d); retrying in %.2fs",
                request.method,
                info.url,
                reason,
                attempt,
                delay,
            )
            await self._sleep(delay)

    async def _authorize_attempt(
        self,
        request: Request,
        source: Authorizer | Authorization | None,
        url: URL,
        info: RequestInfo,
        headers: dict[str, str],
        body: bytes | None,
        attempt: int,
        deadline: _Deadline | None,
        call: _Call | None,
    ) -> tuple[Authorization | None, tuple[int, CIMultiDictProxy[str], bytes]]:
        """Wait for a turn and a slot, then send one attempt with a header valid *now*.

        The header is asked for before the wait (so a needed refresh is waited for
        without holding a slot) and taken again once the slot is held: a token that was
        renewed, revoked or expired during the wait is replaced while the request keeps
        its slot (it does not go to the back of the queue). The requests of a token session's
        own refresh (:data:`REFRESHING`) take no slot and no turn: the queue may be
        waiting for them, so they must not wait in it. A ``deadline`` cuts each wait.
        """
        slot = self._limiter if deadline is None else deadline.slot(self._limiter, attempt)
        if source is None or isinstance(source, Authorization):
            if REFRESHING.get():
                return source, await self._send_authorized(
                    request, url, info, headers, body, attempt, source, deadline, call
                )
            async with slot:
                return source, await self._send_authorized(
                    request, url, info, headers, body, attempt, source, deadline, call
                )
        # A refresh, if one is needed, is waited for without a slot.
        await self._token(source, deadline, attempt)
        async with slot:
            for _ in range(_MAX_STALE_HEADERS):
                # After the wait: the session may have renewed or dropped the token meanwhile
                # (a revocation, an expiry); this returns at once while its token is valid.
                authorization = await self._token(source, deadline, attempt)
                expires_at = authorization.expires_at
                if expires_at is None or self._clock() < expires_at:
                    return authorization, await self._send_authorized(
                        request, url, info, headers, body, attempt, authorization, deadline, call
                    )
        raise TokenRefreshError(
            f"{request.method} {request.path}: every token obtained had expired by the "
            "time the request could be sent"
        )

    def _token(
        self, source: Authorizer, deadline: _Deadline | None, attempt: int
    ) -> Awaitable[Authorization]:
        if deadline is None:
            return source.authorize()
        return deadline.bound(source.authorize(), "while waiting for a token", attempt)

    def _send_authorized(
        self,
        request: Request,
        url: URL,
        info: RequestInfo,
        headers: dict[str, str],
        body: bytes | None,
        attempt: int,
        authorization: Authorization | None,
        deadline: _Deadline | None,
        call: _Call | None,
    ) -> Coroutine[Any, Any, tuple[int, CIMultiDictProxy[str], bytes]]:
        # A plain function, like ``send``: the attempt's coroutine is ``_send_once``'s.
        if authorization is not None:
            headers = self._with_authorization(headers, authorization)
        timeout = (
            self._timeout if deadline is None else deadline.attempt_timeout(self._timeout, attempt)
        )
        self.stats.attempts += 1
        if call is not None:
            self._attempt_started(call, attempt)
        return self._send_once(request, url, info, headers, body, attempt, timeout)

    def _attempt_started(self, call: _Call, attempt: int) -> None:
        assert self._events is not None
        call.attempt = attempt
        call.attempt_started = now = self._events.now()
        waited: tuple[int, ...] = ()
        if call.waited_for_refresh:
            waited, call.waited_for_refresh = tuple(call.waited_for_refresh), []
        self._events.emit(
            AttemptStarted(
                at=now,
                call_id=call.call_id,
                operation=call.operation,
                method=call.method,
                path_template=call.path_template,
                url=call.url,
                attempt=attempt,
                waited_for_refresh=waited,
            )
        )

    def _status_error(
        self,
        request: Request,
        status: int,
        headers: CIMultiDictProxy[str],
        content: bytes,
        info: RequestInfo,
        attempt: int,
        retry_after: float | None,
        renewed: bool,
    ) -> APIStatusError:
        text = content[:2000].decode("utf-8", "replace")
        try:
            body = ErrorBody.from_json(loads(content)) if content else None
        except ValueError:
            body = None
        needed = None
        if status == 403 and not is_token_problem(status, body):
            needed = required_permission(request.path)
        return status_error(
            status,
            request=info,
            body=body,
            text=text,
            headers=headers,
            attempts=attempt,
            retry_after=retry_after,
            # Refused for its token again, with a fresh one: an authentication failure.
            token_problem=renewed and status != 401 and is_token_problem(status, body),
            permission=needed.permission if needed else None,
            role_group=needed.role_group if needed else None,
        )

    async def _send_once(
        self,
        request: Request,
        url: URL,
        info: RequestInfo,
        headers: Mapping[str, str],
        body: bytes | None,
        attempt: int,
        limits: aiohttp.ClientTimeout,
    ) -> tuple[int, CIMultiDictProxy[str], bytes]:
        started = self._clock()
        failure: APIConnectionError | None = None
        cause: BaseException | None = None
        try:
            async with self._session.request(
                request.method,
                url,
                data=body,
                headers=headers,
                timeout=limits,
                allow_redirects=False,
            ) as response:
                content = await response.read()
                status, resp_headers = response.status, response.headers
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            failure, cause = _connection_failure(exc, info, attempt, self._proxy)
        except RuntimeError:
            if not self._session.closed:
                raise
            # The client (or the caller, its own session) closed while this call waited
            # for its turn or a retry: aiohttp's "Session is closed", typed.
            raise ClientStateError(
                f"{request.method} {request.path}: the client (or the aiohttp session it "
                "was given) was closed during the call"
            ) from None
        if failure is not None:
            # Raised outside the handler: ``__context__`` does not keep aiohttp's exception.
            raise failure from cause
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.3fs (attempt %d)",
                request.method,
                info.url,
                status,
                self._clock() - started,
                attempt,
            )
        return status, resp_headers, content


#: OpenSSL's reasons for a handshake answered by something that does not speak TLS:
#: most often a plain-http server on the port of an https URL.
_NOT_TLS = frozenset(
    {
        "HTTP_REQUEST",
        "PACKET_LENGTH_TOO_LONG",
        "RECORD_LAYER_FAILURE",
        "UNKNOWN_PROTOCOL",
        "WRONG_VERSION_NUMBER",
    }
)


def _tls_failure(error: OSError) -> str:
    """What a failed TLS handshake means, and what to check."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate verification failed ({error.verify_message or error.reason}): "
            "the server's certificate is not trusted for this host. Check the host in "
            "base_url; to trust a private CA, pass session= an aiohttp.ClientSession whose "
            "connector has an ssl.SSLContext that trusts it "
            "(ssl.create_default_context(cafile=...))"
        )
    reason = getattr(error, "reason", None) or type(error).__name__
    if reason in _NOT_TLS:
        return (
            f"TLS handshake failed ({reason}): the server may speak plain http, not https; "
            "check the scheme and port of base_url (try http://)"
        )
    return (
        f"TLS handshake failed ({reason}): check that the server speaks https on that "
        "port, and any proxy between"
    )


#: What ``quote_plus`` leaves as it is: a query part made only of these needs no quoting.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


#: ``key=value`` by ``(key, value)``: most calls repeat their query's parts (a time
#: period, a page size). Emptied when full, so it stays small whatever is sent.
_QUERY_PARTS: dict[tuple[str, str], str] = {}
_QUERY_PARTS_MAX = 1024


def _query(params: Mapping[str, str]) -> str:
    """``urlencode(params)``, without its per-character quoting for the common case of
    parts that need none (page numbers, enum values, UUIDs), each part encoded once."""
    parts = []
    for item in params.items():
        part = _QUERY_PARTS.get(item)
        if part is None:
            key, value = item
            if _UNQUOTED(key) and _UNQUOTED(value):
                part = f"{key}={value}"
            else:
                part = f"{quote_plus(key)}={quote_plus(value)}"
            if len(_QUERY_PARTS) >= _QUERY_PARTS_MAX:
                _QUERY_PARTS.clear()
            _QUERY_PARTS[item] = part
        parts.append(part)
    return "&".join(parts)


def _connection_failure(
    exc: Exception, info: RequestInfo, attempt: int, proxy: str | None = None
) -> tuple[APIConnectionError, BaseException | None]:
    """The SDK's error for an attempt that got no response, and the exception to keep as
    its ``__cause__``.

    The cause is aiohttp's exception, or the one below it where aiohttp's holds more than
    its text says: a connector error keeps the connection key (with the proxy's
    credentials), a response error the request's headers (the Authorization among them).
    A ``ValueError`` raised while building the request may quote a header value: none.
    ``proxy`` (host and port) names the proxy the connection went through.
    """
    if isinstance(exc, TimeoutError):
        sent = not isinstance(exc, aiohttp.ConnectionTimeoutError)
        return APITimeoutError(request=info, attempts=attempt, sent=sent), exc
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        if isinstance(exc, aiohttp.ClientSSLError) or isinstance(os_error, ssl.SSLError):
            message = _tls_failure(os_error)
        elif isinstance(exc, aiohttp.ClientProxyConnectionError):
            # Named by host and port only: the proxy URL may hold credentials.
            reason = os_error.strerror or type(os_error).__name__
            message = f"Could not connect to the proxy {exc.host}:{exc.port}: {reason}"
        else:
            message = f"Could not connect: {os_error.strerror or type(os_error).__name__}"
        return APIConnectionError(message, request=info, attempts=attempt, sent=False), os_error
    if isinstance(exc, aiohttp.ClientError):
        cause = exc.__cause__ if isinstance(exc, aiohttp.ClientResponseError) else exc
        via = f" through the proxy {proxy}" if proxy else ""
        message = f"Connection error{via}: {type(exc).__name__}"
        return APIConnectionError(message, request=info, attempts=attempt), cause
    # aiohttp refuses to build the request (a header value with a control character,
    # say): nothing was sent. Arguments are checked before this, so this is a last guard
    # that keeps the error typed.
    message = f"Could not send the request: {type(exc).__name__} while building it"
    return APIConnectionError(message, request=info, attempts=attempt, sent=False), None


def _fails_alike(error: APIConnectionError) -> bool:
    """Whether another attempt would fail the same way: a TLS handshake that failed (a
    certificate not trusted, a server that does not speak TLS) does not get better."""
    return isinstance(error.__cause__, ssl.SSLError)
