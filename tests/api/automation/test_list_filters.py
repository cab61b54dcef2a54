"""The newer listing filters ``blockTypes``, ``triggersOnEvent`` and ``generatesEvent``
(v1 and v2), over real HTTP: sent in their wire form, applied by the fake server to the
blocks its statistics report, and passed on by the paginator to every page."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from synerise_async import SyneriseClient
from synerise_async.api.automation import get_workflow_statistics, list_workflows, list_workflows_v1
from synerise_async.testing import FakeSynerise

LISTINGS = (list_workflows, list_workflows_v1)


async def block_facts(fake: FakeSynerise, client: SyneriseClient) -> dict[str, dict[str, Any]]:
    """Each workflow's block types, trigger events and generated events, as its
    statistics (operation 20) report them."""
    facts: dict[str, dict[str, Any]] = {}
    for workflow in fake.workflows():
        stats = await get_workflow_statistics.asyncio(
            client=client, diagram_id=workflow["diagramId"]
        )
        blocks = list(stats.blocks.values())
        facts[workflow["diagramId"]] = {
            "types": {b.type for b in blocks},
            "triggers": {
                (b.name or "").removeprefix("Event: ") for b in blocks if b.type == "EventTrigger"
            },
            "generates": {
                (b.name or "").removeprefix("Generate event: ")
                for b in blocks
                if b.type == "GenerateEvent"
            },
        }
    return facts


def matching(facts: dict[str, dict[str, Any]], test: Callable[[dict[str, Any]], bool]) -> set[str]:
    return {diagram_id for diagram_id, fact in facts.items() if test(fact)}


@pytest.mark.parametrize("module", LISTINGS)
async def test_block_types_are_sent_comma_separated_and_filter_on_the_server(
    fake: FakeSynerise, client: SyneriseClient, module: ModuleType
) -> None:
    facts = await block_facts(fake, client)
    for given, wire in (
        (["SendEmail", "Webhook"], "SendEmail,Webhook"),
        (("ImportData",), "ImportData"),
        ("GenerateEvent", "GenerateEvent"),  # one type as a plain string
        (iter(["Delay"]), "Delay"),
    ):
        page = await module.asyncio(client=client, limit=100, block_types=given)
        assert fake.requests[-1].query["blockTypes"] == wire
        wanted = set(wire.split(","))
        expected = matching(facts, lambda f, wanted=wanted: bool(f["types"] & wanted))
        assert expected, f"the seed has workflows with {wire} blocks"
        assert {w.diagram_id for w in page.items} == expected
        assert page.total == len(expected)


@pytest.mark.parametrize("module", LISTINGS)
async def test_event_filters_are_sent_and_filter_on_the_server(
    fake: FakeSynerise, client: SyneriseClient, module: ModuleType
) -> None:
    facts = await block_facts(fake, client)
    for event in ("page.visit", "transaction.charge"):
        page = await module.asyncio(client=client, limit=100, triggers_on_event=event)
        assert fake.requests[-1].query["triggersOnEvent"] == event
        expected = matching(facts, lambda f, e=event: e in f["triggers"])
        assert expected
        assert {w.diagram_id for w in page.items} == expected
    generated = sorted({e for f in facts.values() for e in f["generates"]})
    assert generated, "the seed has workflows that generate events"
    for event in generated:
        page = await module.asyncio(client=client, limit=100, generates_event=event)
        assert fake.requests[-1].query["generatesEvent"] == event
        assert {w.diagram_id for w in page.items} == matching(
            facts, lambda f, e=event: e in f["generates"]
        )
    nothing = await module.asyncio(client=client, triggers_on_event="never.sent")
    assert nothing.items == () and nothing.total == 0


async def test_the_filters_combine_with_each_other_and_with_tags(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    facts = await block_facts(fake, client)
    page = await list_workflows.asyncio(
        client=client,
        limit=100,
        block_types=["SendEmail", "SendSms"],
        triggers_on_event="page.visit",
        tags=["promo", "newsletter", "retention"],
    )
    assert fake.requests[-1].query == {
        "page": "1",
        "limit": "100",
        "blockTypes": "SendEmail,SendSms",
        "triggersOnEvent": "page.visit",
        "tags": "promo,newsletter,retention",
    }
    tagged = {
        w["diagramId"]
        for w in fake.workflows()
        if {t["value"] for t in w["tags"]} & {"promo", "newsletter", "retention"}
    }
    expected = tagged & matching(
        facts,
        lambda f: bool(f["types"] & {"SendEmail", "SendSms"}) and "page.visit" in f["triggers"],
    )
    assert {w.diagram_id for w in page.items} == expected


@pytest.mark.parametrize("module", LISTINGS)
async def test_the_paginator_passes_the_filters_to_every_page(
    fake: FakeSynerise, client: SyneriseClient, module: ModuleType
) -> None:
    facts = await block_facts(fake, client)
    expected = matching(facts, lambda f: bool(f["types"] & {"SendEmail", "Filter"}))
    assert len(expected) > 6, "enough for several pages of 3"
    before = len(fake.requests)
    walked = [
        w.diagram_id
        async for w in module.paginate(
            client=client, limit=3, block_types=["SendEmail", "Filter"], generates_event="x"
        ).items()
    ]
    assert walked == []  # no workflow generates "x": the filter reached the server
    walked = [
        w.diagram_id
        async for w in module.paginate(
            client=client, limit=3, block_types=["SendEmail", "Filter"]
        ).items()
    ]
    assert sorted(walked) == sorted(expected)
    pages = [r for r in fake.requests[before:] if r.path.endswith("/diagrams")]
    assert len(pages) == 1 + -(-len(expected) // 3)
    assert all(r.query["blockTypes"] == "SendEmail,Filter" for r in pages)
