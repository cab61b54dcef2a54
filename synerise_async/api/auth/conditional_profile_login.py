"""POST /sauth/v3/auth/login/client/conditional: conditional Profile login (operation 4).

Logs a Profile in only if its conditions are met, and never creates an account. The
outcome (``status`` and ``conditions``) is returned as data, not raised: only a SUCCESS
result carries a token.

Which token goes with it: Synerise's login guide and its Android SDK send none, its
reference says both "does not require authentication" and "authenticate as an anonymous
Profile first", so:

- ``token=`` given: that token is sent;
- else, a client authenticated as a Profile (:class:`~synerise_async.ProfileAuth`, or
  :class:`~synerise_async.TokenAuth` with a fixed token whose ``rlm`` claim is a
  Profile's): the client's own current token, through its token session (refreshed
  when due; a 401 for it renews it and the login is sent once more);
- else (other credentials, or none): no ``Authorization`` header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ..._validation import check_credential
from ...models.auth import ConditionalLoginResult
from .._paths import CONDITIONAL_PROFILE_LOGIN
from ._profile import ProfileLoginFields, authenticated_as_profile, profile_login_body

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(
    *, token: str | None, as_profile: bool, **fields: Unpack[ProfileLoginFields]
) -> Request:
    return Request(
        operation="conditional_profile_login",
        method="POST",
        path=CONDITIONAL_PROFILE_LOGIN,
        json=profile_login_body(fields),
        # No token: the client's own authorizer when it is a Profile's, else no header.
        authenticated=token is not None or as_profile,
        token=None if token is None else check_credential("token", token),
        retry=RetryPolicy.TOKEN,
        expect=ConditionalLoginResult,
    )


def _parse_response(raw: RawResponse) -> ConditionalLoginResult:
    return structure_response(raw, ConditionalLoginResult, secret=True)


def _build_response(raw: RawResponse) -> Response[ConditionalLoginResult]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *, client: SyneriseClient, token: str | None = None, **fields: Unpack[ProfileLoginFields]
) -> Response[ConditionalLoginResult]:
    """Log a Profile in if its conditions allow.

    Args:
        client: the client to send with; without ``token``, its own token is sent when
            it is authenticated as a Profile (see the module docstring), else none.
        token: a Profile token (anonymous or not) to send instead; optional.
        **fields: as for :mod:`~synerise_async.api.auth.profile_login`.

    Returns:
        The response; ``parsed.status`` says what happened, ``parsed.succeeded`` whether
        a token came back.

    Raises:
        InvalidArgumentError: a missing or invalid argument (nothing is sent).
        AuthenticationError: the token sent is invalid or expired.
        TokenRefreshError: the client's Profile token could not be obtained.
        APIError: any other failure.
    """
    request = _get_kwargs(token=token, as_profile=authenticated_as_profile(client.auth), **fields)
    return _build_response(await client.send(request))


async def asyncio(
    *, client: SyneriseClient, token: str | None = None, **fields: Unpack[ProfileLoginFields]
) -> ConditionalLoginResult:
    """Log a Profile in if its conditions allow; see :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client, token=token, **fields)).parsed
