"""Every API path the SDK uses, and the permission each needs, in one place.

This is the source of the paths: correct one here first. The fake server
(``synerise_async/testing/_paths.py``) keeps its own table on purpose, since it plays the
server; ``tests/api/test_paths.py`` fails until the fake's templates, methods and
permissions agree with these again.

Paths no public Synerise source shows are marked UNCONFIRMED: they follow the API's
naming but have not been seen working.

:data:`PERMISSIONS` maps a path to the API key permission (and the User role group) the
reference names for its operation; a 403 for that path says it
(:class:`~synerise_async.PermissionDeniedError`). It lives here, keyed by the path
constants themselves, so that a path and its permission are changed in one edit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

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
    "PERMISSIONS",
    "PROFILE_LOGIN",
    "PROFILE_LOGIN_FROM_SERVER",
    "REFRESH_PROFILE_TOKEN",
    "RUN_WORKFLOW",
    "RequiredPermission",
    "SELECT_WORKSPACE",
    "STOP_WORKFLOW",
    "UNCONFIRMED",
    "USER_LOGIN",
    "USER_MFA_LOGIN",
    "WORKFLOW_STATISTICS",
    "WORKSPACE_LOGIN",
    "path_template",
    "required_permission",
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


class RequiredPermission(NamedTuple):
    """What an operation needs, as Synerise's reference names it.

    Attributes:
        permission: the API key permission (Settings > API keys), e.g.
            ``AUTOMATON_BRAIN_DIAGRAM_EXECUTE`` (Synerise's spelling, "AUTOMATON").
        role_group: the User role group that grants it to a User, if the reference names one.
    """

    permission: str
    role_group: str | None = None


_LIST_READ: Final = RequiredPermission("AUTOMATON_BRAIN_DIAGRAM_LIST_READ", "AUTOMATION_2_JOURNEYS")
_EXECUTE: Final = RequiredPermission("AUTOMATON_BRAIN_DIAGRAM_EXECUTE", "AUTOMATION_2_JOURNEYS")
_STATS_READ: Final = RequiredPermission("AUTOMATION_STATS_READ", "AUTOMATION_2_JOURNEYS")

#: The permission each operation needs, by its path (operations without an entry
#: name none in the reference).
PERMISSIONS: Final[Mapping[str, RequiredPermission]] = MappingProxyType(
    {
        PROFILE_LOGIN_FROM_SERVER: RequiredPermission("SAUTH_SERVER_LOGIN_CLIENT_CREATE"),
        LIST_WORKFLOWS_V1: _LIST_READ,
        LIST_WORKFLOWS: _LIST_READ,
        RUN_WORKFLOW: _EXECUTE,
        PAUSE_WORKFLOW: _EXECUTE,
        STOP_WORKFLOW: _EXECUTE,
        ENABLE_WORKFLOW_SCHEDULE: _EXECUTE,
        DISABLE_WORKFLOW_SCHEDULE: _EXECUTE,
        WORKFLOW_STATISTICS: _STATS_READ,
        BLOCK_STATISTICS: _STATS_READ,
        LAST_RUN_LOGS: RequiredPermission("MORPH_JOBS_READ", "AUTOMATION_2_JOURNEYS"),
    }
)


def _pattern(template: str) -> re.Pattern[str]:
    # A parameter is one path segment: the operations fill in validated UUIDs.
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


_PATTERNS: Final = tuple((_pattern(template), needed) for template, needed in PERMISSIONS.items())


def required_permission(path: str) -> RequiredPermission | None:
    """The permission the operation at ``path`` (parameters filled in) needs, if known."""
    for pattern, needed in _PATTERNS:
        if pattern.fullmatch(path):
            return needed
    return None


#: Every path above, as written (parameters unfilled).
_TEMPLATES: Final = frozenset(
    value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
)
_WITH_PARAMETERS: Final = tuple(template for template in sorted(_TEMPLATES) if "{" in template)
#: One alternation of every template with parameters, a group each: one ``fullmatch``
#: names the template (its group's index) instead of one match per template.
_ANY_TEMPLATE: Final = re.compile(
    "|".join(f"({_pattern(template).pattern})" for template in _WITH_PARAMETERS)
)


def path_template(path: str) -> str:
    """The template above that ``path`` (parameters filled in) was made from, e.g.
    ``"/automation-brain/diagrams/{workflow_id}/run"``; ``path`` itself when it is none
    of them (a bare ``client.send`` to a path the SDK does not cover)."""
    if path in _TEMPLATES:
        return path
    match = _ANY_TEMPLATE.fullmatch(path)
    if match is None or match.lastindex is None:
        return path
    return _WITH_PARAMETERS[match.lastindex - 1]
