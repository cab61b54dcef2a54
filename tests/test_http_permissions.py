"""A 403 names the permission its operation needs (issue 9, items 8 and 9), over HTTP
against the fake server, for every operation in ``api._paths.PERMISSIONS``.

That the SDK's table and the fake's agree is tested with the paths, in
``tests/api/test_paths.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from synerise_async import (
    AuthenticationError,
    ClientConfig,
    PermissionDeniedError,
    SyneriseClient,
    UserAuth,
    WorkspaceAuth,
)
from synerise_async.api import _paths as paths
from synerise_async.api.auth import profile_login_from_server
from synerise_async.api.automation import (
    disable_workflow_schedule,
    enable_workflow_schedule,
    get_block_statistics,
    get_last_run_logs,
    get_workflow_statistics,
    list_workflows,
    list_workflows_v1,
    pause_workflow,
    run_workflow,
    stop_workflow,
)
from synerise_async.testing import FakeSynerise

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)

Call = Callable[[SyneriseClient, FakeSynerise], Awaitable[object]]


def _diagram(fake: FakeSynerise) -> str:
    return str(fake.workflows()[0]["diagramId"])


def _server_login(client: SyneriseClient, fake: FakeSynerise) -> Awaitable[object]:
    profile = fake.profiles[0]
    return profile_login_from_server.asyncio(
        client=client,
        ip_address="203.0.113.7",
        api_key=fake.workspace.profile_api_key,
        identity_provider="SYNERISE",
        email=profile.email,
        password=profile.password,
    )


#: One call per operation of the table, by its path.
CALLS: dict[str, Call] = {
    paths.PROFILE_LOGIN_FROM_SERVER: _server_login,
    paths.LIST_WORKFLOWS_V1: lambda c, f: list_workflows_v1.asyncio(client=c),
    paths.LIST_WORKFLOWS: lambda c, f: list_workflows.asyncio(client=c),
    paths.RUN_WORKFLOW: lambda c, f: run_workflow.asyncio(client=c, diagram_id=_diagram(f)),
    paths.PAUSE_WORKFLOW: lambda c, f: pause_workflow.asyncio(client=c, diagram_id=_diagram(f)),
    paths.STOP_WORKFLOW: lambda c, f: stop_workflow.asyncio(client=c, diagram_id=_diagram(f)),
    paths.ENABLE_WORKFLOW_SCHEDULE: lambda c, f: enable_workflow_schedule.asyncio(
        client=c, diagram_id=_diagram(f)
    ),
    paths.DISABLE_WORKFLOW_SCHEDULE: lambda c, f: disable_workflow_schedule.asyncio(
        client=c, diagram_id=_diagram(f)
    ),
    paths.WORKFLOW_STATISTICS: lambda c, f: get_workflow_statistics.asyncio(
        client=c, diagram_id=_diagram(f)
    ),
    paths.BLOCK_STATISTICS: lambda c, f: get_block_statistics.asyncio(
        client=c, diagram_id=_diagram(f), block_id="block-1"
    ),
    paths.LAST_RUN_LOGS: lambda c, f: get_last_run_logs.asyncio(client=c, diagram_id=_diagram(f)),
}


def test_the_table_names_what_the_reference_names() -> None:
    assert set(CALLS) == set(paths.PERMISSIONS)
    execute = {
        paths.RUN_WORKFLOW,
        paths.PAUSE_WORKFLOW,
        paths.STOP_WORKFLOW,
        paths.ENABLE_WORKFLOW_SCHEDULE,
        paths.DISABLE_WORKFLOW_SCHEDULE,
    }
    expected = {
        paths.LIST_WORKFLOWS_V1: "AUTOMATON_BRAIN_DIAGRAM_LIST_READ",
        paths.LIST_WORKFLOWS: "AUTOMATON_BRAIN_DIAGRAM_LIST_READ",
        **dict.fromkeys(execute, "AUTOMATON_BRAIN_DIAGRAM_EXECUTE"),
        paths.WORKFLOW_STATISTICS: "AUTOMATION_STATS_READ",
        paths.BLOCK_STATISTICS: "AUTOMATION_STATS_READ",
        paths.LAST_RUN_LOGS: "MORPH_JOBS_READ",
        paths.PROFILE_LOGIN_FROM_SERVER: "SAUTH_SERVER_LOGIN_CLIENT_CREATE",
    }
    assert {path: needed.permission for path, needed in paths.PERMISSIONS.items()} == expected
    for path, needed in paths.PERMISSIONS.items():
        automation = path.startswith(("/automation-brain/", "/morph/"))
        assert needed.role_group == ("AUTOMATION_2_JOURNEYS" if automation else None), path


def _client(fake: FakeSynerise, path: str) -> SyneriseClient:
    if path == paths.PROFILE_LOGIN_FROM_SERVER:
        auth: WorkspaceAuth | UserAuth = WorkspaceAuth(fake.workspace.api_key)
    else:
        # The automation operations as a User: the role group is what a User lacks.
        auth = UserAuth(fake.user.username, fake.user.password, workspace=fake.workspace.id)
    return SyneriseClient(auth, base_url=fake.url, config=FAST)


@pytest.mark.parametrize("path", sorted(paths.PERMISSIONS))
async def test_a_403_for_a_missing_permission_says_which(fake: FakeSynerise, path: str) -> None:
    needed = paths.PERMISSIONS[path]
    async with _client(fake, path) as client, asyncio.timeout(10):
        fake.deny_permission(needed.permission)
        with pytest.raises(PermissionDeniedError) as caught:
            await CALLS[path](client, fake)
        session = client.token_session
        assert session is not None and session.token is not None
        token = session.token.value
        reauthentications = client.stats.reauthentications
    error = caught.value
    assert type(error) is PermissionDeniedError  # the 403 class of the one mapping
    assert error.status_code == 403
    assert (error.permission, error.role_group) == (needed.permission, needed.role_group)
    text = str(error)
    group = f" (User role group {needed.role_group})" if needed.role_group else ""
    assert f"needs the {needed.permission} permission{group}" in text
    assert text.startswith("HTTP 403: Forbidden; insufficient permissions; this operation")
    # Refused once: a missing permission is neither retried nor taken for a token problem.
    assert fake.requests[-1].status_code == 403 and fake.requests[-1].fault is None
    assert error.attempts == 1 and reauthentications == 0
    shown = text + repr(error) + repr(vars(error))
    secrets = [
        token,
        fake.workspace.api_key,
        fake.workspace.profile_api_key,
        fake.user.password,
        fake.profiles[0].password,
    ]
    assert [s for s in secrets if s in shown] == []


async def test_a_permission_denied_in_one_workspace_leaves_the_others(
    fake: FakeSynerise,
) -> None:
    other = fake.workspaces[1]
    fake.deny_permission("AUTOMATON_BRAIN_DIAGRAM_LIST_READ", workspace=other.id)
    async with (
        SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url) as mine,
        SyneriseClient(WorkspaceAuth(other.api_key), base_url=fake.url) as theirs,
        asyncio.timeout(10),
    ):
        assert (await list_workflows.asyncio(client=mine)).items
        with pytest.raises(PermissionDeniedError):
            await list_workflows.asyncio(client=theirs)
        fake.restore_permissions()
        assert (await list_workflows.asyncio(client=theirs)).items


async def test_a_bad_credential_is_still_401_where_a_permission_is_denied(
    fake: FakeSynerise,
) -> None:
    fake.deny_permission("AUTOMATON_BRAIN_DIAGRAM_LIST_READ")
    async with SyneriseClient(base_url=fake.url) as anonymous, asyncio.timeout(10):
        with pytest.raises(AuthenticationError) as caught:
            await list_workflows.asyncio(client=anonymous)
    assert caught.value.status_code == fake.requests[-1].status_code == 401
    assert not isinstance(caught.value, PermissionDeniedError)


def test_deny_permission_refuses_a_permission_no_route_needs(fake: FakeSynerise) -> None:
    with pytest.raises(ValueError, match="AUTOMATON_BRAIN_DIAGRAM_EXECUTE"):
        fake.deny_permission("AUTOMATON_BRAIN_DIAGRAM_EXECUTES")
    with pytest.raises(KeyError):
        fake.deny_permission("MORPH_JOBS_READ", workspace="no-such-workspace")


async def test_a_403_about_the_token_stays_a_token_problem(fake: FakeSynerise) -> None:
    # Refused for its token twice (a fresh one included): an authentication failure, not
    # a missing permission, so no permission is named.
    expired = {"status": 403, "error": "Forbidden", "message": "Token expired"}
    fake.faults.body(expired, count=2, status_code=403, path=paths.LIST_WORKFLOWS)
    async with (
        SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url) as client,
        asyncio.timeout(10),
    ):
        with pytest.raises(AuthenticationError) as caught:
            await list_workflows.asyncio(client=client)
    assert not isinstance(caught.value, PermissionDeniedError)
    assert "permission" not in str(caught.value)
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 2  # renewed once


async def test_a_403_about_a_token_that_cannot_be_renewed_names_no_permission(
    fake: FakeSynerise,
) -> None:
    expired = {"status": 403, "error": "Forbidden", "message": "Token expired"}
    fake.faults.body(expired, status_code=403, path=paths.LIST_WORKFLOWS)
    async with SyneriseClient(base_url=fake.url) as client, asyncio.timeout(10):
        with pytest.raises(PermissionDeniedError) as caught:
            await list_workflows.asyncio(client=client)
    assert (caught.value.permission, caught.value.role_group) == (None, None)
    assert "needs the" not in str(caught.value)
