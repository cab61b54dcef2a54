"""User login, MFA, Workspace selection and listing: operations 6-11."""

from __future__ import annotations

from synerise_async.testing import FakeSynerise

LOGIN = "/uauth/auth/login/user"
MFA = "/uauth/auth/login/user/mfa/verification"
SELECT = "/uauth/auth/login/user/profile/"
WORKSPACES = "/uauth/business-profile/"
IDS = "/uauth/business-profile/ids"
CURRENT = "/uauth/business-profile/current"


async def test_login_without_mfa(api, fake: FakeSynerise) -> None:
    user = fake.user
    reply = await api.post(LOGIN, body={"username": user.username, "password": user.password})
    assert reply.status == 200
    assert "mfaMethods" not in reply.json
    consumer = reply.json["consumer"]
    assert consumer["type"] == "USER"
    assert consumer["businessProfileId"] is None
    assert consumer["name"] == user.name
    assert consumer["id"] == user.id
    assert isinstance(consumer["authorities"], list)
    assert isinstance(consumer["roles"], dict)
    claims = api.claims(reply.json["token"])
    assert claims["rlm"] == "user"
    assert claims["bpi"] is None
    assert claims["wsp"] is None
    assert claims["mfa"] is False


async def test_login_errors(api, fake: FakeSynerise) -> None:
    user = fake.user
    reply = await api.post(LOGIN, body={"username": user.username, "password": "bad-guess"})
    assert reply.status == 401
    assert "bad-guess" not in reply.text
    reply = await api.post(LOGIN, body={"username": "nobody@fake-synerise.test", "password": "x"})
    assert reply.status == 401
    reply = await api.post(LOGIN, body={"password": user.password})
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "username"


async def test_totp_mfa_flow(api, fake: FakeSynerise) -> None:
    user = fake.mfa_user
    reply = await api.post(LOGIN, body={"username": user.username, "password": user.password})
    assert reply.status == 200
    assert reply.json["mfaMethods"] == ["TOTP_AUTHENTICATOR"]
    pending = reply.json["token"]
    assert api.claims(pending)["mfa"] is True

    # An MFA-pending token is good for nothing but verification.
    assert (await api.get(WORKSPACES, token=pending)).status == 401
    assert (await api.post(SELECT + fake.workspace.id, token=pending)).status == 401
    assert (await api.get(CURRENT, token=pending)).status == 401

    params = {"mfaType": "TOTP_AUTHENTICATOR"}
    wrong = "000000" if user.mfa_code != "000000" else "111111"
    reply = await api.post(MFA, token=pending, params=params, body={"verificationCode": wrong})
    assert reply.status == 401
    assert wrong not in reply.text
    reply = await api.post(
        MFA, token=pending, params={"mfaType": "EMAIL"}, body={"verificationCode": user.mfa_code}
    )
    assert reply.status == 400
    reply = await api.post(MFA, token=pending, body={"verificationCode": user.mfa_code})
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "mfaType"
    reply = await api.post(MFA, token=pending, params=params, body={})
    assert reply.status == 400

    reply = await api.post(
        MFA, token=pending, params=params, body={"verificationCode": user.mfa_code}
    )
    assert reply.status == 200
    full = reply.json["token"]
    assert api.claims(full)["mfa"] is False
    assert reply.json["consumer"]["id"] == user.id
    reply = await api.post(SELECT + fake.workspace.id, token=full)
    assert reply.status == 200
    assert reply.json["consumer"]["businessProfileId"] == fake.workspace.numeric_id


async def test_email_mfa_flow(api, fake: FakeSynerise) -> None:
    user = next(u for u in fake.users if u.mfa_type == "EMAIL")
    reply = await api.post(LOGIN, body={"username": user.username, "password": user.password})
    assert reply.json["mfaMethods"] == ["EMAIL"]
    reply = await api.post(
        MFA,
        token=reply.json["token"],
        params={"mfaType": "EMAIL"},
        body={"verificationCode": user.mfa_code},
    )
    assert reply.status == 200


async def test_mfa_verification_is_refused_for_users_without_mfa(api, fake: FakeSynerise) -> None:
    token = await api.user_token()
    reply = await api.post(
        MFA, token=token, params={"mfaType": "TOTP_AUTHENTICATOR"}, body={"verificationCode": "1"}
    )
    assert reply.status == 400


