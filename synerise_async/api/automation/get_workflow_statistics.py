"""GET /automation-brain/diagrams/{diagramId}/statistics: workflow statistics (operation 20).

How many Profiles started and finished a workflow in a period, and per-block
statistics keyed by block id.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..._http import Request
from ..._serde import structure_response
from ..._types import UNSET, RawResponse, Response, Unset
from ..._validation import check_uuid
from ...models.automation import TimePeriod, WorkflowStatistics
from .._paths import WORKFLOW_STATISTICS
from ._statistics import period_query

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(
    *, diagram_id: str | uuid.UUID, time_period: TimePeriod | str | Unset = UNSET
) -> Request:
    return Request(
        operation="get_workflow_statistics",
        method="GET",
        path=WORKFLOW_STATISTICS.format(workflow_id=check_uuid("diagram_id", diagram_id)),
        params=period_query(time_period),
    )


def _parse_response(raw: RawResponse) -> WorkflowStatistics:
    return structure_response(raw, WorkflowStatistics)


def _build_response(raw: RawResponse) -> Response[WorkflowStatistics]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *,
    client: SyneriseClient,
    diagram_id: str | uuid.UUID,
    time_period: TimePeriod | str | Unset = UNSET,
) -> Response[WorkflowStatistics]:
    """Get a workflow's statistics for a period.

    Args:
        client: a client authenticated as a Workspace, a User in a Workspace, or Basic.
        diagram_id: the workflow's UUID.
        time_period: "currentHour", "currentDay", "previousHour" or "previousDay". Left
            out of the query by default, so the server's own default applies; the
            reference documents none.

    Returns:
        The response with the statistics as ``parsed``.

    Raises:
        InvalidArgumentError: an invalid argument (nothing is sent).
        NotFoundError: no such workflow in this Workspace.
        APIError: (a subclass of) any other failure.
    """
    request = _get_kwargs(diagram_id=diagram_id, time_period=time_period)
    return _build_response(await client.send(request))


async def asyncio(
    *,
    client: SyneriseClient,
    diagram_id: str | uuid.UUID,
    time_period: TimePeriod | str | Unset = UNSET,
) -> WorkflowStatistics:
    """Get a workflow's statistics for a period; see :func:`asyncio_detailed`."""
    request = _get_kwargs(diagram_id=diagram_id, time_period=time_period)
    return _parse_response(await client.send(request))
