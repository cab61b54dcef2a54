"""The converter: the decoding rules of ``synerise_async._serde`` (each decided rule has
a test here, on both paths), the compiled fast path agreeing with the detailed cattrs
path (types included) and falling back to it on any surprise, and unknown fields and
enum values kept harmless."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import attrs
import cattrs
import pytest
from test_decoding_differential import same

from synerise_async import OpenEnum, RawResponse, RequestInfo, ResponseValidationError
from synerise_async._serde import _detailed, _fast, dumps, structure, structure_response
from synerise_async.models import (
    BlockStatistics,
    CappingPeriod,
    CurrentWorkspace,
    LastRunLogs,
    PageMeta,
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
    assert same(_fast.structure(data, cls), _detailed.structure(data, cls))


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


def both_paths(data: Any, cls: type[Any]) -> Any:
    """The result of the detailed path, after checking the fast one gives the same (or refuses)."""
    detailed = _detailed.structure(data, cls)
    try:
        fast = _fast.structure(data, cls)
    except Exception:  # refused: the detailed path decides
        pass
    else:
        assert same(fast, detailed), (fast, detailed)
    assert same(structure(data, cls), detailed)
    return detailed


def refused(data: Any, cls: type[Any]) -> tuple[str, ...]:
    """The error lines a body gets (the detailed path's), after checking both paths refuse."""
    with pytest.raises(Exception):
        _fast.structure(data, cls)
    with pytest.raises(cattrs.BaseValidationError):
        structure(data, cls)
    with pytest.raises(ResponseValidationError) as info:
        structure_response(raw(data), cls)
    return info.value.errors


def test_a_float_field_is_always_a_float() -> None:
    # Regression: the fast path kept the int 30 where the detailed path made 30.0.
    period = both_paths({"timeSeconds": 30}, CappingPeriod)
    assert type(period.time_seconds) is float
    assert period.time_seconds == 30.0


@pytest.mark.parametrize("extra", [{}, {"name": 5}, {"name": None, "status": None}])
def test_a_null_for_a_field_with_a_default_is_the_default(extra: dict[str, Any]) -> None:
    # Regression: {"tags": null} decoded, but failed at $.tags once another field (name: 5)
    # sent the body down the detailed path, which refused the null.
    workflow = both_paths({"diagramId": "a", "tags": None, **extra}, Workflow)
    assert workflow.tags == ()
    statistics = both_paths({"blocks": None, "started": None}, WorkflowStatistics)
    assert statistics.blocks == {}
    assert statistics.started is None


def test_a_null_for_a_required_field_is_refused_unless_its_type_admits_none() -> None:
    # Regression: {"diagramId": null} decoded as the string "None".
    assert any("$.diagramId" in line for line in refused({"diagramId": None}, Workflow))
    assert any("$.data" in line for line in refused({"data": None}, WorkflowList))
    assert any("$.selected" in line for line in refused({"selected": None}, CurrentWorkspace))


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", 5, "5"),  # a number for a string: its text
        ("name", 1.5, "1.5"),
        ("catalogId", 5, 5),  # int | str keeps an int as it is
        ("catalogId", "5", "5"),
        ("hasTransformation", False, False),
    ],
)
def test_scalar_conversions(field: str, value: Any, expected: Any) -> None:
    workflow = both_paths({"diagramId": "a", field: value}, Workflow)
    got = getattr(
        workflow, {"name": "name", "catalogId": "catalog_id"}.get(field, "has_transformation")
    )
    assert same(got, expected)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hasTransformation", "false"),  # was read as True
        ("hasTransformation", 0),
        ("name", {"x": 1}),  # was the text "{'x': 1}"
        ("name", True),
        ("name", [1]),
        ("catalogId", True),  # a boolean is not an int
        ("catalogId", 1.5),
        ("tags", "abc"),  # was iterated into three tags' worth of characters
        ("tags", {"value": "v"}),
        ("status", 5),
        ("created", True),
        ("created", "yesterday"),
    ],
)
def test_values_the_rules_refuse(field: str, value: Any) -> None:
    lines = refused({"data": [{"diagramId": "a", field: value}]}, WorkflowList)
    assert any(line.endswith(f"@ $.data[0].{field}") for line in lines), lines


