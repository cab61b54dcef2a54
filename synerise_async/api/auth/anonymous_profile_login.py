"""POST /sauth/v3/auth/login/client/anonymous: anonymous Profile login (operation 5).

Obtains a token for an anonymous Profile identified by a UUID.
:meth:`~synerise_async.ProfileAuth.anonymous` keeps such a token fresh for you.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import TYPE_CHECKING, Any

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import UNSET, RawResponse, Response, Unset
from ..._validation import check_credential, check_str, check_uuid
from ...models.auth import ProfileToken
from .._paths import ANONYMOUS_PROFILE_LOGIN

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(
    *, api_key: str, uuid: str | uuid_module.UUID, device_id: str | Unset = UNSET
) -> Request:
    body: dict[str, Any] = {
        "apiKey": check_credential("api_key", api_key),
        "uuid": check_uuid("uuid", uuid),
    }
    if not isinstance(device_id, Unset):
        body["deviceId"] = check_str("device_id", device_id)
    return Request(
        operation="anonymous_profile_login",
        method="POST",
        path=ANONYMOUS_PROFILE_LOGIN,
        json=body,
        authenticated=False,
        retry=RetryPolicy.TOKEN,
        expect=ProfileToken,
    )


def _parse_response(raw: RawResponse) -> ProfileToken:
    return structure_response(raw, ProfileToken, secret=True)


def _build_response(raw: RawResponse) -> Response[ProfileToken]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *,
    client: SyneriseClient,
    api_key: str,
    uuid: str | uuid_module.UUID,
    device_id: str | Unset = UNSET,
) -> Response[ProfileToken]:
    """Log in as an anonymous Profile.

    Args:
        client: the client to send with (its own credentials are not used).
        api_key: the Profile API key.
        uuid: the anonymous Profile's UUID.
        device_id: the device, when the login comes from one.

    Returns:
        The response with the token object.

    Raises:
        InvalidArgumentError: an empty key or a bad UUID (nothing is sent).
        AuthenticationError: a wrong API key.
        APIError: any other failure.
    """
    request = _get_kwargs(api_key=api_key, uuid=uuid, device_id=device_id)
    return _build_response(await client.send(request))


async def asyncio(
    *,
    client: SyneriseClient,
    api_key: str,
    uuid: str | uuid_module.UUID,
    device_id: str | Unset = UNSET,
) -> ProfileToken:
    """Log in as an anonymous Profile; see :func:`asyncio_detailed`."""
    response = await asyncio_detailed(
        client=client, api_key=api_key, uuid=uuid, device_id=device_id
    )
    return response.parsed
