"""Same seed, same data."""

from __future__ import annotations

import aiohttp

from synerise_async.testing import FakeSynerise

CLOCK = 1_750_000_000.0


def build(seed: int, **kwargs: object) -> FakeSynerise:
    return FakeSynerise(seed=seed, clock=lambda: CLOCK, **kwargs)  # type: ignore[arg-type]


def test_same_seed_same_data() -> None:
    first, second = build(5), build(5)
    assert first.workspaces == second.workspaces
    assert first.users == second.users
    assert first.profiles == second.profiles
    for workspace in first.workspaces:
        assert first.workflows(workspace.id) == second.workflows(workspace.id)
    assert [u.password for u in first.users] == [u.password for u in second.users]


def test_other_seed_other_data() -> None:
    first, second = build(5), build(6)
    assert first.workspace.id != second.workspace.id
    assert first.workflows() != second.workflows()
    assert first.user.password != second.user.password


def test_workspaces_do_not_depend_on_each_others_sizes() -> None:
    small = build(5, workflows_per_workspace=3)
    large = build(5, workflows_per_workspace=40)
    assert small.workflows() == large.workflows()[:3]
    assert small.workspace.id == large.workspace.id


def test_timestamps_follow_the_clock_day() -> None:
    workflows = build(5).workflows()
    anchor = CLOCK // 86400 * 86400
    assert max(w["updated"] for w in workflows) <= anchor
    assert min(w["created"] for w in workflows) >= anchor - 731 * 86400


async def generated_responses(seed: int) -> list[object]:
    async with build(seed) as fake, aiohttp.ClientSession(fake.url) as http:
        login = await http.post(
            "/uauth/v2/auth/login/profile", json={"apiKey": fake.workspace.api_key}
        )
        headers = {"Authorization": f"Bearer {(await login.json())['token']}"}
        bodies = []
        for workflow in fake.workflows()[:8]:
            diagram = workflow["diagramId"]
            for path in (
                f"/automation-brain/diagrams/{diagram}/statistics",
                f"/morph/logs/automation/{diagram}/last-run/with-stages",
            ):
                async with http.get(path, headers=headers, params={"limit": "20"}) as response:
                    bodies.append((response.status, await response.json()))
        return bodies


async def test_same_seed_same_statistics_and_runs() -> None:
    assert await generated_responses(9) == await generated_responses(9)
