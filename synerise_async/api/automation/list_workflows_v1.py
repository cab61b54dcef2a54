"""GET /automation-brain/diagrams: list workflows, v1 (operation 13).

Lists a Workspace's automation workflows (Synerise: "diagrams") a page at a time, with
the filters of :class:`~synerise_async.api.automation.WorkflowFilters` (no ``tags``: use
:mod:`list_workflows` for those). Its default page size is 10. ``paginate`` walks
every page lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ..._http import Request
from ..._types import RawResponse, Response
from ...models.automation import Workflow
from ...pagination import AsyncPaginator, Page
from .._paths import LIST_WORKFLOWS_V1
from ._listing import WorkflowFilters, workflow_page, workflow_query

if TYPE_CHECKING:
    from ..._client import SyneriseClient

#: The page size the API uses when none is given.
DEFAULT_LIMIT = 10


def _get_kwargs(*, page: int, limit: int, **filters: Unpack[WorkflowFilters]) -> Request:
    query = workflow_query(page=page, limit=limit, filters=filters, tags_allowed=False)
    return Request(
        operation="list_workflows_v1", method="GET", path=LIST_WORKFLOWS_V1, params=query
    )


def _parse_response(raw: RawResponse, *, page: int, limit: int) -> Page[Workflow]:
    return workflow_page(raw, page=page, limit=limit)


def _build_response(raw: RawResponse, *, page: int, limit: int) -> Response[Page[Workflow]]:
    return raw.to_response(_parse_response(raw, page=page, limit=limit))


async def asyncio_detailed(
    *,
    client: SyneriseClient,
    page: int = 1,
    limit: int = DEFAULT_LIMIT,
    **filters: Unpack[WorkflowFilters],
) -> Response[Page[Workflow]]:
    """Fetch one page of workflows.

    Args:
        client: a client authenticated as a Workspace, a User in a Workspace, or Basic.
        page: the page number, from 1.
        limit: the page size (not a total).
        **filters: ``status``, ``sort``, ``order``, ``sort_by``, ``search``,
            ``directory_id``, ``block_types``, ``triggers_on_event``,
            ``generates_event`` (see :class:`WorkflowFilters`).

    Returns:
        The response with the :class:`~synerise_async.Page` as ``parsed``.

    Raises:
        InvalidArgumentError: an invalid argument; the message lists allowed values.
        APIError: (a subclass of) when the request fails.
    """
    request = _get_kwargs(page=page, limit=limit, **filters)
    return _build_response(await client.send(request), page=page, limit=limit)


async def asyncio(
    *,
    client: SyneriseClient,
    page: int = 1,
    limit: int = DEFAULT_LIMIT,
    **filters: Unpack[WorkflowFilters],
) -> Page[Workflow]:
    """Fetch one page of workflows; see :func:`asyncio_detailed`."""
    request = _get_kwargs(page=page, limit=limit, **filters)
    return _parse_response(await client.send(request), page=page, limit=limit)


def paginate(
    *,
    client: SyneriseClient,
    limit: int = DEFAULT_LIMIT,
    start_page: int = 1,
    prefetch: int = 0,
    max_pages: int | None = None,
    max_items: int | None = None,
    **filters: Unpack[WorkflowFilters],
) -> AsyncPaginator[Workflow]:
    """Walk every page of workflows lazily; nothing is sent until iteration starts.

    Args:
        client: as for :func:`asyncio_detailed`.
        limit: the page size (not a total: see ``max_items``).
        start_page: the first page (resume with an error's ``resume_page``).
        prefetch: next pages to keep in flight while you work on the current one.
        max_pages, max_items: stop the walk early.
        **filters: as for :func:`asyncio_detailed`.

    Raises:
        InvalidArgumentError: an invalid argument, at once.
    """

    async def fetch(number: int) -> Page[Workflow]:
        return await asyncio(client=client, page=number, limit=limit, **filters)

    # Validate now, before any request; the paginator first, so that a bad ``start_page``
    # is reported under its own name rather than as ``page``.
    paginator = AsyncPaginator(
        fetch,
        start_page=start_page,
        prefetch=prefetch,
        max_pages=max_pages,
        max_items=max_items,
        operation="list_workflows_v1",
        events=lambda: client._events,
    )
    _get_kwargs(page=start_page, limit=limit, **filters)
    return paginator
