"""GET /automation-brain/diagrams/{diagramId}/blocks/{blockId}/statistics: one block's
statistics (operation 21).

The named counters of one block of a workflow, and any other counters the API sends.
"""

from __future__ import annotations

import urllib.parse
import uuid
from typing import TYPE_CHECKING

from ..._exceptions import InvalidArgumentError
from ..._http import Request
from ..._serde import structure_response
from ..._types import UNSET, RawResponse, Response, Unset
from ..._validation import check_str, check_uuid
from ...models.automation import BlockStatistics, TimePeriod
from .._paths import BLOCK_STATISTICS
from ._statistics import period_query

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(
    *,
    diagram_id: str | uuid.UUID,
    block_id: str,
    time_period: TimePeriod | str | Unset = UNSET,
) -> Request:
    block = check_str("block_id", block_id)
    if "/" in block or block in (".", ".."):
        raise InvalidArgumentError(
            "block_id", f"must not contain '/' nor be '.' or '..'; got {block_id!r}"
        )
    return Request(
        operation="get_block_statistics",
        method="GET",
        path=BLOCK_STATISTICS.format(
            workflow_id=check_uuid("diagram_id", diagram_id),
            # Escaped: '?', '#' or '%' in an id must stay in the path segment; '..' would
            # be resolved by URL normalisation to the workflow's statistics, so it is refused.
            block_id=urllib.parse.quote(block, safe=""),
        ),
        params=period_query(time_period),
    )


def _parse_response(raw: RawResponse) -> BlockStatistics:
    return structure_response(raw, BlockStatistics)


def _build_response(raw: RawResponse) -> Response[BlockStatistics]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *,
    client: SyneriseClient,
    diagram_id: str | uuid.UUID,
    block_id: str,
    time_period: TimePeriod | str | Unset = UNSET,
) -> Response[BlockStatistics]:
    """Get one block's statistics for a period.

    Args:
        client: a client authenticated as a Workspace, a User in a Workspace, or Basic.
        diagram_id: the workflow's UUID.
        block_id: the block's id (a key of ``WorkflowStatistics.blocks``).
        time_period: "currentHour", "currentDay", "previousHour" or "previousDay". Left
            out of the query by default, so the server's own default applies; the
            reference documents none.

    Returns:
        The response with the block's statistics as ``parsed``.

    Raises:
        InvalidArgumentError: an invalid argument (nothing is sent).
        NotFoundError: no such workflow or block.
        APIError: (a subclass of) any other failure.
    """
    request = _get_kwargs(diagram_id=diagram_id, block_id=block_id, time_period=time_period)
    return _build_response(await client.send(request))


async def asyncio(
    *,
    client: SyneriseClient,
    diagram_id: str | uuid.UUID,
    block_id: str,
    time_period: TimePeriod | str | Unset = UNSET,
) -> BlockStatistics:
    """Get one block's statistics for a period; see :func:`asyncio_detailed`."""
    request = _get_kwargs(diagram_id=diagram_id, block_id=block_id, time_period=time_period)
    return _parse_response(await client.send(request))
