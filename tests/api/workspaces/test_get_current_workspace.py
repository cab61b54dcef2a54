"""Current Workspace (operation 11) in both published shapes, over real HTTP: the
reference's ``{selected, data{...}}`` and the flat object of Synerise's generated client;
``selected`` optional, a body without ``data`` read as the details."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from synerise_async import ClientConfig, ResponseValidationError, SyneriseClient, WorkspaceAuth
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.audit import Include, audit_workflows
from synerise_async.models import CurrentWorkspace, WorkspaceDetails
from synerise_async.models.workspaces import Restriction
from synerise_async.testing import FakeSynerise

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
PATH = "/uauth/business-profile/current"


@pytest.fixture
async def client(fake: FakeSynerise) -> AsyncIterator[SyneriseClient]:
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=FAST
    ) as c:
        yield c


async def nested_wire(client: SyneriseClient) -> dict[str, Any]:
    """The fake's own answer: the reference's shape."""
    response = await get_current_workspace.asyncio_detailed(client=client)
    wire: dict[str, Any] = json.loads(response.content)
    assert set(wire) == {"selected", "data"}
    return wire


def flat_of(data: dict[str, Any]) -> dict[str, Any]:
    """The generated client's flat object for the same Workspace."""
    return {
        "businessProfileGuid": data["businessProfileGuid"],
        "logo": data["logo"],
        "name": data["name"],
        "id": data["id"],
        "created": data["created"],
        "subdomain": data["subdomain"],
        "ipRestricted": True,
        "mfaRequired": False,
    }


async def test_the_reference_shape(fake: FakeSynerise, client: SyneriseClient) -> None:
    wire = await nested_wire(client)
    current = await get_current_workspace.asyncio(client=client)
    data = wire["data"]
    assert current.selected is True
    assert current.data is not None
    assert current.data.guid == data["businessProfileGuid"]
    assert current.data.id == data["id"]
    assert current.data.name == data["name"]
    assert current.data.ip_restriction is Restriction.OFF
    assert current.data.organization_guid == data["organizationGuid"]
    assert current.data.ip_restricted is None  # not in this shape


async def test_the_flat_shape_is_read_as_the_details(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    data = (await nested_wire(client))["data"]
    fake.faults.body(flat_of(data), path=PATH)
    current = await get_current_workspace.asyncio(client=client)
    assert fake.requests[-1].path == PATH
    assert current.selected is True  # details came, so one is selected
    assert current.data == WorkspaceDetails(
        id=data["id"],
        name=data["name"],
        logo=data["logo"],
        guid=data["businessProfileGuid"],
        created=dt.datetime.fromisoformat(data["created"].replace("Z", "+00:00")),
        subdomain=data["subdomain"],
        ip_restricted=True,
        mfa_required=False,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"selected": False, "data": None}, CurrentWorkspace(selected=False)),
        ({"selected": False}, CurrentWorkspace(selected=False)),
        ({}, CurrentWorkspace(selected=False)),
        ({"data": None}, CurrentWorkspace(selected=False)),
        ({"data": {"id": 7}}, CurrentWorkspace(selected=True, data=WorkspaceDetails(id=7))),
        (
            {"selected": True, "data": {"id": 7}},
            CurrentWorkspace(selected=True, data=WorkspaceDetails(id=7)),
        ),
        (
            {"id": 7, "name": "W"},
            CurrentWorkspace(selected=True, data=WorkspaceDetails(id=7, name="W")),
        ),
        (
            {"selected": False, "id": 7},  # what came is kept
            CurrentWorkspace(selected=False, data=WorkspaceDetails(id=7)),
        ),
        (
            {"selected": True, "data": None, "id": 7},  # ``data`` is there: the reference's shape
            CurrentWorkspace(selected=True),
        ),
    ],
)
async def test_selected_is_optional_in_both_shapes(
    fake: FakeSynerise, client: SyneriseClient, body: dict[str, Any], expected: CurrentWorkspace
) -> None:
    await get_current_workspace.asyncio(client=client)  # log in first
    fake.faults.body(body, path=PATH)
    assert await get_current_workspace.asyncio(client=client) == expected


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"id": "seven"}, "$.id"),
        ({"data": {"id": "seven"}}, "$.data.id"),
        ({"data": [1]}, "$.data"),
        ([{"id": 7}], "$"),
    ],
)
async def test_a_body_of_neither_shape_names_the_field(
    fake: FakeSynerise, client: SyneriseClient, body: Any, path: str
) -> None:
    await get_current_workspace.asyncio(client=client)
    fake.faults.body(body, path=PATH)
    with pytest.raises(ResponseValidationError) as info:
        await get_current_workspace.asyncio(client=client)
    assert any(line.endswith(f"@ {path}") for line in info.value.errors), info.value.errors


async def test_the_audit_keys_its_records_by_the_flat_forms_workspace(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    data = (await nested_wire(client))["data"]
    fake.faults.body(flat_of(data), path=PATH)
    async with audit_workflows(client, include=Include.NONE) as run:
        records = [record async for record in run]
    assert fake.count(PATH) == 2  # the fake's own answer above, then the flat one
    assert {r.workspace.key for r in records} == {data["businessProfileGuid"]}
    assert {r.workspace.name for r in records} == {data["name"]}
    assert {r.workflow.diagram_id for r in records} == {
        w["diagramId"] for w in fake.workflows(data["businessProfileGuid"])
    }
