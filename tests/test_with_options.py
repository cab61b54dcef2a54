"""``SyneriseClient.with_options`` views and ``Request.headers``, over HTTP against the
fake: a view shares its client's login, pool, limiter and counters, and its own options
apply to it alone."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import aiohttp
import attrs
import pytest

from synerise_async import (
    APITimeoutError,
    ClientConfig,
    ClientStateError,
    InternalServerError,
    InvalidArgumentError,
    Request,
    SyneriseClient,
    UserAuth,
    WorkspaceAuth,
)
from synerise_async.api.automation import list_workflows, stop_workflow
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.audit import audit_workflows
from synerise_async.testing import FakeSynerise

CURRENT = "/uauth/business-profile/current"
LOGIN = "/uauth/v2/auth/login/profile"


def ws_client(fake: FakeSynerise, config: ClientConfig, **kwargs: Any) -> SyneriseClient:
    return SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config, **kwargs
    )


def last_headers(fake: FakeSynerise, path: str = CURRENT) -> dict[str, str]:
    return [r for r in fake.requests if r.path == path][-1].headers


async def test_views_share_one_login_one_pool_and_the_counters(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    created = 0

    async def on_created(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: object
    ) -> None:
        nonlocal created
        created += 1

    tracing = aiohttp.TraceConfig()
    tracing.on_connection_create_end.append(on_created)
    async with (
        aiohttp.ClientSession(trace_configs=[tracing]) as session,
        ws_client(fake, fast, session=session) as client,
    ):
        fast_view = client.with_options(timeout=2.0, max_retries=0, headers={"X-Trace": "a"})
        nested = fast_view.with_options(total_timeout=10.0)
        for each in (client, fast_view, nested, client, nested):
            current = await get_current_workspace.asyncio(client=each)
            assert current.data is not None
        assert fake.count(path=LOGIN) == 1  # one login for the client and its views
        assert created == 1  # one connection, reused by all: one pool
        assert fast_view.stats is client.stats and nested.stats is client.stats
        assert client.stats.attempts == 6  # the login and the five calls
        assert nested.limiter is client.limiter
        assert nested.token_session is client.token_session is not None


async def test_a_view_of_a_client_that_opened_its_own_session_uses_that_session(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    async with ws_client(fake, fast) as client:
        view = client.with_options(max_retries=1)
        await get_current_workspace.asyncio(client=view)
        assert view._shared is client._shared  # the same aiohttp session, connector, limiter


async def test_retries_of_a_view_apply_to_it_alone(fake: FakeSynerise, fast: ClientConfig) -> None:
    async with ws_client(fake, fast) as client:
        once = client.with_options(max_retries=0)
        await get_current_workspace.asyncio(client=client)  # logged in
        fake.requests.clear()
        fake.faults.error(503, count=1, path=CURRENT)
        with pytest.raises(InternalServerError) as info:
            await get_current_workspace.asyncio(client=once)
        assert info.value.status_code == 503 and info.value.attempts == 1
        fake.faults.error(503, count=1, path=CURRENT)
        response = await get_current_workspace.asyncio_detailed(client=client)
        assert response.attempts == 2  # the client still retries
        assert fake.count(path=CURRENT) == 3
        assert client.config.max_retries == fast.max_retries


async def test_the_timeout_of_a_view_applies_to_it_alone(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    async with ws_client(fake, fast) as client, asyncio.timeout(10):
        await get_current_workspace.asyncio(client=client)
        quick = client.with_options(timeout=0.1, max_retries=0)
        fake.faults.delay(0.5, count=2, path=CURRENT)
        with pytest.raises(APITimeoutError) as info:
            await get_current_workspace.asyncio(client=quick)
        assert "total_timeout" not in info.value.message  # the attempt's own timeout
        response = await get_current_workspace.asyncio_detailed(client=client)
        assert response.attempts == 1  # 0.5 s is well within the client's 30 s


async def test_headers_reach_the_server_from_the_view_only(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    config = ClientConfig(headers={"X-Team": "core", "X-Keep": "1"})
    async with ws_client(fake, config) as client:
        view = client.with_options(headers={"x-team": "web", "X-Trace": "abc"})
        await get_current_workspace.asyncio(client=view)
        sent = last_headers(fake)
        assert sent["X-Trace"] == "abc" and sent["X-Keep"] == "1"
        # Replaced, not sent beside the client's: names are compared without case.
        assert sent["x-team"] == "web" and "X-Team" not in sent
        assert sent["Authorization"] == "***"  # still the client's credentials
        await get_current_workspace.asyncio(client=client)
        sent = last_headers(fake)
        assert "X-Trace" not in sent and sent["X-Team"] == "core"
        pages = [p async for p in list_workflows.paginate(client=view, limit=5)]
        assert len(pages) > 1
        walked = [r for r in fake.requests if r.path == "/automation-brain/v2/diagrams"]
        assert len(walked) == len(pages)
        assert all(r.headers.get("X-Trace") == "abc" for r in walked)


async def test_views_compose_and_leave_the_client_untouched(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    async with ws_client(fake, fast) as client:
        first = client.with_options(timeout=5.0, headers={"X-A": "1"})
        second = first.with_options(max_retries=0, headers={"X-B": "2"}, total_timeout=9.0)
        assert second.config.timeout == 5.0 and second.config.max_retries == 0
        assert dict(second.config.headers) == {"X-A": "1", "X-B": "2"}
        assert second.config.total_timeout == 9.0
        assert first.config.max_retries == fast.max_retries and first.config.total_timeout is None
        assert client.config is fast  # not changed, not replaced
        await get_current_workspace.asyncio(client=second)
        sent = last_headers(fake)
        assert sent["X-A"] == "1" and sent["X-B"] == "2"
        # total_timeout=None lifts a deadline a view inherited.
        assert second.with_options(total_timeout=None).config.total_timeout is None


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": "2"}, "timeout"),
        ({"connect_timeout": float("inf")}, "connect_timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"total_timeout": float("nan")}, "total_timeout"),
        ({"total_timeout": -1.0}, "total_timeout"),
        ({"retry_unsafe": "yes"}, "retry_unsafe"),
        ({"headers": "X-Trace: abc"}, "headers"),
        ({"headers": {"Authorization": "Bearer x"}}, "headers"),
        ({"headers": {"bad name": "x"}}, "headers"),
        ({"headers": {"X-Key": "s3cret\n"}}, "headers"),
        ({"headers": {"X-Key": 1}}, "headers"),
    ],
)
async def test_invalid_options_fail_before_any_request_naming_the_argument(
    fake: FakeSynerise, fast: ClientConfig, options: dict[str, Any], argument: str
) -> None:
    async with ws_client(fake, fast) as client:
        with pytest.raises(InvalidArgumentError) as info:
            client.with_options(**options)
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument}: ")
    assert "s3cret" not in str(info.value)  # a header value may be a secret
    assert fake.requests == []


async def test_a_view_lives_and_dies_with_its_client(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    client = ws_client(fake, fast)
    early = client.with_options(max_retries=1)  # made before the client opens
    with pytest.raises(ClientStateError, match="not open"):
        await get_current_workspace.asyncio(client=early)
    async with client:
        async with early as view:  # entering or closing a view does nothing
            await get_current_workspace.asyncio(client=view)
        await early.aclose()
        assert not early.closed and not client.closed
        await get_current_workspace.asyncio(client=early)
        await get_current_workspace.asyncio(client=client)
        assert "with_options(max_retries=1)" in repr(early)
    assert early.closed
    for each in (client, early, early.with_options(timeout=1.0)):
        with pytest.raises(ClientStateError) as info:
            await get_current_workspace.asyncio(client=each)
        assert str(info.value) == "this SyneriseClient is closed"


async def test_a_view_of_a_workspace_client_keeps_that_clients_token(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    target = fake.workspaces[1]
    auth = UserAuth(fake.user.username, fake.user.password)
    async with (
        SyneriseClient(auth, base_url=fake.url, config=fast) as client,
        client.for_workspace(target.id) as scoped,
    ):
        view = scoped.with_options(headers={"X-Trace": "w"})
        first = await get_current_workspace.asyncio(client=scoped)
        logins = fake.token_requests()
        current = await get_current_workspace.asyncio(client=view)
        assert current.data is not None and first.data is not None
        assert current.data.guid == first.data.guid == target.id  # the child's Workspace
        assert fake.token_requests() == logins  # the child's token, no new login
        assert view.token_session is scoped.token_session is not client.token_session
        # A Workspace client of a view carries the view's options and the User's token.
        async with view.for_workspace(target.id) as again:
            await get_current_workspace.asyncio(client=again)
            assert last_headers(fake)["X-Trace"] == "w"
            assert again.stats is client.stats


async def test_non_idempotent_requests_are_retried_only_when_asked(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    diagram_id = fake.workflows(fake.workspace.id)[0]["diagramId"]
    path = f"/automation-brain/diagrams/{diagram_id}/stop"
    async with ws_client(fake, fast) as client:
        fake.faults.error(503, count=1, path=path)
        with pytest.raises(InternalServerError):  # by default a stop is never sent twice
            await stop_workflow.asyncio(client=client, diagram_id=diagram_id)
        assert fake.count(path=path) == 1
        assert not client.config.retry_unsafe
        again = client.with_options(retry_unsafe=True)
        fake.faults.error(503, count=1, path=path)
        await stop_workflow.asyncio(client=again, diagram_id=diagram_id)
        assert fake.count(path=path) == 3


async def test_the_audit_runs_through_a_view(fake: FakeSynerise, fast: ClientConfig) -> None:
    async with ws_client(fake, fast) as client:
        view = client.with_options(headers={"X-Trace": "audit"})
        async with audit_workflows(view) as audit:
            records = [record async for record in audit]
        assert len(records) == fake.workspace.workflow_count
        audited = [r for r in fake.requests if r.path.startswith("/automation-brain")]
        assert audited and all(r.headers.get("X-Trace") == "audit" for r in audited)
        assert fake.count(path=LOGIN) == 1


# --- Request.headers ------------------------------------------------------------------


async def test_request_headers_reach_the_server_on_that_request_only(
    fake: FakeSynerise, fast: ClientConfig
) -> None:
    async with ws_client(fake, attrs.evolve(fast, headers={"X-Team": "core"})) as client:
        await client.send(Request(method="GET", path=CURRENT, headers={"X-Req": "1"}))
        sent = last_headers(fake)
        assert sent["X-Req"] == "1" and sent["X-Team"] == "core"
        assert sent["Authorization"] == "***"  # still the client's credentials
        # On top of the client's, names compared without case: replaced, not doubled.
        await client.send(Request(method="GET", path=CURRENT, headers={"x-team": "req"}))
        sent = last_headers(fake)
        assert sent["x-team"] == "req" and "X-Team" not in sent
        await client.send(Request(method="GET", path=CURRENT))
        sent = last_headers(fake)
        assert "X-Req" not in sent and sent["X-Team"] == "core"


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer mine"}, {"authorization": "x"}, {"X-K": "a\r\nb"}, ["X-K"]],
)
def test_request_headers_are_checked(headers: Any) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        Request(method="GET", path=CURRENT, headers=headers)
    assert info.value.argument == "headers"
    assert "Bearer mine" not in str(info.value)


def test_header_values_are_not_shown_in_reprs() -> None:
    request = Request(method="GET", path=CURRENT, headers={"X-Api-Secret": "s3cret"})
    config = ClientConfig(headers={"X-Api-Secret": "s3cret"})
    for shown in (repr(request), repr(config)):
        assert "s3cret" not in shown
        assert "X-Api-Secret" in shown
    assert "s3cret" not in repr(SyneriseClient(config=config).with_options(headers=config.headers))


def test_configured_headers_replace_the_defaults_whatever_their_case() -> None:
    sent = ClientConfig(headers={"user-agent": "mine/1"}).default_headers()
    assert [v for k, v in sent.items() if k.lower() == "user-agent"] == ["mine/1"]
