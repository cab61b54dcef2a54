"""The kinds of credentials a client can use, and how each gets and renews its token.

| kind | first token | renewal |
|---|---|---|
| ``WorkspaceAuth(api_key)`` | Workspace login (op 12) | log in again |
| ``UserAuth(username, password, ...)`` | User login (op 6), MFA (op 7) when required, Workspace selection (op 8) when ``workspace`` is given | the same flow again |
| ``ProfileAuth.anonymous(...)`` / ``ProfileAuth.login(...)`` | anonymous (op 5) / Profile login (op 2) | refresh (op 1) while the token is valid, else log in again |
| ``BasicAuth(guid, api_key)`` | none: a fixed ``Basic`` header | none |
| ``TokenAuth(token)`` / ``TokenAuth(provider=...)`` | the given token / ``await provider()`` | none / ``await provider()`` |

No credential appears in a repr: every secret field is ``repr=False`` and held as
:class:`~synerise_async.Redacted`, so not even a traceback's locals show it.
"""

from __future__ import annotations

import abc
import base64
import uuid as uuid_module
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Unpack

import attrs

from .._exceptions import InvalidArgumentError
from .._http import Authorization, Request
from .._redaction import redact
from .._types import RawResponse
from .._validation import check_credential, check_enum, check_str, check_uuid
from ..models.auth import IdentityProvider, MfaType
from ._session import SessionToken, TokenSession
from ._tokens import IssuedToken

if TYPE_CHECKING:
    from ..api.auth import ProfileLoginFields, ProfileLoginOptions

__all__ = [
    "BasicAuth",
    "Credentials",
    "MfaCode",
    "ProfileAuth",
    "Send",
    "TokenAuth",
    "TokenCredentials",
    "UserAuth",
    "WorkspaceAuth",
]

#: What ``UserAuth(mfa=...)`` takes: a code string, or a callable (plain or async)
#: called with no arguments each time a login asks for a code and returning one, such
#: as :func:`~synerise_async.auth.totp`'s.
MfaCode = str | Callable[[], str] | Callable[[], Awaitable[str]]

#: How credentials send their token requests: the client's pipeline (retries, limits,
#: error mapping), one request in, its fully read 2xx response out.
Send = Callable[[Request], Awaitable[RawResponse]]


def _api_key(value: object) -> str:
    return check_credential("api_key", value)


def _guid(value: object) -> str:
    return str(check_credential("guid", value, forbidden=":"))  # not a secret


def _optional_token(value: object) -> str | None:
    return None if value is None else check_credential("token", value)


class Credentials:
    """Base of every credentials kind. The client turns them into its authorizer: a
    token session for :class:`TokenCredentials`, a fixed header for :class:`BasicAuth`."""

    @property
    def description(self) -> str:
        """How logs name these credentials (no secret)."""
        return type(self).__name__


class TokenCredentials(Credentials, abc.ABC):
    """Credentials that obtain tokens: what a token session needs to know of them."""

    @property
    def can_renew(self) -> bool:
        """Whether a new token can be had after the first (False for a fixed token: the
        session then uses it until it expires, or until refused when its expiry is
        unknown)."""
        return True

    @abc.abstractmethod
    async def obtain_token(
        self, send: Send, current: SessionToken | None, *, parent: TokenSession | None = None
    ) -> IssuedToken:
        """Obtain a token.

        Args:
            send: sends one token request (the client's pipeline).
            current: the still-valid token, if any (for kinds that refresh with it).
            parent: for a client made by ``for_workspace``, the token session of the
                client it was made from (a User login selects the Workspace with it).

        Returns:
            The token, with what the answer says of its lifetime.
        """


@attrs.frozen
class WorkspaceAuth(TokenCredentials):
    """A Workspace API key; the token comes from the Workspace login and is renewed by
    logging in again.

    Args:
        api_key: the Workspace API key (never shown in a repr).
    """

    api_key: str = attrs.field(repr=False, converter=_api_key)

    async def obtain_token(
        self, send: Send, current: SessionToken | None, *, parent: TokenSession | None = None
    ) -> IssuedToken:
        """Log in as the Workspace."""
        from . import _flows

        return await _flows.workspace_token(send, self.api_key)


