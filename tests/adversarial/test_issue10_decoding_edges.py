"""Issue 10 adversary: the decoding rules as ``_serde``'s docstring states them, at
their edges. Both found failing on main:

- "Datetimes ... The result is always aware, in UTC": an ISO-8601 string with another
  offset (``+02:00``) kept that offset.
- "a string holding an integer" / "a string holding a number": Python's ``int()`` and
  ``float()`` also read ``"1_000"``, ``" 12 "``, other scripts' digits (``"١٢"``) and,
  for a float, ``"nan"``/``"inf"``; none of them is a number in JSON's sense.
"""

from __future__ import annotations

import datetime as dt

import cattrs
import pytest

from synerise_async._serde import _structure_float, structure
from synerise_async.models import Workflow, WorkflowStatistics


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T10:00:00+02:00", dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)),
        ("2024-01-01T10:00:00-05:30", dt.datetime(2024, 1, 1, 15, 30, tzinfo=dt.UTC)),
        ("2024-01-01T10:00:00Z", dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC)),
        ("2024-01-01T10:00:00", dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC)),
    ],
)
def test_an_iso_datetime_is_in_utc_whatever_its_offset(text: str, expected: dt.datetime) -> None:
    created = structure({"diagramId": "a", "created": text}, Workflow).created
    assert created == expected
    assert created is not None and created.tzinfo is dt.UTC
    assert created.hour == expected.hour


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "text", ["1_000", " 12 ", "12\n", "\u0661\u0662", "\uff11\uff12", "0x10", ""]
)
def test_an_int_field_refuses_a_string_that_is_no_json_integer(text: str) -> None:
    with pytest.raises(cattrs.BaseValidationError):
        structure({"started": text}, WorkflowStatistics)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("text", "value"), [("12", 12), ("-3", -3), ("+5", 5), ("007", 7)])
def test_an_int_field_takes_a_string_holding_an_integer(text: str, value: int) -> None:
    assert structure({"started": text}, WorkflowStatistics).started == value


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "text", ["nan", "NaN", "inf", "-Infinity", "1_0.5", " 1.5 ", "\u0661.\u0665"]
)
def test_a_float_field_refuses_a_string_that_is_no_json_number(text: str) -> None:
    with pytest.raises((TypeError, ValueError)):
        _structure_float(text, float)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("text", "value"), [("1.5", 1.5), ("-2", -2.0), ("1e3", 1000.0), ("+.5", 0.5)]
)
def test_a_float_field_takes_a_string_holding_a_number(text: str, value: float) -> None:
    assert _structure_float(text, float) == value
