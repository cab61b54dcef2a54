"""POST /sauth/v3/auth/login/client/conditional: conditional Profile login (operation 4).

Logs a Profile in only if its conditions are met, and never creates an account. Needs
an anonymous Profile token (:mod:`~synerise_async.api.auth.anonymous_profile_login`).
The outcome (``status`` and ``conditions``) is returned as data, not raised: only a
SUCCESS result carries a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ..._http import Request, RetryPolicy
from ..._serde import structure_response
from ..._types import RawResponse, Response
from ..._validation import check_credential
from ...models.auth import ConditionalLoginResult
from .._paths import CONDITIONAL_PROFILE_LOGIN
from ._profile import ProfileLoginFields, profile_login_body

if TYPE_CHECKING:
    from ..._client import SyneriseClient


def _get_kwargs(*, token: str, **fields: Unpack[ProfileLoginFields]) -> Request:
    return Request(
        method="POST",
        path=CONDITIONAL_PROFILE_LOGIN,
        json=profile_login_body(fields),
        token=check_credential("token", token),
        retry=RetryPolicy.TOKEN,
        expect=ConditionalLoginResult,
    )


def _parse_response(raw: RawResponse) -> ConditionalLoginResult:
    return structure_response(raw, ConditionalLoginResult, secret=True)


def _build_response(raw: RawResponse) -> Response[ConditionalLoginResult]:
    return raw.to_response(_parse_response(raw))


async def asyncio_detailed(
    *, client: SyneriseClient, token: str, **fields: Unpack[ProfileLoginFields]
) -> Response[ConditionalLoginResult]:
    """Log a Profile in if its conditions allow.

    Args:
        client: the client to send with (its own credentials are not used).
        token: an anonymous Profile token.
        **fields: as for :mod:`~synerise_async.api.auth.profile_login`.

    Returns:
        The response; ``parsed.status`` says what happened, ``parsed.succeeded`` whether
        a token came back.

    Raises:
        InvalidArgumentError: a missing or invalid argument (nothing is sent).
        AuthenticationError: the anonymous token is invalid or expired.
        APIError: any other failure.
    """
    return _build_response(await client.send(_get_kwargs(token=token, **fields)))


async def asyncio(
    *, client: SyneriseClient, token: str, **fields: Unpack[ProfileLoginFields]
) -> ConditionalLoginResult:
    """Log a Profile in if its conditions allow; see :func:`asyncio_detailed`."""
    return (await asyncio_detailed(client=client, token=token, **fields)).parsed
