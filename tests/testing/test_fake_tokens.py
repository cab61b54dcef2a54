"""Token issuing and checking: claims, expiry, revocation, clocks, encrypted tokens."""

from __future__ import annotations

import base64
import json

import aiohttp
import jwt
import pytest

from synerise_async.testing import FakeSynerise

LIST = "/automation-brain/diagrams"
WORKSPACE_LOGIN = "/uauth/v2/auth/login/profile"


async def test_workspace_login_returns_only_a_signed_jwt(api, fake: FakeSynerise) -> None:
    reply = await api.post(WORKSPACE_LOGIN, body={"apiKey": fake.workspace.api_key})
    assert reply.status == 200
    assert set(reply.json) == {"token"}
    token = reply.json["token"]
    assert jwt.get_unverified_header(token) == {"alg": "RS512"}
    claims = jwt.decode(
        token,
        fake.public_key_pem,
        algorithms=["RS512"],
        audience="API",
        issuer="Synerise",
        options={"verify_iat": False},
    )
    assert claims["rlm"] == "business_profile"
    assert claims["bpi"] == fake.workspace.numeric_id
    assert claims["wsp"] == fake.workspace.id
    assert claims["exp"] == pytest.approx(claims["iat"] + 3600)
    assert claims["iat"] == pytest.approx(fake.now(), abs=5)
    assert round(claims["iat"], 3) == claims["iat"]
    assert isinstance(claims["sub"], str)
    second = api.claims(await api.workspace_token())
    assert second["jti"] != claims["jti"]


async def test_workspace_login_errors(api, fake: FakeSynerise) -> None:
    reply = await api.post(WORKSPACE_LOGIN, body={"apiKey": fake.workspace.profile_api_key})
    assert reply.status == 401
    assert fake.workspace.profile_api_key not in reply.text
    reply = await api.post(WORKSPACE_LOGIN, body={})
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "apiKey"


async def test_tokens_really_expire(api, fake: FakeSynerise) -> None:
    fake.token_lifetime = 0.5
    token = await api.workspace_token()
    claims = api.claims(token)
    assert claims["exp"] == pytest.approx(claims["iat"] + 0.5)
    assert (await api.get(LIST, token=token)).status == 200
    fake.shift_clock(0.6)  # the fake's own clock: expiry is judged on it
    reply = await api.get(LIST, token=token)
    assert reply.status == 401
    assert "expired" in reply.json["message"].lower()
    fake.token_lifetime = 3600
    assert (await api.get(LIST, token=await api.workspace_token())).status == 200


async def test_expired_token_status_403_on_automation_routes_only() -> None:
    fake = FakeSynerise(expired_token_status_code=403, workflows_per_workspace=2)
    async with fake, aiohttp.ClientSession(fake.url) as http:
        login = await http.post(WORKSPACE_LOGIN, json={"apiKey": fake.workspace.api_key})
        token = (await login.json())["token"]
        fake.shift_clock(3600)
        headers = {"Authorization": f"Bearer {token}"}
        async with http.get(LIST, headers=headers) as response:
            assert response.status == 403
            assert "expired" in (await response.json())["message"]
        async with http.get("/uauth/business-profile/current", headers=headers) as response:
            assert response.status == 401
        fake.expired_token_status_code = 401
        async with http.get(LIST, headers=headers) as response:
            assert response.status == 401


async def test_revoke_all_tokens(api, fake: FakeSynerise) -> None:
    workspace_token = await api.workspace_token()
    user_token = await api.user_token(workspace=fake.workspace)
    fake.revoke_all_tokens()
    for token in (workspace_token, user_token):
        reply = await api.get(LIST, token=token)
        assert reply.status == 401
        assert "revoked" in reply.json["message"]
    assert (await api.get(LIST, token=await api.workspace_token())).status == 200


