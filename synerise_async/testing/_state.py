"""The fake server's mutable state, and how a request proves who it is.

Policy for a presented credential:

- no ``Authorization`` header -> 401;
- ``Bearer``: unknown (or tampered) token -> 401, revoked -> 401, expired by the server
  clock (``now >= exp``) -> 401 (or ``expired_token_status_code`` on automation routes),
  wrong realm for the route -> 401, a User token still waiting for MFA -> 401 everywhere
  but MFA verification;
- ``Basic base64("<guid>:<Workspace API key>")``: accepted where a Workspace token is
  (automation routes); wrong pair -> 401;
- an accepted credential on a route whose permission (``_paths.PERMISSIONS``) was taken
  away with ``FakeSynerise.deny_permission`` -> 403.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, Final

import attrs

from . import _paths
from ._errors import ApiError
from ._models import (
    AuthKind,
    IssuedToken,
    SeededProfile,
    SeededUser,
    SeededWorkspace,
    TokenKind,
    WorkspaceSpec,
)
from ._seed import build_world
from ._stats import Statistics
from ._tokens import (
    REALM_ANONYMOUS,
    REALM_PROFILE,
    REALM_USER,
    REALM_WORKSPACE,
    TokenIssuer,
    TokenRecord,
)
from ._workflows import DAY, WorkflowStore, seed_workflows

#: Stands for the body of a request whose body is not valid JSON.
INVALID_JSON: Final = object()

_TOKEN_KINDS: Final[dict[str, TokenKind]] = {
    REALM_WORKSPACE: "workspace",
    REALM_USER: "user",
    REALM_PROFILE: "profile",
    REALM_ANONYMOUS: "anonymous_profile",
}


@attrs.frozen
class AuthInfo:
    """What a request's ``Authorization`` header says.

    Attributes:
        kind: ``"bearer"``, ``"basic"`` or ``None``.
        token: The issued token it presents (whatever its state), if known.
        workspace: The Workspace a valid Basic credential belongs to.
    """

    kind: AuthKind | None
    token: TokenRecord | None = None
    workspace: SeededWorkspace | None = None

    @property
    def realm(self) -> str | None:
        """The presented token's realm, if the token is known."""
        return self.token.realm if self.token is not None else None


NO_AUTH: Final = AuthInfo(None)


@attrs.frozen
class RequestContext:
    """What the middleware learned about the request being handled."""

    auth: AuthInfo
    #: The parsed JSON body, ``None`` without one, or ``INVALID_JSON``.
    body: Any
    #: The permission the matched route needs (``_paths.PERMISSIONS``), if any.
    permission: str | None = None


#: Set by the middleware for the duration of each request's handling.
CURRENT_REQUEST: ContextVar[RequestContext] = ContextVar("synerise_fake_request")


@attrs.define
class ProfileAccount:
    """A Profile account: seeded, or created by a non-SYNERISE login."""

    email: str | None
    password: str | None = attrs.field(repr=False)
    uuid: str
    custom_id: Any


class ProfileDirectory:
    """One Workspace's Profile accounts, found by email, customId or UUID."""

    def __init__(self, seeded: Sequence[SeededProfile]) -> None:
        self._by_email: dict[str, ProfileAccount] = {}
        self._by_custom_id: dict[str, ProfileAccount] = {}
        self._by_uuid: dict[str, ProfileAccount] = {}
        for profile in seeded:
            self.add(
                ProfileAccount(profile.email, profile.password, profile.uuid, profile.custom_id)
            )

    def add(self, account: ProfileAccount) -> None:
        """Index an account."""
        if account.email:
            self._by_email[account.email.lower()] = account
        if account.custom_id is not None:
            self._by_custom_id[str(account.custom_id)] = account
        self._by_uuid[account.uuid] = account

    def find(self, body: dict[str, Any]) -> ProfileAccount | None:
        """Find the account a login body names (email, then customId, then uuid)."""
        email = body.get("email")
        if isinstance(email, str) and email:
            return self._by_email.get(email.lower())
        custom_id = body.get("customId")
        if custom_id is not None:
            return self._by_custom_id.get(str(custom_id))
        profile_uuid = body.get("uuid")
        if isinstance(profile_uuid, str) and profile_uuid:
            return self._by_uuid.get(profile_uuid)
        return None


