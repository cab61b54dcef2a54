"""Authentication operations: Profile, User and Workspace logins (operations 1 to 8 and 12)."""

from . import (
    anonymous_profile_login,
    conditional_profile_login,
    profile_login,
    profile_login_from_server,
    refresh_profile_token,
    select_workspace,
    user_login,
    user_mfa_login,
    workspace_login,
)
from ._profile import ProfileLoginFields, ProfileLoginOptions

__all__ = [
    "ProfileLoginFields",
    "ProfileLoginOptions",
    "anonymous_profile_login",
    "conditional_profile_login",
    "profile_login",
    "profile_login_from_server",
    "refresh_profile_token",
    "select_workspace",
    "user_login",
    "user_mfa_login",
    "workspace_login",
]
