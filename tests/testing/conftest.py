"""Fixtures for the fake server's tests: a running fake and a small HTTP helper."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import attrs
import jwt
import pytest

from synerise_async.testing import FakeSynerise, SeededProfile, SeededUser, SeededWorkspace


@attrs.frozen
class Reply:
    """What a request got back."""

    status: int
    headers: Mapping[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class Api:
    """Plain-HTTP helper: requests, and the login flows tests need most."""

    def __init__(self, fake: FakeSynerise, http: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.http = http

    @staticmethod
    def claims(token: str) -> dict[str, Any]:
        """The claims of a JWT, signature unchecked."""
        decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        return decoded

    @staticmethod
    def basic(workspace: SeededWorkspace, api_key: str | None = None) -> dict[str, str]:
        """A Basic ``Authorization`` header for ``workspace``."""
        raw = f"{workspace.guid}:{api_key or workspace.api_key}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Reply:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(
            method, path, headers=all_headers, params=params, json=body
        ) as response:
            return Reply(response.status, response.headers, await response.text())

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("POST", path, **kwargs)

    async def workspace_token(self, workspace: SeededWorkspace | None = None) -> str:
        workspace = workspace or self.fake.workspace
        reply = await self.post("/uauth/v2/auth/login/profile", body={"apiKey": workspace.api_key})
        assert reply.status == 200, reply.text
        token: str = reply.json["token"]
        return token

    async def user_token(
        self, user: SeededUser | None = None, workspace: SeededWorkspace | None = None
    ) -> str:
        """Log a User in (no MFA) and, when ``workspace`` is given, select it."""
        user = user or self.fake.user
        reply = await self.post(
            "/uauth/auth/login/user", body={"username": user.username, "password": user.password}
        )
        assert reply.status == 200, reply.text
        token: str = reply.json["token"]
        if workspace is not None:
            reply = await self.post(f"/uauth/auth/login/user/profile/{workspace.id}", token=token)
            assert reply.status == 200, reply.text
            token = reply.json["token"]
        return token

    async def anonymous_token(self, workspace: SeededWorkspace | None = None) -> Reply:
        workspace = workspace or self.fake.workspace
        return await self.post(
            "/sauth/v3/auth/login/client/anonymous",
            body={
                "apiKey": workspace.profile_api_key,
                "uuid": "7b6e9a52-2d4f-4c1e-9a1b-3c5d7e9f1a2b",
            },
        )

    async def profile_login(self, profile: SeededProfile | None = None, **overrides: Any) -> Reply:
        profile = profile or self.fake.profiles[0]
        workspace = next(w for w in self.fake.workspaces if w.id == profile.workspace_id)
        body = {
            "apiKey": workspace.profile_api_key,
            "identityProvider": "SYNERISE",
            "email": profile.email,
            "password": profile.password,
            **overrides,
        }
        return await self.post("/sauth/v3/auth/login/client", body=body)

    async def workflow_ids(self, token: str, **params: str) -> list[str]:
        reply = await self.get(
            "/automation-brain/v2/diagrams", token=token, params={"limit": "1000", **params}
        )
        assert reply.status == 200, reply.text
        return [w["diagramId"] for w in reply.json["data"]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=7) as server:
        yield server


@pytest.fixture
async def http(fake: FakeSynerise) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(fake.url) as session:
        yield session


@pytest.fixture
def api(fake: FakeSynerise, http: aiohttp.ClientSession) -> Api:
    return Api(fake, http)
