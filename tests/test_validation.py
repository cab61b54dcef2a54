"""Argument checks (``synerise_async._validation``) that have a fast path beside the
general one: both must mean the same."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from synerise_async import InvalidArgumentError
from synerise_async._validation import check_uuid

_UUID_TEXT = (
    st.uuids().map(str)
    | st.uuids().map(lambda u: str(u).upper())
    | st.uuids().map(lambda u: u.hex)
    | st.uuids().map(lambda u: f"{{{u}}}")
    | st.uuids().map(lambda u: f"urn:uuid:{u}")
    | st.from_regex(r"[0-9a-fA-F-]{30,40}", fullmatch=True)
    | st.text()
)


@given(_UUID_TEXT)
def test_check_uuid_accepts_exactly_what_uuid_parses_and_returns_its_canonical_form(
    value: str,
) -> None:
    try:
        expected: str | None = str(uuid.UUID(value))
    except ValueError:
        expected = None
    try:
        got: str | None = check_uuid("diagram_id", value)
    except InvalidArgumentError:
        got = None
    assert got == expected
    assert got is None or type(got) is str


@given(st.uuids())
def test_check_uuid_takes_a_uuid(value: uuid.UUID) -> None:
    assert check_uuid("diagram_id", value) == str(value)
