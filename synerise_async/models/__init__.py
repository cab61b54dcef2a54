"""Frozen attrs models of the API's requests and responses, one module per API area."""

from .auth import (
    Agreements,
    ConditionalLoginResult,
    ConditionalLoginStatus,
    Consumer,
    IdentityProvider,
    MfaType,
    ProfileLoginBody,
    ProfileToken,
    UserLoginResult,
    WorkspaceToken,
)
from .workspaces import CurrentWorkspace, Restriction, Workspace, WorkspaceDetails, WorkspaceIds

__all__ = [
    "Agreements",
    "ConditionalLoginResult",
    "ConditionalLoginStatus",
    "Consumer",
    "CurrentWorkspace",
    "IdentityProvider",
    "MfaType",
    "ProfileLoginBody",
    "ProfileToken",
    "Restriction",
    "UserLoginResult",
    "Workspace",
    "WorkspaceDetails",
    "WorkspaceIds",
    "WorkspaceToken",
]
