"""Profile token operations 1-5."""

from __future__ import annotations

import pytest

from synerise_async.testing import FakeSynerise

LOGIN = "/sauth/v3/auth/login/client"
REFRESH = "/sauth/v3/auth/refresh/client"
SERVER_LOGIN = "/sauth/v3/auth/login/client/server"
CONDITIONAL = "/sauth/v3/auth/login/client/conditional"
TOKEN_FIELDS = {"token", "expiration", "created", "origin", "customId", "realm"}


async def test_anonymous_login_returns_a_token_object(api, fake: FakeSynerise) -> None:
    reply = await api.anonymous_token()
    assert reply.status == 200
    body = reply.json
    assert set(body) == TOKEN_FIELDS
    assert body["realm"] == "anonymous_client"
    assert body["origin"] == "SYNERISE"
    assert body["customId"] is None
    claims = api.claims(body["token"])
    assert claims["rlm"] == "anonymous_client"
    assert claims["bpi"] == fake.workspace.numeric_id
    assert claims["wsp"] == fake.workspace.id
    assert body["expiration"] == claims["exp"]
    assert body["created"] == round(claims["iat"] * 1000)
    assert isinstance(body["created"], int)


async def test_anonymous_login_validates_its_body(api, fake: FakeSynerise) -> None:
    key = fake.workspace.profile_api_key
    reply = await api.post("/sauth/v3/auth/login/client/anonymous", body={"apiKey": key})
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "uuid"
    assert {"code", "field", "message", "rejectedValue"} <= set(reply.json["errors"][0])
    reply = await api.post(
        "/sauth/v3/auth/login/client/anonymous", body={"apiKey": "WRONG-KEY-1234", "uuid": "u"}
    )
    assert reply.status == 401
    assert "WRONG-KEY-1234" not in reply.text
    reply = await api.post("/sauth/v3/auth/login/client/anonymous")
    assert reply.status == 400


async def test_synerise_login_needs_the_right_password(api, fake: FakeSynerise) -> None:
    profile = fake.profiles[0]
    reply = await api.profile_login(profile)
    assert reply.status == 200
    assert reply.json["realm"] == "client"
    assert reply.json["customId"] == profile.custom_id
    assert api.claims(reply.json["token"])["sub"] == profile.uuid

    reply = await api.profile_login(profile, password="not-it")
    assert reply.status == 401
    assert "not-it" not in reply.text
    reply = await api.profile_login(profile, email="stranger@fake-synerise.test")
    assert reply.status == 401
    reply = await api.profile_login(profile, identityProvider="MYSPACE")
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "identityProvider"
    reply = await api.profile_login(profile, apiKey=fake.workspace.api_key)
    assert reply.status == 401


async def test_other_providers_create_the_account_once(api, fake: FakeSynerise) -> None:
    profile = fake.profiles[0]
    first = await api.profile_login(
        profile,
        identityProvider="FACEBOOK",
        email="fb.user@fake-synerise.test",
        identityProviderToken="fb",
    )
    assert first.status == 200
    assert first.json["origin"] == "FACEBOOK"
    again = await api.profile_login(
        profile,
        identityProvider="FACEBOOK",
        email="fb.user@fake-synerise.test",
        identityProviderToken="fb",
    )
    assert api.claims(again.json["token"])["sub"] == api.claims(first.json["token"])["sub"]
    # The created account has no password: SYNERISE login still fails.
    reply = await api.profile_login(profile, email="fb.user@fake-synerise.test")
    assert reply.status == 401


async def test_refresh_needs_a_valid_profile_token_and_the_api_key(api, fake: FakeSynerise) -> None:
    login = (await api.profile_login()).json
    key = fake.workspace.profile_api_key
    reply = await api.post(REFRESH, token=login["token"], body={"apiKey": key})
    assert reply.status == 200
    assert set(reply.json) == TOKEN_FIELDS
    assert reply.json["token"] != login["token"]
    assert reply.json["customId"] == login["customId"]
    assert reply.json["realm"] == "client"

    assert (await api.post(REFRESH, body={"apiKey": key})).status == 401
    reply = await api.post(REFRESH, token=login["token"], body={"apiKey": "nope"})
    assert reply.status == 401
    workspace_token = await api.workspace_token()
    assert (await api.post(REFRESH, token=workspace_token, body={"apiKey": key})).status == 401

    fake.shift_clock(3600)  # exactly at exp: expired
    reply = await api.post(REFRESH, token=login["token"], body={"apiKey": key})
    assert reply.status == 401
    assert "expired" in reply.json["message"].lower()


