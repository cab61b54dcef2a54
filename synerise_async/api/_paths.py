"""Every API path the SDK uses, in one place.

Paths no public Synerise source shows are marked UNCONFIRMED: they follow the API's
naming but have not been seen working; correct them here and nowhere else.
"""

from __future__ import annotations

__all__ = [
    "ANONYMOUS_PROFILE_LOGIN",
    "BLOCK_STATISTICS",
    "CONDITIONAL_PROFILE_LOGIN",
    "CURRENT_WORKSPACE",
    "DISABLE_WORKFLOW_SCHEDULE",
    "ENABLE_WORKFLOW_SCHEDULE",
    "LAST_RUN_LOGS",
    "LIST_WORKFLOWS",
    "LIST_WORKFLOWS_V1",
    "LIST_WORKSPACES",
    "LIST_WORKSPACE_IDS",
    "PAUSE_WORKFLOW",
    "PROFILE_LOGIN",
    "PROFILE_LOGIN_FROM_SERVER",
    "REFRESH_PROFILE_TOKEN",
    "RUN_WORKFLOW",
    "SELECT_WORKSPACE",
    "STOP_WORKFLOW",
    "UNCONFIRMED",
    "USER_LOGIN",
    "USER_MFA_LOGIN",
    "WORKFLOW_STATISTICS",
    "WORKSPACE_LOGIN",
]

# Authentication (operations 1 to 8 and 12)
REFRESH_PROFILE_TOKEN = "/sauth/v3/auth/refresh/client"
PROFILE_LOGIN = "/sauth/v3/auth/login/client"
PROFILE_LOGIN_FROM_SERVER = "/sauth/v3/auth/login/client/server"  # UNCONFIRMED
CONDITIONAL_PROFILE_LOGIN = "/sauth/v3/auth/login/client/conditional"
ANONYMOUS_PROFILE_LOGIN = "/sauth/v3/auth/login/client/anonymous"
USER_LOGIN = "/uauth/auth/login/user"
USER_MFA_LOGIN = "/uauth/auth/login/user/mfa/verification"
SELECT_WORKSPACE = "/uauth/auth/login/user/profile/{workspace_uuid}"
WORKSPACE_LOGIN = "/uauth/v2/auth/login/profile"

# Workspaces (operations 9 to 11)
LIST_WORKSPACES = "/uauth/business-profile/"
LIST_WORKSPACE_IDS = "/uauth/business-profile/ids"
CURRENT_WORKSPACE = "/uauth/business-profile/current"

# Automation workflows (operations 13 to 22); Synerise calls a workflow a "diagram".
LIST_WORKFLOWS_V1 = "/automation-brain/diagrams"
LIST_WORKFLOWS = "/automation-brain/v2/diagrams"
RUN_WORKFLOW = "/automation-brain/diagrams/{workflow_id}/run"  # UNCONFIRMED
PAUSE_WORKFLOW = "/automation-brain/diagrams/{workflow_id}/pause"  # UNCONFIRMED
STOP_WORKFLOW = "/automation-brain/diagrams/{workflow_id}/stop"
ENABLE_WORKFLOW_SCHEDULE = "/automation-brain/diagrams/{workflow_id}/schedule-on"
DISABLE_WORKFLOW_SCHEDULE = "/automation-brain/diagrams/{workflow_id}/schedule-off"
WORKFLOW_STATISTICS = "/automation-brain/diagrams/{workflow_id}/statistics"
BLOCK_STATISTICS = "/automation-brain/diagrams/{workflow_id}/blocks/{block_id}/statistics"
LAST_RUN_LOGS = "/morph/logs/automation/{workflow_id}/last-run/with-stages"

#: The paths above that no public source confirms.
UNCONFIRMED = frozenset({PROFILE_LOGIN_FROM_SERVER, RUN_WORKFLOW, PAUSE_WORKFLOW})