def _check_mfa(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str) and not callable(value):
        from ._flows import MFA_ACCEPTS

        raise InvalidArgumentError("mfa", f"{MFA_ACCEPTS}; got {type(value).__name__}")


def _redact_mfa(value: MfaCode | None) -> MfaCode | None:
    return check_credential("mfa", value) if isinstance(value, str) else value


def _check_mfa_type(value: object) -> MfaType | None:
    return None if value is None else check_enum("mfa_type", value, MfaType)


def _check_workspace(value: object) -> str | None:
    return None if value is None else check_uuid("workspace", value)


@attrs.frozen
class UserAuth(TokenCredentials):
    """A Synerise User's login; renewed by logging in again.

    Args:
        username: the User's login (an e-mail address).
        password: the password (never shown in a repr).
        workspace: the UUID of a Workspace to select after login (operation 8); without
            it the token is not scoped to a Workspace.
        mfa: for Users with MFA, one of: a code string (a TOTP code only works for
            one login: the next, e.g. after the token expires, needs a fresh one); a
            plain callable taking no arguments and returning a code string, called each
            time a login asks for one (``synerise_async.auth.totp(secret)`` makes one
            from an authenticator app's secret); or an async callable doing the same.
            Anything else raises ``InvalidArgumentError``.
        mfa_type: ``"TOTP_AUTHENTICATOR"`` or ``"EMAIL"``; by default the method the
            login offers (the authenticator app when it offers that).
        device_id: the device, when the login comes from one.
    """

    username: str
    password: str = attrs.field(repr=False, converter=redact)
    workspace: str | None = attrs.field(default=None, kw_only=True, converter=_check_workspace)
    mfa: MfaCode | None = attrs.field(
        default=None, kw_only=True, repr=False, converter=_redact_mfa, validator=_check_mfa
    )
    mfa_type: MfaType | None = attrs.field(
        default=None,
        kw_only=True,
        converter=_check_mfa_type,
    )
    device_id: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check_str("username", self.username)
        check_str("password", self.password, secret=True)

    @property
    def description(self) -> str:
        """How logs name these credentials (no secret)."""
        scope = f" in Workspace {self.workspace}" if self.workspace else ""
        return f"UserAuth({self.username}{scope})"

    async def obtain_token(
        self, send: Send, current: SessionToken | None, *, parent: TokenSession | None = None
    ) -> IssuedToken:
        """Log in, verify MFA when asked, and select the Workspace when one is given
        (a Workspace client selects it with ``parent``'s User token first)."""
        from . import _flows

        return await _flows.user_token(
            send,
            username=self.username,
            password=self.password,
            workspace=self.workspace,
            mfa=self.mfa,
            mfa_type=self.mfa_type,
            device_id=self.device_id,
            parent=parent,
        )


