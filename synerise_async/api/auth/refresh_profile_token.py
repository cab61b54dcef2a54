"""POST /sauth/v3/auth/refresh/client: refresh a Profile token (operation 1).

Exchanges a Profile token that is still valid for a new one. An expired token cannot be
refreshed: log in again. :class:`~synerise_async.ProfileAuth` does both for you.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ..._validation import check_credential
from ...models.auth import ProfileToken
from .._paths import REFRESH_PROFILE_TOKEN

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(*, token: str, api_key: str) -> Request:
    return Request(
        operation="refresh_profile_token",
        method="POST",
        path=REFRESH_PROFILE_TOKEN,
        json={"apiKey": check_credential("api_key", api_key)},
        token=check_credential("token", token),
        retry=RetryPolicy.TOKEN,
        expect=ProfileToken,
    )


def _parse_response(raw: RawResponse) -> ProfileToken:
    return structure_response(raw, ProfileToken, secret=True)


def _build_response(raw: RawResponse) -> Response[ProfileToken]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *, client: SyneriseClient, token: str, api_key: str
) -> Response[ProfileToken]:
    """Refresh a Profile token.

    Args:
        client: the client to send with (its own credentials are not used).
        token: the current Profile token, still valid.
        api_key: the Profile API key.

    Returns:
        The response with the new token object.

    Raises:
        InvalidArgumentError: an empty argument (nothing is sent).
        AuthenticationError: the token has expired or was revoked.
        APIError: any other failure.
    """
    return _build_response(await client.send(_get_kwargs(token=token, api_key=api_key)))


async def asyncio(*, client: SyneriseClient, token: str, api_key: str) -> ProfileToken:
    """Refresh a Profile token; see :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client, token=token, api_key=api_key)).parsed
