"""The body shared by the Profile logins (operations 2, 3 and 4), built and checked once,
and whether a client is authenticated as a Profile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from ..._exceptions import InvalidArgumentError
from ..._serde import unstructure
from ..._types import UNSET
from ..._validation import check_credential, check_enum, check_str, check_str_list
from ...auth import Credentials, ProfileAuth, TokenAuth, read_claims
from ...models.auth import Agreements, IdentityProvider, ProfileLoginBody

__all__ = [
    "ProfileLoginFields",
    "ProfileLoginOptions",
    "authenticated_as_profile",
    "profile_login_body",
]

#: The ``rlm`` claims of Profile tokens (Synerise called a Profile a "client").
_PROFILE_REALMS = frozenset({"client", "anonymous_client"})


class ProfileLoginOptions(TypedDict, total=False):
    """The optional keyword arguments of the Profile logins.

    Keys:
        identity_provider_token: the third party's token (FACEBOOK, OAUTH, APPLE, GOOGLE).
        email, password: for SYNERISE logins.
        custom_id: the Profile's customId (any JSON value).
        uuid, device_id: the Profile's UUID and device.
        agreements: marketing agreements.
        attributes: custom attributes.
        tags: tags to assign.
    """

    identity_provider_token: str
    email: str
    custom_id: Any
    password: str
    uuid: str
    device_id: str
    agreements: Agreements
    attributes: Mapping[str, Any]
    tags: Sequence[str]


class ProfileLoginFields(ProfileLoginOptions, total=False):
    """Keyword arguments of the Profile logins; ``api_key`` and ``identity_provider`` are required.

    Keys:
        api_key: the Profile API key.
        identity_provider: an :class:`~synerise_async.models.IdentityProvider` or its string.
        (and every key of :class:`ProfileLoginOptions`)
    """

    api_key: str
    identity_provider: IdentityProvider | str


_SECRET = frozenset({"api_key", "password", "identity_provider_token"})


def profile_login_body(fields: ProfileLoginFields, *, ip_address: str | None = None) -> Any:
    """Validate ``fields`` and return the JSON body; nothing is sent when this raises."""
    unknown = set(fields) - set(ProfileLoginFields.__annotations__)
    if unknown:
        allowed = ", ".join(sorted(ProfileLoginFields.__annotations__))
        raise InvalidArgumentError(
            sorted(unknown)[0], f"is not an argument of a Profile login; allowed: {allowed}"
        )
    if "api_key" not in fields:
        raise InvalidArgumentError("api_key", "is required")
    if "identity_provider" not in fields:
        allowed = ", ".join(repr(p.value) for p in IdentityProvider)
        raise InvalidArgumentError("identity_provider", f"is required; one of {allowed}")
    for name in ("identity_provider_token", "email", "password", "uuid", "device_id"):
        if name in fields:
            check_str(name, fields[name], secret=name in _SECRET)
    agreements = fields.get("agreements", UNSET)
    if agreements is not UNSET and not isinstance(agreements, Agreements):
        raise InvalidArgumentError("agreements", "must be an Agreements instance")
    attributes = fields.get("attributes", UNSET)
    if attributes is not UNSET and not isinstance(attributes, Mapping):
        raise InvalidArgumentError("attributes", f"must be a mapping; got {attributes!r}")
    body = ProfileLoginBody(
        api_key=check_credential("api_key", fields["api_key"]),
        identity_provider=check_enum(
            "identity_provider", fields["identity_provider"], IdentityProvider
        ),
        identity_provider_token=fields.get("identity_provider_token", UNSET),
        email=fields.get("email", UNSET),
        custom_id=fields.get("custom_id", UNSET),
        password=fields.get("password", UNSET),
        uuid=fields.get("uuid", UNSET),
        device_id=fields.get("device_id", UNSET),
        agreements=agreements,
        attributes=attributes,
        tags=check_str_list("tags", fields["tags"]) if "tags" in fields else UNSET,
        ip_address=check_str("ip_address", ip_address) if ip_address is not None else UNSET,
    )
    return unstructure(body)


def authenticated_as_profile(auth: Credentials | None) -> bool:
    """Whether a client with ``auth`` is authenticated as a Profile: a
    :class:`~synerise_async.ProfileAuth`, or a :class:`~synerise_async.TokenAuth` with a
    fixed token whose ``rlm`` claim is a Profile's (a provider's tokens are not known
    before they are fetched)."""
    if isinstance(auth, ProfileAuth):
        return True
    if isinstance(auth, TokenAuth) and auth.token is not None:
        claims = read_claims(auth.token)
        return claims is not None and claims.get("rlm") in _PROFILE_REALMS
    return False
