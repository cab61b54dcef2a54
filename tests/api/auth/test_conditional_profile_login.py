"""Operation 4's Authorization over HTTP (issue 9, item 2): the given token; else the
client's own Profile token through its token session (refreshed before use, renewed
once on a 401); else no header at all."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from synerise_async import (
    BasicAuth,
    ClientConfig,
    Credentials,
    ProfileAuth,
    SyneriseClient,
    TokenAuth,
    UserAuth,
    WorkspaceAuth,
)
from synerise_async import (
    Clock as SdkClock,
)
from synerise_async.api import _paths as paths
from synerise_async.api.auth import conditional_profile_login, workspace_login
from synerise_async.models import ConditionalLoginStatus
from synerise_async.testing import FakeSynerise, RecordedRequest

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)


async def _login(client: SyneriseClient, fake: FakeSynerise) -> ConditionalLoginStatus:
    profile = next(p for p in fake.profiles if p.workspace_id == fake.workspace.id)
    result = await conditional_profile_login.asyncio(
        client=client,
        api_key=fake.workspace.profile_api_key,
        identity_provider="SYNERISE",
        email=profile.email,
        password=profile.password,
    )
    return result.status


def _conditional(fake: FakeSynerise) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.path == paths.CONDITIONAL_PROFILE_LOGIN]


def _anonymous(fake: FakeSynerise) -> ProfileAuth:
    return ProfileAuth.anonymous(fake.workspace.profile_api_key, uuid.uuid4())


async def test_a_given_token_is_sent(fake: FakeSynerise) -> None:
    async with (
        SyneriseClient(_anonymous(fake), base_url=fake.url, config=FAST) as own,
        SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url) as client,
        asyncio.timeout(10),
    ):
        session = own.token_session
        assert session is not None
        token = await session.get_token()
        given = fake.issued_tokens()[-1]
        profile = next(p for p in fake.profiles if p.workspace_id == fake.workspace.id)
        result = await conditional_profile_login.asyncio(
            client=client,
            token=token.value,
            api_key=fake.workspace.profile_api_key,
            identity_provider="SYNERISE",
            email=profile.email,
            password=profile.password,
        )
    assert result.status == ConditionalLoginStatus.SUCCESS
    [sent] = _conditional(fake)
    assert (sent.auth, sent.realm, sent.token_serial) == (
        "bearer",
        "anonymous_client",
        given.serial,
    )


@pytest.mark.parametrize("kind", ["anonymous", "login"])
async def test_a_profile_client_sends_its_own_token(fake: FakeSynerise, kind: str) -> None:
    if kind == "anonymous":
        auth = _anonymous(fake)
    else:
        profile = next(p for p in fake.profiles if p.workspace_id == fake.workspace.id)
        auth = ProfileAuth.login(
            fake.workspace.profile_api_key,
            identity_provider="SYNERISE",
            email=profile.email,
            password=profile.password,
        )
    async with (
        SyneriseClient(auth, base_url=fake.url, config=FAST) as client,
        asyncio.timeout(10),
    ):
        assert await _login(client, fake) == ConditionalLoginStatus.SUCCESS
    [own] = [t for t in fake.issued_tokens() if t.kind in ("anonymous_profile", "profile")][:1]
    [sent] = _conditional(fake)
    assert (sent.auth, sent.realm, sent.token_serial) == ("bearer", own.realm, own.serial)
    assert sent.headers["Authorization"] == "***"


def _credentials(fake: FakeSynerise, kind: str, workspace_token: str) -> Credentials | None:
    workspace = fake.workspace
    return {
        "none": None,
        "workspace": WorkspaceAuth(workspace.api_key),
        "user": UserAuth(fake.user.username, fake.user.password, workspace=workspace.id),
        "basic": BasicAuth(workspace.guid, workspace.api_key),
        "token": TokenAuth(workspace_token),
    }[kind]


@pytest.mark.parametrize("kind", ["none", "workspace", "user", "basic", "token"])
async def test_other_clients_send_no_authorization(fake: FakeSynerise, kind: str) -> None:
    async with SyneriseClient(base_url=fake.url) as anon:
        workspace_token = (
            await workspace_login.asyncio(client=anon, api_key=fake.workspace.api_key)
        ).token
    auth = _credentials(fake, kind, workspace_token)
    async with (
        SyneriseClient(auth, base_url=fake.url, config=FAST) as client,
        asyncio.timeout(10),
    ):
        assert await _login(client, fake) == ConditionalLoginStatus.SUCCESS
    [sent] = _conditional(fake)
    assert (sent.auth, sent.realm, sent.token_serial) == (None, None, None)
    assert "Authorization" not in sent.headers
    # and no login of the client's own was made for it (the one is this test's own)
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 1
    assert fake.count(path=paths.USER_LOGIN) == 0


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_an_expired_profile_token_is_renewed_before_it_is_sent() -> None:
    clock = Clock()
    async with FakeSynerise(seed=3, workflows_per_workspace=0, token_lifetime=600) as fake:
        async with (
            SyneriseClient(
                _anonymous(fake), base_url=fake.url, config=FAST, clock=SdkClock(monotonic=clock)
            ) as client,
            asyncio.timeout(10),
        ):
            assert await _login(client, fake) == ConditionalLoginStatus.SUCCESS
            first = _conditional(fake)[0].token_serial
            # Both clocks past the token's expiry: the session must not send it.
            clock.now += 601
            fake.shift_clock(601)
            assert await _login(client, fake) == ConditionalLoginStatus.SUCCESS
    assert fake.count_expired_token_requests() == 0
    anonymous = [t for t in fake.issued_tokens() if t.kind == "anonymous_profile"]
    assert len(anonymous) == 2  # a new token was obtained (refresh is impossible once expired)
    assert [r.token_serial for r in _conditional(fake)] == [first, anonymous[1].serial]
    assert [r.status_code for r in _conditional(fake)] == [200, 200]


async def test_a_profile_token_in_its_refresh_window_is_refreshed(fake: FakeSynerise) -> None:
    clock = Clock()
    async with (
        SyneriseClient(
            _anonymous(fake), base_url=fake.url, config=FAST, clock=SdkClock(monotonic=clock)
        ) as client,
        asyncio.timeout(10),
    ):
        assert await _login(client, fake) == ConditionalLoginStatus.SUCCESS
        session = client.token_session
        assert session is not None and session.token is not None
        clock.now = session.token.refresh_at + 1  # still valid, due for a refresh
        assert await _login(client, fake) == ConditionalLoginStatus.SUCCESS
        # The refresh runs beside the call (the still-valid token went out meanwhile); it
        # may have ended already.
        refreshes = [t for t in asyncio.all_tasks() if "token refresh" in t.get_name()]
        assert len(refreshes) <= 1
        for refresh in refreshes:
            await refresh
        assert fake.count(path=paths.REFRESH_PROFILE_TOKEN, status_code=200) == 1
        assert await _login(client, fake) == ConditionalLoginStatus.SUCCESS
    serials = [r.token_serial for r in _conditional(fake)]
    refreshed = [t for t in fake.issued_tokens() if t.kind == "anonymous_profile"][-1]
    assert fake.count(path=paths.REFRESH_PROFILE_TOKEN, status_code=200) == 1
    assert serials[0] == serials[1] != serials[2] == refreshed.serial


async def test_a_401_for_the_profile_token_renews_it_once(fake: FakeSynerise) -> None:
    async with (
        SyneriseClient(_anonymous(fake), base_url=fake.url, config=FAST) as client,
        asyncio.timeout(10),
    ):
        session = client.token_session
        assert session is not None
        await session.get_token()
        fake.revoke_all_tokens()
        assert await _login(client, fake) == ConditionalLoginStatus.SUCCESS
        reauthentications = client.stats.reauthentications
    sent = _conditional(fake)
    assert [r.status_code for r in sent] == [401, 200]
    assert sent[0].token_revoked and not sent[1].token_revoked
    assert sent[0].token_serial != sent[1].token_serial
    assert fake.count(path=paths.ANONYMOUS_PROFILE_LOGIN) == 2
    assert reauthentications == 1
