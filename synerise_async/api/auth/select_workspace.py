"""POST /uauth/auth/login/user/profile/{businessProfileUUID}: select a Workspace (operation 8).

Returns a new User token scoped to the Workspace. With ``token`` left out the client's
own User token is used; :class:`~synerise_async.UserAuth` with ``workspace=`` (or
:meth:`~synerise_async.SyneriseClient.for_workspace`) keeps such a token for you.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ..._validation import check_credential, check_uuid
from ...models.auth import UserLoginResult
from .._paths import SELECT_WORKSPACE

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(*, workspace_uuid: str | uuid.UUID, token: str | None = None) -> Request:
    return Request(
        operation="select_workspace",
        method="POST",
        path=SELECT_WORKSPACE.format(workspace_uuid=check_uuid("workspace_uuid", workspace_uuid)),
        token=None if token is None else check_credential("token", token),
        retry=RetryPolicy.TOKEN,
        expect=UserLoginResult,
    )


def _parse_response(raw: RawResponse) -> UserLoginResult:
    return structure_response(raw, UserLoginResult, secret=True)


def _build_response(raw: RawResponse) -> Response[UserLoginResult]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *, client: SyneriseClient, workspace_uuid: str | uuid.UUID, token: str | None = None
) -> Response[UserLoginResult]:
    """Select a Workspace for a User.

    Args:
        client: the client to send with.
        workspace_uuid: the Workspace's UUID (``Workspace.guid``).
        token: a User token to use instead of the client's own.

    Returns:
        The response with a User token scoped to the Workspace.

    Raises:
        InvalidArgumentError: ``workspace_uuid`` is not a UUID (nothing is sent).
        PermissionDeniedError, NotFoundError: the User cannot use that Workspace.
        APIError: any other failure.
    """
    request = _get_kwargs(workspace_uuid=workspace_uuid, token=token)
    return _build_response(await client.send(request))


async def asyncio(
    *, client: SyneriseClient, workspace_uuid: str | uuid.UUID, token: str | None = None
) -> UserLoginResult:
    """Select a Workspace for a User; see :func:`asyncio_detailed`."""
    response = await asyncio_detailed(client=client, workspace_uuid=workspace_uuid, token=token)
    return response.parsed
