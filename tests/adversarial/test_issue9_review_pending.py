"""Issue 9 review: an MFA code with whitespace around it logs in; an error whose
``errors[]`` carry a code but no message says the code, not "None". Over HTTP against
the fake server, bounded in time."""

from __future__ import annotations

import asyncio

import pytest

from synerise_async import ClientConfig, SyneriseClient, UserAuth, WorkspaceAuth
from synerise_async.api.workspaces import get_current_workspace, list_workspaces
from synerise_async.testing import FakeSynerise

DEADLINE = 15
ONCE = ClientConfig(backoff_base=0.01, backoff_cap=0.05, max_retries=0)


@pytest.mark.parametrize("form", ["string", "callable"])
async def test_an_mfa_code_with_a_trailing_newline_logs_in(fake: FakeSynerise, form: str) -> None:
    user = fake.mfa_user
    assert user.mfa_code is not None
    code = f" {user.mfa_code}\n"
    auth = UserAuth(user.username, user.password, mfa=code if form == "string" else lambda: code)
    async with (
        asyncio.timeout(DEADLINE),
        SyneriseClient(auth, base_url=fake.url, config=ONCE) as client,
    ):
        assert await list_workspaces.asyncio(client=client)


async def test_an_error_without_a_message_does_not_say_none(fake: FakeSynerise) -> None:
    fake.faults.body(
        {"errors": [{"code": 1001, "message": None}]},
        status_code=400,
        path="/uauth/business-profile/current",
    )
    async with (
        asyncio.timeout(DEADLINE),
        SyneriseClient(
            WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=ONCE
        ) as client,
    ):
        with pytest.raises(Exception) as caught:
            await get_current_workspace.asyncio(client=client)
    assert "None" not in str(caught.value)
    assert "1001" in str(caught.value)
