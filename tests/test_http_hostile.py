"""Hostile answers and careless input end in typed errors (issue 8, findings 8 and 13):
only ``SyneriseError`` subclasses leave an operation, and bad arguments are refused before
anything is sent, naming the argument."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from synerise_async import (
    APIStatusError,
    BasicAuth,
    ClientConfig,
    InvalidArgumentError,
    ResponseValidationError,
    SyneriseClient,
    SyneriseError,
    TokenAuth,
    WorkspaceAuth,
)
from synerise_async._http import parse_retry_after
from synerise_async.api import _paths as paths
from synerise_async.api.automation import list_workflows
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05, max_retries=2)
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
async def hostile() -> AsyncIterator[tuple[str, list[web.Request]]]:
    """A server whose every answer is a 503 with an absurd Retry-After date."""
    seen: list[web.Request] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request)
        return web.json_response(
            {"status": 503, "message": "busy"},
            status=503,
            headers={"Retry-After": "Fri, 31 Dec 99999 23:59:59 GMT"},
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    "value",
    [
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "1e999",
        "-1e999",
        "nan",
        "Tue, 99 Foo 2026 99:99:99 GMT",
        "\x00",
    ],
)
def test_an_unrepresentable_retry_after_is_ignored(value: str) -> None:
    assert parse_retry_after(value, now=1_700_000_000.0) is None


def test_a_sane_retry_after_is_read() -> None:
    assert parse_retry_after("2.5", now=0.0) == 2.5
    assert parse_retry_after("-3", now=0.0) == 0.0
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=4.0) == 6.0


async def test_a_retry_after_in_the_year_99999_is_a_typed_error(
    hostile: tuple[str, list[web.Request]],
) -> None:
    url, seen = hostile
    async with SyneriseClient(TokenAuth("t"), base_url=url, config=FAST) as client:
        async with asyncio.timeout(10):
            with pytest.raises(APIStatusError) as info:
                await get_current_workspace.asyncio(client=client)
    assert info.value.status_code == 503
    assert len(seen) == 3  # the header ignored, the backoff used: 1 + max_retries


@pytest.mark.parametrize("status", [200, 500])
async def test_json_nested_100000_deep_is_a_typed_error(fake: FakeSynerise, status: int) -> None:
    fake.faults.body(DEEP, count=10, status_code=status, path=paths.LIST_WORKFLOWS)
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=FAST
    ) as client:
        async with asyncio.timeout(10):
            with pytest.raises(SyneriseError) as info:
                await list_workflows.asyncio(client=client)
    expected = ResponseValidationError if status == 200 else APIStatusError
    assert isinstance(info.value, expected)


def test_json_nested_100000_deep_without_orjson_is_a_typed_error(tmp_path: object) -> None:
    # The stdlib parser raises RecursionError; the SDK without the speedups extra must
    # turn it into the same typed errors. A subprocess, so orjson is truly absent.
    script = textwrap.dedent(
        """
        import asyncio, sys
        sys.modules["orjson"] = None  # import orjson now fails, as without the extra
        from synerise_async import (
            APIStatusError, ClientConfig, ResponseValidationError, SyneriseClient, WorkspaceAuth,
        )
        from synerise_async._serde import loads
        from synerise_async.api import _paths as paths
        from synerise_async.api.automation import list_workflows
        from synerise_async.testing import FakeSynerise

        assert "orjson" not in repr(loads)
        DEEP = b"[" * 100_000 + b"]" * 100_000

        async def main() -> None:
            async with FakeSynerise(workflows_per_workspace=2) as fake:
                config = ClientConfig(backoff_base=0.01, max_retries=1)
                auth = WorkspaceAuth(fake.workspace.api_key)
                async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
                    for status, expected in ((200, ResponseValidationError), (500, APIStatusError)):
                        count = 1 if status == 200 else 2  # a 200 is not retried, a 500 is
                        fake.faults.body(DEEP, count=count, status_code=status, path=paths.LIST_WORKFLOWS)
                        try:
                            await list_workflows.asyncio(client=client)
                        except expected:
                            pass
                        else:
                            raise AssertionError(f"no error for {status}")
            print("ok")

        asyncio.run(main())
        """
    )
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


async def test_credentials_read_from_a_file_lose_their_newline(fake: FakeSynerise) -> None:
    async with SyneriseClient(
        WorkspaceAuth(f"  {fake.workspace.api_key}\n"), base_url=fake.url, config=FAST
    ) as client:
        await get_current_workspace.asyncio(client=client)
        token = client.token_session.token  # type: ignore[union-attr]
        assert token is not None
    async with SyneriseClient(TokenAuth(f"{token.value}\r\n"), base_url=fake.url) as client:
        await get_current_workspace.asyncio(client=client)


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: TokenAuth("tok\x01en"), "token"),
        (lambda: TokenAuth("tok\nen"), "token"),
        (lambda: WorkspaceAuth("ke\x00y"), "api_key"),
        (lambda: WorkspaceAuth(" \n "), "api_key"),
        (lambda: BasicAuth("gu:id", "key"), "guid"),
        (lambda: BasicAuth("guid", "ke\ty"), "api_key"),
        (lambda: BasicAuth("guid", 5), "api_key"),
    ],
)
def test_a_credential_with_a_control_character_is_refused_by_name(
    make: object, argument: str
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        make()  # type: ignore[operator]
    assert info.value.argument == argument
    assert "\x01" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"timeout": 0}, "config.timeout"),
        ({"timeout": "5"}, "config.timeout"),
        ({"timeout": float("nan")}, "config.timeout"),
        ({"connect_timeout": -1}, "config.connect_timeout"),
        ({"max_retries": -1}, "config.max_retries"),
        ({"max_retries": 1.5}, "config.max_retries"),
        ({"max_concurrency": 0}, "config.max_concurrency"),
        ({"max_concurrency": True}, "config.max_concurrency"),
        ({"max_requests_per_second": float("inf")}, "config.max_requests_per_second"),
        ({"refused_login_backoff": -1}, "config.refused_login_backoff"),
        ({"token_refresh_attempts": 0}, "config.token_refresh_attempts"),
        ({"headers": "X-A: b"}, "config.headers"),
        ({"headers": {"X-A": 1}}, "config.headers"),
        ({"headers": {"X-A": "b\r\nInjected: yes"}}, "config.headers"),
        ({"headers": {"Bad Name": "b"}}, "config.headers"),
        ({"headers": {"Authorization": "Bearer x"}}, "config.headers"),
        ({"user_agent": ""}, "config.user_agent"),
        ({"api_version": 4.4}, "config.api_version"),
        ({"allow_insecure_http": "yes"}, "config.allow_insecure_http"),
    ],
)
def test_a_bad_config_value_is_refused_by_name(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        ClientConfig(**kwargs)  # type: ignore[arg-type]
    assert info.value.argument == argument


@pytest.mark.parametrize(
    "base_url",
    [
        "http://[::1",
        "https://example.com:99999",
        "https://exa mple.com",
        "https://exa\tmple.com",
        "https://xn--a.com",
        "https://",
        "ftp://example.com",
        "https://user:pw@example.com",
        None,
        5,
    ],
)
def test_a_malformed_base_url_is_refused_by_name(base_url: object) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        SyneriseClient(None, base_url=base_url)  # type: ignore[arg-type]
    assert info.value.argument == "base_url"
    assert "pw@" not in str(info.value)  # credentials in a URL are not echoed


def test_a_config_that_is_not_a_client_config_is_refused() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        SyneriseClient(None, config={"timeout": 5})  # type: ignore[arg-type]
    assert info.value.argument == "config"
