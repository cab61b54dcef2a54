"""Workflow listing (operations 13 and 14) and seeded workflow data."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from multidict import MultiDict

from synerise_async.testing import FakeSynerise

V1 = "/automation-brain/diagrams"
V2 = "/automation-brain/v2/diagrams"
WORKFLOW_FIELDS = {
    "diagramId",
    "listingAuthor",
    "name",
    "created",
    "updated",
    "status",
    "scheduleStatus",
    "configuration",
    "catalogId",
    "context",
    "tags",
    "description",
    "hasTransformation",
    "businessProfileId",
}


@pytest.fixture
async def token(api) -> str:
    return await api.workspace_token()


def default_order(workflows: list[dict]) -> list[str]:
    ordered = sorted(workflows, key=lambda w: w["diagramId"])
    ordered.sort(key=lambda w: w["created"], reverse=True)
    return [w["diagramId"] for w in ordered]


async def test_v1_defaults(api, fake: FakeSynerise, token: str) -> None:
    reply = await api.get(V1, token=token)
    assert reply.status == 200
    assert reply.json["meta"] == {"limit": 10, "page": 1, "pages": 3, "total": 30}
    assert [w["diagramId"] for w in reply.json["data"]] == default_order(fake.workflows())[:10]


async def test_v2_defaults(api, fake: FakeSynerise, token: str) -> None:
    reply = await api.get(V2, token=token)
    assert reply.json["meta"] == {"limit": 50, "page": 1, "pages": 1, "total": 30}
    assert [w["diagramId"] for w in reply.json["data"]] == default_order(fake.workflows())


async def test_pages_cover_everything_once(api, fake: FakeSynerise, token: str) -> None:
    seen: list[str] = []
    page = 1
    while True:
        reply = await api.get(V1, token=token, params={"page": str(page), "limit": "7"})
        meta = reply.json["meta"]
        assert meta == {"limit": 7, "page": page, "pages": 5, "total": 30}
        if not reply.json["data"]:
            break
        seen += [w["diagramId"] for w in reply.json["data"]]
        page += 1
    assert page == 6
    assert sorted(seen) == sorted(w["diagramId"] for w in fake.workflows())
    assert len(set(seen)) == 30


async def test_limit_is_capped(api, token: str) -> None:
    reply = await api.get(V2, token=token, params={"limit": "5000"})
    assert reply.json["meta"]["limit"] == 1000


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"limit": "0"}, "limit"),
        ({"limit": "2.5"}, "limit"),
        ({"status": "Sleeping"}, "status"),
        ({"sort": "Colour"}, "sort"),
        ({"order": "Sideways"}, "order"),
        ({"sortBy": "colour:desc"}, "sortBy"),
        ({"sortBy": "name:up"}, "sortBy"),
        ({"directoryId": "not-a-uuid"}, "directoryId"),
    ],
)
async def test_invalid_parameters_are_400(
    api, token: str, params: dict[str, str], field: str
) -> None:
    for path in (V1, V2):
        reply = await api.get(path, token=token, params=params)
        assert reply.status == 400
        body = reply.json
        assert body["status"] == 400
        assert body["error"] == "Bad Request"
        assert body["path"] == path
        assert body["errors"][0]["field"] == field
        assert body["errors"][0]["rejectedValue"] == next(iter(params.values()))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Active", lambda w, now: w["status"] == "Active"),
        ("Draft", lambda w, now: w["status"] == "Draft"),
        ("Paused", lambda w, now: w["status"] == "Paused"),
        ("Stopped", lambda w, now: w["status"] == "Stopped"),
        ("Scheduled", lambda w, now: w["status"] == "Scheduled"),
        ("Pending", lambda w, now: w["status"] == "Pending"),
        ("Inactive", lambda w, now: w["status"] in ("Paused", "Stopped")),
        ("ScheduleOn", lambda w, now: w["scheduleStatus"] == "On"),
        ("ScheduleOff", lambda w, now: w["scheduleStatus"] == "Off"),
        ("NoSchedule", lambda w, now: w["scheduleStatus"] == "Off"),
        ("Recent", lambda w, now: w["updated"] >= now - 30 * 86400),
        ("All", lambda w, now: True),
        ("active", lambda w, now: w["status"] == "Active"),
    ],
)
async def test_status_filters(api, fake: FakeSynerise, token: str, status: str, expected) -> None:
    now = fake.now()
    wanted = {w["diagramId"] for w in fake.workflows() if expected(w, now)}
    reply = await api.get(V2, token=token, params={"status": status})
    assert {w["diagramId"] for w in reply.json["data"]} == wanted
    assert reply.json["meta"]["total"] == len(wanted)


async def test_status_mix_is_realistic(fake: FakeSynerise) -> None:
    everything = [w for ws in fake.workspaces for w in fake.workflows(ws.id)]
    counts = Counter(w["status"] for w in everything)
    assert counts.most_common(1)[0][0] == "Active"
    assert set(counts) <= {"Draft", "Active", "Paused", "Stopped", "Scheduled"}
    assert len(counts) >= 4
    now = fake.now()
    assert any(w["updated"] >= now - 30 * 86400 for w in everything)
    assert all(w["updated"] >= w["created"] for w in everything)
    assert all(now - w["created"] <= 2 * 366 * 86400 for w in everything)


@pytest.mark.parametrize(
    ("params", "key", "reverse"),
    [
        ({"sort": "Name", "order": "Asc"}, lambda w: w["name"].casefold(), False),
        ({"sort": "Name"}, lambda w: w["name"].casefold(), True),
        ({"sort": "CreatedTime", "order": "Asc"}, lambda w: w["created"], False),
        ({"sort": "UpdatedTime", "order": "Desc"}, lambda w: w["updated"], True),
        ({"sort": "Status", "order": "Asc"}, lambda w: w["status"], False),
        ({"sort": "Author", "order": "Asc"}, lambda w: w["listingAuthor"]["userId"], False),
        ({"sortBy": "updatedTime:asc"}, lambda w: w["updated"], False),
        ({"sortBy": "createdTime:desc", "sort": "Name"}, lambda w: w["created"], True),
        ({"order": "Asc"}, lambda w: w["created"], False),
    ],
)
async def test_sorting_is_stable(
    api, fake: FakeSynerise, token: str, params: dict[str, str], key, reverse: bool
) -> None:
    ordered = sorted(fake.workflows(), key=lambda w: w["diagramId"])
    ordered.sort(key=key, reverse=reverse)
    reply = await api.get(V2, token=token, params=params)
    assert [w["diagramId"] for w in reply.json["data"]] == [w["diagramId"] for w in ordered]


async def test_search_is_a_case_insensitive_name_substring(
    api, fake: FakeSynerise, token: str
) -> None:
    name = fake.workflows()[0]["name"]
    needle = name.split()[0].upper()
    wanted = {w["diagramId"] for w in fake.workflows() if needle.lower() in w["name"].lower()}
    reply = await api.get(V1, token=token, params={"search": needle, "limit": "100"})
    assert {w["diagramId"] for w in reply.json["data"]} == wanted
    reply = await api.get(V1, token=token, params={"search": "zzz-no-such-name"})
    assert reply.json == {"data": [], "meta": {"limit": 10, "page": 1, "pages": 0, "total": 0}}


async def test_directory_filter(api, fake: FakeSynerise, token: str) -> None:
    totals = []
    for directory in fake.workspace.directory_ids:
        reply = await api.get(V2, token=token, params={"directoryId": directory})
        assert reply.status == 200
        totals.append(reply.json["meta"]["total"])
    assert 0 < sum(totals) <= 30
    assert max(totals) < 30


async def test_tags_filter_matches_any_on_v2_only(api, fake: FakeSynerise, token: str) -> None:
    workflows = fake.workflows()
    values = sorted({t["value"] for w in workflows for t in w["tags"]})
    picked = values[:2]
    wanted = {w["diagramId"] for w in workflows if {t["value"] for t in w["tags"]} & set(picked)}
    reply = await api.get(V2, token=token, params={"tags": ",".join(picked)})
    assert {w["diagramId"] for w in reply.json["data"]} == wanted
    assert 0 < len(wanted) < 30
    reply = await api.get(V1, token=token, params={"tags": ",".join(picked), "limit": "100"})
    assert reply.json["meta"]["total"] == 30


async def test_workflow_shape(api, fake: FakeSynerise, token: str) -> None:
    reply = await api.get(V2, token=token)
    for workflow in reply.json["data"]:
        assert set(workflow) >= WORKFLOW_FIELDS
        assert set(workflow["listingAuthor"]) == {
            "userId",
            "clientId",
            "clientApiHash",
            "businessProfileApiHash",
        }
        assert isinstance(workflow["created"], float)
        assert workflow["scheduleStatus"] in ("On", "Off")
        capping = workflow["configuration"]["capping"]
        assert set(capping) == {"limit", "period"}
        assert set(capping["period"]) == {"type", "timeSeconds"}
        assert isinstance(workflow["configuration"]["multipleJourneys"], bool)
        assert workflow["catalogId"] is None or isinstance(workflow["catalogId"], int)
        assert workflow["context"] == "Client"
        assert 0 <= len(workflow["tags"]) <= 3
        for tag in workflow["tags"]:
            assert set(tag) == {"hash", "value", "color", "description", "icon"}
        assert workflow["businessProfileId"] == fake.workspace.numeric_id


async def test_seeded_variety(fake: FakeSynerise) -> None:
    everything = [w for ws in fake.workspaces for w in fake.workflows(ws.id)]
    assert any(set(w) - WORKFLOW_FIELDS for w in everything), "some unknown fields"
    assert any(not w["tags"] for w in everything)
    assert any(w["description"] is None for w in everything)
    assert any(w["description"] == "" for w in everything)
    assert any(w["hasTransformation"] for w in everything)
    assert any(not w["hasTransformation"] for w in everything)
    assert any("\u2013" in w["name"] for w in everything)


async def test_workspaces_are_isolated(api, fake: FakeSynerise) -> None:
    first = await api.workflow_ids(await api.workspace_token(fake.workspaces[0]))
    second_token = await api.workspace_token(fake.workspaces[1])
    second = await api.workflow_ids(second_token)
    assert not set(first) & set(second)
    reply = await api.get(f"/automation-brain/diagrams/{first[0]}/statistics", token=second_token)
    assert reply.status == 404
    reply = await api.post(f"/automation-brain/diagrams/{first[0]}/run", token=second_token)
    assert reply.status == 404


async def test_delete_workflow(api, fake: FakeSynerise, token: str) -> None:
    victim = fake.workflows()[3]["diagramId"]
    fake.delete_workflow(fake.workspace.id, victim)
    assert victim not in await api.workflow_ids(token)
    reply = await api.get(V1, token=token)
    assert reply.json["meta"]["total"] == 29
    assert reply.json["meta"]["pages"] == math.ceil(29 / 10)
    for path in (
        f"/automation-brain/diagrams/{victim}/statistics",
        f"/morph/logs/automation/{victim}/last-run/with-stages",
    ):
        reply = await api.get(path, token=token)
        assert reply.status == 404
        assert victim in reply.json["message"]
    assert (await api.post(f"/automation-brain/diagrams/{victim}/stop", token=token)).status == 404
    with pytest.raises(KeyError):
        fake.delete_workflow(fake.workspace.id, victim)
    with pytest.raises(KeyError):
        fake.delete_workflow("no-such-workspace", victim)


def _ids(reply) -> set[str]:
    return {w["diagramId"] for w in reply.json["data"]}


@pytest.mark.parametrize("path", [V1, V2])
async def test_block_types_are_comma_separated_or_repeated(
    api, fake: FakeSynerise, token: str, path: str
) -> None:
    wanted = {"sendemail", "webhook"}
    expected = set()
    for workflow in fake.workflows():
        stats = await api.get(f"{V1}/{workflow['diagramId']}/statistics", token=token)
        if {b["type"].lower() for b in stats.json["blocks"].values()} & wanted:
            expected.add(workflow["diagramId"])
    assert 0 < len(expected) < len(fake.workflows())
    comma = await api.get(
        path, token=token, params={"limit": "100", "blockTypes": "SendEmail,Webhook"}
    )
    repeated = await api.get(
        path,
        token=token,
        params=MultiDict(
            [("limit", "100"), ("blockTypes", "SendEmail"), ("blockTypes", "Webhook")]
        ),
    )
    mixed = await api.get(
        path,
        token=token,
        params=MultiDict(
            [("limit", "100"), ("blockTypes", "sendemail,"), ("blockTypes", "WEBHOOK")]
        ),
    )
    for reply in (comma, repeated, mixed):
        assert reply.status == 200
        assert _ids(reply) == expected
        assert reply.json["meta"]["total"] == len(expected)
    blank = await api.get(path, token=token, params={"blockTypes": ""})
    assert blank.json["meta"]["total"] == len(fake.workflows())  # an empty filter is none


@pytest.mark.parametrize("path", [V1, V2])
async def test_event_filters_read_the_trigger_and_generate_event_blocks(
    api, fake: FakeSynerise, token: str, path: str
) -> None:
    triggers: dict[str, set[str]] = {}
    generated: dict[str, set[str]] = {}
    for workflow in fake.workflows():
        stats = await api.get(f"{V1}/{workflow['diagramId']}/statistics", token=token)
        for block in stats.json["blocks"].values():
            if block["type"] == "EventTrigger":
                event = block["name"].removeprefix("Event: ")
                triggers.setdefault(event, set()).add(workflow["diagramId"])
            if block["type"] == "GenerateEvent":
                event = block["name"].removeprefix("Generate event: ")
                generated.setdefault(event, set()).add(workflow["diagramId"])
    assert triggers and generated
    for event, ids in triggers.items():
        reply = await api.get(path, token=token, params={"limit": "100", "triggersOnEvent": event})
        assert _ids(reply) == ids
    for event, ids in generated.items():
        reply = await api.get(path, token=token, params={"limit": "100", "generatesEvent": event})
        assert _ids(reply) == ids
    none = await api.get(path, token=token, params={"generatesEvent": "page.visit"})
    assert none.json["meta"]["total"] == 0
