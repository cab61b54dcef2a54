"""One page of the workflow listings (operations 13 and 14), over real HTTP.

What the server seeded comes back decoded field by field; the default page sizes (10
for v1, 50 for v2) are what is sent; ``meta`` becomes the page's ``pages``/``total``;
the filters reach the server and it applies them.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

import pytest

from synerise_async import (
    AuthenticationError,
    BasicAuth,
    Page,
    SyneriseClient,
)
from synerise_async.api.automation import list_workflows, list_workflows_v1
from synerise_async.models.automation import (
    Capping,
    CappingPeriod,
    ListingAuthor,
    ScheduleStatus,
    Tag,
    Workflow,
    WorkflowConfiguration,
    WorkflowStatus,
)
from synerise_async.testing import FakeSynerise

V1 = "/automation-brain/diagrams"
V2 = "/automation-brain/v2/diagrams"
LISTINGS = [
    pytest.param(list_workflows_v1, V1, 10, id="v1"),
    pytest.param(list_workflows, V2, 50, id="v2"),
]


def utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


async def test_every_field_is_decoded_from_the_wire(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str]
) -> None:
    page = await list_workflows.asyncio(client=client, limit=100)
    seeded = {w["diagramId"]: w for w in fake.workflows()}
    assert [w.diagram_id for w in page.items] == expected_ids
    assert any("experimentalFlag" in w or "journeyVersion" in w for w in seeded.values()), (
        "the seed should include keys the model does not know, to show they are tolerated"
    )
    for workflow in page.items:
        wire = seeded[workflow.diagram_id]
        assert isinstance(workflow, Workflow)
        assert workflow.name == wire["name"]
        assert workflow.created == utc(wire["created"])
        assert workflow.updated == utc(wire["updated"])
        for moment in (workflow.created, workflow.updated):
            assert moment is not None
            assert moment.utcoffset() == dt.timedelta(0)  # aware, UTC
        assert isinstance(workflow.status, WorkflowStatus)
        assert workflow.status.is_known
        assert workflow.status == wire["status"]
        assert isinstance(workflow.schedule_status, ScheduleStatus)
        assert workflow.schedule_status == wire["scheduleStatus"]
        author = wire["listingAuthor"]
        assert workflow.listing_author == ListingAuthor(
            user_id=author["userId"],
            client_id=author["clientId"],
            client_api_hash=author["clientApiHash"],
            business_profile_api_hash=author["businessProfileApiHash"],
        )
        capping = wire["configuration"]["capping"]
        assert workflow.configuration == WorkflowConfiguration(
            capping=Capping(
                limit=capping["limit"],
                period=CappingPeriod(
                    type=capping["period"]["type"], time_seconds=capping["period"]["timeSeconds"]
                ),
            ),
            multiple_journeys=wire["configuration"]["multipleJourneys"],
        )
        assert workflow.catalog_id == wire["catalogId"]
        assert workflow.context == wire["context"]
        assert workflow.tags == tuple(Tag(**tag) for tag in wire["tags"])
        assert workflow.description == wire["description"]
        assert workflow.has_transformation is wire["hasTransformation"]
        assert workflow.workspace_id == wire["businessProfileId"] == fake.workspace.numeric_id


@pytest.mark.parametrize(("module", "path", "default_limit"), LISTINGS)
async def test_default_page_size_is_sent_and_meta_is_kept(
    fake: FakeSynerise,
    client: SyneriseClient,
    expected_ids: list[str],
    module: ModuleType,
    path: str,
    default_limit: int,
) -> None:
    page = await module.asyncio(client=client)
    recorded = fake.requests[-1]
    assert (recorded.path, recorded.query) == (path, {"page": "1", "limit": str(default_limit)})
    assert isinstance(page, Page)
    assert page.page == 1
    assert page.limit == default_limit
    assert page.total == 57
    assert page.pages == -(-57 // default_limit)
    assert [w.diagram_id for w in page.items] == expected_ids[:default_limit]
    assert page.next_page == 2


@pytest.mark.parametrize(("module", "path", "default_limit"), LISTINGS)
async def test_pages_in_the_middle_at_the_end_and_past_it(
    client: SyneriseClient,
    expected_ids: list[str],
    module: ModuleType,
    path: str,
    default_limit: int,
) -> None:
    middle = await module.asyncio(client=client, page=5, limit=10)
    assert [w.diagram_id for w in middle.items] == expected_ids[40:50]
    assert (middle.page, middle.pages, middle.next_page) == (5, 6, 6)
    last = await module.asyncio(client=client, page=6, limit=10)
    assert [w.diagram_id for w in last.items] == expected_ids[50:]
    assert last.is_last
    assert last.next_page is None
    past = await module.asyncio(client=client, page=9, limit=10)
    assert past.items == ()
    assert past.total == 57
    assert past.next_page is None


async def test_detailed_response_carries_the_wire(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    response = await list_workflows.asyncio_detailed(client=client, page=2, limit=3)
    assert response.status_code == 200
    assert response.attempts == 1
    assert response.request.method == "GET"
    assert "page=2" in response.request.url
    assert "limit=3" in response.request.url
    assert response.headers["Content-Type"].startswith("application/json")
    assert b'"meta"' in response.content
    assert isinstance(response.parsed, Page)
    assert len(response.parsed) == 3


async def test_filters_are_applied_by_the_server(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    stopped = await list_workflows_v1.asyncio(client=client, limit=100, status="Stopped")
    assert stopped.items
    assert all(w.status is WorkflowStatus.STOPPED for w in stopped.items)
    assert stopped.total == sum(w["status"] == "Stopped" for w in fake.workflows())

    by_name = await list_workflows.asyncio(client=client, limit=100, sort="Name", order="Asc")
    names = [w.name.casefold() for w in by_name.items if w.name is not None]
    assert names == sorted(names)

    nothing = await list_workflows.asyncio(client=client, search="no workflow is called this")
    assert nothing.items == ()
    assert nothing.total == 0
    assert nothing.is_last


async def test_basic_auth_lists_without_a_login(fake: FakeSynerise) -> None:
    auth = BasicAuth(fake.workspace.guid, fake.workspace.api_key)
    async with SyneriseClient(auth, base_url=fake.url) as client:
        page = await list_workflows.asyncio(client=client, limit=5)
    assert len(page.items) == 5
    assert [r.auth for r in fake.requests] == ["basic"]


async def test_wrong_basic_credentials_are_an_authentication_error(fake: FakeSynerise) -> None:
    auth = BasicAuth(fake.workspace.guid, "not-the-key")
    async with SyneriseClient(auth, base_url=fake.url) as client:
        with pytest.raises(AuthenticationError) as info:
            await list_workflows.asyncio(client=client)
    assert info.value.status_code == 401
    assert fake.count(path=V2) == 1  # Basic has no token to renew: no second try
