"""Models of the authentication operations (Profile, User and Workspace logins).

Every token is kept out of reprs: ``repr(result)`` never shows a credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._redaction import redact, redact_optional, redact_unset
from .._types import UNSET, OpenEnum, Unset

__all__ = [
    "Agreements",
    "ConditionalLoginResult",
    "ConditionalLoginStatus",
    "Consumer",
    "IdentityProvider",
    "MfaType",
    "ProfileLoginBody",
    "ProfileToken",
    "UserLoginResult",
    "WorkspaceToken",
]


class IdentityProvider(OpenEnum):
    """Who vouches for a Profile at login."""

    SYNERISE = "SYNERISE"
    FACEBOOK = "FACEBOOK"
    OAUTH = "OAUTH"
    APPLE = "APPLE"
    GOOGLE = "GOOGLE"
    UNKNOWN = "UNKNOWN"


class MfaType(OpenEnum):
    """How a User confirms a login with a second factor."""

    TOTP_AUTHENTICATOR = "TOTP_AUTHENTICATOR"
    EMAIL = "EMAIL"


class ConditionalLoginStatus(OpenEnum):
    """Outcome of a conditional Profile login; the API may add more."""

    SUCCESS = "SUCCESS"
    UNAUTHORIZED = "UNAUTHORIZED"
    ACTIVATION_REQUIRED = "ACTIVATION_REQUIRED"
    REGISTRATION_REQUIRED = "REGISTRATION_REQUIRED"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    TERMS_ACCEPTANCE_REQUIRED = "TERMS_ACCEPTANCE_REQUIRED"
    MFA_REQUIRED = "MFA_REQUIRED"


@attrs.frozen(kw_only=True)
class Agreements:
    """Marketing agreements of a Profile (the API also accepts strings such as "true")."""

    email: bool | str | Unset = UNSET
    sms: bool | str | Unset = UNSET
    push: bool | str | Unset = UNSET
    bluetooth: bool | str | Unset = UNSET
    rfid: bool | str | Unset = UNSET
    wifi: bool | str | Unset = UNSET


@attrs.frozen(kw_only=True)
class ProfileLoginBody:
    """Body of the Profile logins (operations 2, 3 and 4); unset fields are not sent."""

    api_key: str = attrs.field(repr=False, converter=redact)
    identity_provider: IdentityProvider
    identity_provider_token: str | Unset = attrs.field(
        default=UNSET, repr=False, converter=redact_unset
    )
    email: str | Unset = UNSET
    custom_id: Any = UNSET
    password: str | Unset = attrs.field(default=UNSET, repr=False, converter=redact_unset)
    uuid: str | Unset = UNSET
    device_id: str | Unset = UNSET
    agreements: Agreements | Unset = UNSET
    attributes: Mapping[str, Any] | Unset = UNSET
    tags: tuple[str, ...] | Unset = UNSET
    ip_address: str | Unset = UNSET


@attrs.frozen(kw_only=True)
class ProfileToken:
    """A Profile token object (operations 1, 2, 3 and 5).

    Attributes:
        token: the JWT (never shown in a repr).
        expiration: when it expires, epoch seconds.
        created: when it was issued, epoch milliseconds (the server's clock).
    """

    token: str = attrs.field(repr=False, converter=redact)
    expiration: float | None = None
    created: float | None = None
    origin: str | None = None
    custom_id: Any = None
    realm: str | None = None


@attrs.frozen(kw_only=True)
class ConditionalLoginResult:
    """Outcome of a conditional Profile login (operation 4), returned as data.

    ``status`` other than SUCCESS is not an error: it tells what the Profile must do
    next (``conditions`` lists the details). The token fields are set only on SUCCESS.
    """

    status: ConditionalLoginStatus
    conditions: tuple[Any, ...] = ()
    token: str | None = attrs.field(default=None, repr=False, converter=redact_optional)
    expiration: float | None = None
    created: float | None = None
    origin: str | None = None
    custom_id: Any = None
    realm: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the login succeeded and ``token`` is set."""
        return self.status == ConditionalLoginStatus.SUCCESS and self.token is not None


@attrs.frozen(kw_only=True)
class Consumer:
    """Who a User token belongs to. ``workspace_id`` is Synerise's ``businessProfileId``."""

    type: str | None = None
    workspace_id: int | None = None
    name: str | None = None
    id: int | str | None = None
    authorities: tuple[str, ...] = ()
    roles: Any = None


@attrs.frozen(kw_only=True)
class UserLoginResult:
    """A User token (operations 6, 7 and 8).

    When ``mfa_methods`` is not empty the token is only good for the MFA verification
    (operation 7).
    """

    token: str = attrs.field(repr=False, converter=redact)
    consumer: Consumer | None = None
    mfa_methods: tuple[str, ...] = ()

    @property
    def mfa_required(self) -> bool:
        """Whether a second factor must be verified before the token is usable."""
        return bool(self.mfa_methods)


@attrs.frozen(kw_only=True)
class WorkspaceToken:
    """A Workspace token (operation 12); its expiry is read from the JWT."""

    token: str = attrs.field(repr=False, converter=redact)
