"""SyneriseClient's lifecycle, configuration and guard rails."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import aiohttp
import pytest

from synerise_async import (
    ClientConfig,
    ClientStateError,
    InvalidArgumentError,
    SyneriseClient,
    WorkspaceAuth,
)
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise


def test_defaults_and_regions() -> None:
    client = SyneriseClient(WorkspaceAuth("k"))
    assert client.base_url == "https://api.synerise.com"
    assert SyneriseClient.for_region("geb").base_url == "https://api.geb.synerise.com"
    assert SyneriseClient.for_region("azu").base_url == "https://api.azu.synerise.com"
    with pytest.raises(InvalidArgumentError, match="'eu', 'geb', 'azu'"):
        SyneriseClient.for_region("mars")


@pytest.mark.parametrize(
    "url",
    ["http://api.synerise.com", "ftp://x", "https://user:pw@api.synerise.com", "nonsense"],
)
def test_unsafe_or_bad_base_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        SyneriseClient(base_url=url)
    assert info.value.argument == "base_url"
    assert "pw" not in str(info.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9"])
def test_http_is_allowed_on_loopback(url: str) -> None:
    SyneriseClient(base_url=url)


def test_http_elsewhere_needs_an_explicit_opt_in() -> None:
    config = ClientConfig(allow_insecure_http=True)
    assert SyneriseClient(base_url="http://synerise.internal", config=config).base_url


def test_auth_must_be_credentials() -> None:
    with pytest.raises(InvalidArgumentError, match="WorkspaceAuth"):
        SyneriseClient("api-key")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [("timeout", 0), ("max_retries", -1), ("max_concurrency", 0), ("backoff_base", float("nan"))],
)
def test_config_rejects_bad_numbers(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        ClientConfig(**{field: value})  # type: ignore[arg-type]


async def test_use_outside_async_with_raises(fake: FakeSynerise) -> None:
    client = SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url)
    with pytest.raises(ClientStateError, match="async with"):
        await get_current_workspace.asyncio(client=client)
    assert fake.count() == 0


async def test_use_after_close_raises(fake: FakeSynerise) -> None:
    async with SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url) as client:
        await get_current_workspace.asyncio(client=client)
    with pytest.raises(ClientStateError, match="closed"):
        await get_current_workspace.asyncio(client=client)
    with pytest.raises(ClientStateError):
        await client.open()
    await client.aclose()  # idempotent


async def test_use_on_another_event_loop_raises(fake: FakeSynerise) -> None:
    async with SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url) as client:
        errors: list[BaseException] = []

        def other_thread() -> None:
            try:
                asyncio.run(get_current_workspace.asyncio(client=client))
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=other_thread)
        thread.start()
        await asyncio.to_thread(thread.join)
        assert len(errors) == 1
        assert isinstance(errors[0], ClientStateError)
        assert "another event loop" in str(errors[0])


async def test_borrowed_session_is_used_and_not_closed(fake: FakeSynerise) -> None:
    async with aiohttp.ClientSession() as session:
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with SyneriseClient(auth, base_url=fake.url, session=session) as client:
            await get_current_workspace.asyncio(client=client)
        assert not session.closed


async def test_default_headers_are_sent(fake: FakeSynerise) -> None:
    config = ClientConfig(headers={"X-Trace": "abc"})
    auth = WorkspaceAuth(fake.workspace.api_key)
    async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
        response = await get_current_workspace.asyncio_detailed(client=client)
    assert response.status_code == 200
    headers = fake.requests[-1].headers
    assert headers["User-Agent"].startswith("synerise-async/")
    assert headers["Api-Version"] == "4.4"
    assert headers["Accept"] == "application/json"
    assert headers["X-Trace"] == "abc"
    assert headers["Authorization"] == "***"
    assert response.request.method == "GET"
    assert response.request.url.endswith("/uauth/business-profile/current")


def test_repr_shows_no_secret() -> None:
    client = SyneriseClient(WorkspaceAuth("very-secret-key"))
    assert "very-secret-key" not in repr(client)
    assert "very-secret-key" not in repr(client.auth)


async def test_a_netrc_entry_for_the_api_host_is_not_used(
    fake: FakeSynerise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # trust_env is about proxies. aiohttp's own would also look ~/.netrc up (in a thread,
    # for every request): its Basic credentials would go out with the login, and clash
    # with the Bearer token on every other request.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-pa55word\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    async with (
        asyncio.timeout(30),
        SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url) as client,
    ):
        await get_current_workspace.asyncio(client=client)
        await get_current_workspace.asyncio(client=client)
    assert [r.auth for r in fake.requests] == [None, "bearer", "bearer"]


async def test_the_environment_proxy_is_read_when_the_client_opens(
    fake: FakeSynerise, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read once (aiohttp's trust_env read it in a thread for every request): a variable
    # set after the client opened changes nothing for it.
    async with (
        asyncio.timeout(30),
        SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url) as client,
    ):
        await get_current_workspace.asyncio(client=client)
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")  # nothing listens there
        await get_current_workspace.asyncio(client=client)
    assert [r.status_code for r in fake.requests] == [200, 200, 200]
