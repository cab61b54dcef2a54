"""POST /uauth/auth/login/user/mfa/verification: User MFA verification (operation 7).

Completes a User login that required a second factor: sends the code with the token
from :mod:`~synerise_async.api.auth.user_login` and returns a usable User token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import UNSET, RawResponse, Response, Unset
from ..._validation import check_credential, check_enum, check_str
from ...models.auth import MfaType, UserLoginResult
from .._paths import USER_MFA_LOGIN
from ._user import optional_user_fields

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(
    *,
    token: str,
    verification_code: str,
    mfa_type: MfaType | str = MfaType.TOTP_AUTHENTICATOR,
    device_id: str | Unset = UNSET,
    external_provider_token: str | Unset = UNSET,
    external_provider_type: str | Unset = UNSET,
) -> Request:
    body: dict[str, Any] = {
        "verificationCode": check_str("verification_code", verification_code, secret=True),
        **optional_user_fields(
            device_id=device_id,
            external_provider_token=external_provider_token,
            external_provider_type=external_provider_type,
        ),
    }
    return Request(
        operation="user_mfa_login",
        method="POST",
        path=USER_MFA_LOGIN,
        params={"mfaType": check_enum("mfa_type", mfa_type, MfaType).value},
        json=body,
        token=check_credential("token", token),
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
    token: str,
    verification_code: str,
    mfa_type: MfaType | str = MfaType.TOTP_AUTHENTICATOR,
    device_id: str | Unset = UNSET,
    external_provider_token: str | Unset = UNSET,
    external_provider_type: str | Unset = UNSET,
) -> Response[UserLoginResult]:
    """Verify a User login's second factor.

    Args:
        client: the client to send with (its own credentials are not used).
        token: the MFA-pending token from the User login.
        verification_code: the code from the authenticator app or e-mail.
        mfa_type: ``"TOTP_AUTHENTICATOR"`` (default) or ``"EMAIL"``.
        device_id: the device, when the login comes from one.
        external_provider_token: a token from an external identity provider (a secret:
            never shown in reprs, logs or messages); sent only when given.
        external_provider_type: that provider (the reference documents "GOOGLE");
            sent only when given.

    Returns:
        The response with a usable User token.

    Raises:
        InvalidArgumentError: a bad ``mfa_type``, or an empty code or other argument
            (nothing is sent).
        AuthenticationError: a wrong code or an expired login token.
        APIError: any other failure.
    """
    request = _get_kwargs(
        token=token,
        verification_code=verification_code,
        mfa_type=mfa_type,
        device_id=device_id,
        external_provider_token=external_provider_token,
        external_provider_type=external_provider_type,
    )
    return _build_response(await client.send(request))


async def asyncio(
    *,
    client: SyneriseClient,
    token: str,
    verification_code: str,
    mfa_type: MfaType | str = MfaType.TOTP_AUTHENTICATOR,
    device_id: str | Unset = UNSET,
    external_provider_token: str | Unset = UNSET,
    external_provider_type: str | Unset = UNSET,
) -> UserLoginResult:
    """Verify a User login's second factor; see :func:`asyncio_detailed`."""
    response = await asyncio_detailed(
        client=client,
        token=token,
        verification_code=verification_code,
        mfa_type=mfa_type,
        device_id=device_id,
        external_provider_token=external_provider_token,
        external_provider_type=external_provider_type,
    )
    return response.parsed
