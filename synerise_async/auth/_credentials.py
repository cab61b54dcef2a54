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
import inspect
import uuid as uuid_module
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Unpack, cast

import attrs

from .._config import ClientConfig
from .._exceptions import AuthenticationError, InvalidArgumentError
from .._http import Authorization, Authorizer
from .._redaction import redact
from .._types import Response
from .._validation import check_credential, check_enum, check_str, check_uuid
from ..models.auth import IdentityProvider, MfaType
from ._session import SessionToken, TokenSession
from ._tokens import IssuedToken

if TYPE_CHECKING:
    from .._client import SyneriseClient
    from ..api.auth import ProfileLoginFields, ProfileLoginOptions

__all__ = [
    "BasicAuth",
    "Credentials",
    "MfaCode",
    "ProfileAuth",
    "TokenAuth",
    "UserAuth",
    "WorkspaceAuth",
]

#: What ``UserAuth(mfa=...)`` takes: a code string, or a callable (plain or async)
#: called with no arguments each time a login asks for a code and returning one, such
#: as :func:`~synerise_async.auth.totp`'s.
MfaCode = str | Callable[[], str] | Callable[[], Awaitable[str]]

_MFA_ACCEPTS = (
    "must be None, a code string, or a callable taking no arguments that returns a code "
    "string: a plain function (e.g. synerise_async.auth.totp(secret)) or an async one"
)

_FOREVER = 10 * 365 * 24 * 3600.0


def _api_key(value: object) -> str:
    return check_credential("api_key", value)


def _guid(value: object) -> str:
    return str(check_credential("guid", value, forbidden=":"))  # not a secret


def _optional_token(value: object) -> str | None:
    return None if value is None else check_credential("token", value)


