"""How each kind of credentials obtains a token: the login flows, MFA and Profile ones
included.

The one module of :mod:`synerise_async.auth` that talks to the API, through the ``send``
callable the client gives (its pipeline). Every step is built and decoded by an
operation module's own ``_get_kwargs`` and ``_build_response``, so a flow's requests are
built (bodies included) by the same code as a direct call, and go through the same
pipeline: its
retries are the only ones; a flow tries nothing again itself, except what the token
session's policy names (a refresh refused: log in instead; a Workspace client's shared
User token refused: log in as the User).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from .._exceptions import AuthenticationError, InvalidArgumentError
from .._types import Response
from .._validation import check_credential
from ..api.auth import (
    ProfileLoginFields,
    anonymous_profile_login,
    profile_login,
    refresh_profile_token,
    select_workspace,
    user_login,
    user_mfa_login,
    workspace_login,
)
from ..api.auth._profile import profile_login_body
from ..models.auth import MfaType
from ._session import SessionToken, TokenSession
from ._tokens import IssuedToken

if TYPE_CHECKING:
    from ._credentials import Send

__all__ = [
    "MFA_ACCEPTS",
    "check_profile_login",
    "mfa_code",
    "profile_token",
    "user_token",
    "workspace_token",
]

#: What ``UserAuth(mfa=...)`` accepts, for its error messages.
MFA_ACCEPTS = (
    "must be None, a code string, or a callable taking no arguments that returns a code "
    "string: a plain function (e.g. synerise_async.auth.totp(secret)) or an async one"
)


def _issued(
    response: Response[Any], *, expiration: float | None = None, created_ms: float | None = None
) -> IssuedToken:
    return IssuedToken(
        value=response.parsed.token,
        expiration=expiration,
        created_ms=created_ms,
        server_date=IssuedToken.parse_date_header(response.headers.get("Date")),
    )


async def workspace_token(send: Send, api_key: str) -> IssuedToken:
    """The Workspace login (operation 12)."""
    request = workspace_login._get_kwargs(api_key=api_key)
    return _issued(workspace_login._build_response(await send(request)))


async def mfa_code(mfa: str | Callable[[], str] | Callable[[], Awaitable[str]]) -> str:
    """The code ``mfa`` gives now: the string itself, or what the callable returns."""
    if isinstance(mfa, str):
        return check_credential("mfa", mfa)
    code: object = mfa()
    if inspect.isawaitable(code):
        code = await code
    if not isinstance(code, str):
        # Named by type only: whatever came back might be a code.
        raise InvalidArgumentError(
            "mfa", f"{MFA_ACCEPTS}; the callable returned {type(code).__name__}"
        )
    return check_credential("mfa", code)  # a code read from a file ends with a newline


def mfa_method(chosen: MfaType | None, offered: tuple[str, ...]) -> MfaType:
    """The second factor to verify: the one chosen, else the one the login offers (an
    authenticator app when it offers that, or says nothing)."""
    if chosen is not None:
        return chosen
    methods = [MfaType(method) for method in offered]
    if not methods or MfaType.TOTP_AUTHENTICATOR in methods:
        return MfaType.TOTP_AUTHENTICATOR
    return methods[0]


async def user_token(
    send: Send,
    *,
    username: str,
    password: str,
    workspace: str | None,
    mfa: str | Callable[[], str] | Callable[[], Awaitable[str]] | None,
    mfa_type: MfaType | None,
    device_id: str | None,
    parent: TokenSession | None,
) -> IssuedToken:
    """Log in (operation 6), verify MFA when asked (7), select the Workspace when one is
    given (8).

    A Workspace client (``parent``: its parent's token session) selects its Workspace
    with the parent's User token, so a User with MFA verifies once, not once per
    Workspace (a TOTP code is good for one login; a prompt would ask again for each); it
    logs in itself only when that token is refused.
    """
    if workspace is not None and parent is not None:
        user = await parent.get_token()
        request = select_workspace._get_kwargs(workspace_uuid=workspace, token=user.value)
        try:
            return _issued(select_workspace._build_response(await send(request)))
        except AuthenticationError:
            pass  # that token was revoked meanwhile: log in as this Workspace's User
    extra: dict[str, Any] = {} if device_id is None else {"device_id": device_id}
    request = user_login._get_kwargs(username=username, password=password, **extra)
    response = user_login._build_response(await send(request))
    if response.parsed.mfa_required:
        if mfa is None:
            methods = ", ".join(response.parsed.mfa_methods)
            raise InvalidArgumentError(
                "mfa",
                f"this User must verify a second factor ({methods}); pass mfa= (a "
                "code, or a callable returning one, e.g. synerise_async.auth.totp(secret))",
            )
        request = user_mfa_login._get_kwargs(
            token=response.parsed.token,
            verification_code=await mfa_code(mfa),
            mfa_type=mfa_method(mfa_type, response.parsed.mfa_methods),
            **extra,
        )
        response = user_mfa_login._build_response(await send(request))
    if workspace is not None:
        request = select_workspace._get_kwargs(
            workspace_uuid=workspace, token=response.parsed.token
        )
        response = select_workspace._build_response(await send(request))
    return _issued(response)


def check_profile_login(fields: ProfileLoginFields) -> None:
    """Check a Profile login's fields now, with the body builder the login itself uses
    (operations 2, 3 and 4 share it), so a mistake is not found at the first request."""
    profile_login_body(fields)


async def profile_token(
    send: Send,
    current: SessionToken | None,
    *,
    api_key: str,
    anonymous_uuid: str | None,
    device_id: str | None,
    login_fields: dict[str, Any],
) -> IssuedToken:
    """Refresh ``current`` (operation 1) while it is valid; otherwise log in again,
    anonymously (operation 5) or with the login fields (operation 2)."""
    if current is not None:
        request = refresh_profile_token._get_kwargs(token=current.value, api_key=api_key)
        try:
            refreshed = refresh_profile_token._build_response(await send(request))
        except AuthenticationError:
            pass  # refused (expired meanwhile, or revoked): log in again below
        else:
            return _issued(
                refreshed,
                expiration=refreshed.parsed.expiration,
                created_ms=refreshed.parsed.created,
            )
    if anonymous_uuid is not None:
        extra = {} if device_id is None else {"device_id": device_id}
        request = anonymous_profile_login._get_kwargs(api_key=api_key, uuid=anonymous_uuid, **extra)
        response = anonymous_profile_login._build_response(await send(request))
    else:
        fields = cast("ProfileLoginFields", login_fields)
        response = profile_login._build_response(await send(profile_login._get_kwargs(**fields)))
    return _issued(
        response, expiration=response.parsed.expiration, created_ms=response.parsed.created
    )
