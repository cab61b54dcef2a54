"""The seeded records a fake server exposes to tests, and its request log entries."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import attrs

from ..auth._totp import TOTP_STEP, totp_code

MfaType: TypeAlias = Literal["TOTP_AUTHENTICATOR", "EMAIL"]
AuthKind: TypeAlias = Literal["bearer", "basic"]
TokenKind: TypeAlias = Literal["workspace", "user", "profile", "anonymous_profile"]


@attrs.frozen
class WorkspaceSpec:
    """How to seed one Workspace, for ``FakeSynerise(workspaces=[...])``.

    Attributes:
        name: The Workspace name; a seeded name when ``None``.
        workflows: How many workflows to seed; ``workflows_per_workspace`` when ``None``.
    """

    name: str | None = None
    workflows: int | None = None


@attrs.frozen
class SeededWorkspace:
    """A Workspace (Synerise's "business profile") served by the fake.

    Attributes:
        id: The Workspace UUID: ``businessProfileGuid`` in the Workspace listings,
            ``businessProfileUUID`` in the select-Workspace path; what
            ``UserAuth(workspace=...)``, ``client.for_workspace(...)`` and the audit's
            ``--workspace`` take (the SDK's ``Workspace.guid``).
        numeric_id: The numeric ``businessProfileId`` (the SDK's ``Workspace.id``; the
            audit's ``--workspace`` takes it too).
        name: The display name.
        subdomain: The Workspace subdomain.
        api_key: The Workspace API key (Workspace login and Basic auth).
        guid: The GUID from the API key's "Basic access authentication" setting: the
            ``guid`` of ``BasicAuth(guid, api_key)``, the first half of
            ``Basic base64("<guid>:<api_key>")``. Not a Workspace id.
        profile_api_key: The Profile API key (Profile logins and refresh).
        workflow_count: How many workflows were seeded (deletions do not change it).
        directory_ids: The UUIDs of the workflow directories (for ``directoryId``).
    """

    id: str
    numeric_id: int
    name: str
    subdomain: str
    api_key: str = attrs.field(repr=False)
    guid: str
    profile_api_key: str = attrs.field(repr=False)
    workflow_count: int
    directory_ids: tuple[str, ...]


@attrs.frozen
class SeededUser:
    """A Synerise User who can log in to the fake.

    Attributes:
        username: The login, an email address.
        password: The password.
        mfa_type: ``None``, ``"TOTP_AUTHENTICATOR"`` or ``"EMAIL"``.
        mfa_code: A fixed 6-digit code the fake always accepts for this user (``None``
            without MFA).
        totp_secret: For ``TOTP_AUTHENTICATOR`` users, the base32 secret of their
            authenticator: the fake also accepts its RFC 6238 code for the server clock
            (``synerise_async.auth.totp(secret)`` computes it), or the one just before,
            so unattended logins can be shown end to end; ``None`` for other users.
        workspace_ids: The UUIDs of the Workspaces this user may select.
        id: The numeric user id (``consumer.id``).
        name: The display name (``consumer.name``).
    """

    username: str
    password: str = attrs.field(repr=False)
    mfa_type: MfaType | None
    mfa_code: str | None = attrs.field(repr=False)
    workspace_ids: tuple[str, ...]
    id: int
    name: str
    totp_secret: str | None = attrs.field(default=None, repr=False)

    def accepts_mfa_code(self, code: str, at: float) -> bool:
        """Whether ``code`` verifies this user's MFA at server time ``at``: the fixed
        code, or the TOTP code of this step or the previous one (a code read just
        before a step ends still works, as RFC 6238 section 5.2 recommends)."""
        candidates = [self.mfa_code] if self.mfa_code else []
        if self.totp_secret:
            candidates += [totp_code(self.totp_secret, at - lag) for lag in (0, TOTP_STEP)]
        return any(hmac.compare_digest(code.encode(), c.encode()) for c in candidates)


@attrs.frozen
class SeededProfile:
    """A Profile (formerly "client") account with an email and a password.

    Attributes:
        workspace_id: The UUID of the Workspace the Profile belongs to.
        email: The login email.
        password: The password.
        uuid: The Profile UUID.
        custom_id: The Profile ``customId``.
    """

    workspace_id: str
    email: str
    password: str = attrs.field(repr=False)
    uuid: str
    custom_id: str


@attrs.frozen
class RecordedRequest:
    """One request the fake received, as ``FakeSynerise.requests`` lists it.

    Attributes:
        method: The HTTP method.
        path: The request path, without the query.
        query: The query parameters (first value of each).
        auth: ``"bearer"``, ``"basic"`` or ``None`` (no or unknown Authorization header).
        realm: The Bearer token's realm when the fake issued that token, else ``None``.
        status_code: The HTTP status sent; ``None`` while in flight or when the connection
            was dropped.
        fault: The injected fault's kind (``"rate_limit"``, ``"error"``, ...), or ``None``.
        at: The server clock when the request arrived.
        body: The parsed JSON body, secrets masked as ``"***"``; ``None`` without one.
        headers: The request headers, the ``Authorization`` value masked as ``"***"``.
        workspace: The UUID of the Workspace the request's credential belongs to (its
            token's, its Basic credential's, the body's API key's, or the Workspace being
            selected), else ``None``.
        token_serial: The :attr:`IssuedToken.serial` of the Bearer token it presented,
            when the fake issued that token.
        token_expired: The Bearer token was already expired by the server clock when the
            request arrived (the client's fault: it should have refreshed).
        token_revoked: The Bearer token had been revoked by the server when the request
            arrived (not the client's fault).
    """

    method: str
    path: str
    query: dict[str, str]
    auth: AuthKind | None
    realm: str | None
    status_code: int | None
    fault: str | None
    at: float
    body: Any
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    workspace: str | None = None
    token_serial: int | None = None
    token_expired: bool = False
    token_revoked: bool = False


@attrs.frozen
class IssuedToken:
    """A token the fake issued, as ``FakeSynerise.issued_tokens()`` lists it.

    It never holds the token itself.

    Attributes:
        serial: Issuing order on this server, from 1 (see
            :attr:`RecordedRequest.token_serial`).
        kind: ``"workspace"``, ``"user"``, ``"profile"`` or ``"anonymous_profile"``.
        realm: The token's ``rlm`` claim (``"business_profile"``, ``"user"``,
            ``"client"`` or ``"anonymous_client"``).
        subject: The ``sub`` claim: Workspace GUID, username or Profile UUID.
        workspace: The UUID of the Workspace it is scoped to, else ``None``.
        issued_at: ``iat`` on the server clock, epoch seconds.
        expires_at: ``exp`` on the server clock, epoch seconds.
        mfa_pending: A User token good only for MFA verification.
        revoked: Revoked by the server when the list was taken.
        expired: Expired by the server clock when the list was taken.
    """

    serial: int
    kind: TokenKind
    realm: str
    subject: str
    workspace: str | None
    issued_at: float
    expires_at: float
    mfa_pending: bool
    revoked: bool
    expired: bool
