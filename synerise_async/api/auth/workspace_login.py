"""POST /uauth/v2/auth/login/profile: Workspace login (operation 12).

Exchanges a Workspace API key for a Workspace token. The response holds the token
only; its expiry is read from the JWT. :class:`~synerise_async.WorkspaceAuth` calls this
for you; call it directly only to manage tokens yourself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ..._validation import check_credential
from ...models.auth import WorkspaceToken
from .._paths import WORKSPACE_LOGIN

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(*, api_key: str) -> Request:
    return Request(
        operation="workspace_login",
        method="POST",
        path=WORKSPACE_LOGIN,
        json={"apiKey": check_credential("api_key", api_key)},
        authenticated=False,
        retry=RetryPolicy.TOKEN,
        expect=WorkspaceToken,
    )


def _parse_response(raw: RawResponse) -> WorkspaceToken:
    return structure_response(raw, WorkspaceToken, secret=True)


def _build_response(raw: RawResponse) -> Response[WorkspaceToken]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(*, client: SyneriseClient, api_key: str) -> Response[WorkspaceToken]:
    """Log in as a Workspace.

    Args:
        client: the client to send with (its own credentials are not used).
        api_key: the Workspace API key.

    Returns:
        The response, with the token as ``parsed``.

    Raises:
        InvalidArgumentError: ``api_key`` is empty (nothing is sent).
        AuthenticationError: the key is wrong.
        APIError: any other failure.
    """
    return _build_response(await client.send(_get_kwargs(api_key=api_key)))


async def asyncio(*, client: SyneriseClient, api_key: str) -> WorkspaceToken:
    """Log in as a Workspace; see :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client, api_key=api_key)).parsed
