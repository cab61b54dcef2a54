"""OpenEnum: unknown values are kept, compare equal to their string, and are not
remembered forever (memory stays bounded however many distinct values the API sends)."""

from __future__ import annotations

import gc
import importlib
import pkgutil
import tracemalloc

import attrs
import pytest

import synerise_async
from synerise_async import OpenEnum
from synerise_async._serde import _detailed, _fast, structure
from synerise_async.models.automation import (
    LastRunLogs,
    RunStatus,
    Workflow,
    WorkflowStatus,
    WorkflowStatusFilter,
)

ID = "030a9be3-8ccc-44c7-b20b-27768816cab7"


class Colour(OpenEnum):
    RED = "Red"
    GREEN = "Green"


def test_an_unknown_value_is_a_pseudo_member() -> None:
    blue = Colour("Blue")
    assert isinstance(blue, Colour)
    assert blue == "Blue"
    assert blue.value == "Blue"
    assert str(blue) == "Blue"
    assert not blue.is_known
    assert Colour.RED.is_known
    assert Colour("Red") is Colour.RED
    assert list(Colour) == [Colour.RED, Colour.GREEN]
    assert Colour("Blue") is blue  # a value seen recently is the same object


def test_a_value_spelled_like_a_member_name_is_not_known() -> None:
    # The member's name is not its value: "NO_SCHEDULE" is not "NoSchedule" in any case.
    shouted = WorkflowStatusFilter("NO_SCHEDULE")
    assert shouted != WorkflowStatusFilter.NO_SCHEDULE
    assert not shouted.is_known
    assert shouted.value == "NO_SCHEDULE"


def test_a_value_that_is_not_a_string_is_still_rejected() -> None:
    try:
        Colour(1)
    except ValueError:
        pass
    else:  # pragma: no cover - the failure being tested for
        raise AssertionError("Colour(1) was accepted")


def test_unknown_values_are_not_added_to_the_members() -> None:
    known = dict(WorkflowStatus._value2member_map_)
    for n in range(1000):
        assert WorkflowStatus(f"Unheard-of-{n}") == f"Unheard-of-{n}"
    assert WorkflowStatus._value2member_map_ == known


def test_memory_stays_bounded_after_many_distinct_unknown_values() -> None:
    # Regression: every unknown value was cached in the enum's member map for good;
    # 10,000 distinct statuses kept ~6.5 MB after the workflows were dropped.
    def decode(n: int) -> list[Workflow]:
        return [structure({"diagramId": ID, "status": f"S-{n}-{i}"}, Workflow) for i in range(1000)]

    decode(-1)  # warm up: compiled decoders, interned names
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(10):  # 10,000 distinct values in all, dropped batch by batch
            batch = decode(n)
            assert all(not w.status.is_known for w in batch if w.status is not None)
            del batch
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 500_000, f"{kept} bytes still held after the data was dropped"


def _sdk_open_enums() -> list[type[OpenEnum]]:
    for module in pkgutil.walk_packages(synerise_async.__path__, "synerise_async."):
        if ".testing" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[OpenEnum]] = []
    pending = list(OpenEnum.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("synerise_async."):
            found.append(cls)
    return sorted(found, key=lambda c: c.__qualname__)


SDK_ENUMS = _sdk_open_enums()
MEMBERS = [pytest.param(m, id=f"{type(m).__name__}.{m.name}") for e in SDK_ENUMS for m in e]


def test_every_enum_of_the_sdk_is_covered() -> None:
    names = {e.__name__ for e in SDK_ENUMS}
    assert {"RunStatus", "WorkflowStatus", "MfaType", "Restriction"} <= names
    assert len(MEMBERS) >= 50


def _holder(enum_type: type[OpenEnum]) -> type:
    """A model with one required field of ``enum_type``, for both decoding paths."""
    return attrs.frozen(
        type(f"Holds{enum_type.__name__}", (), {"__annotations__": {"value": enum_type}})
    )


@pytest.mark.parametrize("member", MEMBERS)
def test_every_member_matches_in_any_case_on_both_decoding_paths(member: OpenEnum) -> None:
    enum_type = type(member)
    holder = _holder(enum_type)
    value = member.value
    spellings = {value, value.upper(), value.lower(), value.title(), value.swapcase()}
    for spelling in spellings:
        assert enum_type(spelling) is member, spelling
        fast = _fast.structure({"value": spelling}, holder).value
        detailed = _detailed.structure({"value": spelling}, holder).value
        assert fast is member, spelling
        assert detailed is member, spelling
        assert member.value == value  # the member keeps its own spelling
        assert member.is_known


@pytest.mark.parametrize("member", MEMBERS)
def test_an_unknown_value_is_kept_as_received_on_both_decoding_paths(member: OpenEnum) -> None:
    enum_type = type(member)
    holder = _holder(enum_type)
    for received in (f"{member.value}_Extra", f"x{member.value.lower()}", member.name + "-2"):
        fast = _fast.structure({"value": received}, holder).value
        detailed = _detailed.structure({"value": received}, holder).value
        for decoded in (fast, detailed):
            assert type(decoded) is enum_type
            assert decoded.value == received
            assert decoded == received
            assert not decoded.is_known


def test_no_two_members_of_an_enum_differ_only_in_case() -> None:
    for enum_type in SDK_ENUMS:
        folded = [m.value.casefold() for m in enum_type]
        assert len(folded) == len(set(folded)), enum_type


def test_the_documented_run_status_spelling_is_the_member() -> None:
    # The reference's last-run sample spells it "Pending" (status and overallRunStatus).
    assert RunStatus.PENDING.value == "Pending"
    sample = {
        "startTime": 1643632645.1,
        "overallRunStatus": "Pending",
        "pipelineResponse": {"importData": {"status": "Pending", "logs": []}},
    }
    logs = structure(sample, LastRunLogs)
    assert logs.overall_run_status is RunStatus.PENDING
    assert logs.pipeline_response is not None
    assert logs.pipeline_response.import_data is not None
    assert logs.pipeline_response.import_data.status is RunStatus.PENDING
    assert structure({**sample, "overallRunStatus": "PENDING"}, LastRunLogs).overall_run_status is (
        RunStatus.PENDING
    )
