"""The MFA verification body (operation 7): ``externalProviderToken`` and
``externalProviderType`` are optional, sent only when given, and the token is a secret
(never in reprs, logs or messages). Over real HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from synerise_async import ClientConfig, InvalidArgumentError, SyneriseClient
from synerise_async.api.auth import user_login, user_mfa_login
from synerise_async.testing import FakeSynerise

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
PROVIDER_TOKEN = "google-id-token-7f3a9c-very-secret"


@pytest.fixture
async def anon(fake: FakeSynerise) -> AsyncIterator[SyneriseClient]:
    async with SyneriseClient(base_url=fake.url, config=FAST) as client:
        yield client


async def pending_token(fake: FakeSynerise, anon: SyneriseClient) -> str:
    user = fake.mfa_user
    pending = await user_login.asyncio(client=anon, username=user.username, password=user.password)
    assert pending.mfa_required
    return pending.token


async def test_the_external_provider_fields_are_sent_when_given(
    fake: FakeSynerise, anon: SyneriseClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = fake.mfa_user
    assert user.mfa_code is not None
    response = await user_mfa_login.asyncio_detailed(
        client=anon,
        token=await pending_token(fake, anon),
        verification_code=user.mfa_code,
        mfa_type=user.mfa_type,
        external_provider_token=PROVIDER_TOKEN,
        external_provider_type="GOOGLE",
    )
    assert not response.parsed.mfa_required
    recorded = fake.requests[-1]
    assert recorded.path == "/uauth/auth/login/user/mfa/verification"
    assert recorded.body == {  # the fake masks secrets in its request log
        "verificationCode": "***",
        "externalProviderToken": "***",
        "externalProviderType": "GOOGLE",
    }
    assert PROVIDER_TOKEN not in caplog.text
    assert PROVIDER_TOKEN not in repr(response)
    request = user_mfa_login._get_kwargs(
        token="t", verification_code="1", external_provider_token=PROVIDER_TOKEN
    )
    assert request.json["externalProviderToken"] == PROVIDER_TOKEN  # what goes on the wire
    assert PROVIDER_TOKEN not in repr(request)
    assert PROVIDER_TOKEN not in repr(request.json)


async def test_the_external_provider_fields_are_left_out_when_not_given(
    fake: FakeSynerise, anon: SyneriseClient
) -> None:
    user = fake.mfa_user
    assert user.mfa_code is not None
    await user_mfa_login.asyncio(
        client=anon,
        token=await pending_token(fake, anon),
        verification_code=user.mfa_code,
        mfa_type=user.mfa_type,
        device_id="device-1",
    )
    assert fake.requests[-1].body == {"verificationCode": "***", "deviceId": "device-1"}


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"external_provider_token": ""}, "external_provider_token"),
        ({"external_provider_token": 5}, "external_provider_token"),
        ({"external_provider_type": ""}, "external_provider_type"),
        ({"external_provider_type": None}, "external_provider_type"),
    ],
)
async def test_a_bad_external_provider_field_is_refused_before_sending(
    fake: FakeSynerise, anon: SyneriseClient, kwargs: dict[str, object], argument: str
) -> None:
    before = len(fake.requests)
    with pytest.raises(InvalidArgumentError) as info:
        await user_mfa_login.asyncio(
            client=anon,
            token="pending",
            verification_code="123456",
            **kwargs,  # type: ignore[arg-type]
        )
    assert info.value.argument == argument
    assert len(fake.requests) == before
    if argument == "external_provider_token":
        assert "<hidden>" in str(info.value)  # a secret's value is never shown
