"""Workflow statistics, block statistics and last-run logs (operations 20-22), over real
HTTP, checked against the very bytes the server sent."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from synerise_async import NotFoundError, SyneriseClient
from synerise_async.api.automation import (
    get_block_statistics,
    get_last_run_logs,
    get_workflow_statistics,
)
from synerise_async.models.automation import (
    BlockStatistics,
    LastRunLogs,
    RunStage,
    RunStatus,
    TimePeriod,
    WorkflowStatistics,
)
from synerise_async.testing import FakeSynerise

NAMED = ("name", "type", "entered", "executed")


def block_from_wire(wire: dict[str, Any]) -> BlockStatistics:
    return BlockStatistics(
        name=wire["name"],
        type=wire["type"],
        entered=wire["entered"],
        executed=wire["executed"],
        counters={k: v for k, v in wire.items() if k not in NAMED},
    )


async def busy_workflow(fake: FakeSynerise, client: SyneriseClient) -> str:
    """An Active workflow that reports runs (some Active ones are idle)."""
    for workflow in fake.workflows():
        if workflow["status"] == "Active":
            stats = await get_workflow_statistics.asyncio(
                client=client, diagram_id=workflow["diagramId"]
            )
            if stats.started:
                return str(workflow["diagramId"])
    raise AssertionError("the seed has no busy workflow")


@pytest.mark.parametrize("period", list(TimePeriod))
async def test_workflow_statistics_are_keyed_by_block_with_extra_counters_kept(
    fake: FakeSynerise, client: SyneriseClient, period: TimePeriod
) -> None:
    diagram_id = await busy_workflow(fake, client)
    response = await get_workflow_statistics.asyncio_detailed(
        client=client, diagram_id=diagram_id, time_period=period
    )
    wire = json.loads(response.content)
    stats = response.parsed
    assert isinstance(stats, WorkflowStatistics)
    assert (stats.started, stats.finished, stats.in_progress) == (
        wire["started"],
        wire["finished"],
        wire["inProgress"],
    )
    assert stats.started > 0
    assert list(stats.blocks) == list(wire["blocks"])  # keyed by block id, in server order
    for block_id, block in stats.blocks.items():
        assert block == block_from_wire(wire["blocks"][block_id])
    extra = {name for block in stats.blocks.values() for name in block.counters}
    assert extra, "the seed gives some blocks counters beyond entered/executed"
    assert extra <= {"failed", "skipped", "retried"}


async def test_a_draft_reports_zeroes(fake: FakeSynerise, client: SyneriseClient) -> None:
    draft = next(w["diagramId"] for w in fake.workflows() if w["status"] == "Draft")
    stats = await get_workflow_statistics.asyncio(client=client, diagram_id=draft)
    assert (stats.started, stats.finished, stats.in_progress) == (0, 0, 0)
    assert stats.blocks
    assert all(block.entered == 0 for block in stats.blocks.values())


async def test_block_statistics_match_the_workflow_statistics(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    diagram_id = await busy_workflow(fake, client)
    stats = await get_workflow_statistics.asyncio(
        client=client, diagram_id=diagram_id, time_period="currentDay"
    )
    for block_id, expected in stats.blocks.items():
        response = await get_block_statistics.asyncio_detailed(
            client=client, diagram_id=diagram_id, block_id=block_id, time_period="currentDay"
        )
        assert fake.requests[-1].path == (
            f"/automation-brain/diagrams/{diagram_id}/blocks/{block_id}/statistics"
        )
        assert response.parsed == expected
        assert response.parsed == block_from_wire(json.loads(response.content))


async def test_an_unknown_block_is_not_found(fake: FakeSynerise, client: SyneriseClient) -> None:
    diagram_id = fake.workflows()[0]["diagramId"]
    with pytest.raises(NotFoundError) as info:
        await get_block_statistics.asyncio(client=client, diagram_id=diagram_id, block_id="nope")
    assert info.value.body is not None
    assert info.value.body.message == f"Block nope not found in workflow {diagram_id}"


@pytest.mark.parametrize(
    "block_id", ["a?b", "a#b", "a%2Fb", "100%", "a b", "x?timePeriod=currentHour"]
)
async def test_a_block_id_stays_one_path_segment(
    fake: FakeSynerise, client: SyneriseClient, block_id: str
) -> None:
    # Regression: the id was pasted into the path unescaped, so '?' or '#' cut the path
    # short (and '..' walked up to the workflow's statistics).
    diagram_id = fake.workflows()[0]["diagramId"]
    with pytest.raises(NotFoundError) as info:
        await get_block_statistics.asyncio(client=client, diagram_id=diagram_id, block_id=block_id)
    recorded = fake.requests[-1]
    assert recorded.path == f"/automation-brain/diagrams/{diagram_id}/blocks/{block_id}/statistics"
    assert recorded.query == {}  # timePeriod left out
    assert info.value.body is not None
    assert info.value.body.message == f"Block {block_id} not found in workflow {diagram_id}"


def transformation_workflows(fake: FakeSynerise) -> list[str]:
    return [w["diagramId"] for w in fake.workflows() if w["hasTransformation"]]


async def test_last_run_logs_have_three_stages_decoded(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    seen_statuses: set[RunStatus] = set()
    for diagram_id in transformation_workflows(fake):
        response = await get_last_run_logs.asyncio_detailed(
            client=client, diagram_id=diagram_id, limit=20
        )
        assert fake.requests[-1].path == (
            f"/morph/logs/automation/{diagram_id}/last-run/with-stages"
        )
        assert fake.requests[-1].query == {"limit": "20"}
        wire = json.loads(response.content)
        run = response.parsed
        assert isinstance(run, LastRunLogs)
        assert run.start_time == dt.datetime.fromtimestamp(wire["startTime"], dt.UTC)
        assert run.start_time.utcoffset() == dt.timedelta(0)
        assert run.run_id == wire["runId"]
        assert isinstance(run.overall_run_status, RunStatus)
        assert run.overall_run_status.is_known
        assert run.overall_run_status == wire["overallRunStatus"]
        seen_statuses.add(run.overall_run_status)
        assert run.pipeline_response is not None
        stages = run.pipeline_response.stages()
        assert [name for name, _ in stages] == ["importData", "transformData", "exportData"]
        for name, stage in stages:
            stage_wire = wire["pipelineResponse"][name]
            assert isinstance(stage, RunStage)
            assert stage.status == stage_wire["status"]
            assert stage.run_date == dt.datetime.fromisoformat(
                stage_wire["runDate"].replace("Z", "+00:00")
            )
            assert stage.run_date is not None
            assert stage.run_date.utcoffset() == dt.timedelta(0)
            assert stage.logs == tuple(stage_wire["logs"])
            assert len(stage.logs) == min(stage_wire["logsSize"], 20)
            assert stage.logs_size == stage_wire["logsSize"]
            assert stage.failed_records_file_id == stage_wire["failedRecordsFileId"]
            assert stage.success_count == stage_wire["successCount"]
            assert stage.failure_count == stage_wire["failureCount"]
        assert run.failure_count == sum(
            s["failureCount"] for s in wire["pipelineResponse"].values()
        )
        if run.overall_run_status is RunStatus.FAILED:
            assert run.overall_run_status.failed
            assert any(stage.status is RunStatus.FAILED for _, stage in stages)
    assert RunStatus.FAILED in seen_statuses, "the seed should include a failed run"
    assert RunStatus.SUCCESS in seen_statuses


async def test_last_run_limit_cuts_the_log_lines_per_stage(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    diagram_id = transformation_workflows(fake)[0]
    short = await get_last_run_logs.asyncio(client=client, diagram_id=diagram_id, limit=3)
    long = await get_last_run_logs.asyncio(client=client, diagram_id=diagram_id, limit=200)
    assert short.pipeline_response is not None
    assert long.pipeline_response is not None
    for (_, a), (_, b) in zip(
        short.pipeline_response.stages(), long.pipeline_response.stages(), strict=True
    ):
        assert len(a.logs) <= 3
        assert a.logs == b.logs[: len(a.logs)]
        assert a.logs_size == b.logs_size  # the full count, whatever the limit
    lines = [line for _, stage in long.pipeline_response.stages() for line in stage.logs]
    assert any(isinstance(line, dict) for line in lines)  # structured lines are kept as is
    assert any(isinstance(line, str) for line in lines)


async def test_last_run_of_a_workflow_without_data_stages_is_not_found(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    plain = next(w["diagramId"] for w in fake.workflows() if not w["hasTransformation"])
    with pytest.raises(NotFoundError) as info:
        await get_last_run_logs.asyncio(client=client, diagram_id=plain)
    assert info.value.body is not None
    assert info.value.body.message == f"Workflow {plain} has no data-processing runs"


async def test_the_fake_sends_pending_as_documented_and_it_is_the_member(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    pending = 0
    for diagram_id in transformation_workflows(fake):
        response = await get_last_run_logs.asyncio_detailed(
            client=client, diagram_id=diagram_id, limit=1
        )
        wire = json.loads(response.content)
        assert response.parsed.pipeline_response is not None
        for name, stage in response.parsed.pipeline_response.stages():
            if wire["pipelineResponse"][name]["status"] == "Pending":  # the reference's casing
                assert stage.status is RunStatus.PENDING
                pending += 1
        assert "PENDING" not in response.content.decode()
    assert pending, "the seed should include a pending stage"


@pytest.mark.parametrize("received", ["Pending", "PENDING", "pending", "pEnDiNg"])
async def test_a_run_status_in_any_case_is_the_member_over_http(
    fake: FakeSynerise, client: SyneriseClient, received: str
) -> None:
    diagram_id = transformation_workflows(fake)[0]
    stage = {"status": received.swapcase(), "logs": []}
    body = {
        "startTime": 1643632645.109412,
        "runId": "run-1",
        "overallRunStatus": received,
        "pipelineResponse": {"importData": stage, "transformData": stage},
    }
    path = f"/morph/logs/automation/{diagram_id}/last-run/with-stages"
    fake.faults.body(body, path=path)
    run = await get_last_run_logs.asyncio(client=client, diagram_id=diagram_id)
    assert run.overall_run_status is RunStatus.PENDING
    assert run.overall_run_status.value == "Pending"
    assert run.pipeline_response is not None
    for _, decoded in run.pipeline_response.stages():
        assert decoded.status is RunStatus.PENDING
    fake.faults.body({**body, "overallRunStatus": "Pending_Review"}, path=path)
    unknown = await get_last_run_logs.asyncio(client=client, diagram_id=diagram_id)
    assert unknown.overall_run_status == "Pending_Review"  # kept as received
    assert unknown.overall_run_status is not None and not unknown.overall_run_status.is_known
