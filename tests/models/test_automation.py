"""Decoding the automation models where the fake server has no knob: unknown enum values,
and bodies of an unexpected shape, fed to the converter and the operations' response
builders as hand-made ``RawResponse`` objects.

(What the server really sends is decoded over HTTP in the other test modules.)
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest

from synerise_async import RawResponse, RequestInfo, ResponseValidationError
from synerise_async._serde import structure, structure_response
from synerise_async.api.automation import (
    get_block_statistics,
    get_last_run_logs,
    get_workflow_statistics,
    list_workflows,
    list_workflows_v1,
)
from synerise_async.models.automation import (
    BlockStatistics,
    LastRunLogs,
    RunStatus,
    ScheduleStatus,
    Workflow,
    WorkflowList,
    WorkflowStatistics,
    WorkflowStatus,
)

ID = "0d5bd0d6-87ac-4c57-8d5b-1d7c6f5e2a10"


def raw(body: Any, path: str = "/automation-brain/v2/diagrams") -> RawResponse:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RawResponse(
        status_code=200,
        headers={"Content-Type": "application/json"},
        content=content,
        request=RequestInfo("GET", "http://127.0.0.1" + path),
    )


# --- unknown values are kept ---------------------------------------------------------


def test_an_unknown_workflow_status_is_kept() -> None:
    workflow = structure(
        {"diagramId": ID, "status": "Archived", "scheduleStatus": "Sometimes"}, Workflow
    )
    assert isinstance(workflow.status, WorkflowStatus)
    assert workflow.status == "Archived"
    assert workflow.status.value == "Archived"
    assert not workflow.status.is_known
    assert WorkflowStatus("Archived") is workflow.status  # the same object each time
    assert WorkflowStatus("Archived") not in list(WorkflowStatus)  # not a new member
    assert isinstance(workflow.schedule_status, ScheduleStatus)
    assert workflow.schedule_status == "Sometimes"
    assert WorkflowStatus.ACTIVE.is_known


def test_an_unknown_status_in_a_listing_page_is_kept() -> None:
    body = {
        "data": [
            {"diagramId": ID, "status": "Archived", "created": 1700000000.5},
            {"diagramId": ID.replace("0d5", "1d5"), "status": "Active"},
        ],
        "meta": {"limit": 2, "page": 1, "pages": 1, "total": 2},
    }
    page = list_workflows._build_response(raw(body), page=1, limit=2).parsed
    assert [w.status for w in page.items] == ["Archived", WorkflowStatus.ACTIVE]
    assert page.items[0].created == dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=dt.UTC)
    assert (page.pages, page.total, page.is_last) == (1, 2, True)


def test_unknown_run_statuses_are_kept_and_read_for_failure() -> None:
    body = {
        "startTime": 1700000000.25,
        "runId": "r1",
        "overallRunStatus": "PARTIALLY_FAILED",
        "pipelineResponse": {
            "importData": {"status": "CANCELLED", "failureCount": 2, "logs": ["a", {"b": 1}]},
            "exportData": {"status": "ERROR_TIMEOUT", "failureCount": 3},
        },
    }
    run = get_last_run_logs._build_response(raw(body)).parsed
    assert isinstance(run, LastRunLogs)
    assert run.overall_run_status == "PARTIALLY_FAILED"
    assert run.overall_run_status is not None
    assert not run.overall_run_status.is_known
    assert run.overall_run_status.failed
    assert run.pipeline_response is not None
    assert [name for name, _ in run.pipeline_response.stages()] == ["importData", "exportData"]
    assert run.pipeline_response.transform_data is None
    import_data = run.pipeline_response.import_data
    assert import_data is not None
    assert import_data.status is not None
    assert not import_data.status.failed
    assert import_data.logs == ("a", {"b": 1})
    export_data = run.pipeline_response.export_data
    assert export_data is not None
    assert export_data.status is not None
    assert export_data.status.failed
    assert run.failure_count == 5
    assert RunStatus.FAILED.failed
    assert not RunStatus.SUCCESS.failed


def test_block_statistics_keep_every_other_counter() -> None:
    body = {
        "started": 10,
        "finished": 7,
        "inProgress": 3,
        "blocks": {
            "b1": {
                "name": "Send email",
                "type": "SendEmail",
                "entered": 10,
                "executed": 8,
                "failed": 2,
                "bounced": 1,
            },
            "b2": {"name": "Delay", "type": "Delay"},
        },
        "somethingNew": True,
    }
    stats = get_workflow_statistics._build_response(raw(body)).parsed
    assert isinstance(stats, WorkflowStatistics)
    assert list(stats.blocks) == ["b1", "b2"]
    assert stats.blocks["b1"] == BlockStatistics(
        name="Send email",
        type="SendEmail",
        entered=10,
        executed=8,
        counters={"failed": 2, "bounced": 1},
    )
    assert stats.blocks["b2"] == BlockStatistics(name="Delay", type="Delay")
    assert stats.blocks["b2"].counters == {}
    block = get_block_statistics._build_response(raw(body["blocks"]["b1"])).parsed
    assert block == stats.blocks["b1"]


def test_a_page_without_meta_uses_what_was_asked() -> None:
    page = list_workflows_v1._build_response(
        raw({"data": [{"diagramId": ID}]}), page=3, limit=10
    ).parsed
    assert (page.page, page.limit, page.pages, page.total) == (3, 10, None, None)
    assert page.is_last  # shorter than the page size
    zero = list_workflows_v1._build_response(
        raw({"data": [], "meta": {"limit": 0}}), page=1, limit=10
    ).parsed
    assert zero.limit == 10


def test_models_are_frozen() -> None:
    workflow = structure({"diagramId": ID, "tags": [{"value": "a"}]}, Workflow)
    assert isinstance(workflow.tags, tuple)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        workflow.name = "x"  # type: ignore[misc]
    assert attrs.evolve(workflow, name="x").name == "x"


# --- an unexpected shape -> ResponseValidationError naming the field path --------------


def rejected(module_build: Any, body: Any, **kwargs: Any) -> ResponseValidationError:
    with pytest.raises(ResponseValidationError) as info:
        module_build(raw(body), **kwargs)
    error = info.value
    assert error.status_code == 200
    assert error.request.method == "GET"
    assert error.errors
    assert all(line in str(error) for line in error.errors[:5])
    return error


def test_a_missing_id_names_the_item() -> None:
    body = {"data": [{"diagramId": ID}, {"name": "no id"}], "meta": {"total": 2}}
    error = rejected(list_workflows._build_response, body, page=1, limit=10)
    assert "Response does not match WorkflowList" in str(error)
    assert "required field missing @ $.data[1].diagramId" in error.errors  # the wire name
    assert error.text.startswith('{"data"')


def test_a_wrong_type_names_the_field() -> None:
    body = {"data": [{"diagramId": ID, "created": "yesterday"}]}
    error = rejected(list_workflows._build_response, body, page=1, limit=10)
    assert any(line.endswith("@ $.data[0].created") for line in error.errors)
    meta = {"data": [], "meta": {"total": "many"}}
    error = rejected(list_workflows._build_response, meta, page=1, limit=10)
    assert any(line.endswith("@ $.meta.total") for line in error.errors)


@pytest.mark.parametrize("body", [{"data": "nope"}, {"meta": {}}, [], "text", None])
def test_a_listing_of_the_wrong_shape(body: Any) -> None:
    rejected(list_workflows_v1._build_response, body, page=1, limit=10)


def test_a_bad_block_counter_names_the_block_and_the_field() -> None:
    # Regression: the block hook raised a bare ValueError, so the path stopped at the block.
    body = {"started": 1, "blocks": {"b1": {"name": "x", "entered": "many", "executed": [1]}}}
    error = rejected(get_workflow_statistics._build_response, body)
    assert any(line.endswith("@ $.blocks['b1'].entered") for line in error.errors)
    assert any(line.endswith("@ $.blocks['b1'].executed") for line in error.errors)
    error = rejected(get_block_statistics._build_response, {"entered": "many"})
    assert any(line.endswith("@ $.entered") for line in error.errors)
    error = rejected(get_workflow_statistics._build_response, {"blocks": {"b1": [1, 2]}})
    assert any("$.blocks['b1']" in line for line in error.errors)
    error = rejected(get_block_statistics._build_response, [1, 2])
    assert len(error.errors) == 1
    assert "expected an object, got list" in error.errors[0]


def test_a_bad_stage_names_the_stage() -> None:
    body = {"pipelineResponse": {"transformData": {"successCount": "lots"}}}
    error = rejected(get_last_run_logs._build_response, body)
    assert any(
        line.endswith("@ $.pipelineResponse.transformData.successCount") for line in error.errors
    )


def test_a_body_that_is_not_json() -> None:
    with pytest.raises(ResponseValidationError) as info:
        structure_response(raw(b"<html>502 Bad Gateway</html>"), WorkflowList)
    assert "not valid JSON" in str(info.value)
    assert info.value.text == "<html>502 Bad Gateway</html>"


def test_the_field_path_uses_the_wire_names() -> None:
    # ResponseValidationError.errors names wire paths ($.data[3].diagramId), as documented
    # in _exceptions.py; cattrs' own transform_error would say $.data[3].diagram_id.
    body = {"data": [{"diagramId": ID}, {"name": "no id"}]}
    error = rejected(list_workflows._build_response, body, page=1, limit=10)
    assert "required field missing @ $.data[1].diagramId" in error.errors
    nested = {"pipelineResponse": {"transformData": {"successCount": "lots"}}}
    error = rejected(get_last_run_logs._build_response, nested)
    assert any(
        line.endswith("@ $.pipelineResponse.transformData.successCount") for line in error.errors
    )