class ServerState:
    """Everything one fake server knows: seeded data, tokens, clock and settings.

    Args:
        seed: Seed of every generated value.
        workspaces: How many Workspaces, or one spec each.
        workflows_per_workspace: Default workflow count per Workspace.
        token_lifetime: Lifetime of newly issued tokens, seconds.
        encrypted_tokens: Issue opaque JWE-shaped tokens.
        expired_token_status_code: 401 or 403 for an expired token on automation routes.
        clock: Wall clock, epoch seconds.
    """

    def __init__(
        self,
        *,
        seed: int,
        workspaces: int | Sequence[WorkspaceSpec],
        workflows_per_workspace: int,
        token_lifetime: float,
        encrypted_tokens: bool,
        expired_token_status_code: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = seed
        self.clock = clock
        self.clock_offset = 0.0
        self.token_lifetime = token_lifetime
        self.expired_token_status_code = expired_token_status_code
        self.anchor = math.floor(clock() / DAY) * DAY
        world = build_world(seed, workspaces, workflows_per_workspace)
        self.workspaces = world.workspaces
        self.users = world.users
        self.profiles = world.profiles
        self.workspace_created = world.workspace_created
        self.by_uuid = {w.id: w for w in self.workspaces}
        self.by_profile_key = {w.profile_api_key: w for w in self.workspaces}
        self.by_api_key = {w.api_key: w for w in self.workspaces}
        self.by_basic_pair = {(w.guid, w.api_key): w for w in self.workspaces}
        self.basic_headers = {
            "Basic " + base64.b64encode(f"{w.guid}:{w.api_key}".encode()).decode(): w
            for w in self.workspaces
        }
        self.users_by_name = {u.username.lower(): u for u in self.users}
        self.accounts = {
            w.id: ProfileDirectory([p for p in self.profiles if p.workspace_id == w.id])
            for w in self.workspaces
        }
        self.stores = {
            w.id: WorkflowStore(seed_workflows(seed, index, w, w.workflow_count, self.anchor))
            for index, w in enumerate(self.workspaces)
        }
        self.stats = Statistics(seed, self.anchor)
        self.tokens = TokenIssuer(encrypted=encrypted_tokens)
        #: (permission, Workspace UUID or ``None`` for every Workspace) pairs denied.
        self.denied: set[tuple[str, str | None]] = set()

    def now(self) -> float:
        """The server clock: ``clock()`` plus every ``shift_clock``."""
        return self.clock() + self.clock_offset

    def workspace(self, workspace_id: str) -> SeededWorkspace:
        """Find a Workspace by UUID or numeric id (as a string), else ``KeyError``."""
        found = self.by_uuid.get(workspace_id)
        if found is None:
            found = next((w for w in self.workspaces if str(w.numeric_id) == workspace_id), None)
        if found is None:
            raise KeyError(f"no Workspace {workspace_id!r}")
        return found

    # --- credentials ---------------------------------------------------------

    def parse_auth(self, header: str | None) -> AuthInfo:
        """Read an ``Authorization`` header (no validity checks beyond lookup)."""
        if not header:
            return NO_AUTH
        scheme, _, credentials = header.partition(" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        if scheme == "bearer":
            return AuthInfo("bearer", token=self.tokens.lookup(credentials))
        if scheme == "basic":
            workspace = self.basic_headers.get(header)
            if workspace is None:
                try:
                    decoded = base64.b64decode(credentials, validate=True).decode()
                except (binascii.Error, UnicodeDecodeError):
                    decoded = ""
                guid, _, key = decoded.partition(":")
                workspace = self.by_basic_pair.get((guid, key))
            return AuthInfo("basic", workspace=workspace)
        return NO_AUTH

    def workspace_of(self, auth: AuthInfo, body: Any, path: str) -> SeededWorkspace | None:
        """The Workspace a request's credential belongs to, whatever its validity.

        In order: the Bearer token's Workspace, the Basic credential's, the Workspace
        (or Profile) API key in the body, the Workspace a User is selecting.
        """
        if auth.token is not None and auth.token.workspace_id is not None:
            return self.by_uuid[auth.token.workspace_id]
        if auth.workspace is not None:
            return auth.workspace
        if isinstance(body, dict) and isinstance(body.get("apiKey"), str):
            key = body["apiKey"]
            found = self.by_api_key.get(key) or self.by_profile_key.get(key)
            if found is not None:
                return found
        if _paths.is_token_path(path) and path.startswith(_paths.SELECT_WORKSPACE_PREFIX):
            key = path[len(_paths.SELECT_WORKSPACE_PREFIX) :]
            return self.by_uuid.get(key)
        return None

    def is_expired(self, record: TokenRecord) -> bool:
        """Tell whether ``record`` is expired by the server clock (``now >= exp``)."""
        return self.now() >= record.exp

    def issued_tokens(self) -> tuple[IssuedToken, ...]:
        """Every token issued so far, in issuing order, without the tokens themselves."""
        return tuple(
            IssuedToken(
                serial=record.seq,
                kind=_TOKEN_KINDS[record.realm],
                realm=record.realm,
                subject=record.subject,
                workspace=record.workspace_id,
                issued_at=record.iat,
                expires_at=record.exp,
                mfa_pending=record.mfa_pending,
                revoked=self.tokens.is_revoked(record),
                expired=self.is_expired(record),
            )
            for record in self.tokens
        )

    def issue(
        self,
        *,
        realm: str,
        subject: str,
        workspace: SeededWorkspace | None,
        username: str | None = None,
        mfa_pending: bool = False,
        origin: str = "SYNERISE",
        custom_id: Any = None,
    ) -> TokenRecord:
        """Issue a token with the current clock and lifetime."""
        return self.tokens.issue(
            realm=realm,
            subject=subject,
            now=self.now(),
            lifetime=self.token_lifetime,
            workspace_id=workspace.id if workspace else None,
            workspace_numeric_id=workspace.numeric_id if workspace else None,
            username=username,
            mfa_pending=mfa_pending,
            origin=origin,
            custom_id=custom_id,
        )

    def require_token(
        self,
        auth: AuthInfo,
        realms: frozenset[str],
        *,
        allow_mfa_pending: bool = False,
        expired_status: int = 401,
    ) -> TokenRecord:
        """Return the presented, valid token of one of ``realms``, else raise 401.

        Raises:
            ApiError: 401 (or ``expired_status`` for an expired token).
        """
        if auth.kind is None:
            raise ApiError(401, "Full authentication is required to access this resource")
        record = auth.token
        if auth.kind != "bearer" or record is None:
            raise ApiError(401, "Invalid token")
        if self.tokens.is_revoked(record):
            raise ApiError(401, "Token has been revoked")
        if self.is_expired(record):
            raise ApiError(expired_status, "Token expired")
        if record.realm not in realms:
            raise ApiError(401, f"A {record.realm} token cannot access this resource")
        if record.mfa_pending and not allow_mfa_pending:
            raise ApiError(401, "Multi-factor authentication is not complete")
        return record

    def automation_workspace(self, auth: AuthInfo) -> SeededWorkspace:
        """The Workspace an automation request acts on (Workspace/User token or Basic).

        Raises:
            ApiError: 401, or ``expired_token_status_code`` for an expired token; 403 when
                the route's permission is denied (after the credential is accepted).
        """
        if auth.kind == "basic":
            if auth.workspace is None:
                raise ApiError(401, "Invalid Basic credentials")
            workspace = auth.workspace
        else:
            record = self.require_token(
                auth,
                frozenset({REALM_WORKSPACE, REALM_USER}),
                expired_status=self.expired_token_status_code,
            )
            if record.workspace_id is None:
                raise ApiError(401, "Select a Workspace before calling this resource")
            workspace = self.by_uuid[record.workspace_id]
        self.check_permission(workspace)
        return workspace

    def check_permission(self, workspace: SeededWorkspace) -> None:
        """Refuse the request being handled if its route's permission is denied.

        Raises:
            ApiError: 403 with Synerise's "insufficient permissions" body.
        """
        permission = CURRENT_REQUEST.get().permission
        if permission is not None and (
            (permission, None) in self.denied or (permission, workspace.id) in self.denied
        ):
            raise ApiError(403, "Forbidden; insufficient permissions")

    def user_of(self, record: TokenRecord) -> SeededUser:
        """The User a User token belongs to."""
        assert record.username is not None
        return self.users_by_name[record.username.lower()]


def new_profile_uuid() -> str:
    """A fresh UUID for a Profile created by a login."""
    return str(uuid.uuid4())
