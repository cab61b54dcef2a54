"""Wire bodies the bench server sends: workflows, pages of workflows, statistics.

A page body is built from byte templates with ``%`` formatting, so any page of a
listing of up to a million workflows costs tens of microseconds to produce and none
of them needs to be kept. The same functions feed the decode-only scenario, so the
bytes decoded there are the bytes the server sends.
"""

from __future__ import annotations

import functools
import math

import orjson

__all__ = [
    "TIME_PERIODS",
    "error_body",
    "page_body",
    "page_count",
    "statistics_body",
    "workflow_id",
]

#: The ``timePeriod`` values of the statistics operation.
TIME_PERIODS = ("currentHour", "currentDay", "previousHour", "previousDay")

_ID_TEMPLATE = "%08x-7a1e-4c3b-9d2f-%012x"

_STATUSES = ("Active", "Paused", "Draft", "Stopped", "Inactive", "Scheduled")
_TAGS = (
    {
        "hash": "5b0f4c1e-2d7a-4e6b-9a31-0c8d5e2f7a10",
        "value": "newsletter",
        "color": "#0b68ff",
        "description": "Weekly newsletter journeys",
        "icon": "mail",
    },
    {
        "hash": "8e2d6a93-41fb-4c07-b5de-7f1a2c9e3b44",
        "value": "retention",
        "color": "#1fcf6e",
        "description": "Win-back and churn prevention",
        "icon": "heart",
    },
    {
        "hash": "c3a7e5d1-9b20-4f68-8c4e-2d5b7a1f0e93",
        "value": "transactional",
        "color": "#f5a623",
        "description": "Order and payment notifications",
        "icon": "cart",
    },
)


def workflow_id(index: int) -> str:
    """The ``diagramId`` of the workflow at ``index`` (a well-formed UUID string)."""
    return _ID_TEMPLATE % (index, index)


def _workflow_template(variant: int) -> bytes:
    """One workflow as JSON bytes, with ``%d`` slots for the index-dependent fields.

    ``variant`` picks the status, schedule, tags and optional fields, so a page mixes
    shapes the way a real listing does (0 to 3 tags, a null catalog, and so on).
    """
    workflow = {
        "diagramId": "@ID@",
        "listingAuthor": {
            "userId": 10_000 + variant,
            "clientId": None if variant % 4 == 3 else 880_000 + variant,
            "clientApiHash": "6f1c2a7e-0b3d-4e59-8a64-d2c7f9e1b035",
            "businessProfileApiHash": "a2d94b71-5e3c-4f08-9b6a-17c0e8f5d2a4",
        },
        "name": "@NAME@",
        "created": "@CREATED@",
        "updated": "@UPDATED@",
        "status": _STATUSES[variant % len(_STATUSES)],
        "scheduleStatus": "On" if variant % 2 == 0 else "Off",
        "configuration": {
            "capping": {
                "limit": variant % 5,
                "period": {"type": "Time", "timeSeconds": 3600 * (1 + variant % 24)},
            },
            "multipleJourneys": variant % 3 == 0,
        },
        "catalogId": None if variant % 5 == 0 else "030a9be3-8ccc-44c7-b20b-27768816cab7",
        "context": "Client",
        "tags": list(_TAGS[: variant % 4]),
        "description": "Sends the welcome series to profiles who joined in the last day",
        "hasTransformation": variant % 7 == 0,
        "businessProfileId": 4_711,
    }
    text = orjson.dumps(workflow)
    if b"%" in text:  # the placeholders become %-slots; a literal % would break them
        raise ValueError("workflow template must not contain '%'")
    return (
        text.replace(b'"@ID@"', b'"' + _ID_TEMPLATE.encode() + b'"')
        .replace(b'"@NAME@"', b'"Workflow %d"')
        .replace(b'"@CREATED@"', b"%d.315")
        .replace(b'"@UPDATED@"', b"%d.742")
    )


_VARIANTS = tuple(_workflow_template(variant) for variant in range(16))
_CREATED_BASE = 1_600_000_000


def page_count(total: int, limit: int) -> int:
    """Pages a listing of ``total`` workflows has at ``limit`` per page (at least 1)."""
    return max(1, math.ceil(total / limit))


@functools.lru_cache(maxsize=512)
def page_body(page: int, limit: int, total: int) -> bytes:
    """The ``GET /automation-brain/v2/diagrams`` body for one page.

    Args:
        page: 1-based page number; past the last page the ``data`` list is empty.
        limit: workflows per page.
        total: workflows in the whole listing.

    Returns:
        ``{"data": [...], "meta": {"limit", "page", "pages", "total"}}`` as JSON bytes.
    """
    start = (page - 1) * limit
    stop = min(total, start + limit)
    items = b",".join(
        _VARIANTS[index % 16]
        % (index, index, index, _CREATED_BASE + index, _CREATED_BASE + 2 * index)
        for index in range(start, stop)
    )
    meta = b'{"limit":%d,"page":%d,"pages":%d,"total":%d}' % (
        limit,
        page,
        page_count(total, limit),
        total,
    )
    return b'{"data":[' + items + b'],"meta":' + meta + b"}"


def statistics_body(time_period: str, blocks: int = 6) -> bytes:
    """The ``GET /automation-brain/diagrams/{id}/statistics`` body for a time period."""
    scale = 1 + TIME_PERIODS.index(time_period)
    block_types = ("EventTrigger", "Filter", "SendEmail", "Delay", "SendSms", "End")
    body = {
        "started": 1_200 * scale,
        "finished": 1_100 * scale,
        "inProgress": 100 * scale,
        "blocks": {
            workflow_id(1_000_000 + block): {
                "name": f"Step {block}",
                "type": block_types[block % len(block_types)],
                "entered": (1_200 - 100 * block) * scale,
                "executed": (1_150 - 100 * block) * scale,
                "failed": block * scale,
            }
            for block in range(blocks)
        },
    }
    return orjson.dumps(body)


def error_body(status: int, error: str, message: str, path: str, timestamp: str) -> bytes:
    """A Synerise error body: ``{timestamp, status, error, message, path}``."""
    return orjson.dumps(
        {"timestamp": timestamp, "status": status, "error": error, "message": message, "path": path}
    )
