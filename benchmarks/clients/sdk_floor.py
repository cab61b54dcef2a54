"""sdk_floor: the raw_aiohttp transport, decoded into the SDK's own models by hand.

The floor of typed decoding with these models: the fastest code that can be written by
hand for the bench payloads (direct constructor calls of the SDK's frozen attrs classes,
no checks, no renaming machinery, datetimes and enums built straight). Nothing a real
client may do (it trusts every value), so it is a row to measure the SDK's decoder
against, not a client to imitate: what lies between it and ``synerise_async`` is the price
of validation, tolerance and error messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson

from synerise_async.models.automation import (
    BlockStatistics,
    Capping,
    CappingPeriod,
    ListingAuthor,
    PageMeta,
    ScheduleStatus,
    Tag,
    Workflow,
    WorkflowConfiguration,
    WorkflowList,
    WorkflowStatistics,
    WorkflowStatus,
)

from .raw_aiohttp import RawAiohttpClient

__all__ = ["FloorClient", "connect"]

_UTC = dt.UTC
_fromtimestamp = dt.datetime.fromtimestamp


def _workflow(w: dict[str, Any]) -> Workflow:
    author = w["listingAuthor"]
    configuration = w["configuration"]
    capping = configuration["capping"]
    period = capping["period"]
    return Workflow(
        diagram_id=w["diagramId"],
        name=w["name"],
        status=WorkflowStatus(w["status"]),
        schedule_status=ScheduleStatus(w["scheduleStatus"]),
        created=_fromtimestamp(w["created"], _UTC),
        updated=_fromtimestamp(w["updated"], _UTC),
        listing_author=ListingAuthor(
            user_id=author["userId"],
            client_id=author["clientId"],
            client_api_hash=author["clientApiHash"],
            business_profile_api_hash=author["businessProfileApiHash"],
        ),
        configuration=WorkflowConfiguration(
            capping=Capping(
                limit=capping["limit"],
                period=CappingPeriod(type=period["type"], time_seconds=period["timeSeconds"]),
            ),
            multiple_journeys=configuration["multipleJourneys"],
        ),
        catalog_id=w["catalogId"],
        context=w["context"],
        tags=tuple(
            Tag(
                hash=t["hash"],
                value=t["value"],
                color=t["color"],
                description=t["description"],
                icon=t["icon"],
            )
            for t in w["tags"]
        ),
        description=w["description"],
        has_transformation=w["hasTransformation"],
        workspace_id=w["businessProfileId"],
    )


class FloorClient(RawAiohttpClient):
    """raw_aiohttp, with pages and statistics built into the SDK's models by hand."""

    def _decode_page(self, body: bytes) -> WorkflowList:
        data = orjson.loads(body)
        meta = data["meta"]
        return WorkflowList(
            data=tuple(map(_workflow, data["data"])),
            meta=PageMeta(
                limit=meta["limit"], page=meta["page"], pages=meta["pages"], total=meta["total"]
            ),
        )

    def _page_items(self, page: WorkflowList) -> Sequence[object]:
        return page.data

    def _page_count(self, page: WorkflowList) -> int:
        pages: int = page.meta.pages  # type: ignore[union-attr,assignment]  # trusted payload
        return pages

    def _decode_statistics(self, body: bytes) -> object:
        data = orjson.loads(body)
        return WorkflowStatistics(
            started=data["started"],
            finished=data["finished"],
            in_progress=data["inProgress"],
            blocks={
                key: BlockStatistics(
                    name=b["name"],
                    type=b["type"],
                    entered=b["entered"],
                    executed=b["executed"],
                    counters={"failed": b["failed"]},
                )
                for key, b in data["blocks"].items()
            },
        )


#: See :class:`benchmarks.clients.Connect`.
connect = FloorClient.connect
