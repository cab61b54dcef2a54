"""Issue 9 review, item 11: a proxy that fails says it was the proxy, typed, without its
credentials; an unreadable proxy variable is an argument error naming it, raised when the
client opens, before anything is sent."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from synerise_async import (
    APIConnectionError,
    APIStatusError,
    ClientConfig,
    InvalidArgumentError,
    SyneriseClient,
    SyneriseError,
    TokenAuth,
)
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise

PASSWORD = "pr0xy-s3cret"
DEADLINE = 20
QUICK = ClientConfig(backoff_base=0.01, backoff_cap=0.02, max_retries=2)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def _refuse_credentials(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(
        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
        b'Proxy-Authenticate: Basic realm="proxy"\r\nContent-Length: 0\r\n\r\n'
    )
    await writer.drain()
    writer.close()


async def _serve(handler: Handler) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


def _everything_shown(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(vars(exc))


async def _fail_through(fake: FakeSynerise, config: ClientConfig) -> SyneriseError:
    async with (
        asyncio.timeout(DEADLINE),
        SyneriseClient(TokenAuth("opaque-token"), base_url=fake.url, config=config) as client,
    ):
        with pytest.raises(SyneriseError) as caught:
            await get_current_workspace.asyncio(client=client)
    return caught.value


async def test_a_proxy_that_drops_the_connection_is_named(fake: FakeSynerise) -> None:
    async for port in _serve(_drop):
        proxy = f"http://user:{PASSWORD}@127.0.0.1:{port}"
        error = await _fail_through(fake, ClientConfig(proxy=proxy, max_retries=1))
        assert isinstance(error, APIConnectionError)
        assert PASSWORD not in _everything_shown(error)
        assert f"proxy 127.0.0.1:{port}" in str(error)


async def test_a_proxy_refusing_its_credentials_says_so(fake: FakeSynerise) -> None:
    async for port in _serve(_refuse_credentials):
        proxy = f"http://user:{PASSWORD}@127.0.0.1:{port}"
        error = await _fail_through(fake, ClientConfig(proxy=proxy, max_retries=1))
        assert isinstance(error, APIStatusError)
        assert error.status_code == 407
        assert PASSWORD not in _everything_shown(error)
        assert "proxy" in str(error).lower()


async def test_an_unreadable_proxy_variable_is_named_and_not_retried(
    fake: FakeSynerise, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bad setting is an argument error when the client opens, naming the variable,
    # never its value; nothing is sent.
    bad = f"http://user:{PASSWORD[:4]}/{PASSWORD[4:]}@127.0.0.1:9"
    monkeypatch.setenv("HTTP_PROXY", bad)
    monkeypatch.setenv("HTTPS_PROXY", bad)
    async with asyncio.timeout(DEADLINE):
        with pytest.raises(InvalidArgumentError) as caught:
            async with SyneriseClient(TokenAuth("opaque-token"), base_url=fake.url, config=QUICK):
                pass
    assert "$HTTP_PROXY" in str(caught.value)
    assert PASSWORD[:4] not in _everything_shown(caught.value)
    assert PASSWORD[4:] not in _everything_shown(caught.value)
    assert fake.requests == []
