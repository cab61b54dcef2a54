"""GET /uauth/business-profile/current: current Workspace (operation 11).

The Workspace the client's token is scoped to (``selected`` is false for a User who has not selected one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._http import Request
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ...models.workspaces import CurrentWorkspace
from .._paths import CURRENT_WORKSPACE

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs() -> Request:
    return Request(method="GET", path=CURRENT_WORKSPACE)


def _parse_response(raw: RawResponse) -> CurrentWorkspace:
    return structure_response(raw, CurrentWorkspace)


def _build_response(raw: RawResponse) -> Response[CurrentWorkspace]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(*, client: SyneriseClient) -> Response[CurrentWorkspace]:
    """Get the Workspace the client's token is scoped to.

    Args:
        client: a client authenticated as a Workspace, a User in a Workspace, or Basic.

    Returns:
        The response with the Workspace as ``parsed``.

    Raises:
        APIError: (a subclass of) when the request fails.
    """
    return _build_response(await client.send(_get_kwargs()))


async def asyncio(*, client: SyneriseClient) -> CurrentWorkspace:
    """Get the Workspace the client's token is scoped to. See :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client)).parsed
