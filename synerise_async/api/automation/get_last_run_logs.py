"""GET /morph/logs/automation/{automationWorkflowId}/last-run/with-stages: a workflow's
last data run, with its stages (operation 22).

For workflows with data stages (import, transform, export): the last run's overall
status and, per stage, its status, counts of records that succeeded and failed, and up
to ``limit`` log lines.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..._http import Request
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ..._validation import check_int, check_uuid
from ...models.automation import LastRunLogs
from .._paths import LAST_RUN_LOGS

if TYPE_CHECKING:
    from ..._client import SyneriseClient

#: Log lines per stage the API returns when none is asked for, and the most it allows.
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000


def _get_kwargs(*, diagram_id: str | uuid.UUID, limit: int = DEFAULT_LIMIT) -> Request:
    return Request(
        operation="get_last_run_logs",
        method="GET",
        path=LAST_RUN_LOGS.format(workflow_id=check_uuid("diagram_id", diagram_id)),
        params={"limit": str(check_int("limit", limit, minimum=1, maximum=MAX_LIMIT))},
    )


def _parse_response(raw: RawResponse) -> LastRunLogs:
    return structure_response(raw, LastRunLogs)


def _build_response(raw: RawResponse) -> Response[LastRunLogs]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *, client: SyneriseClient, diagram_id: str | uuid.UUID, limit: int = DEFAULT_LIMIT
) -> Response[LastRunLogs]:
    """Get a workflow's last data run.

    Args:
        client: a client authenticated as a Workspace, a User in a Workspace, or Basic.
        diagram_id: the workflow's UUID (the API calls it ``automationWorkflowId``).
        limit: log lines per stage, 1 to 5000 (default 500).

    Returns:
        The response with the run as ``parsed``.

    Raises:
        InvalidArgumentError: an invalid argument (nothing is sent).
        NotFoundError: no such workflow, or it has no data run.
        APIError: (a subclass of) any other failure.
    """
    return _build_response(await client.send(_get_kwargs(diagram_id=diagram_id, limit=limit)))


async def asyncio(
    *, client: SyneriseClient, diagram_id: str | uuid.UUID, limit: int = DEFAULT_LIMIT
) -> LastRunLogs:
    """Get a workflow's last data run; see :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client, diagram_id=diagram_id, limit=limit)).parsed
