"""Workflow actions: operations 15-19 and their state rules."""

from __future__ import annotations

import pytest

from synerise_async.testing import FakeSynerise

BASE = "/automation-brain/diagrams/"


def find(fake: FakeSynerise, diagram_id: str) -> dict:
    return next(w for w in fake.workflows() if w["diagramId"] == diagram_id)


def first_with(fake: FakeSynerise, status: str) -> str:
    return next(w["diagramId"] for w in fake.workflows() if w["status"] == status)


@pytest.fixture
async def token(api) -> str:
    return await api.workspace_token()


async def test_run_activates_and_applies_the_schedule_action(
    api, fake: FakeSynerise, token: str
) -> None:
    diagram = first_with(fake, "Paused")
    before = find(fake, diagram)["updated"]
    fake.shift_clock(10)
    reply = await api.post(BASE + diagram + "/run", token=token, body={"scheduleAction": "On"})
    assert reply.status == 200
    assert reply.text == ""
    after = find(fake, diagram)
    assert after["status"] == "Active"
    assert after["scheduleStatus"] == "On"
    assert after["updated"] > before
    reply = await api.post(BASE + diagram + "/run", token=token, body={"scheduleAction": "Off"})
    assert find(fake, diagram)["scheduleStatus"] == "Off"
    reply = await api.post(BASE + diagram + "/run", token=token)
    assert reply.status == 200
    assert find(fake, diagram)["scheduleStatus"] == "Off"
    # scheduleAction left out of a body (what the SDK sends when it is not given): NoAction.
    reply = await api.post(BASE + diagram + "/run", token=token, body={})
    assert reply.status == 200
    assert find(fake, diagram)["scheduleStatus"] == "Off"


async def test_pause(api, fake: FakeSynerise, token: str) -> None:
    diagram = first_with(fake, "Active")
    reply = await api.post(
        BASE + diagram + "/pause", token=token, body={"scheduleAction": "NoAction"}
    )
    assert reply.status == 200
    assert reply.text == ""
    assert find(fake, diagram)["status"] == "Paused"
    listed = await api.workflow_ids(token, status="Paused")
    assert diagram in listed


async def test_stopped_workflows_never_run_again(api, fake: FakeSynerise, token: str) -> None:
    diagram = first_with(fake, "Active")
    reply = await api.post(BASE + diagram + "/stop", token=token)
    assert reply.status == 204
    assert find(fake, diagram)["status"] == "Stopped"
    for action in ("run", "pause", "schedule-on"):
        reply = await api.post(BASE + diagram + "/" + action, token=token)
        assert reply.status == 409
        assert reply.json["status"] == 409
        assert "stopped" in reply.json["message"]
        assert reply.json["path"] == BASE + diagram + "/" + action
    assert find(fake, diagram)["status"] == "Stopped"
    assert (await api.post(BASE + diagram + "/stop", token=token)).status == 204
    assert (await api.post(BASE + diagram + "/schedule-off", token=token)).status == 204


async def test_schedule_on_and_off(api, fake: FakeSynerise, token: str) -> None:
    diagram = next(
        w["diagramId"]
        for w in fake.workflows()
        if w["status"] != "Stopped" and w["scheduleStatus"] == "Off"
    )
    status = find(fake, diagram)["status"]
    reply = await api.post(BASE + diagram + "/schedule-on", token=token)
    assert reply.status == 204
    assert find(fake, diagram)["scheduleStatus"] == "On"
    assert find(fake, diagram)["status"] == status
    reply = await api.post(BASE + diagram + "/schedule-off", token=token)
    assert reply.status == 204
    assert find(fake, diagram)["scheduleStatus"] == "Off"


async def test_action_errors(api, fake: FakeSynerise, token: str) -> None:
    diagram = first_with(fake, "Active")
    reply = await api.post(BASE + diagram + "/run", token=token, body={"scheduleAction": "Maybe"})
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "scheduleAction"
    reply = await api.post(BASE + "00000000-0000-4000-8000-000000000000/run", token=token)
    assert reply.status == 404
    assert reply.json["error"] == "Not Found"
    assert (await api.post(BASE + diagram + "/run")).status == 401


async def test_actions_work_with_basic_auth_and_user_tokens(api, fake: FakeSynerise) -> None:
    diagram = first_with(fake, "Active")
    reply = await api.post(BASE + diagram + "/pause", headers=api.basic(fake.workspace))
    assert reply.status == 200
    user_token = await api.user_token(workspace=fake.workspace)
    assert (await api.post(BASE + diagram + "/run", token=user_token)).status == 200
    assert find(fake, diagram)["status"] == "Active"
