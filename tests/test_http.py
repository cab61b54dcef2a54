"""The request pipeline over real HTTP: retries, Retry-After (the shared cool-down is in
tests/test_limits.py), typed errors for bad bodies, and cancellation leaving nothing behind."""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.parse import urlencode

import _timing
import attrs
import pytest
from _pool import Pool
from hypothesis import given
from hypothesis import strategies as st

from synerise_async import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ClientConfig,
    Clock,
    InternalServerError,
    RateLimitError,
    Request,
    ResponseValidationError,
    SyneriseClient,
    WorkspaceAuth,
    _http,
)
from synerise_async._http import _query, parse_retry_after
from synerise_async.api.automation import list_workflows, stop_workflow
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise, ManualClock

CURRENT = "/uauth/business-profile/current"


def client_for(
    fake: FakeSynerise, config: ClientConfig, manual: ManualClock | None = None
) -> SyneriseClient:
    clock = Clock() if manual is None else manual.clock
    auth = WorkspaceAuth(fake.workspace.api_key)
    return SyneriseClient(auth, base_url=fake.url, config=config, clock=clock)


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
async def test_retryable_statuses_are_retried(
    fake: FakeSynerise, fast: ClientConfig, status: int
) -> None:
    fake.faults.error(status, count=2, path=CURRENT)
    async with client_for(fake, fast) as client:
        response = await get_current_workspace.asyncio_detailed(client=client)
    assert response.attempts == 3
    assert fake.count(path=CURRENT) == 3


