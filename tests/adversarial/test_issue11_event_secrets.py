"""Issue 11, adversarial: no event holds a secret, whatever the credentials.

Every secret a run handles is collected (the passwords, the MFA code, API keys, every
Authorization value sent, the MFA step's token among them, a custom header's value, a
proxy's password) and looked for in every field of every event, and in its repr.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace

import aiohttp
import attrs
import pytest
from _adversarial import watchdog

from synerise_async import (
    BasicAuth,
    ClientConfig,
    Request,
    SyneriseClient,
    SyneriseError,
    UserAuth,
)
from synerise_async import events as ev
from synerise_async.api.automation import list_workflows
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise

CURRENT = "/uauth/business-profile/current"


async def test_no_event_holds_a_secret_of_any_credential() -> None:
    events: list[ev.Event] = []
    sent: set[str] = set()

    async def on_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        value = params.headers.get("Authorization")
        if value:
            sent.add(value)
            sent.add(value.split(" ", 1)[-1])

    tracing = aiohttp.TraceConfig()
    tracing.on_request_start.append(on_start)
    header_secret = "hdr-" + "s3cr3t" * 4
    proxy_password = "pr0xy-pa55w0rd"
    config = ClientConfig(event_hooks=[events.append], backoff_base=0.01, backoff_cap=0.02)
    async with FakeSynerise() as fake, aiohttp.ClientSession(trace_configs=[tracing]) as session:
        user = fake.mfa_user
        assert user.mfa_code is not None
        async with watchdog(30, "calls with every kind of credential"):
            mfa = UserAuth(user.username, user.password, mfa=user.mfa_code)
            async with SyneriseClient(mfa, base_url=fake.url, config=config, session=session) as c:
                async with c.for_workspace(fake.workspace.id) as child:
                    await get_current_workspace.asyncio(client=child)
                    fake.faults.error(401, path=CURRENT)  # refused: renewed once
                    await get_current_workspace.asyncio(client=child)
                    view = child.with_options(headers={"X-Secret": header_secret})
                    await view.send(
                        Request(method="GET", path=CURRENT, headers={"X-Other": header_secret})
                    )
            basic = BasicAuth(fake.workspace.guid, fake.workspace.api_key)
            async with SyneriseClient(
                basic, base_url=fake.url, config=config, session=session
            ) as c:
                await list_workflows.asyncio(client=c, limit=2)  # Basic: the API routes only
            proxied = attrs.evolve(
                config, proxy=f"http://someone:{proxy_password}@127.0.0.1:9", max_retries=0
            )
            async with SyneriseClient(basic, base_url=fake.url, config=proxied) as c:
                with pytest.raises(SyneriseError):  # no proxy there
                    await get_current_workspace.asyncio(client=c)
    secrets = {
        user.password,
        user.mfa_code,
        fake.workspace.api_key,
        fake.workspace.profile_api_key,
        header_secret,
        proxy_password,
        base64.b64encode(f"{fake.workspace.guid}:{fake.workspace.api_key}".encode()).decode(),
        *sent,
    }
    assert len(sent) >= 6  # the MFA step's token, the User's, the Workspace's (twice), Basic
    kinds = {type(e).__name__ for e in events}
    assert {"TokenObtained", "RetryScheduled", "AttemptEnded", "RequestEnded"} <= kinds
    for event in events:
        shown = [repr(event), *(f"{v!r} {v}" for v in attrs.asdict(event, recurse=False).values())]
        for secret in secrets:
            assert all(secret not in text for text in shown), (type(event).__name__, secret[:4])
