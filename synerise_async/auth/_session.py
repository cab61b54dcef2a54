"""The token session: one valid token for any number of concurrent requests.

Policy:

- **Fresh**: while more than the refresh margin of the token's life is left, every
  request gets the current token at once.
- **Early window** (less than the margin left, still valid): the first request to notice
  starts one refresh in the background; every request keeps getting the still-valid
  token. A failed background refresh is logged and tried again after a backoff; the old
  token is kept while it is valid.
- **Must window** (no valid token): requests wait for the one refresh in flight (started
  by whoever came first). Its failure reaches each waiter as ``TokenRefreshError`` with
  the cause; the next request starts a new refresh.
- **Single flight, shielded**: there is never more than one refresh task; waiters await
  it through ``asyncio.shield``, so cancelling any of them (even the one that started
  it) does not cancel it for the others.
- **After a 401**: ``invalidate`` drops the token only if it is still the one that failed
  (another request may have renewed it already), so N failing requests cause one renewal.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable

import attrs

from .._config import ClientConfig
from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    ClientStateError,
    InternalServerError,
    RateLimitError,
    TokenRefreshError,
)
from .._http import Authorization
from .._types import Redacted
from ._tokens import IssuedToken, token_timing

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
        """The Authorization header for this token."""
        return Authorization(f"Bearer {self.value}", self)


#: Obtains a token; receives the current token while it is still valid (for kinds that
#: can refresh with it), else None.
Fetch = Callable[["SessionToken | None"], Awaitable[IssuedToken]]


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, APIConnectionError | RateLimitError | InternalServerError) or (
        isinstance(exc, APIStatusError) and exc.status == 408
    )


class TokenSession:
    """Keeps one valid token, refreshing it before it expires (see the module docstring).

    Args:
        fetch: obtains a new token (a login, or a refresh with the current token).
        config: margins, default lifetime, refresh attempts and backoff.
        name: what to call the credentials in logs (never a secret).
        renewable: whether a new token can be had after the first (False for a fixed token).
        clock: the monotonic clock; tests pass a fake one.
        wall_clock: the epoch clock, used only when the server gives no issue time.
        sleep: the sleep used between refresh attempts.
    """

    def __init__(
        self,
        fetch: Fetch,
        *,
        config: ClientConfig,
        name: str,
        renewable: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._fetch = fetch
        self._config = config
        self._name = name
        self._renewable = renewable
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._rand = rand
        self._token: SessionToken | None = None
        self._task: asyncio.Task[SessionToken] | None = None
        self._background_retry_at = 0.0
        self._generation = 0
        #: How many tokens were obtained (logins and refreshes that succeeded).
        self.tokens_obtained = 0

    def __repr__(self) -> str:
        state = "no token" if self._token is None else f"token #{self._token.generation}"
        return f"<TokenSession {self._name}: {state}>"

    @property
    def token(self) -> SessionToken | None:
        """The current token, valid or not (None before the first login)."""
        return self._token

    async def authorize(self) -> Authorization:
        """An Authorization header that is valid now (see the policy)."""
        return (await self.get_token()).header()

    async def get_token(self) -> SessionToken:
        """A token that is valid now, refreshing as the policy says.

        Raises:
            TokenRefreshError: no valid token is left and the refresh failed.
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
            self._token = None
        return True

    def _refresh_in_background(self, now: float) -> None:
        if (self._task is not None and not self._task.done()) or now < self._background_retry_at:
            return
        logger.debug(
            "%s: token enters its refresh window; refreshing in the background", self._name
        )
        self._start_refresh()

    def _start_refresh(self) -> asyncio.Task[SessionToken]:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._refresh(), name=f"synerise-async token refresh ({self._name})"
            )
            self._task.add_done_callback(self._refresh_done)
        return self._task

    def _refresh_done(self, task: asyncio.Task[SessionToken]) -> None:
        if task.cancelled():
            return
        exc = task.exception()  # retrieved here, so it is never "never retrieved"
        if exc is not None:
            self._background_retry_at = self._clock() + self._config.backoff_base
            logger.warning("%s: token refresh failed: %s", self._name, exc)

    async def _wait_for_refresh(self) -> SessionToken:
        task = self._start_refresh()
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and current is not None and not current.cancelling():
                # The refresh was stopped by aclose(), not this waiter: say so, typed.
                raise ClientStateError(
                    f"{self._name}: the client closed during a token refresh"
                ) from None
            raise
        except TokenRefreshError as exc:
            # A fresh error per waiter: one shared instance would collect every waiter's
            # traceback.
            raise TokenRefreshError(str(exc)) from exc.__cause__

    async def _refresh(self) -> SessionToken:
        attempts = self._config.token_refresh_attempts
        last: Exception | None = None
        for attempt in range(1, attempts + 1):
            now = self._clock()
            current = self._token if self._token and now < self._token.expires_at else None
            sent_at = now
            try:
                issued = await self._fetch(current)
            except Exception as exc:  # every failure reaches the waiters, typed
                last = exc
                if not _retryable(exc) or attempt == attempts:
                    break
                delay = self._rand() * min(
                    self._config.backoff_cap, self._config.backoff_base * 2.0**attempt
                )
                logger.warning(
                    "%s: token request failed (%s); trying again in %.2fs", self._name, exc, delay
                )
                await self._sleep(delay)
                continue
            timing = token_timing(
                issued,
                sent_at=sent_at,
                wall_now=self._wall_clock(),
                default_lifetime=self._config.default_token_lifetime,
            )
            self._generation += 1
            token = SessionToken(
                value=issued.value,
                refresh_at=timing.expires_at - self._config.refresh_margin_for(timing.lifetime),
                expires_at=timing.expires_at,
                lifetime=timing.lifetime,
                source=timing.source,
                generation=self._generation,
            )
            self._token = token
            self.tokens_obtained += 1
            logger.info(
                "%s: obtained token #%d (lifetime %.1fs from %s)",
                self._name,
                token.generation,
                token.lifetime,
                token.source,
            )
            return token
        raise TokenRefreshError(f"{self._name}: could not obtain a token: {last}") from last

    async def aclose(self) -> None:
        """Cancel a refresh in flight and wait for it to end."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
