"""Every auth kind over real HTTP, and the token session's promises: one token request
for any number of waiters, proactive refresh, one re-login after a 401, shielded
refresh, encrypted tokens, clock skew, and no secret anywhere."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid

import _timing
import attrs
import pytest

from synerise_async import (
    APIStatusError,
    AuthenticationError,
    BasicAuth,
    ClientConfig,
    Clock,
    InvalidArgumentError,
    LoginRefusedError,
    ProfileAuth,
    SyneriseClient,
    TokenAuth,
    TokenRefreshError,
    UserAuth,
    WorkspaceAuth,
)
from synerise_async.api import _paths as paths
from synerise_async.api.auth import workspace_login
from synerise_async.api.automation import list_workflows
from synerise_async.api.workspaces import get_current_workspace, list_workspaces
from synerise_async.testing import FakeSynerise, ManualClock

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)


def ws_client(
    fake: FakeSynerise, config: ClientConfig = FAST, *, clock: ManualClock | None = None
) -> SyneriseClient:
    auth = WorkspaceAuth(fake.workspace.api_key)
    time = Clock() if clock is None else clock.clock
    return SyneriseClient(auth, base_url=fake.url, config=config, clock=time)


async def test_200_concurrent_requests_across_an_expiry_make_one_token_request() -> None:
    manual = ManualClock()
    async with (
        FakeSynerise(token_lifetime=60, workflows_per_workspace=5, clock=manual.wall) as fake,
        ws_client(fake, clock=manual) as client,
        asyncio.timeout(30),
    ):
        await get_current_workspace.asyncio(client=client)
        assert fake.count(path=paths.WORKSPACE_LOGIN) == 1
        manual.advance(61)  # the token has expired, for the client and the server alike
        results = await asyncio.gather(
            *(get_current_workspace.asyncio(client=client) for _ in range(200)),
            return_exceptions=True,
        )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 2
    assert fake.count(path=paths.CURRENT_WORKSPACE, status_code=401) == 0
    assert fake.count_expired_token_requests() == 0


async def test_refresh_happens_before_expiry_while_requests_keep_flowing() -> None:
    manual = ManualClock()
    async with (
        FakeSynerise(token_lifetime=100, workflows_per_workspace=5, clock=manual.wall) as fake,
        ws_client(fake, clock=manual) as client,
        asyncio.timeout(30),
    ):
        session = client.token_session
        assert session is not None
        await get_current_workspace.asyncio(client=client)
        first = session.token
        assert first is not None
        # The early window (the last fifth of the lifetime): the token is still valid.
        manual.advance(first.refresh_at - manual.now + 1)
        assert manual.now < first.expires_at
        # The fake holds the refresh's login in real time, so the request below provably
        # runs while the refresh is in flight (real concurrency, not a timing guess).
        fake.faults.delay(0.2, count=1, path=paths.WORKSPACE_LOGIN)
        fake.requests.clear()
        await get_current_workspace.asyncio(client=client)
        [refresh] = _timing.refresh_tasks()
        assert not refresh.done()
        [early] = [r for r in fake.requests if r.path == paths.CURRENT_WORKSPACE]
        assert (early.status_code, early.token_serial) == (200, 1)  # served with the old token
        await _timing.until(
            lambda: fake.count(path=paths.WORKSPACE_LOGIN) == 1, "the refreshing login"
        )
        assert not refresh.done()  # the login is still held: the refresh ran beside it
        await refresh
        second = session.token
        assert second is not None and second is not first
        await get_current_workspace.asyncio(client=client)
        assert fake.requests[-1].token_serial == 2  # the next request has the new token

        # The must window: the token has expired; a request waits for the new one.
        manual.advance(second.expires_at - manual.now + 1)
        fake.faults.delay(0.2, count=1, path=paths.WORKSPACE_LOGIN)
        fake.requests.clear()
        waiting = asyncio.create_task(get_current_workspace.asyncio(client=client))
        await _timing.until(lambda: bool(fake.requests), "the renewing login")
        assert [(r.path, r.status_code) for r in fake.requests] == [(paths.WORKSPACE_LOGIN, None)]
        assert not waiting.done()  # nothing was sent with the expired token
        assert (await waiting).selected
        assert [(r.path, r.token_serial) for r in fake.requests] == [
            (paths.WORKSPACE_LOGIN, None),
            (paths.CURRENT_WORKSPACE, 3),
        ]
    assert fake.count(status_code=401) == 0
    assert fake.count_expired_token_requests() == 0


async def test_revoked_token_means_one_relogin_and_one_retry(fake: FakeSynerise) -> None:
    async with ws_client(fake) as client:
        await get_current_workspace.asyncio(client=client)
        fake.revoke_all_tokens()
        fake.requests.clear()
        results = await asyncio.gather(
            *(get_current_workspace.asyncio(client=client) for _ in range(10))
        )
        assert all(r.selected for r in results)
        assert client.stats.reauthentications == 10
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 1
    assert fake.count(path=paths.CURRENT_WORKSPACE, status_code=401) == 10


async def test_a_second_401_surfaces_as_authentication_error(fake: FakeSynerise) -> None:
    async with ws_client(fake) as client:
        await get_current_workspace.asyncio(client=client)
        fake.requests.clear()
        fake.faults.error(401, count=2, path=paths.CURRENT_WORKSPACE)
        with pytest.raises(AuthenticationError) as info:
            await get_current_workspace.asyncio(client=client)
    assert info.value.status_code == 401
    assert fake.count(path=paths.CURRENT_WORKSPACE) == 2  # never loops
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 1


async def test_403_that_names_an_expired_token_renews() -> None:
    async with FakeSynerise(expired_token_status_code=403, workflows_per_workspace=3) as fake:
        async with ws_client(fake) as client:
            await list_workflows.asyncio(client=client)
            fake.shift_clock(7200)  # the server now sees the token as expired
            page = await list_workflows.asyncio(client=client)
    assert len(page.items) == 3
    assert fake.count(path=paths.LIST_WORKFLOWS, status_code=403) == 1
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 2


async def test_cancelling_the_task_that_started_the_refresh_serves_the_others(
    fake: FakeSynerise,
) -> None:
    fake.faults.delay(0.3, count=1, path=paths.WORKSPACE_LOGIN)
    async with ws_client(fake) as client:
        starter = asyncio.create_task(get_current_workspace.asyncio(client=client))
        # The delay holds the login in real time so the others can queue behind it.
        await _timing.until(lambda: fake.count(path=paths.WORKSPACE_LOGIN) == 1, "the login")
        others = [
            asyncio.create_task(get_current_workspace.asyncio(client=client)) for _ in range(20)
        ]
        await _timing.settle()  # every other task waits on the starter's refresh
        assert [r.status_code for r in fake.requests] == [None]  # the login is still held
        starter.cancel()
        results = await asyncio.gather(*others)
        with pytest.raises(asyncio.CancelledError):
            await starter
    assert all(r.selected for r in results)
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 1


async def test_encrypted_style_tokens_use_the_default_lifetime() -> None:
    async with FakeSynerise(encrypted_tokens=True, workflows_per_workspace=3) as fake:
        config = attrs.evolve(FAST, default_token_lifetime=120)
        async with ws_client(fake, config) as client:
            workspace = await get_current_workspace.asyncio(client=client)
            token = client.token_session.token  # type: ignore[union-attr]
    assert workspace.selected
    assert token is not None
    assert token.value.count(".") == 4
    assert (token.source, token.lifetime) == ("default", 120)


async def test_encrypted_token_past_its_real_expiry_is_renewed_after_a_401() -> None:
    manual = ManualClock()
    async with (
        FakeSynerise(
            encrypted_tokens=True, token_lifetime=60, workflows_per_workspace=3, clock=manual.wall
        ) as fake,
        ws_client(fake, clock=manual) as client,
        asyncio.timeout(30),
    ):  # default lifetime (600 s) is too long here
        await get_current_workspace.asyncio(client=client)
        manual.advance(61)  # expired for the server, not for the client
        assert (await get_current_workspace.asyncio(client=client)).selected
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 2
    assert fake.count(path=paths.CURRENT_WORKSPACE, status_code=401) == 1


async def test_server_clock_ahead_does_not_extend_the_token() -> None:
    async with FakeSynerise(token_lifetime=30, workflows_per_workspace=3) as fake:
        fake.shift_clock(+86_400)  # equivalently: the local clock is a day behind
        async with ws_client(fake) as client:
            await get_current_workspace.asyncio(client=client)
            token = client.token_session.token  # type: ignore[union-attr]
            remaining = token.expires_at - asyncio.get_running_loop().time()  # type: ignore[union-attr]
    assert token is not None
    assert token.lifetime == pytest.approx(30, abs=0.01)
    assert remaining <= 30


async def test_user_auth_without_mfa(fake: FakeSynerise) -> None:
    auth = UserAuth(fake.user.username, fake.user.password)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        current = await get_current_workspace.asyncio(client=client)
        workspaces = await list_workspaces.asyncio(client=client)
    assert not current.selected
    assert len(workspaces) == len(fake.workspaces)


async def test_user_auth_with_workspace_selection(fake: FakeSynerise) -> None:
    target = fake.workspaces[1]
    auth = UserAuth(fake.user.username, fake.user.password, workspace=target.id)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        current = await get_current_workspace.asyncio(client=client)
        page = await list_workflows.asyncio(client=client, limit=100)
    assert current.selected and current.data is not None
    assert current.data.guid == target.id
    assert len(page.items) == target.workflow_count


async def test_for_workspace_shares_the_connection_pool(fake: FakeSynerise) -> None:
    auth = UserAuth(fake.user.username, fake.user.password)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        for workspace in await list_workspaces.asyncio(client=client):
            assert workspace.guid is not None
            async with client.for_workspace(workspace.guid) as scoped:
                current = await get_current_workspace.asyncio(client=scoped)
                assert current.data is not None and current.data.guid == workspace.guid
                assert scoped.stats is client.stats
        assert not client.closed
        assert (await get_current_workspace.asyncio(client=client)) is not None
    with pytest.raises(InvalidArgumentError, match="UserAuth"):
        ws_client(fake).for_workspace(uuid.uuid4())


@pytest.mark.parametrize("kind", ["code", "callable"])
async def test_user_auth_with_mfa(fake: FakeSynerise, kind: str) -> None:
    user = fake.mfa_user
    calls = 0

    async def code() -> str:
        nonlocal calls
        calls += 1
        return user.mfa_code

    mfa = user.mfa_code if kind == "code" else code
    auth = UserAuth(user.username, user.password, mfa=mfa, mfa_type=user.mfa_type)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        assert await list_workspaces.asyncio(client=client)
    assert fake.count(path=paths.USER_MFA_LOGIN) == 1
    assert calls == (1 if kind == "callable" else 0)


async def test_user_auth_mfa_missing_or_wrong(fake: FakeSynerise) -> None:
    user = fake.mfa_user
    async with SyneriseClient(
        UserAuth(user.username, user.password), base_url=fake.url, config=FAST
    ) as client:
        with pytest.raises(TokenRefreshError, match="mfa") as info:
            await list_workspaces.asyncio(client=client)
        assert isinstance(info.value.__cause__, InvalidArgumentError)
    auth = UserAuth(user.username, user.password, mfa="000000", mfa_type=user.mfa_type)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        with pytest.raises(TokenRefreshError) as info:
            await list_workspaces.asyncio(client=client)
        assert isinstance(info.value.__cause__, AuthenticationError)


async def test_wrong_password_is_a_token_refresh_error_caused_by_401(fake: FakeSynerise) -> None:
    auth = UserAuth(fake.user.username, "not-the-password")
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        with pytest.raises(TokenRefreshError) as info:
            await list_workspaces.asyncio(client=client)
    assert isinstance(info.value.__cause__, AuthenticationError)
    assert fake.count(path=paths.USER_LOGIN) == 1  # a wrong password is not retried
    assert "not-the-password" not in str(info.value)


def test_user_auth_checks_its_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="'TOTP_AUTHENTICATOR', 'EMAIL'"):
        UserAuth("u", "p", mfa_type="SMS")
    with pytest.raises(InvalidArgumentError, match="workspace"):
        UserAuth("u", "p", workspace="not-a-uuid")
    with pytest.raises(InvalidArgumentError, match="password"):
        UserAuth("u", "")


async def test_profile_auth_anonymous_refreshes_then_logs_in_again() -> None:
    manual = ManualClock()
    async with FakeSynerise(token_lifetime=60, workflows_per_workspace=0) as fake:
        auth = ProfileAuth.anonymous(fake.workspace.profile_api_key, uuid.uuid4())
        async with (
            SyneriseClient(auth, base_url=fake.url, config=FAST, clock=manual.clock) as client,
            asyncio.timeout(10),
        ):
            session = client.token_session
            assert session is not None
            first = await session.get_token()
            assert first.lifetime == 60
            manual.advance(first.refresh_at - manual.now + 1)  # in the refresh window
            assert await session.get_token() is first  # still valid: served at once
            # The refresh runs in the background, beside the call that started it.
            [refresh] = [t for t in asyncio.all_tasks() if "token refresh" in t.get_name()]
            await refresh
            second = await session.get_token()
            assert second is not first
            assert fake.count(path=paths.REFRESH_PROFILE_TOKEN, status_code=200) == 1
            manual.advance(second.expires_at - manual.now + 1)  # expired: log in again
            fake.shift_clock(120)
            third = await session.get_token()
            assert third is not second
    assert fake.count(path=paths.ANONYMOUS_PROFILE_LOGIN) == 2
    assert fake.count(path=paths.REFRESH_PROFILE_TOKEN) == 1
    assert first.source == "expiration"


async def test_profile_auth_login_with_email_and_password(fake: FakeSynerise) -> None:
    profile = fake.profiles[0]
    api_key = next(w.profile_api_key for w in fake.workspaces if w.id == profile.workspace_id)
    auth = ProfileAuth.login(
        api_key, identity_provider="SYNERISE", email=profile.email, password=profile.password
    )
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        token = await client.token_session.get_token()  # type: ignore[union-attr]
    assert token.lifetime > 0
    assert fake.count(path=paths.PROFILE_LOGIN) == 1
    with pytest.raises(InvalidArgumentError, match="'SYNERISE', 'FACEBOOK'"):
        ProfileAuth.login(api_key, identity_provider="MYSPACE")


async def test_basic_auth(fake: FakeSynerise) -> None:
    workspace = fake.workspace
    auth = BasicAuth(workspace.guid, workspace.api_key)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        page = await list_workflows.asyncio(client=client, limit=5)
        assert len(page.items) == 5
        assert client.token_session is None
    bad = BasicAuth(workspace.guid, "wrong-key")
    async with SyneriseClient(bad, base_url=fake.url, config=FAST) as client:
        with pytest.raises(AuthenticationError):
            await list_workflows.asyncio(client=client)
    assert fake.token_requests() == 0


async def test_token_auth_fixed_and_provider(fake: FakeSynerise) -> None:
    async with SyneriseClient(base_url=fake.url, config=FAST) as anonymous:
        token = (
            await workspace_login.asyncio(client=anonymous, api_key=fake.workspace.api_key)
        ).token

    async with SyneriseClient(TokenAuth(token), base_url=fake.url, config=FAST) as client:
        assert (await get_current_workspace.asyncio(client=client)).selected
        fake.revoke_all_tokens()
        with pytest.raises(AuthenticationError):  # a fixed token cannot be renewed
            await get_current_workspace.asyncio(client=client)

    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        async with SyneriseClient(base_url=fake.url, config=FAST) as login:
            result = await workspace_login.asyncio(client=login, api_key=fake.workspace.api_key)
        return result.token

    async with SyneriseClient(TokenAuth(provider=provider), base_url=fake.url) as client:
        assert (await get_current_workspace.asyncio(client=client)).selected
        fake.revoke_all_tokens()
        assert (await get_current_workspace.asyncio(client=client)).selected
    assert calls == 2
    with pytest.raises(InvalidArgumentError):
        TokenAuth()


async def test_a_fixed_token_of_unknown_expiry_is_sent_until_refused_then_says_so() -> None:
    manual = ManualClock()
    async with FakeSynerise(encrypted_tokens=True, workflows_per_workspace=0) as fake:
        async with SyneriseClient(base_url=fake.url, config=FAST) as anonymous:
            token = (
                await workspace_login.asyncio(client=anonymous, api_key=fake.workspace.api_key)
            ).token
        assert token.count(".") == 4  # opaque: no expiry to read
        auth = TokenAuth(token)
        async with (
            SyneriseClient(auth, base_url=fake.url, config=FAST, clock=manual.clock) as client,
            asyncio.timeout(10),
        ):
            assert (await get_current_workspace.asyncio(client=client)).selected
            session = client.token_session
            assert session is not None and session.token is not None
            assert session.token.expires_at == math.inf  # no lifetime guessed for it
            # Ten default lifetimes later by the client's clock: still the same token.
            manual.advance(10 * FAST.default_token_lifetime)
            assert (await get_current_workspace.asyncio(client=client)).selected
            fake.revoke_all_tokens()
            with pytest.raises(LoginRefusedError, match="cannot be renewed") as info:
                await get_current_workspace.asyncio(client=client)
    error = info.value
    assert isinstance(error, AuthenticationError) and error.status_code == 401
    assert token not in str(error) and token not in repr(error)
    sent = [r.token_serial for r in fake.requests if r.path == paths.CURRENT_WORKSPACE]
    assert len(sent) == 3 and len(set(sent)) == 1  # one token, sent once after the 401
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 1  # the test's own login only


async def test_no_secret_in_logs_reprs_or_errors(
    fake: FakeSynerise, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = fake.mfa_user
    secrets = {fake.workspace.api_key, user.password, user.mfa_code, fake.user.password}
    seen: list[str] = []
    auth = UserAuth(user.username, user.password, mfa=user.mfa_code, mfa_type=user.mfa_type)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        await list_workspaces.asyncio(client=client)
        fake.revoke_all_tokens()
        response = await list_workspaces.asyncio_detailed(client=client)
        secrets.add(client.token_session.token.value)  # type: ignore[union-attr]
        seen += [repr(client), repr(auth), repr(client.token_session), repr(response)]
        seen.append(repr(client.token_session.token))  # type: ignore[union-attr]
    async with ws_client(fake) as client:
        await get_current_workspace.asyncio(client=client)
        secrets.add(client.token_session.token.value)  # type: ignore[union-attr]
        seen += [repr(client), repr(client.auth)]
    bad = UserAuth(fake.user.username, "wrong-" + fake.user.password)
    secrets.add(bad.password)
    async with SyneriseClient(bad, base_url=fake.url, config=FAST) as client:
        with pytest.raises(TokenRefreshError) as info:
            await list_workspaces.asyncio(client=client)
        seen += [str(info.value), repr(info.value), str(info.value.__cause__)]
    seen += [record.getMessage() for record in caplog.records]
    text = "\n".join(seen)
    assert "obtained token" in text  # the logs did say something
    for secret in secrets:
        assert secret not in text


def _frame_reprs(exc: BaseException | None) -> list[str]:
    seen: list[str] = []
    while exc is not None:
        tb = exc.__traceback__
        while tb is not None:
            if "synerise_async" in tb.tb_frame.f_code.co_filename:  # the frames we control
                seen.extend(f"{name}={value!r}" for name, value in tb.tb_frame.f_locals.items())
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__
    return seen


async def test_no_secret_in_traceback_locals(fake: FakeSynerise) -> None:
    password = "wrong-" + fake.user.password
    auth = UserAuth(fake.user.username, password)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        with pytest.raises(TokenRefreshError) as info:
            await list_workspaces.asyncio(client=client)
    fake.faults.error(503, count=10, path=paths.CURRENT_WORKSPACE)
    async with ws_client(fake, attrs.evolve(FAST, max_retries=0)) as client:
        with pytest.raises(APIStatusError) as status:
            await get_current_workspace.asyncio(client=client)
        token = client.token_session.token.value  # type: ignore[union-attr]
    text = "\n".join(_frame_reprs(info.value) + _frame_reprs(status.value))
    assert "<redacted" in text  # the secrets were there, masked
    for secret in (password, fake.workspace.api_key, token):
        assert secret not in text
