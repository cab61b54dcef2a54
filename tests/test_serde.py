"""The converter: the compiled fast path agrees with the detailed cattrs path, falls back
to it on any surprise, and keeps unknown fields and enum values harmless."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from synerise_async import RawResponse, RequestInfo, ResponseValidationError
from synerise_async._serde import _detailed, dumps, structure, structure_response
from synerise_async.models import (
    CurrentWorkspace,
    LastRunLogs,
    RunStatus,
    Workflow,
    WorkflowList,
    WorkflowStatistics,
    WorkflowStatus,
)

WORKFLOW: dict[str, Any] = {
    "diagramId": "030a9be3-8ccc-44c7-b20b-27768816cab7",
    "listingAuthor": {
        "userId": 1,
        "clientId": 0,
        "clientApiHash": "a",
        "businessProfileApiHash": "b",
    },
    "name": "Welcome",
    "created": 1700000000.5,
    "updated": 1700000100,
    "status": "Active",
    "scheduleStatus": "On",
    "configuration": {
        "capping": {"limit": 1, "period": {"type": "Time", "timeSeconds": 3600}},
        "multipleJourneys": False,
    },
    "catalogId": 5,
    "context": "Client",
    "tags": [{"hash": "h", "value": "v", "color": "#fff", "description": "d", "icon": "i"}],
    "description": "desc",
    "hasTransformation": True,
    "businessProfileId": 9,
    "somethingNew": {"the": "API added it"},
}


def raw(body: Any) -> RawResponse:
    return RawResponse(
        status_code=200, headers={}, content=dumps(body), request=RequestInfo("GET", "http://x/y")
    )


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        (
            {"data": [WORKFLOW] * 3, "meta": {"limit": 3, "page": 1, "pages": 1, "total": 3}},
            WorkflowList,
        ),
        ({"data": [], "meta": None}, WorkflowList),
        ({"selected": False, "data": None}, CurrentWorkspace),
        (
            {
                "started": 3,
                "finished": 1,
                "inProgress": 2,
                "blocks": {
                    "b1": {"name": "n", "type": "t", "entered": 1, "executed": 1, "failed": 4}
                },
            },
            WorkflowStatistics,
        ),
        (
            {
                "startTime": 1700000000.25,
                "runId": "r",
                "overallRunStatus": "FAILED",
                "pipelineResponse": {
                    "importData": {
                        "status": "SUCCESS",
                        "logs": ["a", {"b": 1}],
                        "successCount": 3,
                        "failureCount": 0,
                    }
                },
            },
            LastRunLogs,
        ),
    ],
)
def test_fast_path_equals_detailed_path(data: Any, cls: type) -> None:
    assert structure(data, cls) == _detailed.structure(data, cls)


def test_workflow_fields() -> None:
    workflow = structure(WORKFLOW, Workflow)
    assert workflow.created == dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=dt.UTC)
    assert workflow.updated is not None and workflow.updated.tzinfo is dt.UTC
    assert workflow.status is WorkflowStatus.ACTIVE
    assert workflow.workspace_id == 9
    assert workflow.tags[0].value == "v"
    assert workflow.configuration is not None
    assert workflow.configuration.capping is not None
    assert workflow.configuration.capping.period is not None
    assert workflow.configuration.capping.period.time_seconds == 3600


def test_unknown_enum_values_are_kept() -> None:
    workflow = structure({**WORKFLOW, "status": "Archived"}, Workflow)
    assert workflow.status == "Archived"
    assert workflow.status is not None and not workflow.status.is_known
    assert structure({**WORKFLOW, "status": "Archived"}, Workflow).status is workflow.status
    assert RunStatus("FAILED_PARTIALLY").failed


def test_surprising_values_fall_back_to_the_detailed_path() -> None:
    # A numeric string where a number belongs: cattrs coerces it, as before the fast path.
    data = {"data": [], "meta": {"limit": "10", "page": 1, "pages": 1, "total": 0}}
    page = structure_response(raw(data), WorkflowList)
    assert page.meta is not None and page.meta.limit == 10


def test_millisecond_timestamps_are_recognised() -> None:
    workflow = structure({**WORKFLOW, "created": 1700000000500}, Workflow)
    assert workflow.created == dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"data": [{"name": "no id"}]}, "$.data[0].diagramId"),
        ({"data": "not a list"}, "$.data"),
        ({"data": [WORKFLOW], "meta": {"page": "one"}}, "$.meta.page"),
        ({"data": [{**WORKFLOW, "created": "yesterday"}]}, "$.data[0].created"),
        ({"data": [{**WORKFLOW, "tags": [{"value": 5}]}]}, None),  # coerced to "5": fine
        ([1, 2], "$"),
    ],
)
def test_shape_errors_name_the_wire_path(body: Any, expected: str | None) -> None:
    if expected is None:
        structure_response(raw(body), WorkflowList)
        return
    with pytest.raises(ResponseValidationError) as info:
        structure_response(raw(body), WorkflowList)
    assert any(expected in line for line in info.value.errors), info.value.errors
    assert expected in str(info.value)
