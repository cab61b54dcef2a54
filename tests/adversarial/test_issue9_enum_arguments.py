"""Issue 9 review, item 1: open enums match case-insensitively, as arguments too.

``WorkflowStatusFilter("active")`` is ``WorkflowStatusFilter.ACTIVE``, so an operation
that takes the enum "or its string" must take ``"active"`` as well, and send the
documented spelling; an unknown value is still refused before anything is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from synerise_async import InvalidArgumentError, SyneriseClient, WorkspaceAuth
from synerise_async._validation import check_enum
from synerise_async.api.automation import get_workflow_statistics, list_workflows
from synerise_async.models import (
    MfaType,
    ScheduleAction,
    SortOrder,
    TimePeriod,
    WorkflowSort,
    WorkflowStatusFilter,
)
from synerise_async.testing import FakeSynerise

DEADLINE = 30


@pytest.fixture
async def client(fake: FakeSynerise, fast: object) -> AsyncIterator[SyneriseClient]:
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key),
        base_url=fake.url,
        config=fast,  # type: ignore[arg-type]
    ) as c:
        yield c


@pytest.mark.parametrize(
    ("given", "member"),
    [
        ("active", WorkflowStatusFilter.ACTIVE),
        ("ACTIVE", WorkflowStatusFilter.ACTIVE),
        ("noschedule", WorkflowStatusFilter.NO_SCHEDULE),
        ("desc", SortOrder.DESC),
        ("createdtime", WorkflowSort.CREATED_TIME),
        ("PREVIOUSDAY", TimePeriod.PREVIOUS_DAY),
        ("noaction", ScheduleAction.NO_ACTION),
        ("totp_authenticator", MfaType.TOTP_AUTHENTICATOR),
    ],
)
def test_an_argument_in_another_case_is_its_member(given: str, member: object) -> None:
    assert check_enum("x", given, type(member)) is member  # type: ignore[arg-type]


def test_an_unknown_argument_is_still_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="must be one of"):
        check_enum("status", "Archived", WorkflowStatusFilter)
    with pytest.raises(InvalidArgumentError, match="must be one of"):
        check_enum("status", WorkflowStatusFilter("Archived"), WorkflowStatusFilter)


async def test_the_listing_sends_the_documented_spelling(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    async with asyncio.timeout(DEADLINE):
        page = await list_workflows.asyncio(client=client, status="paused", order="asc")
    assert fake.requests[-1].query["status"] == "Paused"
    assert fake.requests[-1].query["order"] == "Asc"
    assert page.items
    assert all(w.status == "Paused" for w in page.items)


async def test_the_statistics_send_the_documented_spelling(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    workflow = fake.workflows()[0]["diagramId"]
    async with asyncio.timeout(DEADLINE):
        await get_workflow_statistics.asyncio(
            client=client, diagram_id=workflow, time_period="currentday"
        )
    assert fake.requests[-1].query["timePeriod"] == "currentDay"
