"""TokenSession policy, driven by a fake clock and a controllable token source.

These tests exercise the pure session logic; the HTTP behaviour (real tokens from the
fake server) is covered in tests/test_client_auth.py.
"""

from __future__ import annotations

import asyncio
import contextlib

import _timing
import pytest

from synerise_async import (
    AuthenticationError,
    ClientConfig,
    ClientStateError,
    Clock,
    InternalServerError,
    LoginRefusedError,
    RequestInfo,
    TokenRefreshError,
)
from synerise_async.auth import IssuedToken, SessionToken, TokenSession, token_timing


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


def make(clock: FakeClock, source: Source, **config: object) -> TokenSession:
    return TokenSession(
        source,
        config=ClientConfig(**config),  # type: ignore[arg-type]
        name="test",
        clock=Clock(monotonic=clock),
    )


def _server_error() -> InternalServerError:
    return InternalServerError(
        "HTTP 503", request=RequestInfo("POST", "http://x/login"), status_code=503, body=None
    )


async def test_first_call_logs_in_once_for_many_waiters() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.gate = asyncio.Event()
    session = make(clock, source)
    waiters = [asyncio.create_task(session.get_token()) for _ in range(50)]
    await _timing.settle()
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


async def test_authorize_hands_out_one_header_per_token_through_every_window() -> None:
    # One Authorization object per token, so the pipeline merges its headers once per
    # token; never the old token's once a new one is current.
    clock = FakeClock()
    source = Source(clock, lifetime=100)
    session = make(clock, source)
    async with asyncio.timeout(5):
        first = await session.authorize()
        clock.now += 50  # fresh
        assert await session.authorize() is first
        source.gate = asyncio.Event()
        clock.now += 35  # early window: the old header while the refresh runs
        assert await session.authorize() is first
        source.gate.set()
        await asyncio.sleep(0.01)
        second = await session.authorize()
        assert second is not first
        assert second.header == "Bearer token-2"
        assert second.credential is session.token
        assert await session.authorize() is second
        assert session.invalidate(second)  # refused: the next header is a new token's
        third = await session.authorize()
        assert third.header == "Bearer token-3"
        clock.now += 200  # must window: waits for token-4
        assert (await session.authorize()).header == "Bearer token-4"
    assert source.calls == 4


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
    await _timing.refreshes_done()
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
    await _timing.settle()
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
    session = make(clock, source)
    first = await session.get_token()
    clock.now += 85
    source.failures = [_server_error()]
    assert await session.get_token() is first
    await _timing.refreshes_done()  # the background refresh failed
    assert source.calls == 2
    assert await session.get_token() is first  # within the backoff: no new attempt
    assert source.calls == 2
    clock.now += 1  # past the backoff, still valid
    assert await session.get_token() is first
    await _timing.refreshes_done()
    assert source.calls == 3
    assert (await session.get_token()).value == "token-3"


async def test_a_failed_refresh_is_one_fetch_then_the_next_request_tries_again() -> None:
    # The pipeline retries each token request within its budget; the session adds no
    # loop of its own on top (3 x 5 login requests per refresh before).
    clock = FakeClock()
    source = Source(clock)
    source.failures = [_server_error()]
    session = make(clock, source)
    with pytest.raises(TokenRefreshError) as info:
        await session.get_token()
    assert not isinstance(info.value, LoginRefusedError)
    assert source.calls == 1
    assert isinstance(info.value.__cause__, InternalServerError)
    # A transient failure is not held: the next request starts a new refresh at once.
    assert (await session.get_token()).value == "token-2"


def _refused(status: int = 401) -> AuthenticationError:
    return AuthenticationError(
        f"HTTP {status}: bad key",
        request=RequestInfo("POST", "http://x/login"),
        status_code=status,
        body=None,
        attempts=1,
    )


