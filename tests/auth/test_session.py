"""TokenSession policy, driven by a fake clock and a controllable token source.

These tests exercise the pure session logic; the HTTP behaviour (real tokens from the
fake server) is covered in tests/test_client_auth.py.
"""

from __future__ import annotations

import asyncio

import pytest

from synerise_async import ClientConfig, ClientStateError, TokenRefreshError
from synerise_async._exceptions import (
    AuthenticationError,
    InternalServerError,
    RequestInfo,
)
from synerise_async.auth import IssuedToken, SessionToken, TokenSession
from synerise_async.auth._tokens import token_timing


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Source:
    """Hands out tokens of a fixed lifetime; can be gated or made to fail."""

    def __init__(self, clock: FakeClock, lifetime: float = 100.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0
        self.currents: list[SessionToken | None] = []
        self.gate: asyncio.Event | None = None
        self.failures: list[Exception] = []

    async def __call__(self, current: SessionToken | None) -> IssuedToken:
        self.calls += 1
        self.currents.append(current)
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        wall = 1_700_000_000.0 + self.clock.now
        return IssuedToken(
            value=f"token-{self.calls}", expiration=wall + self.lifetime, created_ms=wall * 1000
        )


async def no_sleep(_: float) -> None:
    await asyncio.sleep(0)


def make(clock: FakeClock, source: Source, **config: object) -> TokenSession:
    return TokenSession(
        source,
        config=ClientConfig(**config),  # type: ignore[arg-type]
        name="test",
        clock=clock,
        sleep=no_sleep,
        rand=lambda: 0.5,
    )


def _server_error() -> InternalServerError:
    return InternalServerError(
        "HTTP 503", request=RequestInfo("POST", "http://x/login"), status=503, body=None
    )


async def test_first_call_logs_in_once_for_many_waiters() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.gate = asyncio.Event()
    session = make(clock, source)
    waiters = [asyncio.create_task(session.get_token()) for _ in range(50)]
    await asyncio.sleep(0.01)
    source.gate.set()
    tokens = await asyncio.gather(*waiters)
    assert source.calls == 1
    assert {t.value for t in tokens} == {"token-1"}


async def test_fresh_token_is_served_without_refresh() -> None:
    clock = FakeClock()
    source = Source(clock, lifetime=100)
    session = make(clock, source)
    first = await session.get_token()
    clock.now += 50  # margin is min(60, 20) = 20 s before expiry
    assert await session.get_token() is first
    assert source.calls == 1


async def test_early_window_refreshes_in_background_and_keeps_serving_old_token() -> None:
    clock = FakeClock()
    source = Source(clock, lifetime=100)
    session = make(clock, source)
    first = await session.get_token()
    source.gate = asyncio.Event()
    clock.now += 85  # inside the 20 s margin, still valid
    assert await session.get_token() is first
    assert await session.get_token() is first
    await asyncio.sleep(0)
    assert source.calls == 2  # one background refresh, not one per request
    source.gate.set()
    await asyncio.sleep(0.01)
    second = await session.get_token()
    assert second.value == "token-2"
    assert source.calls == 2


async def test_must_window_waits_for_the_single_refresh() -> None:
    clock = FakeClock()
    source = Source(clock, lifetime=100)
    session = make(clock, source)
    await session.get_token()
    clock.now += 200  # expired
    source.gate = asyncio.Event()
    waiters = [asyncio.create_task(session.get_token()) for _ in range(200)]
    await asyncio.sleep(0.01)
    assert not any(w.done() for w in waiters)
    source.gate.set()
    tokens = await asyncio.gather(*waiters)
    assert source.calls == 2
    assert {t.value for t in tokens} == {"token-2"}


async def test_cancelling_the_waiter_that_started_the_refresh_does_not_cancel_it() -> None:
    clock = FakeClock()
    source = Source(clock, lifetime=100)
    source.gate = asyncio.Event()
    session = make(clock, source)
    starter = asyncio.create_task(session.get_token())
    await asyncio.sleep(0)
    others = [asyncio.create_task(session.get_token()) for _ in range(10)]
    await asyncio.sleep(0)
    starter.cancel()
    await asyncio.sleep(0)
    assert starter.cancelled()
    source.gate.set()
    tokens = await asyncio.gather(*others)
    assert {t.value for t in tokens} == {"token-1"}
    assert source.calls == 1


async def test_failed_refresh_keeps_the_valid_token_and_retries_later() -> None:
    clock = FakeClock()
    source = Source(clock, lifetime=100)
    session = make(clock, source, token_refresh_attempts=1)
    first = await session.get_token()
    clock.now += 85
    source.failures = [_server_error()]
    assert await session.get_token() is first
    await asyncio.sleep(0.01)  # the background refresh failed
    assert source.calls == 2
    assert await session.get_token() is first  # within the backoff: no new attempt
    assert source.calls == 2
    clock.now += 1  # past the backoff, still valid
    assert await session.get_token() is first
    await asyncio.sleep(0.01)
    assert source.calls == 3
    assert (await session.get_token()).value == "token-3"


async def test_refresh_is_retried_with_backoff_then_reports_the_cause() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.failures = [_server_error(), _server_error(), _server_error()]
    session = make(clock, source, token_refresh_attempts=3)
    with pytest.raises(TokenRefreshError) as info:
        await session.get_token()
    assert source.calls == 3
    assert isinstance(info.value.__cause__, InternalServerError)
    # The next request starts a new refresh, which now succeeds.
    assert (await session.get_token()).value == "token-4"


async def test_authentication_failure_is_not_retried() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.failures = [
        AuthenticationError(
            "HTTP 401", request=RequestInfo("POST", "http://x"), status=401, body=None
        )
    ]
    session = make(clock, source)
    with pytest.raises(TokenRefreshError) as info:
        await session.get_token()
    assert source.calls == 1
    assert isinstance(info.value.__cause__, AuthenticationError)


async def test_each_waiter_gets_its_own_error_instance() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.gate = asyncio.Event()
    source.failures = [ValueError("boom")]
    session = make(clock, source, token_refresh_attempts=1)
    waiters = [asyncio.create_task(session.get_token()) for _ in range(3)]
    await asyncio.sleep(0)
    source.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, TokenRefreshError) for r in results)
    assert len({id(r) for r in results}) == 3
    assert all(isinstance(r.__cause__, ValueError) for r in results)  # type: ignore[union-attr]


