"""Issue 9 review, item 3: the current Workspace in both shapes, with odd bodies, over
HTTP: extra or missing fields never make up details, and a wrong value is an error, not
a different value (the string "false" is not True, "abc" is not three labels: these
failed on main before the decoding rework merged from h-dec)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from synerise_async import ClientConfig, ResponseValidationError, SyneriseClient, WorkspaceAuth
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise

PATH = "/uauth/business-profile/current"
DEADLINE = 15
ONCE = ClientConfig(backoff_base=0.01, backoff_cap=0.05, max_retries=0)


@pytest.fixture
async def client(fake: FakeSynerise) -> AsyncIterator[SyneriseClient]:
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=ONCE
    ) as c:
        yield c


async def _read(fake: FakeSynerise, client: SyneriseClient, body: Any) -> Any:
    fake.faults.body(body, path=PATH)
    async with asyncio.timeout(DEADLINE):
        return await get_current_workspace.asyncio(client=client)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"selected": True, "requestId": "r-1"}, id="selected-and-an-unrelated-key"),
        pytest.param({"selected": False, "traceId": "t-1"}, id="not-selected-and-a-trace-id"),
        pytest.param({"requestId": "r-1"}, id="only-an-unrelated-key"),
    ],
)
async def test_keys_that_are_no_details_make_no_details(
    fake: FakeSynerise, client: SyneriseClient, body: dict[str, Any]
) -> None:
    current = await _read(fake, client, body)
    assert current.data is None
    assert current.selected is body.get("selected", False)


async def test_a_flat_body_with_one_detail_is_read_as_details(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    current = await _read(fake, client, {"name": "Acme", "requestId": "r-1"})
    assert current.selected is True
    assert current.data is not None and current.data.name == "Acme"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"selected": "false"}, id="selected"),
        pytest.param({"businessProfileGuid": "g", "mfaRequired": "false"}, id="mfaRequired"),
    ],
)
async def test_a_string_false_is_not_read_as_true(
    fake: FakeSynerise, client: SyneriseClient, body: dict[str, Any]
) -> None:
    try:
        current = await _read(fake, client, body)
    except ResponseValidationError:
        return
    assert current.selected is not True or current.data is not None
    assert current.data is None or current.data.mfa_required is not True


async def test_a_string_is_not_read_as_a_list_of_its_characters(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    try:
        current = await _read(fake, client, {"selected": True, "data": {"labels": "abc"}})
    except ResponseValidationError:
        return
    assert current.data.labels != ("a", "b", "c")
