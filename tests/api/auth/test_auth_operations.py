"""The authentication operations (1 to 8 and 12) over real HTTP: each one's happy path,
its documented failures, and argument checks that fail before any request is sent.
The Workspace operations (9 to 11) are in ``tests/api/workspaces/``."""

from __future__ import annotations

import uuid

import pytest

from synerise_async import (
    AuthenticationError,
    BadRequestError,
    ClientConfig,
    InvalidArgumentError,
    SyneriseClient,
    WorkspaceAuth,
)
from synerise_async.api.auth import (
    anonymous_profile_login,
    conditional_profile_login,
    profile_login,
    profile_login_from_server,
    refresh_profile_token,
    select_workspace,
    user_login,
    user_mfa_login,
    workspace_login,
)
from synerise_async.models import ConditionalLoginStatus, IdentityProvider, MfaType
from synerise_async.testing import FakeSynerise

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture
async def anon(fake: FakeSynerise):  # type: ignore[no-untyped-def]
    async with SyneriseClient(base_url=fake.url, config=FAST) as client:
        yield client


async def test_workspace_login(fake: FakeSynerise, anon: SyneriseClient) -> None:
    response = await workspace_login.asyncio_detailed(client=anon, api_key=fake.workspace.api_key)
    assert response.parsed.token.count(".") == 2
    assert response.parsed.token not in repr(response)
    with pytest.raises(AuthenticationError):
        await workspace_login.asyncio(client=anon, api_key="wrong")


async def test_anonymous_login_refresh_and_conditional_login(
    fake: FakeSynerise, anon: SyneriseClient
) -> None:
    key = fake.workspace.profile_api_key
    token = await anonymous_profile_login.asyncio(client=anon, api_key=key, uuid=uuid.uuid4())
    assert token.expiration and token.created and token.realm
    refreshed = await refresh_profile_token.asyncio(client=anon, token=token.token, api_key=key)
    assert refreshed.token != token.token
    profile = next(p for p in fake.profiles if p.workspace_id == fake.workspace.id)
    result = await conditional_profile_login.asyncio(
        client=anon,
        token=refreshed.token,
        api_key=key,
        identity_provider=IdentityProvider.SYNERISE,
        email=profile.email,
        password=profile.password,
    )
    assert result.status == ConditionalLoginStatus.SUCCESS and result.succeeded
    wrong = await conditional_profile_login.asyncio(
        client=anon,
        token=refreshed.token,
        api_key=key,
        identity_provider="SYNERISE",
        email=profile.email,
        password="wrong",
    )
    assert wrong.status == ConditionalLoginStatus.UNAUTHORIZED and not wrong.succeeded
    unknown = await conditional_profile_login.asyncio(
        client=anon,
        token=refreshed.token,
        api_key=key,
        identity_provider="SYNERISE",
        email="nobody@example.com",
        password="x",
    )
    assert unknown.status == ConditionalLoginStatus.REGISTRATION_REQUIRED
    assert unknown.token is None


async def test_profile_login_and_from_server(fake: FakeSynerise, anon: SyneriseClient) -> None:
    profile = next(p for p in fake.profiles if p.workspace_id == fake.workspace.id)
    key = fake.workspace.profile_api_key
    token = await profile_login.asyncio(
        client=anon,
        api_key=key,
        identity_provider="SYNERISE",
        email=profile.email,
        password=profile.password,
    )
    assert token.token
    with pytest.raises(AuthenticationError):
        await profile_login.asyncio(
            client=anon,
            api_key=key,
            identity_provider="SYNERISE",
            email=profile.email,
            password="wrong",
        )
    created = await profile_login.asyncio(
        client=anon,
        api_key=key,
        identity_provider="GOOGLE",
        identity_provider_token="g-token",
        email="new@example.com",
        tags=["vip"],
        attributes={"plan": "gold"},
    )
    assert created.token
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=FAST
    ) as server:
        token = await profile_login_from_server.asyncio(
            client=server,
            ip_address="203.0.113.7",
            api_key=key,
            identity_provider="SYNERISE",
            email=profile.email,
            password=profile.password,
        )
    assert token.token


