"""The two decoding paths are one: on bodies generated from every response model's own
fields, with type-confusing values (null, int/float/bool/str swaps, numeric strings,
nested wrong shapes, enum values in odd casings, unknown enum values, extra keys), the
compiled fast path either refuses (and the detailed path decides) or gives exactly
what the detailed path gives, types included; what a caller gets (``structure``,
``structure_data``) is the detailed path's result, or its error with the same field
paths.

Seeded (``derandomize``) and bounded; no network.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from synerise_async import RawResponse, RequestInfo, ResponseValidationError
from synerise_async._serde import (
    _detailed,
    _error_lines,
    _fast,
    structure,
    structure_data,
    to_camel,
)
from synerise_async.models import (
    BlockStatistics,
    CappingPeriod,
    ConditionalLoginResult,
    CurrentWorkspace,
    LastRunLogs,
    ProfileToken,
    UserLoginResult,
    Workflow,
    WorkflowList,
    WorkflowStatistics,
    Workspace,
    WorkspaceIds,
    WorkspaceToken,
)
from synerise_async.models._fields import EXTRA_KEYS

#: Every type an operation decodes a body into.
MODELS: list[Any] = [
    WorkflowList,
    Workflow,
    WorkflowStatistics,
    BlockStatistics,
    LastRunLogs,
    CurrentWorkspace,
    tuple[Workspace, ...],
    tuple[WorkspaceIds, ...],
    ProfileToken,
    UserLoginResult,
    ConditionalLoginResult,
    WorkspaceToken,
    CappingPeriod,
]
MODEL_IDS = [
    f"tuple-{typing.get_args(cls)[0].__name__}" if typing.get_args(cls) else cls.__name__
    for cls in MODELS
]

DIFFERENTIAL = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6))
#: Values of the wrong type for almost any field, and the strings rules might coerce.
confusers = st.one_of(
    json_scalars,
    st.integers(min_value=2**63, max_value=10**400),
    st.integers(min_value=-(10**14), max_value=10**14).map(float),
    st.sampled_from(
        ["10", "-3", "1.5", "10.0", "1e3", " 7 ", "true", "false", "null", "nan", "inf", "", "x"]
    ),
    st.sampled_from(["2023-11-14T22:13:20Z", "2023-11-14T22:13:20", "2023-11-14", "yesterday"]),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e11, -1e11, 1e300]),
    st.lists(json_scalars, max_size=2),
    st.dictionaries(st.text(max_size=3), json_scalars, max_size=2),
)
#: What an ``Any`` field may hold: any JSON, here one level deep.
json_values = st.one_of(
    json_scalars,
    st.lists(st.one_of(json_scalars, st.lists(json_scalars, max_size=2)), max_size=3),
    st.dictionaries(st.text(max_size=4), confusers, max_size=3),
)


def _union_args(tp: Any) -> tuple[Any, ...]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return ()


def _enum_values(cls: type[enum.Enum]) -> st.SearchStrategy[Any]:
    known = st.sampled_from([str(member.value) for member in cls])
    casings = known.flatmap(
        lambda v: st.sampled_from([v, v.upper(), v.lower(), v.swapcase(), v.title(), f" {v}"])
    )
    return st.one_of(known, casings, st.text(max_size=6))


def _datetimes() -> st.SearchStrategy[Any]:
    moments = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2200, 1, 1))
    return st.one_of(
        st.integers(min_value=0, max_value=5 * 10**12),
        st.floats(min_value=-1e12, max_value=1e13),
        moments.map(lambda d: d.isoformat()),
        moments.map(lambda d: d.isoformat() + "Z"),
        moments.map(lambda d: d.replace(tzinfo=dt.UTC).isoformat()),
    )


@functools.cache
def good(tp: Any) -> st.SearchStrategy[Any]:
    """Values of the JSON type a field of ``tp`` is made for."""
    if tp is Any:
        return json_values
    if tp is type(None):
        return st.none()
    if tp is str:
        return st.text(max_size=6)
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers()
    if tp is float:
        return st.one_of(st.floats(), st.integers())
    if tp is dt.datetime:
        return _datetimes()
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_values(tp)
    if attrs.has(tp):
        return body(tp)
    if args := _union_args(tp):
        return st.one_of([good(arg) for arg in args])
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        return st.lists(good(args[0]), max_size=3)
    if origin in (dict, Mapping):
        return st.dictionaries(st.text(max_size=4), good(args[1]), max_size=3)
    raise AssertionError(f"no strategy for {tp!r}")


@functools.cache
def body(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object for ``cls``: its fields of the right JSON types (required ones
    always there, the others at random) with unknown keys and the fields' Python names
    (both to be ignored); or such an object with a field or two dropped, or set to
    null or to a confusing value."""
    hints = typing.get_type_hints(cls)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in attrs.fields(cls):
        if field.metadata.get(EXTRA_KEYS):
            continue
        target = required if field.default is attrs.NOTHING else optional
        target[to_camel(field.name, cls)] = good(hints[field.name])
    unknown = st.dictionaries(
        st.sampled_from(["somethingNew", "failed", "counters", "diagram_id", "Status"]),
        json_values,
        max_size=2,
    )
    clean = st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries(required, optional=optional),
        unknown,
    )
    keys = sorted({*required, *optional})
    changes = st.dictionaries(st.sampled_from(keys), confusers, min_size=1, max_size=2)
    changed = st.builds(lambda clean, change: {**clean, **change}, clean, changes)
    dropped = st.builds(
        lambda clean, key: {k: v for k, v in clean.items() if k != key},
        clean,
        st.sampled_from(keys),
    )
    return st.one_of(clean, changed, dropped)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (``30 == 30.0`` is not the same)."""
    if type(a) is not type(b):
        return False
    if attrs.has(type(a)):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a)))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, enum.Enum):
        return bool(a.value == b.value and a.name == b.name)
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return bool(a == b)


def run(decode: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, decode()
    except Exception as exc:
        return False, exc


def check(data: Any, cls: Any) -> None:
    fast_ok, fast = run(lambda: _fast.structure(data, cls))
    detailed_ok, detailed = run(lambda: _detailed.structure(data, cls))
    public_ok, public = run(lambda: structure(data, cls))
    if fast_ok:
        assert detailed_ok, f"the fast path accepted what the detailed path refuses: {detailed!r}"
        assert same(fast, detailed), (fast, detailed)
    assert public_ok == detailed_ok, (public, detailed)
    if detailed_ok:
        assert same(public, detailed), (public, detailed)
        return
    assert isinstance(public, cattrs.BaseValidationError), type(public)
    lines = _error_lines(detailed)
    assert _error_lines(public) == lines
    raw = RawResponse(
        status_code=200, headers={}, content=b"{}", request=RequestInfo("GET", "http://x/y")
    )
    for secret in (False, True):
        with pytest.raises(ResponseValidationError) as info:
            structure_data(raw, data, cls, secret=secret)
        assert info.value.errors == tuple(_error_lines(detailed, secret=secret))
        assert [line.rsplit(" @ ", 1)[1] for line in info.value.errors] == [
            line.rsplit(" @ ", 1)[1] for line in lines
        ]


@pytest.mark.parametrize("cls", MODELS, ids=MODEL_IDS)
@DIFFERENTIAL
@given(data=st.data())
def test_fast_and_detailed_paths_agree(cls: Any, data: st.DataObject) -> None:
    check(data.draw(good(cls), label="body"), cls)


@DIFFERENTIAL
@given(data=good(WorkflowList))
@example(data={"data": [{"diagramId": "a", "tags": None}]})
@example(data={"data": [{"diagramId": "a", "tags": None, "name": 5}]})
@example(
    data={
        "data": [{"diagramId": "a", "configuration": {"capping": {"period": {"timeSeconds": 30}}}}]
    }
)
@example(data={"data": [{"diagramId": None}]})
@example(data={"data": [{"diagramId": "a", "hasTransformation": "false"}]})
@example(data={"data": [{"diagramId": "a", "catalogId": True}]})
@example(data={"data": "abc"})
def test_fast_and_detailed_paths_agree_on_a_listing(data: Any) -> None:
    check(data, WorkflowList)