async def test_select_workspace_scopes_the_token(api, fake: FakeSynerise) -> None:
    token = await api.user_token()
    for workspace in fake.workspaces:
        reply = await api.post(SELECT + workspace.id, token=token)
        assert reply.status == 200
        claims = api.claims(reply.json["token"])
        assert claims["bpi"] == workspace.numeric_id
        assert claims["wsp"] == workspace.id
        assert claims["rlm"] == "user"
        assert reply.json["consumer"]["businessProfileId"] == workspace.numeric_id
    # The businessProfileGuid (what listing returns) selects too.
    reply = await api.post(SELECT + fake.workspaces[1].id, token=token)
    assert api.claims(reply.json["token"])["wsp"] == fake.workspaces[1].id


async def test_select_workspace_errors(api, fake: FakeSynerise) -> None:
    token = await api.user_token()
    reply = await api.post(SELECT + "6f1c2f55-0000-4000-8000-000000000000", token=token)
    assert reply.status == 404
    assert reply.json["status"] == 404
    limited = next(u for u in fake.users if len(u.workspace_ids) == 1)
    limited_token = await api.user_token(limited)
    reply = await api.post(SELECT + fake.workspaces[1].id, token=limited_token)
    assert reply.status == 403
    assert reply.json["error"] == "Forbidden"
    assert (await api.post(SELECT + fake.workspace.id)).status == 401
    workspace_token = await api.workspace_token()
    assert (await api.post(SELECT + fake.workspace.id, token=workspace_token)).status == 401


async def test_list_workspaces_and_ids(api, fake: FakeSynerise) -> None:
    token = await api.user_token()
    reply = await api.get(WORKSPACES, token=token)
    assert reply.status == 200
    assert [w["id"] for w in reply.json] == [w.numeric_id for w in fake.workspaces]
    first = reply.json[0]
    assert set(first) == {
        "businessProfileGuid",
        "logo",
        "name",
        "id",
        "created",
        "subdomain",
        "ipRestricted",
        "mfaRequired",
    }
    assert first["businessProfileGuid"] == fake.workspace.id
    assert first["name"] == fake.workspace.name
    assert first["subdomain"] == fake.workspace.subdomain
    assert first["created"].endswith("Z")

    reply = await api.get(IDS, token=token)
    assert reply.status == 200
    assert [w["id"] for w in reply.json] == [w.numeric_id for w in fake.workspaces]
    assert set(reply.json[0]) == {"id", "ipRestriction", "mfaRestriction", "favorite"}

    limited = next(u for u in fake.users if len(u.workspace_ids) == 1)
    reply = await api.get(WORKSPACES, token=await api.user_token(limited))
    assert [w["id"] for w in reply.json] == [fake.workspace.numeric_id]

    assert (await api.get(WORKSPACES, token=await api.workspace_token())).status == 401
    assert (await api.get(IDS)).status == 401


async def test_current_workspace(api, fake: FakeSynerise) -> None:
    unscoped = await api.user_token()
    reply = await api.get(CURRENT, token=unscoped)
    assert reply.status == 200
    assert reply.json == {"selected": False, "data": None}

    scoped = await api.user_token(workspace=fake.workspaces[1])
    reply = await api.get(CURRENT, token=scoped)
    assert reply.json["selected"] is True
    data = reply.json["data"]
    assert data["id"] == fake.workspaces[1].numeric_id
    assert data["businessProfileGuid"] == fake.workspaces[1].id
    assert {"labels", "emailAttributeName", "organizationGuid", "ipRestriction"} <= set(data)

    reply = await api.get(CURRENT, token=await api.workspace_token())
    assert reply.json["selected"] is True
    assert reply.json["data"]["id"] == fake.workspace.numeric_id

    profile_token = (await api.profile_login()).json["token"]
    assert (await api.get(CURRENT, token=profile_token)).status == 401


async def test_automation_needs_a_scoped_user_token(api, fake: FakeSynerise) -> None:
    unscoped = await api.user_token()
    reply = await api.get("/automation-brain/diagrams", token=unscoped)
    assert reply.status == 401
    scoped = await api.user_token(workspace=fake.workspaces[1])
    reply = await api.get("/automation-brain/diagrams", token=scoped)
    assert reply.status == 200
    assert reply.json["data"][0]["businessProfileId"] == fake.workspaces[1].numeric_id
