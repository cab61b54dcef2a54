"""Issue 9 review, item 10: TOTP codes around step boundaries and with odd arguments.

``totp_code`` and ``totp`` are public: whatever they are given, they answer with a code
or an ``InvalidArgumentError`` (never ``struct.error``, ``ZeroDivisionError`` or a bare
``ValueError``), and no message shows the secret.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import pytest

from synerise_async import InvalidArgumentError, SyneriseError
from synerise_async.auth import totp, totp_code

SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"at": -1.0}, id="before-the-epoch"),
        pytest.param({"at": math.nan}, id="nan"),
        pytest.param({"at": math.inf}, id="inf"),
        pytest.param({"at": 1e30}, id="beyond-the-counter"),
        pytest.param({"at": 0.0, "step": 0}, id="step-0"),
        pytest.param({"at": 0.0, "step": -30}, id="negative-step"),
        pytest.param({"at": 0.0, "digits": 0}, id="no-digits"),
        pytest.param({"at": 0.0, "digits": -1}, id="negative-digits"),
        pytest.param({"at": 0.0, "digits": 11}, id="more-digits-than-the-value-has"),
        pytest.param({"at": 0.0, "digest": "no-such-hash"}, id="unknown-digest"),
    ],
)
def test_odd_arguments_are_a_typed_error_without_the_secret(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        totp_code(SECRET, **kwargs)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("reading", [-5.0, math.nan, 1e30])
def test_a_clock_reading_that_makes_no_code_is_a_typed_error(reading: float) -> None:
    code = totp(SECRET, clock=lambda: reading)
    with pytest.raises(SyneriseError):
        code()


@pytest.mark.parametrize(
    ("before", "after"),
    [(29.999999, 30.0), (59.999999999, 60.0), (1_111_111_109.9999, 1_111_111_110.0)],
)
def test_the_code_changes_exactly_at_the_step_boundary(before: float, after: float) -> None:
    assert totp_code(SECRET, before) == totp_code(SECRET, math.floor(before))
    assert totp_code(SECRET, before) != totp_code(SECRET, after)
    assert totp_code(SECRET, after) == totp_code(SECRET, after + 29.999)


def test_the_rfc_vector_at_the_last_second_of_a_step() -> None:
    # RFC 6238 appendix B: T = 1111111109 (the last second of its step), SHA-1, 8 digits.
    assert totp_code(SECRET, 1111111109, digits=8) == "07081804"
    assert totp_code(SECRET, 1111111111, digits=8) == "14050471"
