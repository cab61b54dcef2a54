"""Credentials are what they are: how to obtain a token given a ``send`` callable (and
the current token, and a Workspace client's parent session), nothing reached for."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from synerise_async import RawResponse, Request, SyneriseClient, UserAuth, WorkspaceAuth
from synerise_async.auth import TokenSession
from synerise_async.testing import FakeSynerise

SELECT = "/uauth/auth/login/user/profile/*"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=4, workspaces=2) as server:
        yield server


class Recorder:
    """A ``send`` that records each request's path, then sends it through ``client``."""

    def __init__(self, client: SyneriseClient) -> None:
        self.client = client
        self.paths: list[str] = []

    async def __call__(self, request: Request) -> RawResponse:
        self.paths.append(request.path)
        return await self.client.send(request)


async def test_a_workspace_login_sends_through_the_given_callable(fake: FakeSynerise) -> None:
    async with SyneriseClient(base_url=fake.url) as client:  # no credentials of its own
        send = Recorder(client)
        token = await WorkspaceAuth(fake.workspace.api_key).obtain_token(send, None)
    assert token.value
    assert send.paths == ["/uauth/v2/auth/login/profile"]


async def test_a_workspace_user_login_selects_with_the_parent_session_it_is_given(
    fake: FakeSynerise,
) -> None:
    user = UserAuth(fake.user.username, fake.user.password)
    scoped = UserAuth(fake.user.username, fake.user.password, workspace=fake.workspaces[1].id)
    async with (
        SyneriseClient(user, base_url=fake.url) as parent,
        SyneriseClient(base_url=fake.url) as plain,
    ):
        session = parent.token_session
        assert isinstance(session, TokenSession)
        await session.get_token()
        send = Recorder(plain)
        token = await scoped.obtain_token(send, None, parent=session)
        assert token.value
        # One request: the Workspace selected with the parent's User token, no login.
        assert fake.count(SELECT) == 1
        assert len(send.paths) == 1
        without = Recorder(plain)
        await scoped.obtain_token(without, None)  # no parent: the whole User login
        assert len(without.paths) == 2
