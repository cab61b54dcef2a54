"""POST /sauth/v3/auth/login/client: Profile login (operation 2).

Obtains a Profile token. When no account exists for the Profile and the identity
provider is not SYNERISE, the API creates one. :meth:`~synerise_async.ProfileAuth.login`
keeps such a token fresh for you.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ...models.auth import ProfileToken
from .._paths import PROFILE_LOGIN
from ._profile import ProfileLoginFields, profile_login_body

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(**fields: Unpack[ProfileLoginFields]) -> Request:
    return Request(
        operation="profile_login",
        method="POST",
        path=PROFILE_LOGIN,
        json=profile_login_body(fields),
        authenticated=False,
        retry=RetryPolicy.TOKEN,
        expect=ProfileToken,
    )


def _parse_response(raw: RawResponse) -> ProfileToken:
    return structure_response(raw, ProfileToken, secret=True)


def _build_response(raw: RawResponse) -> Response[ProfileToken]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *, client: SyneriseClient, **fields: Unpack[ProfileLoginFields]
) -> Response[ProfileToken]:
    """Log in as a Profile.

    Args:
        client: the client to send with (its own credentials are not used).
        **fields: ``api_key`` and ``identity_provider`` (required), and the optional
            fields of :class:`~synerise_async.api.auth.ProfileLoginFields`.

    Returns:
        The response with the token object.

    Raises:
        InvalidArgumentError: a missing or invalid argument (nothing is sent).
        AuthenticationError: wrong credentials.
        APIError: any other failure.
    """
    return _build_response(await client.send(_get_kwargs(**fields)))


async def asyncio(*, client: SyneriseClient, **fields: Unpack[ProfileLoginFields]) -> ProfileToken:
    """Log in as a Profile; see :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client, **fields)).parsed