async def test_shift_clock_moves_iat_and_expiry(api, fake: FakeSynerise) -> None:
    before = api.claims(await api.workspace_token())
    token = await api.workspace_token()
    fake.shift_clock(3599)
    assert (await api.get(LIST, token=token)).status == 200
    fake.shift_clock(2)
    assert (await api.get(LIST, token=token)).status == 401
    after = api.claims(await api.workspace_token())
    assert after["iat"] - before["iat"] == pytest.approx(3601, abs=2)
    fake.shift_clock(-10_000)
    assert fake.now() < before["iat"]


async def test_fixed_clock_controls_token_times() -> None:
    now = [1_700_000_000.0]
    fake = FakeSynerise(clock=lambda: now[0], workflows_per_workspace=1)
    async with fake, aiohttp.ClientSession(fake.url) as http:
        login = await http.post(WORKSPACE_LOGIN, json={"apiKey": fake.workspace.api_key})
        token = (await login.json())["token"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["iat"] == 1_700_000_000.0
        assert claims["exp"] == 1_700_003_600.0
        now[0] += 3600
        async with http.get(LIST, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 401


async def test_invalid_tokens_are_401(api, fake: FakeSynerise) -> None:
    assert (await api.get(LIST)).status == 401
    token = await api.workspace_token()
    header, payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["bpi"] = 1
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    for bad in (f"{header}.{forged_payload}.{signature}", token[:-4] + "AAAA", "garbage"):
        reply = await api.get(LIST, token=bad)
        assert reply.status == 401
        assert reply.json["error"] == "Unauthorized"
    reply = await api.get(LIST, headers={"Authorization": "Token abc"})
    assert reply.status == 401
    profile_token = (await api.profile_login()).json["token"]
    assert (await api.get(LIST, token=profile_token)).status == 401


async def test_tokens_are_only_valid_on_the_issuing_server(api) -> None:
    token = await api.workspace_token()
    other = FakeSynerise(seed=7)
    async with other, aiohttp.ClientSession(other.url) as http:
        reply = await http.get(LIST, headers={"Authorization": f"Bearer {token}"})
        assert reply.status == 401
        reply.release()


async def test_basic_auth(api, fake: FakeSynerise) -> None:
    reply = await api.get(LIST, headers=api.basic(fake.workspaces[1]))
    assert reply.status == 200
    assert reply.json["data"][0]["businessProfileId"] == fake.workspaces[1].numeric_id
    reply = await api.get(LIST, headers=api.basic(fake.workspace, api_key="wrong"))
    assert reply.status == 401
    reply = await api.get(LIST, headers={"Authorization": "Basic !!!not-base64"})
    assert reply.status == 401
    # Basic is for automation routes only.
    reply = await api.get("/uauth/business-profile/current", headers=api.basic(fake.workspace))
    assert reply.status == 401


async def test_encrypted_tokens_are_opaque_but_work() -> None:
    fake = FakeSynerise(encrypted_tokens=True, workflows_per_workspace=3)
    async with fake, aiohttp.ClientSession(fake.url) as http:
        login = await http.post(WORKSPACE_LOGIN, json={"apiKey": fake.workspace.api_key})
        body = await login.json()
        assert set(body) == {"token"}
        token = body["token"]
        parts = token.split(".")
        assert len(parts) == 5
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=="))
        assert header == {"alg": "RSA-OAEP-256", "enc": "A256GCM"}
        with pytest.raises(jwt.DecodeError):
            jwt.decode(token, options={"verify_signature": False})
        async with http.get(LIST, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200

        profile = fake.profiles[0]
        login = await http.post(
            "/sauth/v3/auth/login/client",
            json={
                "apiKey": fake.workspace.profile_api_key,
                "identityProvider": "SYNERISE",
                "email": profile.email,
                "password": profile.password,
            },
        )
        body = await login.json()
        assert len(body["token"].split(".")) == 5
        assert body["expiration"] == pytest.approx(fake.now() + 3600, abs=5)