def test_int_fields_convert_whole_numbers_only() -> None:
    meta = both_paths({"limit": 10.0, "page": "2"}, PageMeta)
    assert same((meta.limit, meta.page), (10, 2))
    assert any("$.limit" in line for line in refused({"limit": 10.7}, PageMeta))
    assert any("$.limit" in line for line in refused({"limit": False}, PageMeta))


def test_a_mapping_takes_an_object_only() -> None:
    assert any("$.blocks" in line for line in refused({"blocks": [["b1", {}]]}, WorkflowStatistics))


def test_extra_keys_are_collected_alike_on_both_paths() -> None:
    stats = both_paths({"name": "n", "failed": 4, "counters": {"x": 1}}, BlockStatistics)
    assert stats.counters == {"failed": 4, "counters": {"x": 1}}
    # The detailed path collects the same keys (a coerced field sends the body there).
    stats = both_paths({"name": 5, "failed": 4}, BlockStatistics)
    assert stats.counters == {"failed": 4}


def test_structure_raises_its_documented_error_never_the_internal_one() -> None:
    with pytest.raises(cattrs.BaseValidationError):
        structure([1, 2], WorkflowList)
    with pytest.raises(cattrs.BaseValidationError):
        structure({"data": [{"name": "no id"}]}, WorkflowList)


class Shade(OpenEnum):
    """An enum whose own lookup does more than the member table (case-insensitive)."""

    DARK = "Dark"

    @classmethod
    def _missing_(cls, value: object) -> OpenEnum | None:
        if isinstance(value, str):
            for member in cls:
                if member.value.lower() == value.lower():
                    return member
        return super()._missing_(value)


@attrs.frozen(kw_only=True)
class Painted:
    shade: Shade | None = None
    shades: tuple[Shade, ...] = ()
    count: int = 0


def test_enum_values_are_looked_up_through_the_enum_on_both_paths() -> None:
    # Whatever the enum's own lookup accepts, every path accepts: no table of its own.
    painted = both_paths({"shade": "DARK", "shades": ["dark", "Dark"]}, Painted)
    assert painted.shade is Shade.DARK
    assert painted.shades == (Shade.DARK, Shade.DARK)
    # And on the detailed path too (a coerced count sends the body there).
    painted = both_paths({"shade": "dARK", "count": "3"}, Painted)
    assert painted.shade is Shade.DARK
    assert not both_paths({"shade": "Light"}, Painted).shade.is_known


GC_SEEN: list[bool] = []


def _record_gc(value: str) -> str:
    GC_SEEN.append(gc.isenabled())
    return value


@attrs.frozen(kw_only=True)
class Probe:
    name: str = attrs.field(converter=_record_gc)


def test_the_collector_is_paused_while_a_body_is_decoded_and_restored_after() -> None:
    GC_SEEN.clear()
    assert gc.isenabled()
    structure_response(raw({"name": "a"}), Probe)  # the fast path
    structure_response(raw({"name": 5}), Probe)  # the detailed path
    assert GC_SEEN == [False, False]
    assert gc.isenabled()
    for body in (b"{", dumps({"name": [1]})):  # not JSON; not of the shape
        with pytest.raises(ResponseValidationError):
            structure_response(
                RawResponse(
                    status_code=200,
                    headers={},
                    content=body,
                    request=RequestInfo("GET", "http://x/y"),
                ),
                Probe,
            )
        assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    try:
        structure_response(raw({"name": "a"}), Probe)
        assert not gc.isenabled()
    finally:
        gc.enable()
