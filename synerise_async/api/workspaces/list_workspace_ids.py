"""GET /uauth/business-profile/ids: list Workspace ids (operation 10).

The ids of the Workspaces the User can access, with the User's settings for each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._http import Request
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ...models.workspaces import WorkspaceIds
from .._paths import LIST_WORKSPACE_IDS

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs() -> Request:
    return Request(operation="list_workspace_ids", method="GET", path=LIST_WORKSPACE_IDS)


def _parse_response(raw: RawResponse) -> tuple[WorkspaceIds, ...]:
    return structure_response(raw, tuple[WorkspaceIds, ...])


def _build_response(raw: RawResponse) -> Response[tuple[WorkspaceIds, ...]]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(*, client: SyneriseClient) -> Response[tuple[WorkspaceIds, ...]]:
    """List the ids of the Workspaces the User can access.

    Args:
        client: a client authenticated as a User (operating across Workspaces).

    Returns:
        The response with the Workspaces' ids as ``parsed``.

    Raises:
        APIError: (a subclass of) when the request fails.
    """
    return _build_response(await client.send(_get_kwargs()))


async def asyncio(*, client: SyneriseClient) -> tuple[WorkspaceIds, ...]:
    """List the ids of the Workspaces the User can access. See :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client)).parsed
