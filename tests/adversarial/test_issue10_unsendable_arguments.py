"""Issue 10 adversary: only SyneriseError subclasses escape public operations, also for
arguments the per-call fast paths cannot send. Found failing on main: a lone surrogate
in a query argument (``search="\\ud800"``, a tag) raised ``UnicodeEncodeError`` from the
query building, and a JSON body holding one, or a value JSON cannot hold (a Profile
login's ``attributes={"x": {1, 2}}``), raised orjson's ``TypeError`` from the pipeline.
Each is an InvalidArgumentError now, raised before anything is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from synerise_async import InvalidArgumentError, SyneriseClient, WorkspaceAuth
from synerise_async.api.auth import profile_login
from synerise_async.api.automation import list_workflows
from synerise_async.testing import FakeSynerise

CALLS: dict[str, Callable[[SyneriseClient, FakeSynerise], Awaitable[Any]]] = {
    "search": lambda c, f: list_workflows.asyncio(client=c, search="a\ud800"),
    "tags": lambda c, f: list_workflows.asyncio(client=c, tags=["ok", "b\udcff"]),
    "sort_by": lambda c, f: list_workflows.asyncio(client=c, sort_by="\udfff:desc"),
    "email": lambda c, f: profile_login.asyncio(
        client=c,
        api_key=f.workspace.profile_api_key,
        identity_provider="SYNERISE",
        email="x\ud800@example.com",
        password="pw",
    ),
    "attributes": lambda c, f: profile_login.asyncio(
        client=c,
        api_key=f.workspace.profile_api_key,
        identity_provider="SYNERISE",
        email="x@example.com",
        password="pw",
        attributes={"x": {1, 2}},
    ),
    "attributes-surrogate": lambda c, f: profile_login.asyncio(
        client=c,
        api_key=f.workspace.profile_api_key,
        identity_provider="SYNERISE",
        email="x@example.com",
        password="pw",
        attributes={"x": "\ud800"},
    ),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", sorted(CALLS))
async def test_an_unsendable_argument_is_an_invalid_argument_error(
    fake: FakeSynerise, name: str
) -> None:
    async with SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url) as client:
        await list_workflows.asyncio(client=client)  # logged in
        sent = len(fake.requests)
        async with asyncio.timeout(10):
            with pytest.raises(InvalidArgumentError) as info:
                await CALLS[name](client, fake)
        assert len(fake.requests) == sent  # nothing was sent
        assert "pw" not in str(info.value)
