"""Starting, stopping and the generic behaviour of the fake server."""

from __future__ import annotations

import asyncio
import io
import re

import aiohttp
import pytest

import synerise_async.testing as testing_pkg
from synerise_async.testing import FakeSynerise, WorkspaceSpec


def test_exports_are_sorted_and_complete() -> None:
    assert testing_pkg.__all__ == sorted(testing_pkg.__all__)
    public = {name for name in vars(testing_pkg) if not name.startswith("_")}
    assert set(testing_pkg.__all__) == public


async def test_start_serve_close_is_idempotent() -> None:
    fake = FakeSynerise(workflows_per_workspace=3)
    with pytest.raises(RuntimeError):
        _ = fake.url
    await fake.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", fake.url)
    with pytest.raises(RuntimeError):
        await fake.start()
    async with aiohttp.ClientSession() as http:
        async with http.get(fake.url + "/uauth/business-profile/") as response:
            assert response.status == 401
        await fake.close()
        await fake.close()
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(fake.url + "/uauth/business-profile/"):
                pass


async def test_close_leaves_no_tasks_behind() -> None:
    before = asyncio.all_tasks()
    async with FakeSynerise(workflows_per_workspace=1) as fake, aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.get(fake.url + "/automation-brain/diagrams") as response:
                await response.read()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == before


async def test_context_manager_closes_open_keep_alive_connections() -> None:
    async with aiohttp.ClientSession() as http:
        async with (
            FakeSynerise(workflows_per_workspace=1) as fake,
            http.get(fake.url + "/nope") as response,
        ):
            await response.read()
        # The pooled connection was closed by the server; a new request fails cleanly.
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(fake.url + "/nope"):
                pass


async def test_unknown_route_and_method_answer_json_error_bodies(api) -> None:
    reply = await api.get("/no/such/route")
    assert reply.status == 404
    body = reply.json
    assert set(body) == {"timestamp", "status", "error", "message", "path"}
    assert body["status"] == 404
    assert body["error"] == "Not Found"
    assert body["path"] == "/no/such/route"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["timestamp"])

    reply = await api.request("DELETE", "/automation-brain/diagrams")
    assert reply.status == 405
    assert reply.json["status"] == 405
    assert "GET" in reply.headers["Allow"]


async def test_malformed_json_body_is_a_400(api, http) -> None:
    async with http.post(
        "/uauth/v2/auth/login/profile",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    ) as response:
        assert response.status == 400
        assert (await response.json())["message"] == "Malformed JSON request body"


async def test_oversized_body_is_a_json_413(fake, http) -> None:
    async with http.post(
        "/uauth/v2/auth/login/profile", data=io.BytesIO(b"x" * (3 * 1024 * 1024))
    ) as response:
        assert response.status == 413
        assert (await response.json())["status"] == 413
    assert fake.requests[-1].status_code == 413


def test_constructor_validates_arguments() -> None:
    with pytest.raises(ValueError):
        FakeSynerise(workspaces=0)
    with pytest.raises(ValueError):
        FakeSynerise(workflows_per_workspace=-1)
    with pytest.raises(ValueError):
        FakeSynerise(expired_token_status_code=500)
    with pytest.raises(ValueError):
        FakeSynerise(token_lifetime=-1)
    fake = FakeSynerise(workflows_per_workspace=1)
    with pytest.raises(ValueError):
        fake.token_lifetime = -5
    with pytest.raises(ValueError):
        fake.expired_token_status_code = 404


def test_workspace_specs_name_and_size_workspaces() -> None:
    fake = FakeSynerise(
        workspaces=[WorkspaceSpec(name="Tiny", workflows=2), WorkspaceSpec()],
        workflows_per_workspace=5,
    )
    assert fake.workspaces[0].name == "Tiny"
    assert [w.workflow_count for w in fake.workspaces] == [2, 5]
    assert [len(fake.workflows(w.id)) for w in fake.workspaces] == [2, 5]
    assert fake.workspace is fake.workspaces[0]


def test_seeded_records_hide_secrets_in_repr() -> None:
    fake = FakeSynerise(workflows_per_workspace=1)
    workspace, user, mfa_user, profile = fake.workspace, fake.user, fake.mfa_user, fake.profiles[0]
    assert workspace.api_key not in repr(workspace)
    assert workspace.profile_api_key not in repr(workspace)
    assert user.password not in repr(user)
    assert mfa_user.mfa_code is not None
    assert mfa_user.mfa_code not in repr(mfa_user)
    assert profile.password not in repr(profile)


def test_seeded_users_and_profiles_have_the_documented_shape() -> None:
    fake = FakeSynerise(workspaces=3, workflows_per_workspace=1)
    all_ids = tuple(w.id for w in fake.workspaces)
    assert fake.user.mfa_type is None
    assert fake.user.mfa_code is None
    assert fake.user.workspace_ids == all_ids
    assert fake.mfa_user.mfa_type == "TOTP_AUTHENTICATOR"
    assert re.fullmatch(r"\d{6}", fake.mfa_user.mfa_code or "")
    assert {u.mfa_type for u in fake.users} == {None, "TOTP_AUTHENTICATOR", "EMAIL"}
    assert any(len(u.workspace_ids) == 1 for u in fake.users)
    assert all("@" in u.username for u in fake.users)
    assert {p.workspace_id for p in fake.profiles} == set(all_ids)
    assert len({w.numeric_id for w in fake.workspaces}) == 3
    assert all(len(w.directory_ids) == 4 for w in fake.workspaces)
