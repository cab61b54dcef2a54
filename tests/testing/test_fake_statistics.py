"""Statistics, block statistics and last-run logs: operations 20-22."""

from __future__ import annotations

import pytest

from synerise_async.testing import FakeSynerise

PERIODS = ("currentHour", "currentDay", "previousHour", "previousDay")


def stats_path(diagram: str) -> str:
    return f"/automation-brain/diagrams/{diagram}/statistics"


def run_path(diagram: str) -> str:
    return f"/morph/logs/automation/{diagram}/last-run/with-stages"


@pytest.fixture
async def token(api) -> str:
    return await api.workspace_token()


async def test_statistics_shape_and_determinism(api, fake: FakeSynerise, token: str) -> None:
    diagram = next(w["diagramId"] for w in fake.workflows() if w["status"] == "Active")
    default = await api.get(stats_path(diagram), token=token)
    assert default.status == 200
    explicit = await api.get(stats_path(diagram), token=token, params={"timePeriod": "previousDay"})
    assert default.json == explicit.json
    body = default.json
    assert set(body) == {"started", "finished", "inProgress", "blocks"}
    assert body["finished"] + body["inProgress"] == body["started"]
    assert 2 <= len(body["blocks"]) <= 6
    for block in body["blocks"].values():
        assert {"name", "type", "entered", "executed"} <= set(block)
        assert block["executed"] <= block["entered"]
    per_period = [
        (await api.get(stats_path(diagram), token=token, params={"timePeriod": p})).json
        for p in PERIODS
    ]
    assert all(set(s["blocks"]) == set(body["blocks"]) for s in per_period)


async def test_statistics_variety(api, fake: FakeSynerise) -> None:
    started_by_status: dict[str, list[int]] = {}
    extra_counters = set()
    for workspace in fake.workspaces:
        token = await api.workspace_token(workspace)
        for workflow in fake.workflows(workspace.id):
            body = (await api.get(stats_path(workflow["diagramId"]), token=token)).json
            started_by_status.setdefault(workflow["status"], []).append(body["started"])
            for block in body["blocks"].values():
                extra_counters |= set(block) - {"name", "type", "entered", "executed"}
    assert 0 in started_by_status["Active"], "some Active workflows never started"
    assert max(started_by_status["Active"]) > 0
    assert set(started_by_status.get("Draft", [0])) == {0}
    assert {"failed", "skipped"} <= extra_counters


async def test_invalid_time_period(api, fake: FakeSynerise, token: str) -> None:
    diagram = fake.workflows()[0]["diagramId"]
    reply = await api.get(stats_path(diagram), token=token, params={"timePeriod": "lastYear"})
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "timePeriod"


async def test_block_statistics(api, fake: FakeSynerise, token: str) -> None:
    diagram = fake.workflows()[0]["diagramId"]
    params = {"timePeriod": "currentDay"}
    blocks = (await api.get(stats_path(diagram), token=token, params=params)).json["blocks"]
    for block_id, block in blocks.items():
        path = f"/automation-brain/diagrams/{diagram}/blocks/{block_id}/statistics"
        reply = await api.get(path, token=token, params=params)
        assert reply.status == 200
        assert reply.json == block
    path = f"/automation-brain/diagrams/{diagram}/blocks/no-such-block/statistics"
    reply = await api.get(path, token=token)
    assert reply.status == 404
    assert reply.json["status"] == 404


async def test_last_run_for_data_workflows(api, fake: FakeSynerise) -> None:
    overall = set()
    any_failures = False
    for workspace in fake.workspaces:
        token = await api.workspace_token(workspace)
        for workflow in fake.workflows(workspace.id):
            reply = await api.get(run_path(workflow["diagramId"]), token=token)
            if not workflow["hasTransformation"]:
                assert reply.status == 404
                assert reply.json["status"] == 404
                continue
            assert reply.status == 200
            body = reply.json
            assert set(body) == {"startTime", "runId", "overallRunStatus", "pipelineResponse"}
            assert isinstance(body["startTime"], float)
            overall.add(body["overallRunStatus"])
            stages = body["pipelineResponse"]
            assert set(stages) == {"importData", "transformData", "exportData"}
            for stage in stages.values():
                assert set(stage) == {
                    "status",
                    "runDate",
                    "logs",
                    "logsSize",
                    "failedRecordsFileId",
                    "successCount",
                    "failureCount",
                }
                assert len(stage["logs"]) == min(stage["logsSize"], 500)
                assert (stage["failedRecordsFileId"] is None) == (stage["failureCount"] == 0)
                any_failures |= stage["failureCount"] > 0
    assert {"SUCCESS", "FAILED"} <= overall
    assert any_failures


async def test_last_run_limit(api, fake: FakeSynerise, token: str) -> None:
    diagram = next(w["diagramId"] for w in fake.workflows() if w["hasTransformation"])
    full = (await api.get(run_path(diagram), token=token, params={"limit": "5000"})).json
    small = (await api.get(run_path(diagram), token=token, params={"limit": "3"})).json
    for name, stage in small["pipelineResponse"].items():
        big = full["pipelineResponse"][name]
        assert stage["logs"] == big["logs"][:3]
        assert stage["logsSize"] == big["logsSize"]
        assert len(big["logs"]) == min(big["logsSize"], 5000)
    reply = await api.get(run_path(diagram), token=token, params={"limit": "5001"})
    assert reply.status == 400
    assert reply.json["errors"][0]["field"] == "limit"
    reply = await api.get(run_path(diagram), token=token, params={"limit": "-1"})
    assert reply.status == 400