async def test_refresh_works_for_anonymous_tokens(api, fake: FakeSynerise) -> None:
    anonymous = (await api.anonymous_token()).json
    reply = await api.post(
        REFRESH, token=anonymous["token"], body={"apiKey": fake.workspace.profile_api_key}
    )
    assert reply.status == 200
    assert reply.json["realm"] == "anonymous_client"


async def test_server_login_needs_a_workspace_token_and_ip(api, fake: FakeSynerise) -> None:
    profile = fake.profiles[0]
    body = {
        "apiKey": fake.workspace.profile_api_key,
        "identityProvider": "SYNERISE",
        "email": profile.email,
        "password": profile.password,
        "ipAddress": "203.0.113.7",
    }
    token = await api.workspace_token()
    reply = await api.post(SERVER_LOGIN, token=token, body=body)
    assert reply.status == 200
    assert reply.json["realm"] == "client"

    reply = await api.post(SERVER_LOGIN, token=token, body={**body, "ipAddress": None})
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "ipAddress"
    profile_token = (await api.profile_login()).json["token"]
    assert (await api.post(SERVER_LOGIN, token=profile_token, body=body)).status == 401
    assert (await api.post(SERVER_LOGIN, body=body)).status == 401
    other = await api.workspace_token(fake.workspaces[1])
    assert (await api.post(SERVER_LOGIN, token=other, body=body)).status == 401


@pytest.mark.parametrize(
    ("email", "password", "status"),
    [
        ("known", "right", "SUCCESS"),
        ("known", "wrong", "UNAUTHORIZED"),
        ("stranger@fake-synerise.test", "whatever", "REGISTRATION_REQUIRED"),
    ],
)
async def test_conditional_login_reports_a_status(
    api, fake: FakeSynerise, email: str, password: str, status: str
) -> None:
    profile = fake.profiles[0]
    anonymous = (await api.anonymous_token()).json["token"]
    body = {
        "apiKey": fake.workspace.profile_api_key,
        "identityProvider": "SYNERISE",
        "email": profile.email if email == "known" else email,
        "password": profile.password if password == "right" else password,
    }
    reply = await api.post(CONDITIONAL, token=anonymous, body=body)
    assert reply.status == 200
    assert reply.json["status"] == status
    assert isinstance(reply.json["conditions"], list)
    if status == "SUCCESS":
        assert set(reply.json) >= TOKEN_FIELDS
        assert api.claims(reply.json["token"])["rlm"] == "client"
    else:
        assert "token" not in reply.json
    if status == "REGISTRATION_REQUIRED":
        assert reply.json["conditions"]


async def test_conditional_login_takes_no_token_or_a_profile_token_and_never_creates(
    api, fake: FakeSynerise
) -> None:
    body = {
        "apiKey": fake.workspace.profile_api_key,
        "identityProvider": "GOOGLE",
        "identityProviderToken": "g",
        "email": "someone@fake-synerise.test",
    }
    client_token = (await api.profile_login()).json["token"]
    anonymous = (await api.anonymous_token()).json["token"]
    for token in (None, anonymous, client_token, anonymous):
        reply = await api.post(CONDITIONAL, token=token, body=body)
        assert reply.status == 200, reply.text
        assert reply.json["status"] == "REGISTRATION_REQUIRED"
    # A token that is sent must be a valid Profile token of the API key's Workspace.
    other = (await api.anonymous_token(fake.workspaces[1])).json["token"]
    for token in (await api.workspace_token(), other, "not-a-token"):
        assert (await api.post(CONDITIONAL, token=token, body=body)).status == 401
