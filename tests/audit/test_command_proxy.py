"""Proxies: clients that open their own session go through ``--proxy`` /
``ClientConfig.proxy``, else through ``$HTTP_PROXY`` (honouring ``$NO_PROXY``) unless
``trust_env=False``; a dead proxy fails fast, typed, naming it without its credentials.

The proxy is a small forwarding HTTP proxy on loopback, written here, that counts what
it forwarded."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_command import assert_no_secret, report_keys, run_cli
from yarl import URL

from synerise_async import (
    APIConnectionError,
    ClientConfig,
    InvalidArgumentError,
    SyneriseClient,
)
from synerise_async.api.automation import list_workflows
from synerise_async.auth import BasicAuth
from synerise_async.testing import FakeSynerise

#: Bounds each test that could hang on a proxy.
DEADLINE = 30
PROXY_PASSWORD = "proxy-pa55word"
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authorization"})


class ForwardingProxy:
    """Forwards absolute-form HTTP requests, one per connection, and counts them."""

    def __init__(self) -> None:
        self.forwarded = 0
        self.proxy_authorizations: set[str] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> ForwardingProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def url(self, *, credentials: bool = False) -> str:
        auth = f"user:{PROXY_PASSWORD}@" if credentials else ""
        return f"http://{auth}127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = head.decode("latin-1").split("\r\n")
            method, target, _ = request_line.split(" ")
            headers = [line for line in lines if line]
            length = 0
            for line in headers:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                if name.lower() == "proxy-authorization":
                    self.proxy_authorizations.add(value.strip())
            body = await reader.readexactly(length)
            url = URL(target)
            assert url.is_absolute(), "a proxy gets the absolute form"
            kept = [h for h in headers if h.partition(":")[0].lower() not in _HOP_BY_HOP]
            upstream_reader, upstream_writer = await asyncio.open_connection(url.host, url.port)
            try:
                upstream_writer.write(
                    f"{method} {url.raw_path_qs} HTTP/1.1\r\n".encode()
                    + "".join(f"{h}\r\n" for h in [*kept, "Connection: close"]).encode()
                    + b"\r\n"
                    + body
                )
                response = await upstream_reader.read()  # to the end: Connection: close
            finally:
                upstream_writer.close()
                await upstream_writer.wait_closed()
            self.forwarded += 1
            writer.write(response)
            await writer.drain()
        except asyncio.IncompleteReadError:
            pass  # the client closed an idle connection
        finally:
            writer.close()
            await writer.wait_closed()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=44, workspaces=2, workflows_per_workspace=15) as server:
        yield server


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardingProxy]:
    async with ForwardingProxy() as server:
        yield server


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_audited_everything(fake: FakeSynerise, out_file: Path) -> None:
    expected = {(ws.id, w["diagramId"]) for ws in fake.workspaces for w in fake.workflows(ws.id)}
    assert set(report_keys(out_file)) == expected


async def audit(fake: FakeSynerise, out_file: Path, *extra: str) -> int:
    return await run_cli(
        "audit",
        "--base-url",
        fake.url,
        "--username",
        fake.user.username,
        "--out",
        str(out_file),
        *extra,
    )


@pytest.mark.parametrize("how", ["--proxy", "HTTP_PROXY"])
async def test_the_audit_goes_through_the_proxy(
    how: str,
    fake: FakeSynerise,
    proxy: ForwardingProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
    extra: list[str] = []
    if how == "--proxy":
        extra = ["--proxy", proxy.url(credentials=True)]
    else:
        monkeypatch.setenv("HTTP_PROXY", proxy.url(credentials=True))
    out_file = tmp_path / "r.jsonl"
    async with asyncio.timeout(DEADLINE):
        assert await audit(fake, out_file, *extra, "-vv") == 0
    assert_audited_everything(fake, out_file)
    assert proxy.forwarded == len(fake.requests) > 0
    assert len(proxy.proxy_authorizations) == 1  # the URL's credentials reached the proxy
    out, err = capsys.readouterr()
    assert_no_secret({PROXY_PASSWORD, fake.user.password}, out, err, caplog.text)


async def test_no_proxy_bypasses_it(
    fake: FakeSynerise,
    proxy: ForwardingProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
    monkeypatch.setenv("HTTP_PROXY", proxy.url())
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    out_file = tmp_path / "r.jsonl"
    async with asyncio.timeout(DEADLINE):
        assert await audit(fake, out_file, "--quiet") == 0
    assert_audited_everything(fake, out_file)
    assert proxy.forwarded == 0


async def test_trust_env_false_ignores_the_variables(
    fake: FakeSynerise, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url())
    auth = BasicAuth(fake.workspace.guid, fake.workspace.api_key)
    async with asyncio.timeout(DEADLINE):
        for trust_env, forwarded in ((False, 0), (True, 1)):
            config = ClientConfig(trust_env=trust_env)
            async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
                await list_workflows.asyncio(client=client)
            assert proxy.forwarded == forwarded


@pytest.mark.parametrize("how", ["config", "HTTP_PROXY"])
async def test_a_dead_proxy_fails_fast_naming_it_without_its_credentials(
    how: str, fake: FakeSynerise, monkeypatch: pytest.MonkeyPatch, fast: ClientConfig
) -> None:
    port = dead_port()
    url = f"http://user:{PROXY_PASSWORD}@127.0.0.1:{port}"
    config = fast
    if how == "config":
        config = ClientConfig(backoff_base=0.01, backoff_cap=0.05, proxy=url)
    else:
        monkeypatch.setenv("HTTP_PROXY", url)
    auth = BasicAuth(fake.workspace.guid, fake.workspace.api_key)
    async with asyncio.timeout(DEADLINE):
        async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
            with pytest.raises(APIConnectionError) as caught:
                await list_workflows.asyncio(client=client)
    message = str(caught.value)
    assert f"proxy 127.0.0.1:{port}" in message
    assert PROXY_PASSWORD not in message and "user:" not in message
    assert PROXY_PASSWORD not in repr(config)
    assert fake.requests == []  # not silently bypassed


async def test_the_command_with_a_dead_proxy_says_which(
    fake: FakeSynerise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = dead_port()
    monkeypatch.setenv("SYNERISE_PASSWORD", fake.user.password)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:1")  # not for this http URL
    monkeypatch.setenv("HTTP_PROXY", f"http://user:{PROXY_PASSWORD}@127.0.0.1:{port}")
    async with asyncio.timeout(DEADLINE):
        code = await audit(fake, tmp_path / "r.jsonl")
    assert code != 0
    err = capsys.readouterr().err
    assert f"proxy 127.0.0.1:{port}" in err
    assert PROXY_PASSWORD not in err
    assert fake.requests == []


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1:21", "127.0.0.1:3128", "http://", "socks5://u:p@h:1"]
)
def test_a_bad_proxy_url_is_refused_without_its_credentials(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from synerise_async import cli

    assert cli.main(["audit", "--demo", "--proxy", url]) == cli.EXIT_USAGE
    assert "u:p" not in capsys.readouterr().err
    with pytest.raises(InvalidArgumentError) as caught:
        ClientConfig(proxy=url)
    assert caught.value.argument == "config.proxy"
    assert "u:p" not in str(caught.value)
