"""POST /uauth/auth/login/user: User login (operation 6).

Exchanges a User's username and password for a User token. When the User has MFA
enabled, the result's ``mfa_methods`` is not empty and its token is good only for
:mod:`~synerise_async.api.auth.user_mfa_login`. :class:`~synerise_async.UserAuth` runs
the whole flow for you.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import UNSET, RawResponse, Response, Unset
from ..._validation import check_str
from ...models.auth import UserLoginResult
from .._paths import USER_LOGIN
from ._user import optional_user_fields

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(
    *,
    username: str,
    password: str,
    device_id: str | Unset = UNSET,
    external_provider_token: str | Unset = UNSET,
    external_provider_type: str | Unset = UNSET,
) -> Request:
    body: dict[str, Any] = {
        "username": check_str("username", username),
        "password": check_str("password", password, secret=True),
    }
    body.update(
        optional_user_fields(
            device_id=device_id,
            external_provider_token=external_provider_token,
            external_provider_type=external_provider_type,
        )
    )
    return Request(
        operation="user_login",
        method="POST",
        path=USER_LOGIN,
        json=body,
        authenticated=False,
        retry=RetryPolicy.TOKEN,
        expect=UserLoginResult,
    )


def _parse_response(raw: RawResponse) -> UserLoginResult:
    return structure_response(raw, UserLoginResult, secret=True)


def _build_response(raw: RawResponse) -> Response[UserLoginResult]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *,
    client: SyneriseClient,
    username: str,
    password: str,
    device_id: str | Unset = UNSET,
    external_provider_token: str | Unset = UNSET,
    external_provider_type: str | Unset = UNSET,
) -> Response[UserLoginResult]:
    """Log in as a User.

    Args:
        client: the client to send with (its own credentials are not used).
        username: the User's login (an e-mail address).
        password: the User's password.
        device_id: the device, when the login comes from one.
        external_provider_token: a token from an external identity provider.
        external_provider_type: that provider ("GOOGLE").

    Returns:
        The response; ``parsed.mfa_required`` tells whether MFA must follow.

    Raises:
        InvalidArgumentError: an argument is empty (nothing is sent).
        AuthenticationError: wrong username or password.
        APIError: any other failure.
    """
    request = _get_kwargs(
        username=username,
        password=password,
        device_id=device_id,
        external_provider_token=external_provider_token,
        external_provider_type=external_provider_type,
    )
    return _build_response(await client.send(request))


async def asyncio(
    *,
    client: SyneriseClient,
    username: str,
    password: str,
    device_id: str | Unset = UNSET,
    external_provider_token: str | Unset = UNSET,
    external_provider_type: str | Unset = UNSET,
) -> UserLoginResult:
    """Log in as a User; see :func:`asyncio_detailed`."""
    response = await asyncio_detailed(
        client=client,
        username=username,
        password=password,
        device_id=device_id,
        external_provider_token=external_provider_token,
        external_provider_type=external_provider_type,
    )
    return response.parsed
