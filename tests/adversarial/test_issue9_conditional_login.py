"""Issue 9 review, item 2: conditional Profile login without ``token=`` sends the
client's own token when the client is authenticated as a Profile, which a client
holding a Profile's token through ``TokenAuth`` is (a backend handed an app's token)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from synerise_async import ClientConfig, SyneriseClient, TokenAuth
from synerise_async.api import _paths as paths
from synerise_async.api.auth import anonymous_profile_login, conditional_profile_login
from synerise_async.models import ConditionalLoginStatus
from synerise_async.testing import FakeSynerise

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
DEADLINE = 15


async def _profile_token(fake: FakeSynerise) -> str:
    async with SyneriseClient(base_url=fake.url, config=FAST) as anon:
        issued = await anonymous_profile_login.asyncio(
            client=anon, api_key=fake.workspace.profile_api_key, uuid=uuid.uuid4()
        )
    return issued.token


async def _conditional_login(client: SyneriseClient, fake: FakeSynerise) -> None:
    profile = next(p for p in fake.profiles if p.workspace_id == fake.workspace.id)
    result = await conditional_profile_login.asyncio(
        client=client,
        api_key=fake.workspace.profile_api_key,
        identity_provider="SYNERISE",
        email=profile.email,
        password=profile.password,
    )
    assert result.status == ConditionalLoginStatus.SUCCESS


async def test_a_token_auth_client_holding_a_profile_token_sends_it(
    fake: FakeSynerise,
) -> None:
    async with asyncio.timeout(DEADLINE):
        token = await _profile_token(fake)
        [issued] = fake.issued_tokens()
        async with SyneriseClient(TokenAuth(token), base_url=fake.url, config=FAST) as client:
            await _conditional_login(client, fake)
    [sent] = [r for r in fake.requests if r.path == paths.CONDITIONAL_PROFILE_LOGIN]
    assert (sent.auth, sent.realm, sent.token_serial) == (
        "bearer",
        "anonymous_client",
        issued.serial,
    )


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c"])
async def test_a_token_auth_client_with_an_unreadable_token_sends_none(
    fake: FakeSynerise, token: str
) -> None:
    async with (
        asyncio.timeout(DEADLINE),
        SyneriseClient(TokenAuth(token), base_url=fake.url, config=FAST) as client,
    ):
        await _conditional_login(client, fake)
    [sent] = [r for r in fake.requests if r.path == paths.CONDITIONAL_PROFILE_LOGIN]
    assert sent.auth is None