async def test_refused_credentials_are_final_for_the_backoff_and_catchable_as_authentication() -> (
    None
):
    clock = FakeClock()
    source = Source(clock)
    source.failures = [_refused()]
    session = make(clock, source, refused_login_backoff=5.0)
    with pytest.raises(AuthenticationError) as info:
        await session.get_token()
    error = info.value
    assert isinstance(error, LoginRefusedError)
    assert isinstance(error, TokenRefreshError)
    assert (error.status_code, error.attempts) == (401, 1)
    assert isinstance(error.__cause__, AuthenticationError)
    # Within the back-off: the refused credentials are not sent again, every call fails
    # at once with its own instance of the same error.
    for _ in range(50):
        with pytest.raises(LoginRefusedError) as again:
            await session.get_token()
        assert again.value is not error
        assert again.value.status_code == 401
    assert source.calls == 1
    clock.now += 5.0  # past the back-off: one new attempt, which works
    assert (await session.get_token()).value == "token-2"
    assert source.calls == 2


async def test_a_refused_background_refresh_keeps_serving_the_valid_token() -> None:
    clock = FakeClock()
    source = Source(clock, lifetime=100)
    session = make(clock, source, refused_login_backoff=30.0)
    first = await session.get_token()
    clock.now += 85  # early window
    source.failures = [_refused(403)]
    assert await session.get_token() is first
    await _timing.refreshes_done()
    assert source.calls == 2
    clock.now += 5  # past the background retry delay, but within the back-off
    assert await session.get_token() is first
    await _timing.refreshes_done()
    assert source.calls == 2  # the refused credentials were not sent again
    clock.now += 20  # expired, still within the back-off
    with pytest.raises(LoginRefusedError):
        await session.get_token()
    assert source.calls == 2


async def test_a_non_transient_failure_is_held_too() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.failures = [ValueError("the provider broke")]
    session = make(clock, source)
    for _ in range(3):
        with pytest.raises(TokenRefreshError, match="the provider broke"):
            await session.get_token()
    assert source.calls == 1


@pytest.mark.parametrize(
    ("expiration", "created_ms", "why"),
    [
        (1_700_000_000.0, 1_700_000_000_000.0, "not after"),  # expiry == issue time
        (1_699_999_000.0, 1_700_000_000_000.0, "not after"),  # expiry before issue
        (1_700_000_600.0, 1_700_000_000_000_000.0, "not after"),  # "created" in microseconds
    ],
)
async def test_an_implausible_lifetime_means_the_default_and_one_login_per_token(
    expiration: float, created_ms: float, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    calls = 0

    async def fetch(current: SessionToken | None) -> IssuedToken:
        nonlocal calls
        calls += 1
        return IssuedToken(value=f"t{calls}", expiration=expiration, created_ms=created_ms)

    session = TokenSession(fetch, config=ClientConfig(), name="odd", clock=Clock(monotonic=clock))
    with caplog.at_level("WARNING", logger="synerise_async.auth"):
        tokens = [await session.get_token() for _ in range(100)]
    assert calls == 1
    assert {t.value for t in tokens} == {"t1"}
    assert tokens[0].source == "default"
    assert tokens[0].lifetime == ClientConfig().default_token_lifetime
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert why in warnings[0].getMessage()


async def test_a_stale_cancelling_count_does_not_turn_aclose_into_a_cancellation() -> None:
    # On Python 3.11/3.12 a task that ran a failing TaskGroup keeps cancelling() > 0.
    # A waiter in that state must still get ClientStateError when aclose() stops the
    # refresh, and a real cancellation of the waiter must still be a cancellation.
    clock = FakeClock()
    source = Source(clock)
    source.gate = asyncio.Event()
    session = make(clock, source)

    async def waiter() -> SessionToken:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()  # leave the count at 1, as such a task group does...
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0)  # ...and its cancellation taken, as the group does
        assert task.cancelling() == 1
        return await session.get_token()

    async with asyncio.timeout(5):
        task = asyncio.create_task(waiter())
        await _timing.settle()
        await session.aclose()
        with pytest.raises(ClientStateError, match="closed during a token refresh"):
            await task


async def test_each_waiter_gets_its_own_error_instance() -> None:
    clock = FakeClock()
    source = Source(clock)
    source.gate = asyncio.Event()
    source.failures = [ValueError("boom")]
    session = make(clock, source)
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
        source, config=ClientConfig(), name="fixed", renewable=False, clock=Clock(monotonic=clock)
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
    await _timing.settle()  # the refresh is in flight, held at the gate
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
