"""Faults scoped to a query value or a Workspace, queued and random."""

from __future__ import annotations

import base64

import aiohttp
import pytest

from synerise_async.testing import FakeSynerise, Faults

LIST = "/automation-brain/diagrams"
V2 = "/automation-brain/v2/diagrams"
LOGIN = "/uauth/v2/auth/login/profile"


async def test_query_filter_needs_every_pair(api, fake: FakeSynerise) -> None:
    token = await api.workspace_token()
    fake.faults.error(503, path=V2, query={"page": "3"})
    fake.faults.error(500, query={"page": "2", "limit": "5"})
    statuses = [
        (await api.get(V2, token=token, params=params)).status
        for params in (
            {"page": "1"},
            {"page": "2", "limit": "10"},  # page matches, limit does not
            {"page": "3"},
            {"page": "3"},  # count=1: consumed
            {"limit": "5", "page": "2", "extra": "x"},  # extra names do not matter
        )
    ]
    assert statuses == [200, 200, 503, 200, 500]
    assert fake.faults.pending == 0
    assert [r.fault for r in fake.requests[1:]] == [None, None, "error", None, "error"]


async def test_workspace_filter_by_uuid_or_numeric_id(api, fake: FakeSynerise) -> None:
    first, second = fake.workspaces
    first_token = await api.workspace_token(first)
    second_token = await api.workspace_token(second)
    for key in (second.id, str(second.numeric_id), second.numeric_id):
        fake.faults.rate_limit(workspace=key, retry_after=0)
        assert (await api.get(LIST, token=first_token)).status == 200
        assert (await api.get(LIST, token=second_token)).status == 429
    assert fake.faults.pending == 0
    assert [r.workspace for r in fake.requests[2:4]] == [first.id, second.id]


async def test_workspace_filter_sees_every_kind_of_credential(api, fake: FakeSynerise) -> None:
    first, second = fake.workspaces
    fake.faults.error(502, count=100, workspace=second.id)
    # The Workspace API key in a login body.
    assert (await api.post(LOGIN, body={"apiKey": first.api_key})).status == 200
    assert (await api.post(LOGIN, body={"apiKey": second.api_key})).status == 502
    # The Profile API key in a Profile login body.
    assert (await api.anonymous_token(first)).status == 200
    assert (await api.anonymous_token(second)).status == 502
    # Basic credentials.
    assert (await api.get(LIST, headers=api.basic(first))).status == 200
    assert (await api.get(LIST, headers=api.basic(second))).status == 502
    # A User selecting the Workspace, then the User token scoped to it.
    user_token = await api.user_token()
    assert (
        await api.post(f"/uauth/auth/login/user/profile/{second.id}", token=user_token)
    ).status == 502
    assert (
        await api.post(f"/uauth/auth/login/user/profile/{second.id}", token=user_token)
    ).status == 502
    scoped = await api.user_token(workspace=first)
    assert (await api.get(LIST, token=scoped)).status == 200
    # No Workspace at all: a User login, an unscoped User token, no credential.
    assert (await api.get("/uauth/business-profile/", token=user_token)).status == 200
    assert (await api.get(LIST)).status == 401
    assert {r.workspace for r in fake.requests if r.fault} == {second.id}
    assert fake.count(status_code=502) == 5


async def test_unmatched_scoped_fault_does_not_block_later_ones(api, fake: FakeSynerise) -> None:
    first, second = fake.workspaces
    fake.faults.error(500, workspace=second.id).error(502).error(504, query={"page": "9"})
    assert (await api.get(LIST, headers=api.basic(first))).status == 502
    assert (await api.get(LIST, headers=api.basic(first), params={"page": "9"})).status == 504
    assert (await api.get(LIST, headers=api.basic(second), params={"page": "9"})).status == 500
    assert fake.faults.pending == 0


async def test_unknown_workspace_filter_is_rejected(fake: FakeSynerise) -> None:
    with pytest.raises(KeyError):
        fake.faults.error(503, workspace="no-such-workspace")
    with pytest.raises(KeyError):
        fake.faults.random(0.5, workspace="no-such-workspace")
    assert fake.faults.pending == 0


async def test_random_policy_scoped_to_a_workspace_and_query(api, fake: FakeSynerise) -> None:
    first, second = fake.workspaces
    fake.faults.random(1.0, kinds=("error",), workspace=second.id, query={"page": "2"})
    for _ in range(5):
        assert (await api.get(LIST, headers=api.basic(first), params={"page": "2"})).status == 200
        assert (await api.get(LIST, headers=api.basic(second), params={"page": "1"})).status == 200
        assert (await api.get(LIST, headers=api.basic(second), params={"page": "2"})).status == 503


def test_a_standalone_controller_takes_the_filter_as_a_uuid() -> None:
    faults = Faults().error(500, workspace="ws-uuid")
    assert faults._take("GET", LIST, {}, "other") is None
    action = faults._take("GET", LIST, {}, "ws-uuid")
    assert action is not None
    assert action.status_code == 500


async def test_random_scoped_draws_stay_seeded() -> None:
    async def statuses(seed: int) -> list[int]:
        async with FakeSynerise(workflows_per_workspace=2) as fake:
            fake.faults.random(0.5, seed=seed, workspace=fake.workspaces[1].id)
            raw = f"{fake.workspaces[1].guid}:{fake.workspaces[1].api_key}".encode()
            headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
            result = []
            async with aiohttp.ClientSession(fake.url, headers=headers) as http:
                for _ in range(20):
                    async with http.get(LIST) as response:
                        await response.read()
                        result.append(response.status)
            return result

    first = await statuses(4)
    assert first == await statuses(4)
    assert set(first) == {200, 429, 503}
