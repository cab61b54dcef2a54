"""The token session: one valid token for any number of concurrent requests.

Policy:

- **Fresh**: while more than the refresh margin of the token's life is left, every
  request gets the current token at once.
- **Early window** (less than the margin left, still valid): the first request to notice
  starts one refresh in the background; every request keeps getting the still-valid
  token. A failed background refresh is logged (at INFO) and tried again after the
  pipeline's backoff (``_http.backoff_delay``, growing with each failure in a row); the
  old token is kept while it is valid.
- **Must window** (no valid token): requests wait for the one refresh in flight (started
  by whoever came first). Its failure reaches each waiter as ``TokenRefreshError`` with
  the cause; the next request starts a new refresh.
- **One retry budget**: a refresh is one pass of the credentials' flow; each token
  request in it is retried by the pipeline within ``token_refresh_attempts`` attempts
  (malformed answers included). Nothing here retries on top of that.
- **Refused credentials are final for a while**: when the API refuses the login itself
  (401/403), the refresh fails with :class:`~synerise_async.LoginRefusedError`, and for
  ``refused_login_backoff`` seconds every request gets that error at once instead of
  sending the refused credentials again. Other non-transient failures (an MFA code
  missing, a provider that raised) are held back the same way.
- **Single flight, shielded**: there is never more than one refresh task; waiters await
  it through ``asyncio.shield``, so cancelling any of them (even the one that started
  it) does not cancel it for the others.
- **After a 401**: ``invalidate`` drops the token only if it is still the one that failed
  (another request may have renewed it already), so N failing requests cause one renewal.
- **Credentials that cannot renew** (a fixed token): their token is used until it
  expires, and one whose expiry cannot be read until the API refuses it; then
  requests fail saying it cannot be renewed.
- **Told**: every fetch counts in the client's stats (``token_refreshes``,
  ``token_refresh_failures``) and, with event hooks, is a ``TokenRefreshStarted``
  followed by a ``TokenObtained`` or a ``TokenRefreshFailed`` (:mod:`synerise_async.events`;
  never the token). A call that waits for a refresh notes its ``refresh_id``, for the
  ``AttemptStarted`` that follows.
- **Implausible lifetimes** (an expiry at or before the issue time, an issue time in
  the wrong unit) are treated as unknown: the default lifetime applies and one warning
  is logged per token, so a server's odd clock never makes a login per request.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs

from .._clock import SYSTEM_CLOCK, Clock
from .._config import ClientConfig
from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    ClientStateError,
    LoginRefusedError,
    ResponseValidationError,
    TokenRefreshError,
)
from .._http import (
    REFRESHING,
    RETRYABLE_STATUSES,
    Authorization,
    backoff_delay,
    is_token_problem,
    refused_credentials,
)
from .._redaction import Redacted
from .._validation import has_control_character
from ..events import _CURRENT_CALL, TokenObtained, TokenRefreshFailed, TokenRefreshStarted
from ._tokens import IssuedToken, token_timing

if TYPE_CHECKING:
    from .._http import ClientStats
    from ..events import _Dispatcher

__all__ = ["Fetch", "SessionToken", "TokenSession"]

logger = logging.getLogger("synerise_async.auth")


@attrs.frozen(kw_only=True)
class SessionToken:
    """A token in use, with its timing on the monotonic clock."""

    value: str = attrs.field(repr=False, converter=Redacted)
    refresh_at: float
    expires_at: float
    lifetime: float
    source: str
    generation: int

    def header(self) -> Authorization:
        """The Authorization header for this token (not to be sent from ``expires_at`` on)."""
        return Authorization(f"Bearer {self.value}", self, self.expires_at)


#: ``TokenObtained.expiry_source`` for each ``TokenTiming.source``.
_EXPIRY_SOURCES = {"expiration": "expiration", "exp": "jwt-exp", "default": "default"}

#: Obtains a token; receives the current token while it is still valid (for kinds that
#: can refresh with it), else None.
Fetch = Callable[["SessionToken | None"], Awaitable[IssuedToken]]


def _transient(exc: BaseException) -> bool:
    """Whether obtaining a token may work when simply tried again."""
    if isinstance(exc, APIStatusError):
        return exc.status_code in RETRYABLE_STATUSES
    return isinstance(exc, APIConnectionError | ResponseValidationError | TokenRefreshError)


def _refused(exc: BaseException) -> APIStatusError | None:
    """The login's own refusal, when ``exc`` is one: a 401 or 403 to a token request that
    is not about a token (a step of a flow, MFA or Workspace selection, sends the token of
    the step before; a 401 for that token going stale is no verdict on the credentials)."""
    if isinstance(exc, LoginRefusedError):
        return exc
    if isinstance(exc, APIStatusError) and exc.status_code in (401, 403) and not _stale_step(exc):
        return exc
    return None


def _stale_step(exc: BaseException) -> bool:
    """A step of a login flow refused for the token the step before issued."""
    return isinstance(exc, APIStatusError) and is_token_problem(
        exc.status_code, exc.body, strict=True
    )


def _fresh(exc: TokenRefreshError) -> TokenRefreshError:
    """A new instance for one waiter: one shared instance would collect every waiter's
    traceback."""
    if isinstance(exc, LoginRefusedError):
        copy: TokenRefreshError = refused_credentials(exc, exc.message)
    else:
        copy = TokenRefreshError(str(exc))
    copy.__cause__ = exc.__cause__
    return copy


class TokenSession:
    """Keeps one valid token, refreshing it before it expires (see the module docstring).

    Args:
        fetch: obtains a new token (a login, or a refresh with the current token).
        config: margins, default lifetime, the refused-login back-off.
        name: what to call the credentials in logs (never a secret).
        renewable: whether a new token can be had after the first (False for a fixed
            token: then a token whose expiry cannot be read is used until refused).
        clock: the client's clock (monotonic time for expiry, wall time only when the
            server gives no issue time, jitter for the backoff); tests pass a fake one.
        credential: the credentials' kind, for events (``"workspace"``, ``"user"``...).
        stats: the client's stats, where fetches are counted.
        events: where token events go (the client's dispatcher).
    """

    def __init__(
        self,
        fetch: Fetch,
        *,
        config: ClientConfig,
        name: str,
        renewable: bool = True,
        clock: Clock = SYSTEM_CLOCK,
        credential: str = "token",
        stats: ClientStats | None = None,
        events: _Dispatcher | None = None,
    ) -> None:
        self._fetch = fetch
        self._config = config
        self._name = name
        self._renewable = renewable
        self._clock = clock.monotonic
        self._wall_clock = clock.wall
        self._random = clock.random
        self._token: SessionToken | None = None
        #: The current token's header, built once per token (``authorize``'s fast path).
        self._authorization: Authorization | None = None
        self._task: asyncio.Task[SessionToken] | None = None
        self._background_retry_at = 0.0
        self._background_failures = 0  # in a row, for the backoff
        #: A non-transient failure (refused credentials) and until when it is held.
        self._held: tuple[TokenRefreshError, float] | None = None
        self._generation = 0
        self._closed = False
        #: How many tokens were obtained (logins and refreshes that succeeded).
        self.tokens_obtained = 0
        self._credential = credential
        self._stats = stats
        self._events = events if events is not None and events.hooks else None
        self._refresh_id = 0  # the fetch in flight, or the last one
        self._invalidated = False  # the token was dropped after the API refused it

    def __repr__(self) -> str:
        state = "no token" if self._token is None else f"token #{self._token.generation}"
        return f"<TokenSession {self._name}: {state}>"

    @property
    def token(self) -> SessionToken | None:
        """The current token, valid or not (None before the first login)."""
        return self._token

    async def authorize(self) -> Authorization:
        """An Authorization header that is valid now (see the policy).

        The same object for as long as the token is current, so the pipeline can merge
        it into its headers once per token.
        """
        authorization = self._authorization
        token = self._token
        if authorization is None or token is None or self._clock() >= token.refresh_at:
            # Not fresh (or no token yet): whatever the policy says, done by get_token.
            token = await self.get_token()
            authorization = self._authorization
            if authorization is None or authorization.credential is not token:
                return token.header()
        return authorization

    async def get_token(self) -> SessionToken:
        """A token that is valid now, refreshing as the policy says.

        Raises:
            LoginRefusedError: the API refused the credentials (now, or within the
                refused-login back-off).
            TokenRefreshError: no valid token is left and obtaining one failed.
        """
        token = self._token
        now = self._clock()
        if token is not None and now < token.expires_at:
            if now >= token.refresh_at and self._renewable:
                self._refresh_in_background(now)
            return token
        if token is not None and not self._renewable:
            raise TokenRefreshError(
                f"{self._name}: the token has expired and these credentials cannot renew it"
            )
        held = self._held
        if held is not None:
            if now < held[1]:
                raise _fresh(held[0])
            self._held = None
        return await self._wait_for_refresh()

    def invalidate(self, authorization: Authorization) -> bool:
        """Drop the token behind ``authorization`` if it is still current.

        Returns:
            Whether a new token can be obtained (so the caller may retry once).
        """
        if not self._renewable:
            return False
        if self._token is not None and authorization.credential is self._token:
            logger.info("%s: token #%d was refused; renewing", self._name, self._token.generation)
            self._token = self._authorization = None
            self._invalidated = True
        return True

    def is_current(self, authorization: Authorization) -> bool:
        """Whether ``authorization`` carries the session's current token."""
        return self._token is not None and authorization.credential is self._token

    def _refresh_in_background(self, now: float) -> None:
        if (self._task is not None and not self._task.done()) or now < self._background_retry_at:
            return
        if self._held is not None and now < self._held[1]:
            return
        logger.debug(
            "%s: token enters its refresh window; refreshing in the background", self._name
        )
        self._start_refresh()

    def _start_refresh(self) -> asyncio.Task[SessionToken]:
        if self._task is None or self._task.done():
            events = self._events
            self._refresh_id = events.next_refresh_id() if events is not None else 0
            self._task = asyncio.get_running_loop().create_task(
                self._refresh(self._refresh_id), name=f"synerise-async token refresh ({self._name})"
            )
            self._task.add_done_callback(self._refresh_done)
        return self._task

    def _refresh_done(self, task: asyncio.Task[SessionToken]) -> None:
        if task.cancelled():
            return
        exc = task.exception()  # retrieved here, so it is never "never retrieved"
        if exc is not None:
            self._background_failures += 1
            delay = backoff_delay(self._background_failures, self._config, self._random)
            self._background_retry_at = self._clock() + delay
            # INFO (see _http's logging rule): a waiter gets this error raised; a
            # background refresh is tried again while the old token serves. The message
            # names the credentials, never their secrets.
            logger.info("%s", exc)

    async def _wait_for_refresh(self) -> SessionToken:
        task = self._start_refresh()
        if self._events is not None and (call := _CURRENT_CALL.get()) is not None:
            call.waited_for_refresh.append(self._refresh_id)
        current = asyncio.current_task()
        # Compared after the wait, not read as a flag: a task group on Python 3.11/3.12
        # can leave a task's count above zero without a cancellation of its own pending.
        cancelling = current.cancelling() if current is not None else 0
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled_here = current is not None and current.cancelling() > cancelling
            if task.cancelled() and self._closed and not cancelled_here:
                # The refresh was stopped by aclose(), not this waiter: say so, typed.
                raise ClientStateError(
                    f"{self._name}: the client closed during a token refresh"
                ) from None
            raise
        except TokenRefreshError as exc:
            raise _fresh(exc) from exc.__cause__

    async def _refresh(self, refresh_id: int) -> SessionToken:
        REFRESHING.set(True)  # this task's context only: its requests skip the queue
        now = self._clock()
        current = self._token if self._token and now < self._token.expires_at else None
        sent_at = now
        if self._events is not None:
            self._events.emit(
                TokenRefreshStarted(
                    at=now,
                    refresh_id=refresh_id,
                    credential=self._credential,
                    reason=self._refresh_reason(current),
                )
            )
        self._invalidated = False
        try:
            try:
                issued = await self._fetch(current)
            except APIStatusError as exc:
                if not _stale_step(exc):
                    raise
                # The token of a step went stale between two steps (revoked, say): the
                # flow starts again once, from the credentials.
                logger.info(
                    "%s: a login step was refused for its token; starting again", self._name
                )
                sent_at = self._clock()
                issued = await self._fetch(None)
            if has_control_character(issued.value) or not issued.value:
                raise TokenRefreshError(
                    f"{self._name}: the API issued a token that cannot be sent in a header"
                )
        except BaseException as exc:  # every failure reaches the waiters, typed
            failure = self._failure(exc) if isinstance(exc, Exception) else None
            if self._stats is not None and failure is not None:
                self._stats.token_refresh_failures += 1
            if self._events is not None:
                self._events.emit(
                    TokenRefreshFailed(
                        at=(end := self._clock()),
                        refresh_id=refresh_id,
                        credential=self._credential,
                        error_type=type(failure or exc).__name__,
                        duration=end - now,
                    )
                )
            if failure is None:
                raise  # a cancellation (aclose)
            raise failure from exc
        timing = token_timing(
            issued,
            sent_at=sent_at,
            wall_now=self._wall_clock(),
            default_lifetime=self._config.default_token_lifetime,
        )
        expires_at = timing.expires_at
        refresh_at = expires_at - self._config.refresh_margin_for(timing.lifetime)
        if not self._renewable and timing.source == "default":
            # A fixed token of unknown expiry: guessing a lifetime would only end it early.
            expires_at = refresh_at = math.inf
        elif timing.implausible:
            logger.warning(
                "%s: the token's lifetime cannot be right (%s); assuming %.0fs",
                self._name,
                timing.implausible,
                timing.lifetime,
            )
        self._generation += 1
        token = SessionToken(
            value=issued.value,
            refresh_at=refresh_at,
            expires_at=expires_at,
            lifetime=timing.lifetime,
            source=timing.source,
            generation=self._generation,
        )
        self._token, self._authorization = token, token.header()
        self._held = None
        self._background_failures = 0
        self.tokens_obtained += 1
        if self._stats is not None:
            self._stats.token_refreshes += 1
        if self._events is not None:
            end = self._clock()
            self._events.emit(
                TokenObtained(
                    at=end,
                    refresh_id=refresh_id,
                    credential=self._credential,
                    lifetime=None if math.isinf(expires_at) else token.lifetime,
                    expiry_source=_EXPIRY_SOURCES.get(token.source, token.source),
                    duration=end - now,
                )
            )
        if math.isinf(token.expires_at):
            logger.info(
                "%s: obtained token #%d (expiry unknown: used until refused)",
                self._name,
                token.generation,
            )
        else:
            logger.info(
                "%s: obtained token #%d (lifetime %.1fs from %s)",
                self._name,
                token.generation,
                token.lifetime,
                token.source,
            )
        return token

    def _refresh_reason(self, current: SessionToken | None) -> str:
        """Why a fetch starts, for ``TokenRefreshStarted``."""
        if self._invalidated:
            return "invalidated"
        if current is not None:
            return "expiring"
        return "first" if self._token is None else "expired"

    def _failure(self, exc: Exception) -> TokenRefreshError:
        """The error a failed refresh reports; a non-transient one is held back for the
        refused-login back-off."""
        refused = _refused(exc)
        if refused is not None:
            error: TokenRefreshError = refused_credentials(
                refused, f"{self._name}: the API refused the credentials ({refused.message})"
            )
        elif isinstance(exc, TokenRefreshError) and not isinstance(exc, LoginRefusedError):
            error = TokenRefreshError(str(exc))
        else:
            error = TokenRefreshError(f"{self._name}: could not obtain a token: {exc}")
        if not _transient(exc) and self._config.refused_login_backoff > 0:
            self._held = (error, self._clock() + self._config.refused_login_backoff)
        return error

    async def aclose(self) -> None:
        """Cancel a refresh in flight and wait for it to end."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
