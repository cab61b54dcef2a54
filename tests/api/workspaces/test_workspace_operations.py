"""The Workspace operations (9 to 11) over real HTTP, as a User: every Workspace the
User sees, their ids, and the current Workspace before one is selected."""

from __future__ import annotations

from synerise_async import ClientConfig, SyneriseClient, UserAuth
from synerise_async.api.workspaces import get_current_workspace, list_workspace_ids, list_workspaces
from synerise_async.testing import FakeSynerise


async def test_workspace_operations(fake: FakeSynerise, fast: ClientConfig) -> None:
    auth = UserAuth(fake.user.username, fake.user.password)
    async with SyneriseClient(auth, base_url=fake.url, config=fast) as client:
        workspaces = await list_workspaces.asyncio(client=client)
        ids = await list_workspace_ids.asyncio(client=client)
        current = await get_current_workspace.asyncio(client=client)
    assert {w.guid for w in workspaces} == {w.id for w in fake.workspaces}
    assert all(w.created is not None and w.created.tzinfo is not None for w in workspaces)
    assert {i.id for i in ids} == {w.id for w in workspaces}
    assert current.selected is False