async def test_invalidate_only_drops_the_token_that_failed() -> None:
    clock = FakeClock()
    source = Source(clock)
    session = make(clock, source)
    first = await session.get_token()
    # Two requests failed with the first token; the first invalidation renews...
    assert session.invalidate(first.header())
    second = await session.get_token()
    # ...and the second, arriving late with the old token, does not drop the new one.
    assert session.invalidate(first.header())
    assert await session.get_token() is second
    assert source.calls == 2


async def test_fixed_token_session_reports_expiry_instead_of_renewing() -> None:
    clock = FakeClock()
    source = Source(clock, lifetime=10)
    session = TokenSession(
        source, config=ClientConfig(), name="fixed", renewable=False, clock=clock
    )
    token = await session.get_token()
    assert not session.invalidate(token.header())
    clock.now += 20
    with pytest.raises(TokenRefreshError, match="cannot renew"):
        await session.get_token()
    assert source.calls == 1


async def test_aclose_cancels_a_refresh_in_flight() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.gate = asyncio.Event()
    session = make(clock, source)
    waiter = asyncio.create_task(session.get_token())
    await asyncio.sleep(0.01)  # the refresh is in flight, held at the gate
    await session.aclose()
    # The waiter was not cancelled itself: it gets a typed error, not a CancelledError.
    with pytest.raises(ClientStateError, match="closed during a token refresh"):
        await waiter
    assert source.calls == 1


async def test_a_cancelled_waiter_still_sees_its_own_cancellation() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.gate = asyncio.Event()
    session = make(clock, source)
    waiter = asyncio.create_task(session.get_token())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await session.aclose()


def test_refresh_margin_default_is_min_of_60s_and_a_fifth() -> None:
    config = ClientConfig()
    assert config.refresh_margin_for(3600) == 60
    assert config.refresh_margin_for(100) == 20
    assert ClientConfig(refresh_margin=30).refresh_margin_for(3600) == 30
    assert ClientConfig(refresh_margin=30).refresh_margin_for(10) == 5


def test_repr_shows_no_token() -> None:
    clock = FakeClock()
    session = make(clock, Source(clock))
    assert "token-" not in repr(session)
    timing = token_timing(
        IssuedToken(value="secret", expiration=1.0, created_ms=0.0),
        sent_at=0,
        wall_now=0,
        default_lifetime=10,
    )
    assert "secret" not in repr(timing)
    assert "secret" not in repr(IssuedToken(value="secret"))
