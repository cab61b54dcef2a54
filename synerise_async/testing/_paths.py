"""Every path the fake Synerise server answers, in one place.

The fake plays the server, so it keeps its own routes rather than read the SDK's; the
SDK's ``synerise_async/api/_paths.py`` is the source. ``tests/api/test_paths.py`` holds
the two to one another, template for template, method for method and permission for
permission: a path corrected there is corrected here too.

Paths marked *unconfirmed* appear in no public Synerise source; they follow the
neighbouring routes' pattern.
"""

from __future__ import annotations

from typing import Final

# Profile (formerly "client") authentication, operations 1-5.
PROFILE_REFRESH: Final = "/sauth/v3/auth/refresh/client"
PROFILE_LOGIN: Final = "/sauth/v3/auth/login/client"
#: Unconfirmed: no public source shows the server-side Profile login path.
PROFILE_SERVER_LOGIN: Final = "/sauth/v3/auth/login/client/server"
PROFILE_CONDITIONAL_LOGIN: Final = "/sauth/v3/auth/login/client/conditional"
PROFILE_ANONYMOUS_LOGIN: Final = "/sauth/v3/auth/login/client/anonymous"

# User authentication and Workspace ("business profile") selection, operations 6-12.
USER_LOGIN: Final = "/uauth/auth/login/user"
USER_MFA_VERIFICATION: Final = "/uauth/auth/login/user/mfa/verification"
SELECT_WORKSPACE_PREFIX: Final = "/uauth/auth/login/user/profile/"
SELECT_WORKSPACE: Final = SELECT_WORKSPACE_PREFIX + "{workspace_uuid}"
LIST_WORKSPACES: Final = "/uauth/business-profile/"
LIST_WORKSPACE_IDS: Final = "/uauth/business-profile/ids"
CURRENT_WORKSPACE: Final = "/uauth/business-profile/current"
WORKSPACE_LOGIN: Final = "/uauth/v2/auth/login/profile"

# Automation workflows ("diagrams"), operations 13-22.
LIST_WORKFLOWS_V1: Final = "/automation-brain/diagrams"
LIST_WORKFLOWS_V2: Final = "/automation-brain/v2/diagrams"
#: Unconfirmed: the run path follows the stop/schedule-on pattern.
RUN_WORKFLOW: Final = "/automation-brain/diagrams/{diagram_id}/run"
#: Unconfirmed: the pause path follows the stop/schedule-on pattern.
PAUSE_WORKFLOW: Final = "/automation-brain/diagrams/{diagram_id}/pause"
STOP_WORKFLOW: Final = "/automation-brain/diagrams/{diagram_id}/stop"
SCHEDULE_ON: Final = "/automation-brain/diagrams/{diagram_id}/schedule-on"
SCHEDULE_OFF: Final = "/automation-brain/diagrams/{diagram_id}/schedule-off"
WORKFLOW_STATISTICS: Final = "/automation-brain/diagrams/{diagram_id}/statistics"
BLOCK_STATISTICS: Final = "/automation-brain/diagrams/{diagram_id}/blocks/{block_id}/statistics"
LAST_RUN: Final = "/morph/logs/automation/{diagram_id}/last-run/with-stages"

#: The permission of a Workspace API key (or of a User's role) each route needs, by its
#: route template, as Synerise's reference names it; ``FakeSynerise.deny_permission``
#: takes one away.
PERMISSIONS: Final[dict[str, str]] = {
    PROFILE_SERVER_LOGIN: "SAUTH_SERVER_LOGIN_CLIENT_CREATE",
    LIST_WORKFLOWS_V1: "AUTOMATON_BRAIN_DIAGRAM_LIST_READ",
    LIST_WORKFLOWS_V2: "AUTOMATON_BRAIN_DIAGRAM_LIST_READ",
    RUN_WORKFLOW: "AUTOMATON_BRAIN_DIAGRAM_EXECUTE",
    PAUSE_WORKFLOW: "AUTOMATON_BRAIN_DIAGRAM_EXECUTE",
    STOP_WORKFLOW: "AUTOMATON_BRAIN_DIAGRAM_EXECUTE",
    SCHEDULE_ON: "AUTOMATON_BRAIN_DIAGRAM_EXECUTE",
    SCHEDULE_OFF: "AUTOMATON_BRAIN_DIAGRAM_EXECUTE",
    WORKFLOW_STATISTICS: "AUTOMATION_STATS_READ",
    BLOCK_STATISTICS: "AUTOMATION_STATS_READ",
    LAST_RUN: "MORPH_JOBS_READ",
}

#: Exact paths of the token operations (1-7 and 12); ``SELECT_WORKSPACE_PREFIX`` covers 8.
TOKEN_PATHS: Final = frozenset(
    {
        PROFILE_REFRESH,
        PROFILE_LOGIN,
        PROFILE_SERVER_LOGIN,
        PROFILE_CONDITIONAL_LOGIN,
        PROFILE_ANONYMOUS_LOGIN,
        USER_LOGIN,
        USER_MFA_VERIFICATION,
        WORKSPACE_LOGIN,
    }
)


def is_token_path(path: str) -> bool:
    """Tell whether ``path`` belongs to a token operation (1-8 or 12)."""
    return path in TOKEN_PATHS or (
        path.startswith(SELECT_WORKSPACE_PREFIX) and len(path) > len(SELECT_WORKSPACE_PREFIX)
    )


def path_matches(pattern: str | None, path: str) -> bool:
    """Match ``path`` against an exact path, or a prefix when ``pattern`` ends in ``*``.

    ``None`` matches every path.
    """
    if pattern is None:
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern
