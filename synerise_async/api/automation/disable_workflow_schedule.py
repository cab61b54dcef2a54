"""POST /automation-brain/diagrams/{diagramId}/schedule-off: disable a workflow's schedule (operation 19).

Turns a workflow's schedule off.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..._types import RawResponse, Response
from .._paths import DISABLE_WORKFLOW_SCHEDULE
from ._actions import action_request, void_result

if TYPE_CHECKING:
    from ..._client import SyneriseClient
    from ..._http import Request


def _get_kwargs(*, diagram_id: str | uuid.UUID, retry_unsafe: bool = False) -> Request:
    return action_request(
        DISABLE_WORKFLOW_SCHEDULE,
        operation="disable_workflow_schedule",
        diagram_id=diagram_id,
        retry_unsafe=retry_unsafe,
    )


def _parse_response(raw: RawResponse) -> None:
    void_result(raw)


def _build_response(raw: RawResponse) -> Response[None]:
    _parse_response(raw)
    return raw.to_response(None)


async def asyncio_detailed(
    *,
    client: SyneriseClient,
    diagram_id: str | uuid.UUID,
    retry_unsafe: bool = False,
) -> Response[None]:
    """Disable a workflow's schedule.

    Args:
        client: a client authenticated as a Workspace, a User in a Workspace, or Basic.
        diagram_id: the workflow's UUID.
        retry_unsafe: also retry after a timeout or a 5xx, when the request may already
            have been carried out (default: only when it surely was not, or after a 429).

    Returns:
        The response: ``parsed`` is None; a body, if one came, is in ``content``, unread.

    Raises:
        InvalidArgumentError: an invalid argument (nothing is sent).
        NotFoundError: no such workflow in this Workspace.
        ConflictError, BadRequestError: the workflow's state does not allow this.
        APIError: (a subclass of) any other failure.
    """
    request = _get_kwargs(diagram_id=diagram_id, retry_unsafe=retry_unsafe)
    return _build_response(await client.send(request))


async def asyncio(
    *,
    client: SyneriseClient,
    diagram_id: str | uuid.UUID,
    retry_unsafe: bool = False,
) -> None:
    """Disable a workflow's schedule. See :func:`asyncio_detailed`."""
    _parse_response(
        await client.send(_get_kwargs(diagram_id=diagram_id, retry_unsafe=retry_unsafe))
    )
