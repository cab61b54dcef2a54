"""POST /automation-brain/diagrams/{diagramId}/stop: stop a workflow (operation 17).

IRREVERSIBLE: a stopped workflow can never run again. For that reason this call is
never retried automatically once the request may have reached the server (after a
timeout, a dropped connection or a 5xx the error is raised and you decide); only a
request known not to have been sent, or one refused with 429, is sent again. Pass
``retry_unsafe=True`` (or use a client with ``ClientConfig.retry_unsafe``, which
retries every POST so) only if stopping twice is acceptable to you.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..._types import RawResponse, Response
from .._paths import STOP_WORKFLOW
from ._actions import action_request, void_result

if TYPE_CHECKING:
    from ..._client import SyneriseClient
    from ..._http import Request


def _get_kwargs(*, diagram_id: str | uuid.UUID, retry_unsafe: bool = False) -> Request:
    return action_request(
        STOP_WORKFLOW, operation="stop_workflow", diagram_id=diagram_id, retry_unsafe=retry_unsafe
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
    """Stop a workflow, irreversibly.

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
    """Stop a workflow, irreversibly. See :func:`asyncio_detailed`."""
    _parse_response(
        await client.send(_get_kwargs(diagram_id=diagram_id, retry_unsafe=retry_unsafe))
    )