class Credentials(abc.ABC):
    """Base of every credentials kind: knows how to make the client's authorizer."""

    @abc.abstractmethod
    def authorizer(
        self,
        client: SyneriseClient,
        *,
        config: ClientConfig,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> Authorizer:
        """The object the pipeline asks for an Authorization header."""

    @property
    def description(self) -> str:
        """How logs name these credentials (no secret)."""
        return type(self).__name__


def _issued(
    response: Response[Any], *, expiration: float | None = None, created_ms: float | None = None
) -> IssuedToken:
    return IssuedToken(
        value=response.parsed.token,
        expiration=expiration,
        created_ms=created_ms,
        server_date=IssuedToken.parse_date_header(response.headers.get("Date")),
    )


class _TokenCredentials(Credentials):
    """Credentials that obtain tokens through the API."""

    _renewable = True

    @abc.abstractmethod
    async def fetch_token(
        self, client: SyneriseClient, current: SessionToken | None
    ) -> IssuedToken:
        """Obtain a token; ``current`` is the still-valid token, if any."""

    def authorizer(
        self,
        client: SyneriseClient,
        *,
        config: ClientConfig,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> TokenSession:
        """A :class:`TokenSession` that logs in with these credentials."""

        async def fetch(current: SessionToken | None) -> IssuedToken:
            return await self.fetch_token(client, current)

        return TokenSession(
            fetch,
            config=config,
            name=self.description,
            renewable=self._renewable,
            clock=clock,
            wall_clock=wall_clock,
        )


@attrs.frozen
class WorkspaceAuth(_TokenCredentials):
    """A Workspace API key; the token comes from the Workspace login and is renewed by
    logging in again.

    Args:
        api_key: the Workspace API key (never shown in a repr).
    """

    api_key: str = attrs.field(repr=False, converter=_api_key)

    async def fetch_token(
        self, client: SyneriseClient, current: SessionToken | None
    ) -> IssuedToken:
        """Log in as the Workspace."""
        from ..api.auth import workspace_login

        return _issued(await workspace_login.asyncio_detailed(client=client, api_key=self.api_key))


def _check_mfa(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str) and not callable(value):
        raise InvalidArgumentError("mfa", f"{_MFA_ACCEPTS}; got {type(value).__name__}")


async def _mfa_code(mfa: MfaCode) -> str:
    if isinstance(mfa, str):
        return mfa
    code: object = mfa()
    if inspect.isawaitable(code):
        code = await code
    if not isinstance(code, str):
        # Named by type only: whatever came back might be a code.
        raise InvalidArgumentError(
            "mfa", f"{_MFA_ACCEPTS}; the callable returned {type(code).__name__}"
        )
    return redact(code)


def _redact_mfa(value: MfaCode | None) -> MfaCode | None:
    return redact(value) if isinstance(value, str) else value


def _check_mfa_type(value: object) -> MfaType:
    return check_enum("mfa_type", value, MfaType)


def _check_workspace(value: object) -> str | None:
    return None if value is None else check_uuid("workspace", value)


@attrs.frozen
class UserAuth(_TokenCredentials):
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
        mfa_type: ``"TOTP_AUTHENTICATOR"`` (default) or ``"EMAIL"``.
        device_id: the device, when the login comes from one.
    """

    username: str
    password: str = attrs.field(repr=False, converter=redact)
    workspace: str | None = attrs.field(default=None, kw_only=True, converter=_check_workspace)
    mfa: MfaCode | None = attrs.field(
        default=None, kw_only=True, repr=False, converter=_redact_mfa, validator=_check_mfa
    )
    mfa_type: MfaType = attrs.field(
        default=MfaType.TOTP_AUTHENTICATOR,
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

    async def fetch_token(
        self, client: SyneriseClient, current: SessionToken | None
    ) -> IssuedToken:
        """Log in, verify MFA when asked, and select the Workspace when one is given.

        A client from ``for_workspace`` selects its Workspace with its parent's User
        token, so a User with MFA verifies once, not once per Workspace (a TOTP code is
        good for one login; a prompt would ask again for each); it logs in itself only
        when that token is refused.
        """
        from ..api.auth import select_workspace, user_login, user_mfa_login

        parent = client._parent  # the client and its credentials are one unit
        parent_session = parent.token_session if parent is not None else None
        if self.workspace is not None and parent_session is not None:
            user_token = await parent_session.get_token()
            try:
                return _issued(
                    await select_workspace.asyncio_detailed(
                        client=client, workspace_uuid=self.workspace, token=user_token.value
                    )
                )
            except AuthenticationError:
                pass  # that token was revoked meanwhile: log in as this Workspace's User
        extra: dict[str, Any] = {} if self.device_id is None else {"device_id": self.device_id}
        response = await user_login.asyncio_detailed(
            client=client, username=self.username, password=self.password, **extra
        )
        if response.parsed.mfa_required:
            if self.mfa is None:
                methods = ", ".join(response.parsed.mfa_methods)
                raise InvalidArgumentError(
                    "mfa",
                    f"this User must verify a second factor ({methods}); pass mfa= (a "
                    "code, or a callable returning one, e.g. synerise_async.auth.totp(secret))",
                )
            code = await _mfa_code(self.mfa)
            response = await user_mfa_login.asyncio_detailed(
                client=client,
                token=response.parsed.token,
                verification_code=code,
                mfa_type=self.mfa_type,
                **extra,
            )
        if self.workspace is not None:
            response = await select_workspace.asyncio_detailed(
                client=client, workspace_uuid=self.workspace, token=response.parsed.token
            )
        return _issued(response)


@attrs.frozen
class ProfileAuth(_TokenCredentials):
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
        from ..api.auth._profile import profile_login_body

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
        profile_login_body(all_fields)  # validate now, not at the first request
        return cls(api_key=api_key, login_fields=dict(all_fields))

    @property
    def description(self) -> str:
        """How logs name these credentials (no secret)."""
        if self.anonymous_uuid is not None:
            return f"ProfileAuth(anonymous {self.anonymous_uuid})"
        return f"ProfileAuth({self.login_fields.get('email') or 'login'})"

    async def fetch_token(
        self, client: SyneriseClient, current: SessionToken | None
    ) -> IssuedToken:
        """Refresh ``current`` while it is valid; otherwise log in again."""
        from ..api.auth import anonymous_profile_login, profile_login, refresh_profile_token

        if current is not None:
            try:
                response = await refresh_profile_token.asyncio_detailed(
                    client=client, token=current.value, api_key=self.api_key
                )
            except AuthenticationError:
                pass  # refused (expired meanwhile, or revoked): log in again below
            else:
                return _issued(
                    response,
                    expiration=response.parsed.expiration,
                    created_ms=response.parsed.created,
                )
        if self.anonymous_uuid is not None:
            extra = {} if self.device_id is None else {"device_id": self.device_id}
            response = await anonymous_profile_login.asyncio_detailed(
                client=client, api_key=self.api_key, uuid=self.anonymous_uuid, **extra
            )
        else:
            fields = cast("ProfileLoginFields", self.login_fields)
            response = await profile_login.asyncio_detailed(client=client, **fields)
        return _issued(
            response, expiration=response.parsed.expiration, created_ms=response.parsed.created
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

    def authorizer(
        self,
        client: SyneriseClient,
        *,
        config: ClientConfig,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> Authorizer:
        """A fixed ``Basic`` header."""
        raw = f"{self.guid}:{self.api_key}".encode()
        return _StaticAuthorizer(Authorization("Basic " + base64.b64encode(raw).decode()))


class _StaticAuthorizer:
    def __init__(self, authorization: Authorization) -> None:
        self._authorization = authorization

    def __repr__(self) -> str:
        return "<StaticAuthorizer>"

    async def authorize(self) -> Authorization:
        return self._authorization

    def invalidate(self, authorization: Authorization) -> bool:
        return False

    def is_current(self, authorization: Authorization) -> bool:
        return True


@attrs.frozen
class TokenAuth(_TokenCredentials):
    """A token someone else obtains.

    ``TokenAuth(token)`` uses one fixed token until it expires (then requests fail with
    ``TokenRefreshError``; a token whose expiry cannot be read is used until the API
    refuses it). ``TokenAuth(provider=fn)`` awaits ``fn()`` for a token at the start,
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
    def _renewable(self) -> bool:  # type: ignore[override]
        return self.provider is not None

    async def fetch_token(
        self, client: SyneriseClient, current: SessionToken | None
    ) -> IssuedToken:
        """The fixed token, or the provider's next one."""
        if self.provider is None:
            assert self.token is not None
            return IssuedToken(value=self.token)
        return IssuedToken(value=check_credential("provider()", await self.provider()))

    def authorizer(
        self,
        client: SyneriseClient,
        *,
        config: ClientConfig,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> TokenSession:
        """A token session; a fixed token whose expiry is unreadable never expires here."""
        if self.provider is None:
            config = attrs.evolve(config, default_token_lifetime=_FOREVER)
        return super().authorizer(client, config=config, clock=clock, wall_clock=wall_clock)