async def test_user_login_mfa_and_workspace_selection(
    fake: FakeSynerise, anon: SyneriseClient
) -> None:
    plain = await user_login.asyncio(
        client=anon, username=fake.user.username, password=fake.user.password
    )
    assert not plain.mfa_required and plain.consumer is not None
    user = fake.mfa_user
    pending = await user_login.asyncio(client=anon, username=user.username, password=user.password)
    assert pending.mfa_required
    verified = await user_mfa_login.asyncio(
        client=anon, token=pending.token, verification_code=user.mfa_code, mfa_type=user.mfa_type
    )
    assert not verified.mfa_required
    target = fake.workspaces[0]
    scoped = await select_workspace.asyncio(
        client=anon, workspace_uuid=target.id, token=verified.token
    )
    assert scoped.consumer is not None and scoped.consumer.workspace_id == target.numeric_id


@pytest.mark.parametrize(
    ("call", "argument", "fragment"),
    [
        (lambda c: workspace_login.asyncio(client=c, api_key=""), "api_key", "non-empty"),
        (lambda c: user_login.asyncio(client=c, username="u", password=""), "password", "hidden"),
        (
            lambda c: user_mfa_login.asyncio(
                client=c, token="t", verification_code="1", mfa_type="SMS"
            ),
            "mfa_type",
            "'TOTP_AUTHENTICATOR', 'EMAIL'",
        ),
        (
            lambda c: select_workspace.asyncio(client=c, workspace_uuid="nope", token="t"),
            "workspace_uuid",
            "UUID",
        ),
        (
            lambda c: anonymous_profile_login.asyncio(client=c, api_key="k", uuid="nope"),
            "uuid",
            "UUID",
        ),
        (
            lambda c: profile_login.asyncio(client=c, api_key="k", identity_provider="MYSPACE"),
            "identity_provider",
            "'SYNERISE', 'FACEBOOK', 'OAUTH', 'APPLE', 'GOOGLE', 'UNKNOWN'",
        ),
        (
            lambda c: profile_login.asyncio(client=c, api_key="k"),  # type: ignore[call-arg]
            "identity_provider",
            "required",
        ),
        (
            lambda c: profile_login.asyncio(
                client=c, api_key="k", identity_provider="SYNERISE", colour="red"
            ),
            "colour",
            "allowed",
        ),
        (
            lambda c: profile_login.asyncio(
                client=c, api_key="k", identity_provider="SYNERISE", tags=[1]
            ),
            "tags",
            "strings",
        ),
        (
            lambda c: refresh_profile_token.asyncio(client=c, token="", api_key="k"),
            "token",
            "non-empty",
        ),
    ],
)
async def test_bad_arguments_fail_before_any_request(
    fake: FakeSynerise,
    anon: SyneriseClient,
    call,
    argument: str,
    fragment: str,  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await call(anon)
    assert info.value.argument == argument
    assert fragment in str(info.value)
    assert fake.count() == 0


async def test_enum_members_and_strings_are_both_accepted(
    fake: FakeSynerise, anon: SyneriseClient
) -> None:
    user = fake.mfa_user
    for mfa_type in (user.mfa_type, MfaType(user.mfa_type)):
        pending = await user_login.asyncio(
            client=anon, username=user.username, password=user.password
        )
        await user_mfa_login.asyncio(
            client=anon, token=pending.token, verification_code=user.mfa_code, mfa_type=mfa_type
        )


async def test_server_validation_error_carries_field_errors(
    fake: FakeSynerise, anon: SyneriseClient
) -> None:
    from synerise_async import Request

    with pytest.raises(BadRequestError) as info:
        await anon.send(
            Request(
                method="POST",
                path="/sauth/v3/auth/login/client/anonymous",
                json={"apiKey": fake.workspace.profile_api_key},
                authenticated=False,
            )
        )
    body = info.value.body
    assert body is not None and body.status_code == 400 and body.errors
    assert body.errors[0].field == "uuid"
