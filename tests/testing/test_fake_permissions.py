"""``FakeSynerise.deny_permission``: a route whose permission is taken away answers
Synerise's 403, after the credential is checked, for every kind of credential."""

from __future__ import annotations

from synerise_async.testing import FakeSynerise

LIST = "/automation-brain/v2/diagrams"


async def test_a_denied_permission_answers_synerise_s_403_to_every_credential(
    api, fake: FakeSynerise
) -> None:
    workspace_token = await api.workspace_token()
    user_token = await api.user_token(workspace=fake.workspace)
    fake.deny_permission("AUTOMATON_BRAIN_DIAGRAM_LIST_READ")
    for kwargs in (
        {"token": workspace_token},
        {"token": user_token},
        {"headers": api.basic(fake.workspace)},
    ):
        reply = await api.get(LIST, **kwargs)
        assert reply.status == 403, kwargs
        body = reply.json
        assert set(body) == {"timestamp", "status", "error", "message", "path"}
        assert (body["status"], body["error"], body["path"]) == (403, "Forbidden", LIST)
        assert "token" not in body["message"].lower()  # not to be taken for a token problem
    # A bad credential is still a 401; other permissions are untouched.
    assert (await api.get(LIST, token="nope")).status == 401
    v1 = await api.get("/automation-brain/diagrams", token=workspace_token)
    assert v1.status == 403  # v1 needs the same permission
    fake.restore_permissions()
    assert (await api.get(LIST, token=workspace_token)).status == 200


async def test_a_permission_denied_in_one_workspace_only(api, fake: FakeSynerise) -> None:
    mine, other = fake.workspaces[0], fake.workspaces[1]
    fake.deny_permission("AUTOMATON_BRAIN_DIAGRAM_LIST_READ", workspace=other.numeric_id)
    assert (await api.get(LIST, token=await api.workspace_token(mine))).status == 200
    assert (await api.get(LIST, token=await api.workspace_token(other))).status == 403


async def test_the_server_side_profile_login_needs_its_permission(api, fake: FakeSynerise) -> None:
    profile = next(p for p in fake.profiles if p.workspace_id == fake.workspace.id)
    body = {
        "apiKey": fake.workspace.profile_api_key,
        "identityProvider": "SYNERISE",
        "email": profile.email,
        "password": profile.password,
        "ipAddress": "203.0.113.7",
    }
    token = await api.workspace_token()
    fake.deny_permission("SAUTH_SERVER_LOGIN_CLIENT_CREATE")
    reply = await api.post("/sauth/v3/auth/login/client/server", token=token, body=body)
    assert reply.status == 403
    assert profile.password not in reply.text
    # Routes that need no permission are not affected.
    assert (await api.get("/uauth/business-profile/current", token=token)).status == 200
