"""Token and Workspace routes: operations 1-12 (Profile, User and Workspace logins).

Choices where the reference is silent:

- A wrong API key, password or MFA code answers 401; a missing or malformed field 400
  with ``errors[]``; authentication is checked before the body.
- MFA verification (7) accepts any unexpired User token; ``mfaType`` must be the user's
  method, else 400.
- Selecting a Workspace (8) accepts its UUID (``businessProfileGuid``); an unknown
  Workspace answers 404, one the user may not access 403.
- The current Workspace (11) of an unscoped User token is ``{"selected": false, "data": null}``.
- The conditional Profile login (4) is answered with no ``Authorization`` header, with an
  anonymous Profile token, or with a Profile token (Synerise's sources say each); a token
  that is sent must be valid and of the API key's Workspace, else 401.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from aiohttp import web

from . import _paths
from ._common import auth_of, body_of, json_response, one_of, required_str
from ._errors import ApiError, iso_timestamp
from ._models import SeededUser, SeededWorkspace
from ._state import ProfileAccount, ServerState, new_profile_uuid
from ._tokens import (
    REALM_ANONYMOUS,
    REALM_PROFILE,
    REALM_USER,
    REALM_WORKSPACE,
    TokenRecord,
)

IDENTITY_PROVIDERS: Final = ("SYNERISE", "FACEBOOK", "OAUTH", "APPLE", "GOOGLE", "UNKNOWN")
MFA_TYPES: Final = ("TOTP_AUTHENTICATOR", "EMAIL")
_AUTHORITIES: Final = (
    "AUTOMATION_2_JOURNEYS_READ",
    "AUTOMATION_2_JOURNEYS_EXECUTE",
    "AUTOMATION_STATS_READ",
    "MORPH_JOBS_READ",
)
_PROFILE_REALMS: Final = frozenset({REALM_PROFILE, REALM_ANONYMOUS})
_USER_REALM: Final = frozenset({REALM_USER})


def token_object(record: TokenRecord) -> dict[str, Any]:
    """The token object of operations 1-5."""
    return {
        "token": record.token,
        "expiration": record.exp,
        "created": round(record.iat * 1000),
        "origin": record.origin,
        "customId": record.custom_id,
        "realm": record.realm,
    }


class AuthRoutes:
    """Handlers of operations 1-12 over one :class:`ServerState`."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def register(self, router: web.UrlDispatcher) -> None:
        """Add every route to ``router``."""
        router.add_post(_paths.PROFILE_REFRESH, self.refresh_profile)
        router.add_post(_paths.PROFILE_LOGIN, self.profile_login)
        router.add_post(_paths.PROFILE_SERVER_LOGIN, self.profile_server_login)
        router.add_post(_paths.PROFILE_CONDITIONAL_LOGIN, self.profile_conditional_login)
        router.add_post(_paths.PROFILE_ANONYMOUS_LOGIN, self.profile_anonymous_login)
        router.add_post(_paths.USER_LOGIN, self.user_login)
        router.add_post(_paths.USER_MFA_VERIFICATION, self.user_mfa_verification)
        router.add_post(_paths.SELECT_WORKSPACE, self.select_workspace)
        router.add_get(_paths.LIST_WORKSPACES, self.list_workspaces)
        router.add_get(_paths.LIST_WORKSPACE_IDS, self.list_workspace_ids)
        router.add_get(_paths.CURRENT_WORKSPACE, self.current_workspace)
        router.add_post(_paths.WORKSPACE_LOGIN, self.workspace_login)

    # --- Profiles (1-5) ------------------------------------------------------

    def _profile_workspace(self, api_key: str, expected: str | None = None) -> SeededWorkspace:
        workspace = self.state.by_profile_key.get(api_key)
        if workspace is None or (expected is not None and workspace.id != expected):
            raise ApiError(401, "Invalid API key")
        return workspace

    def _issue_profile(
        self, workspace: SeededWorkspace, account: ProfileAccount, provider: str
    ) -> TokenRecord:
        return self.state.issue(
            realm=REALM_PROFILE,
            subject=account.uuid,
            workspace=workspace,
            origin=provider,
            custom_id=account.custom_id,
        )

    def _authenticate_profile(
        self, workspace: SeededWorkspace, body: dict[str, Any], provider: str, *, create: bool
    ) -> ProfileAccount | None:
        """Find (or create) the account a login names; ``None`` when it does not exist.

        Raises:
            ApiError: 400 for a body naming no account; 401 for a wrong password.
        """
        directory = self.state.accounts[workspace.id]
        account = directory.find(body)
        if provider == "SYNERISE":
            if not body.get("email") and body.get("customId") is None:
                required_str(body, "email")
            password = required_str(body, "password")
            if account is None:
                return None
            if account.password is None or account.password != password:
                raise ApiError(401, "Bad credentials")
            return account
        required_str(body, "identityProviderToken")
        if account is not None or not create:
            return account
        email = body.get("email") if isinstance(body.get("email"), str) else None
        custom_id = body.get("customId")
        profile_uuid = body.get("uuid") if isinstance(body.get("uuid"), str) else None
        if not (email or custom_id is not None or profile_uuid):
            required_str(body, "email")
        account = ProfileAccount(email, None, profile_uuid or new_profile_uuid(), custom_id)
        directory.add(account)
        return account

    async def refresh_profile(self, request: web.Request) -> web.StreamResponse:
        """Operation 1: refresh a still-valid Profile token."""
        record = self.state.require_token(auth_of(), _PROFILE_REALMS)
        body = body_of()
        assert record.workspace_id is not None
        workspace = self._profile_workspace(required_str(body, "apiKey"), record.workspace_id)
        new = self.state.issue(
            realm=record.realm,
            subject=record.subject,
            workspace=workspace,
            origin=record.origin,
            custom_id=record.custom_id,
        )
        return json_response(token_object(new))

    async def profile_login(self, request: web.Request) -> web.StreamResponse:
        """Operation 2: Profile login (creates the account unless the provider is SYNERISE)."""
        body = body_of()
        api_key = required_str(body, "apiKey")
        provider = one_of(body.get("identityProvider"), "identityProvider", IDENTITY_PROVIDERS)
        workspace = self._profile_workspace(api_key)
        account = self._authenticate_profile(workspace, body, provider, create=True)
        if account is None:
            raise ApiError(401, "Bad credentials")
        return json_response(token_object(self._issue_profile(workspace, account, provider)))

    async def profile_server_login(self, request: web.Request) -> web.StreamResponse:
        """Operation 3: Profile login from a backend, with a Workspace token."""
        record = self.state.require_token(auth_of(), frozenset({REALM_WORKSPACE}))
        body = body_of()
        required_str(body, "ipAddress")
        api_key = required_str(body, "apiKey")
        provider = one_of(body.get("identityProvider"), "identityProvider", IDENTITY_PROVIDERS)
        workspace = self._profile_workspace(api_key, record.workspace_id)
        self.state.check_permission(workspace)
        account = self._authenticate_profile(workspace, body, provider, create=True)
        if account is None:
            raise ApiError(401, "Bad credentials")
        return json_response(token_object(self._issue_profile(workspace, account, provider)))

    async def profile_conditional_login(self, request: web.Request) -> web.StreamResponse:
        """Operation 4: conditional Profile login, with no token or a Profile token."""
        auth = auth_of()
        # No header, or a valid Profile token (anonymous or not) of the key's Workspace.
        record = None if auth.kind is None else self.state.require_token(auth, _PROFILE_REALMS)
        body = body_of()
        api_key = required_str(body, "apiKey")
        provider = one_of(body.get("identityProvider"), "identityProvider", IDENTITY_PROVIDERS)
        workspace = self._profile_workspace(api_key, record.workspace_id if record else None)
        try:
            account = self._authenticate_profile(workspace, body, provider, create=False)
        except ApiError as exc:
            if exc.status != 401:
                raise
            return json_response({"status": "UNAUTHORIZED", "conditions": []})
        if account is None:
            return json_response(
                {"status": "REGISTRATION_REQUIRED", "conditions": ["REGISTRATION_REQUIRED"]}
            )
        token = token_object(self._issue_profile(workspace, account, provider))
        return json_response({"status": "SUCCESS", "conditions": [], **token})

    async def profile_anonymous_login(self, request: web.Request) -> web.StreamResponse:
        """Operation 5: anonymous Profile login."""
        body = body_of()
        api_key = required_str(body, "apiKey")
        profile_uuid = required_str(body, "uuid")
        workspace = self._profile_workspace(api_key)
        record = self.state.issue(realm=REALM_ANONYMOUS, subject=profile_uuid, workspace=workspace)
        return json_response(token_object(record))

    # --- Users (6-11) --------------------------------------------------------

    def _consumer(self, user: SeededUser, workspace: SeededWorkspace | None) -> dict[str, Any]:
        return {
            "type": "USER",
            "businessProfileId": workspace.numeric_id if workspace else None,
            "name": user.name,
            "id": user.id,
            "authorities": list(_AUTHORITIES),
            "roles": {str(self.state.by_uuid[i].numeric_id): "ADMIN" for i in user.workspace_ids},
        }

    def _user_token(self, user: SeededUser, workspace: SeededWorkspace | None) -> dict[str, Any]:
        record = self.state.issue(
            realm=REALM_USER, subject=user.username, workspace=workspace, username=user.username
        )
        return {"token": record.token, "consumer": self._consumer(user, workspace)}

    async def user_login(self, request: web.Request) -> web.StreamResponse:
        """Operation 6: User login; an MFA user gets a token good only for operation 7."""
        body = body_of()
        username = required_str(body, "username")
        password = required_str(body, "password")
        user = self.state.users_by_name.get(username.lower())
        if user is None or user.password != password:
            raise ApiError(401, "Bad credentials")
        if user.mfa_type is None:
            return json_response(self._user_token(user, None))
        record = self.state.issue(
            realm=REALM_USER,
            subject=user.username,
            workspace=None,
            username=user.username,
            mfa_pending=True,
        )
        return json_response(
            {
                "token": record.token,
                "consumer": self._consumer(user, None),
                "mfaMethods": [user.mfa_type],
            }
        )

    async def user_mfa_verification(self, request: web.Request) -> web.StreamResponse:
        """Operation 7: verify the MFA code and get a full User token."""
        record = self.state.require_token(auth_of(), _USER_REALM, allow_mfa_pending=True)
        mfa_type = one_of(request.query.get("mfaType"), "mfaType", MFA_TYPES)
        body = body_of()
        code = required_str(body, "verificationCode")
        user = self.state.user_of(record)
        if user.mfa_type != mfa_type:
            raise ApiError(400, f"Multi-factor method {mfa_type} is not enabled for this user")
        if not user.accepts_mfa_code(code, self.state.now()):
            raise ApiError(401, "Invalid verification code")
        return json_response(self._user_token(user, None))

    async def select_workspace(self, request: web.Request) -> web.StreamResponse:
        """Operation 8: a User token scoped to one Workspace."""
        record = self.state.require_token(auth_of(), _USER_REALM)
        key = request.match_info["workspace_uuid"]
        workspace = self.state.by_uuid.get(key)
        if workspace is None:
            raise ApiError(404, "Workspace not found")
        user = self.state.user_of(record)
        if workspace.id not in user.workspace_ids:
            raise ApiError(403, "Access to this Workspace is denied")
        return json_response(self._user_token(user, workspace))

    def _user_workspaces(self, request: web.Request) -> list[SeededWorkspace]:
        record = self.state.require_token(auth_of(), _USER_REALM)
        return [self.state.by_uuid[i] for i in self.state.user_of(record).workspace_ids]

    def _logo(self, workspace: SeededWorkspace) -> str:
        return f"https://static.example.com/logos/{workspace.subdomain}.png"

    async def list_workspaces(self, request: web.Request) -> web.StreamResponse:
        """Operation 9: the User's Workspaces."""
        return json_response(
            [
                {
                    "businessProfileGuid": w.id,
                    "logo": self._logo(w),
                    "name": w.name,
                    "id": w.numeric_id,
                    "created": iso_timestamp(self.state.workspace_created[w.id]),
                    "subdomain": w.subdomain,
                    "ipRestricted": False,
                    "mfaRequired": False,
                }
                for w in self._user_workspaces(request)
            ]
        )

    async def list_workspace_ids(self, request: web.Request) -> web.StreamResponse:
        """Operation 10: the User's Workspace ids with user-specific flags."""
        return json_response(
            [
                {
                    "id": w.numeric_id,
                    "ipRestriction": "OFF",
                    "mfaRestriction": "OFF",
                    "favorite": index == 0,
                }
                for index, w in enumerate(self._user_workspaces(request))
            ]
        )

    async def current_workspace(self, request: web.Request) -> web.StreamResponse:
        """Operation 11: the Workspace a User or Workspace token is scoped to."""
        record = self.state.require_token(auth_of(), frozenset({REALM_USER, REALM_WORKSPACE}))
        if record.workspace_id is None:
            return json_response({"selected": False, "data": None})
        workspace = self.state.by_uuid[record.workspace_id]
        organization = uuid.uuid5(uuid.NAMESPACE_URL, f"synerise-fake:{self.state.seed}:org")
        return json_response(
            {
                "selected": True,
                "data": {
                    "id": workspace.numeric_id,
                    "name": workspace.name,
                    "logo": self._logo(workspace),
                    "businessProfileGuid": workspace.id,
                    "created": iso_timestamp(self.state.workspace_created[workspace.id]),
                    "subdomain": workspace.subdomain,
                    "ipRestriction": "OFF",
                    "mfaRestriction": "OFF",
                    "labels": [],
                    "emailAttributeName": "email",
                    "organizationGuid": str(organization),
                },
            }
        )

    # --- Workspace (12) ------------------------------------------------------

    async def workspace_login(self, request: web.Request) -> web.StreamResponse:
        """Operation 12: Workspace login with a Workspace API key; answers ``{"token"}`` only."""
        body = body_of()
        workspace = self.state.by_api_key.get(required_str(body, "apiKey"))
        if workspace is None:
            raise ApiError(401, "Invalid API key")
        record = self.state.issue(realm=REALM_WORKSPACE, subject=workspace.id, workspace=workspace)
        return json_response({"token": record.token})
