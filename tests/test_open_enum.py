"""OpenEnum: unknown values are kept, compare equal to their string, and are not
remembered forever (memory stays bounded however many distinct values the API sends)."""

from __future__ import annotations

import gc
import tracemalloc

from synerise_async import OpenEnum
from synerise_async._serde import structure
from synerise_async.models.automation import Workflow, WorkflowStatus

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


def test_an_unknown_value_spelled_like_a_member_name_is_not_known() -> None:
    shouted = Colour("RED")  # the name of a member, not its value
    assert shouted != Colour.RED
    assert not shouted.is_known


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