@attrs.frozen
class ProfileAuth(TokenCredentials):
    """A Profile's login, anonymous or with credentials. Build it with
    :meth:`anonymous` or :meth:`login`.

    The token is refreshed (operation 1) while it is still valid, and obtained by
    logging in again once it has expired or a refresh is refused.
    """

    api_key: str = attrs.field(repr=False, converter=_api_key)
    anonymous_uuid: str | None = None
    device_id: str | None = None
    login_fields: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def anonymous(
        cls, api_key: str, uuid: str | uuid_module.UUID, device_id: str | None = None
    ) -> ProfileAuth:
        """An anonymous Profile (operation 5).

        Args:
            api_key: the Profile API key.
            uuid: the anonymous Profile's UUID.
            device_id: the device, when the login comes from one.
        """
        return cls(
            api_key=api_key,
            anonymous_uuid=check_uuid("uuid", uuid),
            device_id=device_id,
        )

    @classmethod
    def login(
        cls,
        api_key: str,
        *,
        identity_provider: IdentityProvider | str,
        **fields: Unpack[ProfileLoginOptions],
    ) -> ProfileAuth:
        """A Profile that logs in (operation 2), e.g. with ``email`` and ``password``.

        Args:
            api_key: the Profile API key.
            identity_provider: SYNERISE, FACEBOOK, OAUTH, APPLE, GOOGLE or UNKNOWN.
            **fields: the other fields of the Profile login.
        """
        from ._flows import check_profile_login

        all_fields: ProfileLoginFields = {
            **fields,
            "api_key": check_credential("api_key", api_key),
            "identity_provider": check_enum(
                "identity_provider", identity_provider, IdentityProvider
            ),
        }
        for secret in ("password", "identity_provider_token"):
            if secret in all_fields:
                all_fields[secret] = redact(all_fields[secret])
        check_profile_login(all_fields)  # validate now, not at the first request
        return cls(api_key=api_key, login_fields=dict(all_fields))

    @property
    def description(self) -> str:
        """How logs name these credentials (no secret)."""
        if self.anonymous_uuid is not None:
            return f"ProfileAuth(anonymous {self.anonymous_uuid})"
        return f"ProfileAuth({self.login_fields.get('email') or 'login'})"

    async def obtain_token(
        self, send: Send, current: SessionToken | None, *, parent: TokenSession | None = None
    ) -> IssuedToken:
        """Refresh ``current`` while it is valid; otherwise log in again."""
        from . import _flows

        return await _flows.profile_token(
            send,
            current,
            api_key=self.api_key,
            anonymous_uuid=self.anonymous_uuid,
            device_id=self.device_id,
            login_fields=self.login_fields,
        )


@attrs.frozen
class BasicAuth(Credentials):
    """HTTP Basic authentication with a Workspace API key: no token, no refresh.

    Args:
        guid: the GUID from the API key's "Basic access authentication" setting.
        api_key: the Workspace API key (never shown in a repr).
    """

    guid: str = attrs.field(converter=_guid)
    api_key: str = attrs.field(repr=False, converter=_api_key)

    def authorization(self) -> Authorization:
        """The fixed ``Basic`` header."""
        raw = f"{self.guid}:{self.api_key}".encode()
        return Authorization("Basic " + base64.b64encode(raw).decode())


class FixedAuthorizer:
    """Hands out one header that never changes and cannot be renewed (Basic auth)."""

    def __init__(self, authorization: Authorization) -> None:
        self._authorization = authorization

    def __repr__(self) -> str:
        return "<FixedAuthorizer>"

    async def authorize(self) -> Authorization:
        """The header."""
        return self._authorization

    def invalidate(self, authorization: Authorization) -> bool:
        """Nothing to renew: always False."""
        return False

    def is_current(self, authorization: Authorization) -> bool:
        """The one header is always current."""
        return True

    async def aclose(self) -> None:
        """Nothing runs in the background."""


@attrs.frozen
class TokenAuth(TokenCredentials):
    """A token someone else obtains.

    ``TokenAuth(token)`` uses one fixed token until it expires (then requests fail with
    ``TokenRefreshError``); a token whose expiry cannot be read is used until the API
    refuses it, and then requests fail with ``LoginRefusedError`` saying it cannot be
    renewed. ``TokenAuth(provider=fn)`` awaits ``fn()`` for a token at the start,
    near each expiry and after a 401.
    """

    token: str | None = attrs.field(
        default=None,
        repr=False,
        converter=_optional_token,
    )
    provider: Callable[[], Awaitable[str]] | None = attrs.field(
        default=None, kw_only=True, repr=False
    )

    def __attrs_post_init__(self) -> None:
        if (self.token is None) == (self.provider is None):
            raise InvalidArgumentError("token", "give either a token or provider=, not both")
        if self.token is None and not callable(self.provider):
            raise InvalidArgumentError("provider", "must be an async callable returning a token")

    @property
    def can_renew(self) -> bool:
        """Only with a provider: a fixed token is what it is."""
        return self.provider is not None

    async def obtain_token(
        self, send: Send, current: SessionToken | None, *, parent: TokenSession | None = None
    ) -> IssuedToken:
        """The fixed token, or the provider's next one."""
        if self.provider is None:
            assert self.token is not None
            return IssuedToken(value=self.token)
        return IssuedToken(value=check_credential("provider()", await self.provider()))
