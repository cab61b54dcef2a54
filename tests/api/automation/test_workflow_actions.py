"""Workflow actions (operations 15-19) over real HTTP: what each sends, what it changes
on the server, and the state rules (a stopped workflow can never run again; a deleted or
unknown workflow is a ``NotFoundError``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from synerise_async import (
    APIStatusError,
    BasicAuth,
    ConflictError,
    NotFoundError,
    RawResponse,
    SyneriseClient,
)
from synerise_async.api.automation import (
    disable_workflow_schedule,
    enable_workflow_schedule,
    get_block_statistics,
    get_last_run_logs,
    get_workflow_statistics,
    list_workflows,
    pause_workflow,
    run_workflow,
    stop_workflow,
)
from synerise_async.models.automation import ScheduleAction, WorkflowStatus
from synerise_async.testing import FakeSynerise

BASE = "/automation-brain/diagrams/{}"


def state(fake: FakeSynerise, diagram_id: str) -> dict[str, Any]:
    return next(w for w in fake.workflows() if w["diagramId"] == diagram_id)


async def test_run_resumes_a_paused_workflow(
    fake: FakeSynerise, client: SyneriseClient, by_status: Callable[[str], str]
) -> None:
    diagram_id = by_status("Paused")
    before = state(fake, diagram_id)
    response = await run_workflow.asyncio_detailed(client=client, diagram_id=diagram_id)
    assert (response.status_code, response.parsed, response.content) == (200, None, b"")
    recorded = fake.requests[-1]
    assert (recorded.method, recorded.path) == ("POST", BASE.format(diagram_id) + "/run")
    assert recorded.body == {}  # scheduleAction left out: the server's default (NoAction here)
    after = state(fake, diagram_id)
    assert after["status"] == "Active"
    assert after["scheduleStatus"] == before["scheduleStatus"]
    assert after["updated"] >= before["updated"]


async def test_run_and_pause_apply_the_schedule_action(
    fake: FakeSynerise, client: SyneriseClient, by_status: Callable[[str], str]
) -> None:
    diagram_id = by_status("Paused")
    assert (
        await run_workflow.asyncio(client=client, diagram_id=diagram_id, schedule_action="On")
        is None
    )
    assert state(fake, diagram_id)["status"] == "Active"
    assert state(fake, diagram_id)["scheduleStatus"] == "On"

    await pause_workflow.asyncio(
        client=client, diagram_id=diagram_id, schedule_action=ScheduleAction.OFF
    )
    recorded = fake.requests[-1]
    assert (recorded.path, recorded.body) == (
        BASE.format(diagram_id) + "/pause",
        {"scheduleAction": "Off"},
    )
    assert state(fake, diagram_id)["status"] == "Paused"
    assert state(fake, diagram_id)["scheduleStatus"] == "Off"

    listed = await list_workflows.asyncio(client=client, limit=100, status="Paused")
    paused = next(w for w in listed.items if w.diagram_id == diagram_id)
    assert paused.status is WorkflowStatus.PAUSED


async def test_schedule_on_and_off(
    fake: FakeSynerise, client: SyneriseClient, by_status: Callable[[str], str]
) -> None:
    diagram_id = by_status("Active")
    response = await enable_workflow_schedule.asyncio_detailed(client=client, diagram_id=diagram_id)
    assert (response.status_code, response.parsed) == (204, None)
    recorded = fake.requests[-1]
    assert (recorded.method, recorded.path, recorded.body) == (
        "POST",
        BASE.format(diagram_id) + "/schedule-on",
        None,  # no body
    )
    assert state(fake, diagram_id)["scheduleStatus"] == "On"
    assert await disable_workflow_schedule.asyncio(client=client, diagram_id=diagram_id) is None
    assert fake.requests[-1].path == BASE.format(diagram_id) + "/schedule-off"
    assert state(fake, diagram_id)["scheduleStatus"] == "Off"
    assert state(fake, diagram_id)["status"] == "Active"


async def test_a_stopped_workflow_can_never_run_again(
    fake: FakeSynerise, client: SyneriseClient, by_status: Callable[[str], str]
) -> None:
    diagram_id = by_status("Active")
    response = await stop_workflow.asyncio_detailed(client=client, diagram_id=diagram_id)
    assert (response.status_code, response.parsed) == (204, None)
    assert fake.requests[-1].path == BASE.format(diagram_id) + "/stop"
    assert fake.requests[-1].body is None
    assert state(fake, diagram_id)["status"] == "Stopped"

    refusals = [
        (run_workflow, "run"),
        (pause_workflow, "be paused"),
        (enable_workflow_schedule, "be scheduled"),
    ]
    for module, verb in refusals:
        with pytest.raises(ConflictError) as info:
            await module.asyncio(client=client, diagram_id=diagram_id)
        error = info.value
        expected = f"Workflow {diagram_id} is stopped and cannot {verb} again"
        assert error.status_code == 409
        assert error.body is not None
        assert error.body.message == expected
        assert expected in str(error)  # the error body's message reaches the user
        assert error.attempts == 1  # a 409 is an answer, not a failure to retry
    assert state(fake, diagram_id)["status"] == "Stopped"

    # What remains allowed: turning the schedule off, and stopping again.
    await disable_workflow_schedule.asyncio(client=client, diagram_id=diagram_id)
    await stop_workflow.asyncio(client=client, diagram_id=diagram_id)
    assert state(fake, diagram_id)["status"] == "Stopped"


async def test_actions_work_with_basic_auth(
    fake: FakeSynerise, by_status: Callable[[str], str]
) -> None:
    diagram_id = by_status("Active")
    auth = BasicAuth(fake.workspace.guid, fake.workspace.api_key)
    async with SyneriseClient(auth, base_url=fake.url) as client:
        await pause_workflow.asyncio(client=client, diagram_id=diagram_id)
        await run_workflow.asyncio(client=client, diagram_id=diagram_id)
    assert [(r.auth, r.status_code) for r in fake.requests] == [("basic", 200), ("basic", 200)]


def _call(module: ModuleType) -> Callable[..., Any]:
    if module is get_block_statistics:

        async def block(*, client: SyneriseClient, diagram_id: str) -> Any:
            return await module.asyncio(client=client, diagram_id=diagram_id, block_id="b")

        return block
    return module.asyncio  # type: ignore[no-any-return]


WORKFLOW_SCOPED = [
    run_workflow,
    pause_workflow,
    stop_workflow,
    enable_workflow_schedule,
    disable_workflow_schedule,
    get_workflow_statistics,
    get_block_statistics,
    get_last_run_logs,
]


@pytest.mark.parametrize("module", WORKFLOW_SCOPED, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
async def test_a_deleted_workflow_is_not_found(
    fake: FakeSynerise, client: SyneriseClient, module: ModuleType
) -> None:
    workflow = next(w for w in fake.workflows() if w["hasTransformation"])
    diagram_id = workflow["diagramId"]
    fake.delete_workflow(fake.workspace.id, diagram_id)
    with pytest.raises(NotFoundError) as info:
        await _call(module)(client=client, diagram_id=diagram_id)
    assert info.value.status_code == 404
    assert info.value.body is not None
    assert info.value.body.message == f"Workflow {diagram_id} not found"
    assert info.value.attempts == 1
    listed = await list_workflows.asyncio(client=client, limit=100)
    assert diagram_id not in {w.diagram_id for w in listed.items}
    assert listed.total == 56


@pytest.mark.parametrize("module", WORKFLOW_SCOPED, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
async def test_an_unknown_workflow_is_not_found(client: SyneriseClient, module: ModuleType) -> None:
    with pytest.raises(NotFoundError) as info:
        await _call(module)(client=client, diagram_id=str(uuid.uuid4()))
    assert isinstance(info.value, APIStatusError)
    assert info.value.status_code == 404


ACTIONS = {
    "run": (run_workflow, "/run"),
    "pause": (pause_workflow, "/pause"),
    "stop": (stop_workflow, "/stop"),
    "schedule-on": (enable_workflow_schedule, "/schedule-on"),
    "schedule-off": (disable_workflow_schedule, "/schedule-off"),
}
#: 2xx answers an action might get: none of them is an error, none is decoded.
ODD_BODIES = {
    "html": (200, b"<html><body>OK</body></html>", "text/html"),
    "not-utf8": (200, b"\xff\xfe\x00garbage", "application/octet-stream"),
    "json-array": (200, b"[1, 2, 3]", "application/json"),
    "json-null": (200, b"null", "application/json"),
    "json-truncated": (202, b'{"status": "acc', "application/json"),
    "empty-201": (201, b"", "application/json"),
}


@pytest.mark.parametrize("body", ODD_BODIES)
@pytest.mark.parametrize("action", ACTIONS)
async def test_an_action_accepts_any_2xx_body_without_decoding_it(
    fake: FakeSynerise,
    client: SyneriseClient,
    by_status: Callable[[str], str],
    action: str,
    body: str,
) -> None:
    module, suffix = ACTIONS[action]
    status, payload, content_type = ODD_BODIES[body]
    diagram_id = by_status("Active")
    path = BASE.format(diagram_id) + suffix
    fake.faults.body(payload, count=2, path=path, status_code=status, content_type=content_type)
    response = await module.asyncio_detailed(client=client, diagram_id=diagram_id)
    assert (response.status_code, response.parsed, response.content) == (status, None, payload)
    assert await module.asyncio(client=client, diagram_id=diagram_id) is None
    assert [r.status_code for r in fake.requests if r.path == path] == [status, status]  # no retry


@pytest.mark.parametrize("action", ACTIONS)
async def test_an_actions_asyncio_builds_no_response(
    fake: FakeSynerise,
    client: SyneriseClient,
    by_status: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
    action: str,
) -> None:
    module, suffix = ACTIONS[action]
    built: list[RawResponse] = []
    to_response = RawResponse.to_response

    def counting(self: RawResponse, parsed: Any) -> Any:
        if suffix in self.request.url:  # the login's Response is not the action's
            built.append(self)
        return to_response(self, parsed)

    monkeypatch.setattr(RawResponse, "to_response", counting)
    diagram_id = by_status("Active")
    assert await module.asyncio(client=client, diagram_id=diagram_id) is None
    assert built == []
    await module.asyncio_detailed(client=client, diagram_id=diagram_id)
    assert len(built) == 1
