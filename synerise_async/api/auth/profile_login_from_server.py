"""POST /sauth/v3/auth/login/client/server: Profile login from a backend server (operation 3).

The path is UNCONFIRMED (no public source shows it; see ``synerise_async/api/_paths.py``).
A backend logs a Profile in on its behalf, with the client's Workspace credentials
(API key permission ``SAUTH_SERVER_LOGIN_CLIENT_CREATE``) and the Profile's IP address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ...models.auth import ProfileToken
from .._paths import PROFILE_LOGIN_FROM_SERVER
from ._profile import ProfileLoginFields, profile_login_body

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(*, ip_address: str, **fields: Unpack[ProfileLoginFields]) -> Request:
    return Request(
        operation="profile_login_from_server",
        method="POST",
        path=PROFILE_LOGIN_FROM_SERVER,
        json=profile_login_body(fields, ip_address=ip_address),
        retry=RetryPolicy.TOKEN,
        expect=ProfileToken,
    )


def _parse_response(raw: RawResponse) -> ProfileToken:
    return structure_response(raw, ProfileToken, secret=True)


def _build_response(raw: RawResponse) -> Response[ProfileToken]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *, client: SyneriseClient, ip_address: str, **fields: Unpack[ProfileLoginFields]
) -> Response[ProfileToken]:
    """Log a Profile in from a backend server, with the client's Workspace credentials.

    Args:
        client: a client authenticated as a Workspace.
        ip_address: the IP address of the Profile's device.
        **fields: as for :mod:`~synerise_async.api.auth.profile_login`.

    Returns:
        The response with the Profile's token object.

    Raises:
        InvalidArgumentError: a missing or invalid argument (nothing is sent).
        AuthenticationError, PermissionDeniedError: the Workspace may not do this.
        APIError: any other failure.
    """
    return _build_response(await client.send(_get_kwargs(ip_address=ip_address, **fields)))


async def asyncio(
    *, client: SyneriseClient, ip_address: str, **fields: Unpack[ProfileLoginFields]
) -> ProfileToken:
    """Log a Profile in from a backend server; see :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client, ip_address=ip_address, **fields)).parsed