async def test_retries_give_up_with_the_typed_error_and_attempt_count(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    fake.faults.error(503, count=10, path=CURRENT)
    config = attrs.evolve(fast, max_retries=2)
    async with client_for(fake, config) as client:
        with pytest.raises(InternalServerError) as info:
            await get_current_workspace.asyncio(client=client)
    error = info.value
    assert (error.status_code, error.attempts) == (503, 3)
    assert error.body is not None and error.body.status_code == 503
    assert error.body.path == CURRENT
    assert error.request.method == "GET" and error.request.url.endswith(CURRENT)
    assert "503" in str(error) and "after 3 attempts" in str(error)


async def test_client_errors_are_not_retried(fake: FakeSynerise, fast: ClientConfig) -> None:
    fake.faults.error(400, count=1, path=CURRENT)
    async with client_for(fake, fast) as client:
        with pytest.raises(BadRequestError):
            await get_current_workspace.asyncio(client=client)
    assert fake.count(path=CURRENT) == 1


async def test_connection_drop_is_retried_for_get(fake: FakeSynerise, fast: ClientConfig) -> None:
    fake.faults.drop(count=2, path=CURRENT)
    async with client_for(fake, fast) as client:
        response = await get_current_workspace.asyncio_detailed(client=client)
    assert response.parsed.selected
    # aiohttp itself may resend an idempotent request once on a reused connection.
    assert fake.count(path=CURRENT) == 3


async def test_post_is_not_retried_after_it_may_have_been_processed(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    diagram_id = fake.workflows(fake.workspace.id)[0]["diagramId"]
    path = f"/automation-brain/diagrams/{diagram_id}/stop"
    async with client_for(fake, fast) as client:
        fake.faults.error(503, count=1, path=path)
        with pytest.raises(InternalServerError) as info:
            await stop_workflow.asyncio(client=client, diagram_id=diagram_id)
        assert info.value.may_have_been_processed
        fake.faults.drop(count=1, path=path)
        with pytest.raises(APIConnectionError) as conn:
            await stop_workflow.asyncio(client=client, diagram_id=diagram_id)
        assert conn.value.may_have_been_processed
        assert fake.count(path=path) == 2
        # A 429 means "not processed": retried even for POST.
        fake.faults.rate_limit(count=1, retry_after=0.05, path=path)
        await stop_workflow.asyncio(client=client, diagram_id=diagram_id)
        assert fake.count(path=path) == 4


async def test_unsent_requests_are_retried_even_for_post(fast: ClientConfig) -> None:
    with socket.socket() as sock:  # a port nobody listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = attrs.evolve(fast, max_retries=2)
    async with SyneriseClient(base_url=f"http://127.0.0.1:{port}", config=config) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.send(Request(method="POST", path="/x", json={}))
    assert info.value.attempts == 3
    assert not info.value.may_have_been_processed


async def test_timeout_is_typed(fake: FakeSynerise, fast: ClientConfig) -> None:
    fake.faults.delay(1.0, count=5, path=CURRENT)
    config = attrs.evolve(fast, timeout=0.2, max_retries=1)
    async with client_for(fake, config) as client:
        with pytest.raises(APITimeoutError) as info:
            await get_current_workspace.asyncio(client=client)
    assert info.value.attempts == 2
    assert info.value.may_have_been_processed


async def test_retry_after_is_waited_out(fake: FakeSynerise, fast: ClientConfig) -> None:
    manual = ManualClock()
    fake.faults.rate_limit(count=1, retry_after=3, path=CURRENT)
    async with client_for(fake, fast, manual) as client, asyncio.timeout(10):
        await get_current_workspace.asyncio(client=client)  # log in first
        fake.faults.rate_limit(count=1, retry_after=3, path=CURRENT)
        manual.sleeps.clear()
        response = await get_current_workspace.asyncio_detailed(client=client)
    assert response.attempts == 2
    assert manual.sleeps == [3]  # the Retry-After, not a backoff


async def test_retry_after_as_http_date(fast: ClientConfig) -> None:
    manual = ManualClock(wall=1_700_000_000.25)  # the date is rounded up to a whole second
    async with (
        FakeSynerise(workflows_per_workspace=0, clock=manual.wall) as fake,
        client_for(fake, fast, manual) as client,
        asyncio.timeout(10),
    ):
        await get_current_workspace.asyncio(client=client)  # log in first
        fake.faults.rate_limit(count=1, retry_after=5, http_date=True, path=CURRENT)
        manual.sleeps.clear()
        response = await get_current_workspace.asyncio_detailed(client=client)
    assert response.attempts == 2
    assert manual.sleeps == [pytest.approx(5.75)]  # until that date, on the wall clock


async def test_retry_after_above_the_cap_raises(fake: FakeSynerise, fast: ClientConfig) -> None:
    fake.faults.rate_limit(count=1, retry_after=30, path=CURRENT)
    config = attrs.evolve(fast, max_retry_after=5)
    async with client_for(fake, config) as client:
        with pytest.raises(RateLimitError) as info:
            await get_current_workspace.asyncio(client=client)
    assert info.value.retry_after == 30
    assert info.value.status_code == 429


def test_parse_retry_after() -> None:
    assert parse_retry_after("3", now=0) == 3
    assert parse_retry_after("0.25", now=0) == 0.25
    assert parse_retry_after("-5", now=0) == 0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert parse_retry_after("soon", now=0) is None
    assert parse_retry_after(None, now=0) is None


async def test_non_json_body_raises_a_typed_error(fake: FakeSynerise, fast: ClientConfig) -> None:
    fake.faults.non_json(count=1, path=CURRENT)
    async with client_for(fake, fast) as client:
        with pytest.raises(ResponseValidationError) as info:
            await get_current_workspace.asyncio(client=client)
    assert info.value.status_code == 200
    assert "<html" in info.value.text.lower()


async def test_non_json_error_body_keeps_the_text(fake: FakeSynerise, fast: ClientConfig) -> None:
    fake.faults.non_json(count=5, path=CURRENT, status_code=502)
    config = attrs.evolve(fast, max_retries=1)
    async with client_for(fake, config) as client:
        with pytest.raises(InternalServerError) as info:
            await get_current_workspace.asyncio(client=client)
    assert info.value.body is None
    assert "<html" in info.value.text.lower()


async def test_truncated_body_is_a_connection_error_and_retried(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    async with client_for(fake, fast) as client:
        fake.faults.truncated(count=1, path=CURRENT)
        response = await get_current_workspace.asyncio_detailed(client=client)
        assert response.attempts == 2
        fake.faults.truncated(count=10, path=CURRENT)
        with pytest.raises(APIConnectionError):
            await get_current_workspace.asyncio(client=client)


async def test_wrong_shape_names_the_field_path(fake: FakeSynerise, fast: ClientConfig) -> None:
    async with client_for(fake, fast) as client:
        raw = await client.send(Request(method="GET", path="/automation-brain/v2/diagrams"))
    from synerise_async import RawResponse
    from synerise_async._serde import structure_response
    from synerise_async.models import WorkflowList

    bad = RawResponse(
        status_code=200,
        headers={},
        content=b'{"data": [{"diagramId": "x"}, {"name": "no id"}], "meta": {"page": "one"}}',
        request=raw.request,
    )
    with pytest.raises(ResponseValidationError) as info:
        structure_response(bad, WorkflowList)
    text = " ".join(info.value.errors)
    assert "$.data[1].diagramId" in text
    assert "$.meta.page" in text
    assert not isinstance(info.value, KeyError | ValueError)


async def test_cancellation_leaves_no_connection_or_slot(
    fake: FakeSynerise, fast: ClientConfig, pool: Pool
) -> None:
    client = SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=fast, session=pool.session
    )
    async with client:
        await get_current_workspace.asyncio(client=client)
        fake.faults.delay(5, count=20, path=CURRENT)
        tasks = [
            asyncio.create_task(get_current_workspace.asyncio(client=client)) for _ in range(20)
        ]
        limiter = client.limiter
        # The delay holds them at the server for real: every slot is taken.
        await _timing.until(
            lambda: fake.count(path=CURRENT) == 1 + fast.max_concurrency, "requests in flight"
        )
        assert limiter.in_use == fast.max_concurrency
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        assert limiter.in_use == 0
        await pool.assert_all_returned()
        fake.faults.clear()
        # The client still works: nothing was poisoned.
        assert (await get_current_workspace.asyncio(client=client)).selected


async def test_the_connection_check_sees_a_connection_still_held(
    fake: FakeSynerise, pool: Pool
) -> None:
    # The check above proves nothing unless it fails when a connection is kept.
    fake.faults.delay(5, path=CURRENT)
    async with asyncio.timeout(10):
        held = asyncio.create_task(pool.session.get(fake.url + CURRENT))
        # Until it is in flight: taken from the pool, not given back.
        await _timing.until(lambda: bool(fake.requests), "the held request")
        with pytest.raises(AssertionError, match="still holds 1 connection"):
            await pool.assert_all_returned()
        held.cancel()
        await asyncio.gather(held, return_exceptions=True)
        await pool.assert_all_returned()


async def test_attempts_and_retries_are_logged_without_secrets(
    fake: FakeSynerise, fast: ClientConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="synerise_async")
    fake.faults.error(503, count=1, path=CURRENT)
    async with client_for(fake, fast) as client:
        await get_current_workspace.asyncio(client=client)
        token = client.token_session.token.value  # type: ignore[union-attr]
    text = caplog.text
    assert "retrying in" in text
    assert "-> 200" in text
    assert "obtained token" in text
    assert fake.workspace.api_key not in text
    assert token not in text


@given(
    st.dictionaries(st.text(), st.text())
    | st.dictionaries(
        st.from_regex(r"[a-z]+", fullmatch=True), st.from_regex(r"[\w.~-]*", fullmatch=True)
    )
)
def test_the_query_is_exactly_urlencode(params: dict[str, str]) -> None:
    # The pipeline's own query string (it skips quoting parts that need none).
    assert _query(params) == urlencode(params)


def test_the_query_parts_cache_stays_bounded_and_exact() -> None:
    # Each part is encoded once and kept; the cache is emptied when full, never grows past it.
    for page in range(3 * _http._QUERY_PARTS_MAX):
        params = {"page": str(page), "limit": "100", "q": f"a b&{page}"}
        assert _query(params) == urlencode(params)
        assert len(_http._QUERY_PARTS) <= _http._QUERY_PARTS_MAX
    assert _query({"page": "7", "limit": "100"}) == "page=7&limit=100"


async def test_query_values_that_need_quoting_reach_the_server_intact(fake: FakeSynerise) -> None:
    async with asyncio.timeout(30), client_for(fake, ClientConfig()) as client:
        await list_workflows.asyncio(client=client, search="a b&c=d/é+")
    assert fake.requests[-1].query["search"] == "a b&c=d/é+"
