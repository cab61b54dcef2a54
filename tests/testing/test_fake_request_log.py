"""The request log: records, masking, ``count()`` and ``token_requests()``."""

from __future__ import annotations

import pytest

from synerise_async.testing import FakeSynerise, RecordedRequest


async def test_records_describe_each_request(api, fake: FakeSynerise) -> None:
    token = await api.workspace_token()
    await api.get("/automation-brain/v2/diagrams", token=token, params={"limit": "5", "page": "2"})
    await api.get("/automation-brain/diagrams", headers=api.basic(fake.workspace))
    login, listing, basic = fake.requests
    assert isinstance(login, RecordedRequest)
    assert (login.method, login.path, login.auth, login.realm, login.status_code) == (
        "POST",
        "/uauth/v2/auth/login/profile",
        None,
        None,
        200,
    )
    assert login.body == {"apiKey": "***"}
    assert listing.query == {"limit": "5", "page": "2"}
    assert (listing.auth, listing.realm, listing.body, listing.fault) == (
        "bearer",
        "business_profile",
        None,
        None,
    )
    assert (basic.auth, basic.realm) == ("basic", None)
    assert login.at <= listing.at <= basic.at <= fake.now()
    with pytest.raises(AttributeError):
        login.status_code = 500  # type: ignore[misc]


async def test_secrets_are_masked_everywhere(api, fake: FakeSynerise) -> None:
    profile = fake.profiles[0]
    await api.profile_login(
        profile,
        identityProviderToken="tok-secret",
        attributes={"nested": {"password": "inner-secret"}},
    )
    await api.post(
        "/uauth/auth/login/user/mfa/verification",
        params={"mfaType": "EMAIL"},
        body={"verificationCode": "123456"},
    )
    first, second = fake.requests
    assert first.body["apiKey"] == "***"
    assert first.body["password"] == "***"
    assert first.body["identityProviderToken"] == "***"
    assert first.body["attributes"] == {"nested": {"password": "***"}}
    assert first.body["email"] == profile.email
    assert second.body == {"verificationCode": "***"}
    assert profile.password not in repr(fake.requests)


async def test_unknown_tokens_record_no_realm(api, fake: FakeSynerise) -> None:
    await api.get("/automation-brain/diagrams", token="not-a-token")
    assert (fake.requests[-1].auth, fake.requests[-1].realm) == ("bearer", None)
    assert fake.requests[-1].status_code == 401


async def test_count_and_token_requests(api, fake: FakeSynerise) -> None:
    token = await api.workspace_token()
    user_token = await api.user_token(workspace=fake.workspace)  # login + select
    await api.anonymous_token()
    for _ in range(3):
        await api.get("/automation-brain/diagrams", token=token)
    await api.get("/automation-brain/v2/diagrams", token=user_token)
    await api.get("/automation-brain/diagrams")
    await api.get("/uauth/business-profile/", token=user_token)

    assert fake.count() == 10
    assert fake.count("/automation-brain/diagrams") == 4
    assert fake.count("/automation-brain/*") == 5
    assert fake.count("/automation-brain/*", status_code=200) == 4
    assert fake.count(status_code=401) == 1
    assert fake.count(method="post") == 4
    assert fake.count("/uauth/*", method="GET") == 1
    assert fake.token_requests() == 4

    fake.requests.clear()
    assert fake.count() == 0
    assert fake.token_requests() == 0
    await api.get("/automation-brain/diagrams", token=token)
    assert fake.count() == 1


async def test_error_messages_never_echo_secrets(api, fake: FakeSynerise) -> None:
    secret = "S3CRET-KEY-VALUE"
    replies = [
        await api.post("/uauth/v2/auth/login/profile", body={"apiKey": secret}),
        await api.post("/uauth/v2/auth/login/profile", body={"apiKey": [secret]}),
        await api.post("/uauth/auth/login/user", body={"username": "x", "password": secret}),
        await api.get("/automation-brain/diagrams", token=secret),
        await api.get("/automation-brain/diagrams", headers=api.basic(fake.workspace, secret)),
    ]
    assert [r.status for r in replies] == [401, 400, 401, 401, 401]
    assert all(secret not in r.text for r in replies)
