"""What the two workflow listings (v1 and v2) share: their filters, checked once, and
turning a response into a :class:`~synerise_async.Page`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypedDict

from ..._exceptions import InvalidArgumentError
from ..._serde import structure_response
from ..._types import RawResponse
from ..._validation import check_enum, check_int, check_str, check_str_list, check_uuid
from ...models.automation import (
    SortOrder,
    Workflow,
    WorkflowList,
    WorkflowSort,
    WorkflowStatusFilter,
)
from ...pagination import Page

__all__ = ["WorkflowFilters", "WorkflowFiltersV2", "workflow_page", "workflow_query"]


class WorkflowFilters(TypedDict, total=False):
    """Filters of the workflow listings.

    Keys:
        status: a :class:`~synerise_async.models.WorkflowStatusFilter` or its string
            ("All", "Active", "Paused", ...).
        sort: a :class:`~synerise_async.models.WorkflowSort` or its string.
        order: "Asc" or "Desc".
        sort_by: a sort clause such as ``"createdTime:desc"``.
        search: text to find in workflow names and authors' e-mail addresses.
        directory_id: the UUID of a directory.
        block_types: workflows with a block of any of these types (``blockTypes``): a
            list, or one type as a string. Sent as one comma-separated parameter, which
            the reference allows (it may also be repeated).
        triggers_on_event: workflows triggered by this event (``triggersOnEvent``).
        generates_event: workflows that generate this event (``generatesEvent``).
    """

    status: WorkflowStatusFilter | str
    sort: WorkflowSort | str
    order: SortOrder | str
    sort_by: str
    search: str
    directory_id: str | uuid.UUID
    block_types: Sequence[str] | str
    triggers_on_event: str
    generates_event: str


class WorkflowFiltersV2(WorkflowFilters, total=False):
    """Filters of the v2 listing: those of v1, plus ``tags`` (a list, sent comma-separated)."""

    tags: Sequence[str] | str


def workflow_query(
    *, page: int, limit: int, filters: WorkflowFilters | WorkflowFiltersV2, tags_allowed: bool
) -> dict[str, str]:
    """Check the arguments and build the query; raises before anything is sent."""
    allowed = set(
        WorkflowFiltersV2.__annotations__ if tags_allowed else WorkflowFilters.__annotations__
    )
    for name in filters:
        if name not in allowed:
            raise InvalidArgumentError(
                name, f"is not a filter of this listing; allowed: {', '.join(sorted(allowed))}"
            )
    query = {
        "page": str(check_int("page", page, minimum=1)),
        "limit": str(check_int("limit", limit, minimum=1)),
    }
    if "status" in filters:
        query["status"] = check_enum("status", filters["status"], WorkflowStatusFilter).value
    if "sort" in filters:
        query["sort"] = check_enum("sort", filters["sort"], WorkflowSort).value
    if "order" in filters:
        query["order"] = check_enum("order", filters["order"], SortOrder).value
    if "sort_by" in filters:
        query["sortBy"] = check_str("sort_by", filters["sort_by"])
    if "search" in filters:
        query["search"] = check_str("search", filters["search"])
    if "directory_id" in filters:
        query["directoryId"] = check_uuid("directory_id", filters["directory_id"])
    if "block_types" in filters:
        query["blockTypes"] = _comma_separated("block_types", filters["block_types"], "type")
    if "triggers_on_event" in filters:
        query["triggersOnEvent"] = check_str("triggers_on_event", filters["triggers_on_event"])
    if "generates_event" in filters:
        query["generatesEvent"] = check_str("generates_event", filters["generates_event"])
    if "tags" in filters:
        query["tags"] = _comma_separated("tags", filters["tags"], "tag")  # type: ignore[typeddict-item]
    return query


def _comma_separated(name: str, value: object, item: str) -> str:
    values = check_str_list(name, value)
    if not values:
        raise InvalidArgumentError(name, f"must name at least one {item}")
    return ",".join(values)


def workflow_page(raw: RawResponse, *, page: int, limit: int) -> Page[Workflow]:
    """Decode a listing response into a page (``page``/``limit`` as asked, when meta lacks them)."""
    listing = structure_response(raw, WorkflowList)
    meta = listing.meta
    return Page(
        items=listing.data,
        page=page,
        limit=meta.limit if meta is not None and meta.limit else limit,
        pages=meta.pages if meta is not None else None,
        total=meta.total if meta is not None else None,
    )
