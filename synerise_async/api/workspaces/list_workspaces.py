"""GET /uauth/business-profile/: list Workspaces (operation 9).

The Workspaces (Synerise: business profiles) the User can access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._http import Request
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ...models.workspaces import Workspace
from .._paths import LIST_WORKSPACES

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs() -> Request:
    return Request(operation="list_workspaces", method="GET", path=LIST_WORKSPACES)


def _parse_response(raw: RawResponse) -> tuple[Workspace, ...]:
    return structure_response(raw, tuple[Workspace, ...])


def _build_response(raw: RawResponse) -> Response[tuple[Workspace, ...]]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(*, client: SyneriseClient) -> Response[tuple[Workspace, ...]]:
    """List the Workspaces the User can access.

    Args:
        client: a client authenticated as a User (operating across Workspaces).

    Returns:
        The response with the Workspaces as ``parsed``.

    Raises:
        APIError: (a subclass of) when the request fails.
    """
    return _build_response(await client.send(_get_kwargs()))


async def asyncio(*, client: SyneriseClient) -> tuple[Workspace, ...]:
    """List the Workspaces the User can access. See :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client)).parsed
