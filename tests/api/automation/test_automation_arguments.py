"""Argument checks of every automation operation (13-22), over real HTTP.

A rejected argument raises ``InvalidArgumentError`` naming it (for enums, listing every
allowed value) and sends nothing at all: not the request, not even the login. An
accepted argument reaches the fake server in its wire form, which the server recorded.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from synerise_async import InvalidArgumentError, SyneriseClient
from synerise_async.api.automation import (
    disable_workflow_schedule,
    enable_workflow_schedule,
    get_block_statistics,
    get_last_run_logs,
    get_workflow_statistics,
    list_workflows,
    list_workflows_v1,
    pause_workflow,
    run_workflow,
    stop_workflow,
)
from synerise_async.models.automation import (
    ScheduleAction,
    SortOrder,
    TimePeriod,
    WorkflowSort,
    WorkflowStatusFilter,
)
from synerise_async.testing import FakeSynerise

#: A well-formed workflow id: checks run before the server could say it does not exist.
ANY_ID = "6f1c2b1e-8a53-4f3e-9a0b-3c1d2e4f5a6b"

LISTINGS = (list_workflows, list_workflows_v1)
ACTIONS = (
    run_workflow,
    pause_workflow,
    stop_workflow,
    enable_workflow_schedule,
    disable_workflow_schedule,
)
WORKFLOW_SCOPED = (*ACTIONS, get_workflow_statistics, get_last_run_logs)


def _param(
    module: ModuleType,
    kwargs: dict[str, Any],
    argument: str,
    allowed: type[enum.Enum] | None = None,
) -> Any:
    name = module.__name__.rsplit(".", 1)[-1]
    shown = ",".join(f"{k}={v!r}" for k, v in kwargs.items())
    return pytest.param(module, kwargs, argument, allowed, id=f"{name}-{shown}")


def _rejections() -> list[Any]:
    cases: list[Any] = []
    for module in LISTINGS:
        for page in (0, -1, "1", 1.0, True, None):
            cases.append(_param(module, {"page": page}, "page"))
        for limit in (0, -10, "10", 2.5, None, False):
            cases.append(_param(module, {"limit": limit}, "limit"))
        # Another casing of a member is that member (issue 9 review); a near miss is not.
        for status in ("Actve", "active ", "Archived", "", 1, WorkflowStatusFilter("Archived")):
            cases.append(_param(module, {"status": status}, "status", WorkflowStatusFilter))
        for sort in ("Names", "Created", "created_time", 0):
            cases.append(_param(module, {"sort": sort}, "sort", WorkflowSort))
        for order in ("up", "DESC ", "Ascending", SortOrder("Random")):
            cases.append(_param(module, {"order": order}, "order", SortOrder))
        for directory in ("not-a-uuid", "", 5, "6f1c2b1e-8a53"):
            cases.append(_param(module, {"directory_id": directory}, "directory_id"))
        cases.append(_param(module, {"search": ""}, "search"))
        cases.append(_param(module, {"search": 3}, "search"))
        cases.append(_param(module, {"sort_by": ""}, "sort_by"))
        cases.append(_param(module, {"colour": "red"}, "colour"))
        for block_types in ([], [""], ["SendEmail,Webhook"], "a,b", [1], None, 5, ["ok", None]):
            cases.append(_param(module, {"block_types": block_types}, "block_types"))
        for event in ("", None, 3, ["page.visit"]):
            cases.append(_param(module, {"triggers_on_event": event}, "triggers_on_event"))
            cases.append(_param(module, {"generates_event": event}, "generates_event"))
    for tags in ([], [""], ["a,b"], "a,b", [1], None, 5, ["ok", None]):
        cases.append(_param(list_workflows, {"tags": tags}, "tags"))
    cases.append(_param(list_workflows_v1, {"tags": ["promo"]}, "tags"))  # a v2-only filter

    for module in WORKFLOW_SCOPED:
        for bad_id in ("not-a-uuid", "", 123, None, "6f1c2b1e-8a53", ANY_ID + "0"):
            cases.append(_param(module, {"diagram_id": bad_id}, "diagram_id"))
    for module in ACTIONS:
        for flag in ("yes", 1, None):
            cases.append(
                _param(module, {"diagram_id": ANY_ID, "retry_unsafe": flag}, "retry_unsafe")
            )
    for module in (run_workflow, pause_workflow):
        for action in ("o n", "ON ", "Pause", "NO_ACTION", 1, ScheduleAction("Later")):
            kwargs = {"diagram_id": ANY_ID, "schedule_action": action}
            cases.append(_param(module, kwargs, "schedule_action", ScheduleAction))
    for module in (get_workflow_statistics, get_block_statistics):
        extra = {"block_id": "b1"} if module is get_block_statistics else {}
        for period in ("daily", "current_day", "currentDay ", "", 3, TimePeriod("lastWeek")):
            kwargs = {"diagram_id": ANY_ID, **extra, "time_period": period}
            cases.append(_param(module, kwargs, "time_period", TimePeriod))
    for bad_id in ("x", None):
        cases.append(
            _param(get_block_statistics, {"diagram_id": bad_id, "block_id": "b"}, "diagram_id")
        )
    for block in ("", "a/b", "/", ".", "..", None, 5):
        cases.append(
            _param(get_block_statistics, {"diagram_id": ANY_ID, "block_id": block}, "block_id")
        )
    for limit in (0, -1, 5001, 10**6, "10", True, 10.0):
        cases.append(_param(get_last_run_logs, {"diagram_id": ANY_ID, "limit": limit}, "limit"))
    return cases


@pytest.mark.parametrize(("module", "kwargs", "argument", "allowed"), _rejections())
async def test_a_rejected_argument_is_named_and_sends_nothing(
    fake: FakeSynerise,
    client: SyneriseClient,
    module: ModuleType,
    kwargs: dict[str, Any],
    argument: str,
    allowed: type[enum.Enum] | None,
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await module.asyncio(client=client, **kwargs)
    error = info.value
    assert error.argument == argument
    assert str(error).startswith(f"{argument}: ")
    assert isinstance(error, ValueError)
    if allowed is not None:
        for member in allowed:
            assert repr(member.value) in str(error)
    assert fake.count() == 0  # neither the request nor a login


@pytest.mark.parametrize("module", LISTINGS)
@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"start_page": 0}, "start_page"),
        ({"start_page": "2"}, "start_page"),
        ({"prefetch": -1}, "prefetch"),
        ({"prefetch": 1.5}, "prefetch"),
        ({"max_pages": 0}, "max_pages"),
        ({"max_items": 0}, "max_items"),
        ({"limit": 0}, "limit"),
        ({"status": "Archived"}, "status"),
        ({"directory_id": "nope"}, "directory_id"),
    ],
)
async def test_paginate_rejects_at_once_before_iterating(
    fake: FakeSynerise,
    client: SyneriseClient,
    module: ModuleType,
    kwargs: dict[str, Any],
    argument: str,
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        module.paginate(client=client, **kwargs)  # the call itself raises: no `async for`
    assert info.value.argument == argument
    assert fake.count() == 0


# --- accepted forms, as the server saw them -----------------------------------------


FILTER_ENUMS = [
    ("status", "status", WorkflowStatusFilter),
    ("sort", "sort", WorkflowSort),
    ("order", "order", SortOrder),
]


@pytest.mark.parametrize("module", LISTINGS)
@pytest.mark.parametrize(("argument", "wire", "enum_type"), FILTER_ENUMS)
async def test_listing_enums_accept_the_member_or_its_exact_string(
    fake: FakeSynerise,
    client: SyneriseClient,
    module: ModuleType,
    argument: str,
    wire: str,
    enum_type: type[enum.Enum],
) -> None:
    for member in enum_type:
        for given in (member, member.value):
            await module.asyncio(client=client, limit=1, **{argument: given})
            assert fake.requests[-1].query[wire] == member.value
            assert fake.requests[-1].status_code == 200


async def test_listing_query_names_and_values_on_the_wire(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    directory = fake.workspace.directory_ids[0]
    await list_workflows.asyncio(
        client=client,
        page=2,
        limit=7,
        status="Active",
        sort="Name",
        order="Asc",
        sort_by="updatedTime:desc",
        search="cart",
        directory_id=uuid.UUID(directory.upper()),
        tags=("promo", "test"),
    )
    recorded = fake.requests[-1]
    assert recorded.method == "GET"
    assert recorded.path == "/automation-brain/v2/diagrams"
    assert recorded.query == {
        "page": "2",
        "limit": "7",
        "status": "Active",
        "sort": "Name",
        "order": "Asc",
        "sortBy": "updatedTime:desc",
        "search": "cart",
        "directoryId": directory,  # canonical lower-case form
        "tags": "promo,test",
    }
    assert recorded.status_code == 200


@pytest.mark.parametrize(
    ("tags", "wire"),
    [
        (["promo", "test"], "promo,test"),
        (("loyalty",), "loyalty"),
        ("newsletter", "newsletter"),  # one tag as a plain string
        (iter(["q4-campaign", "retention"]), "q4-campaign,retention"),
    ],
)
async def test_tags_are_sent_comma_separated_and_filter_on_the_server(
    fake: FakeSynerise, client: SyneriseClient, tags: Any, wire: str
) -> None:
    page = await list_workflows.asyncio(client=client, limit=100, tags=tags)
    assert fake.requests[-1].query["tags"] == wire
    wanted = set(wire.split(","))
    assert page.items, "the seed has workflows with these tags"
    for workflow in page.items:
        assert wanted & {tag.value for tag in workflow.tags}
    seeded = [w for w in fake.workflows() if wanted & {t["value"] for t in w["tags"]}]
    assert page.total == len(seeded) == len(page.items)


@pytest.mark.parametrize("module", [get_workflow_statistics, get_block_statistics])
async def test_time_period_accepts_the_member_or_its_exact_string_and_is_left_out_when_omitted(
    fake: FakeSynerise, client: SyneriseClient, module: ModuleType
) -> None:
    diagram_id = fake.workflows()[0]["diagramId"]
    block_id = "not-there"
    if module is get_block_statistics:
        stats = await get_workflow_statistics.asyncio(client=client, diagram_id=diagram_id)
        block_id = next(iter(stats.blocks))
    for member in TimePeriod:
        for given in (member, member.value):
            kwargs: dict[str, Any] = {"diagram_id": diagram_id, "time_period": given}
            if module is get_block_statistics:
                kwargs["block_id"] = block_id
            await module.asyncio(client=client, **kwargs)
            assert fake.requests[-1].query == {"timePeriod": member.value}
    kwargs = {"diagram_id": diagram_id}
    if module is get_block_statistics:
        kwargs["block_id"] = block_id
    omitted = await module.asyncio(client=client, **kwargs)
    # Left out, not invented: the server's own default applies (the fake's: previousDay).
    assert fake.requests[-1].query == {}
    explicit = await module.asyncio(client=client, **kwargs, time_period=TimePeriod.PREVIOUS_DAY)
    assert omitted == explicit


@pytest.mark.parametrize("module", [run_workflow, pause_workflow])
async def test_schedule_action_accepts_the_member_or_its_exact_string_and_is_left_out_when_omitted(
    client: SyneriseClient,
    fake: FakeSynerise,
    by_status: Callable[[str], str],
    module: ModuleType,
) -> None:
    diagram_id = by_status("Active")
    for member in ScheduleAction:
        for given in (member, member.value):
            await module.asyncio(client=client, diagram_id=diagram_id, schedule_action=given)
            assert fake.requests[-1].body == {"scheduleAction": member.value}
    schedule = next(w for w in fake.workflows() if w["diagramId"] == diagram_id)["scheduleStatus"]
    await module.asyncio(client=client, diagram_id=diagram_id)
    # Left out, not invented: the body is {} and the server's own default applies (the
    # fake's: NoAction, the schedule is left as it was).
    assert fake.requests[-1].body == {}
    assert (
        next(w for w in fake.workflows() if w["diagramId"] == diagram_id)["scheduleStatus"]
        == schedule
    )


@pytest.mark.parametrize("module", WORKFLOW_SCOPED)
async def test_ids_are_checked_as_uuids_and_sent_canonical(
    fake: FakeSynerise,
    client: SyneriseClient,
    by_status: Callable[[str], str],
    module: ModuleType,
) -> None:
    if module is get_last_run_logs:
        canonical = next(w["diagramId"] for w in fake.workflows() if w["hasTransformation"])
    else:
        canonical = by_status("Active")
    for given in (canonical.upper(), uuid.UUID(canonical), "{" + canonical + "}"):
        await module.asyncio(client=client, diagram_id=given)
        assert canonical in fake.requests[-1].path
        assert fake.requests[-1].status_code in (200, 204)


async def test_last_run_limit_bounds_are_inclusive(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    diagram_id = next(w["diagramId"] for w in fake.workflows() if w["hasTransformation"])
    for limit in (1, 5000):
        await get_last_run_logs.asyncio(client=client, diagram_id=diagram_id, limit=limit)
        assert fake.requests[-1].query == {"limit": str(limit)}
        assert fake.requests[-1].status_code == 200
    await get_last_run_logs.asyncio(client=client, diagram_id=diagram_id)
    assert fake.requests[-1].query == {"limit": "500"}  # the API's default, sent explicitly
