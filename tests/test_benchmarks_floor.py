"""The decode floor of the benchmarks builds exactly what the SDK's decoder builds, so
the row measures the same result made without checks."""

from __future__ import annotations

import pytest

from benchmarks.clients.sdk_floor import FloorClient
from benchmarks.payloads import TIME_PERIODS, page_body, statistics_body
from synerise_async import RawResponse, RequestInfo
from synerise_async.api.automation import get_workflow_statistics, list_workflows

_REQUEST = RequestInfo("GET", "http://127.0.0.1/automation-brain/v2/diagrams")


def _raw(body: bytes) -> RawResponse:
    return RawResponse(status_code=200, headers={}, content=body, request=_REQUEST)


@pytest.mark.parametrize("page", [1, 2, 10])
def test_the_floor_decodes_a_page_as_the_sdk_does(page: int) -> None:
    body = page_body(page, 100, 1_000)
    floor = FloorClient._decode_page(FloorClient.__new__(FloorClient), body)
    sdk = list_workflows._parse_response(_raw(body), page=page, limit=100)
    assert len(floor.data) == 100
    assert floor.data == sdk.items
    assert [type(w.status) for w in floor.data] == [type(w.status) for w in sdk.items]


@pytest.mark.parametrize("time_period", TIME_PERIODS)
def test_the_floor_decodes_statistics_as_the_sdk_does(time_period: str) -> None:
    body = statistics_body(time_period)
    floor = FloorClient._decode_statistics(FloorClient.__new__(FloorClient), body)
    assert floor == get_workflow_statistics._parse_response(_raw(body))
