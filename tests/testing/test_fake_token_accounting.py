"""Issued-token records, and which requests arrived with an expired or revoked token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import _timing
import attrs
import pytest

from synerise_async.testing import FakeSynerise, IssuedToken

LIST = "/automation-brain/diagrams"
LOGIN = "/uauth/v2/auth/login/profile"
NOW = 1_700_000_000.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    # Overrides conftest's: a fixed clock that only shift_clock moves.
    async with FakeSynerise(seed=7, clock=lambda: NOW, token_lifetime=60) as server:
        yield server


async def test_issued_tokens_describe_every_token(api, fake: FakeSynerise) -> None:
    first, second = fake.workspaces
    tokens = [await api.workspace_token(second)]
    fake.shift_clock(10)
    tokens.append(await api.user_token(workspace=first))  # login, then select
    tokens.append((await api.profile_login()).json["token"])
    tokens.append((await api.anonymous_token()).json["token"])
    issued = fake.issued_tokens()
    assert all(isinstance(t, IssuedToken) for t in issued)
    assert [(t.serial, t.kind, t.realm, t.workspace) for t in issued] == [
        (1, "workspace", "business_profile", second.id),
        (2, "user", "user", None),
        (3, "user", "user", first.id),
        (4, "profile", "client", first.id),
        (5, "anonymous_profile", "anonymous_client", first.id),
    ]
    assert (issued[0].issued_at, issued[0].expires_at) == (NOW, NOW + 60)
    assert (issued[1].issued_at, issued[1].expires_at) == (NOW + 10, NOW + 70)
    assert issued[0].subject == second.id
    assert issued[2].subject == fake.user.username
    assert not any(t.revoked or t.expired or t.mfa_pending for t in issued)
    # Never the token itself: not in a field, not in the repr.
    text = repr(issued)
    for token in tokens:
        assert token not in text
        assert all(token not in str(value) for t in issued for value in attrs.astuple(t))
    with pytest.raises(AttributeError):
        issued[0].revoked = True  # type: ignore[misc]


async def test_issued_tokens_see_expiry_revocation_and_mfa(api, fake: FakeSynerise) -> None:
    await api.workspace_token()
    fake.shift_clock(30)
    await api.workspace_token()
    fake.shift_clock(31)
    assert [t.expired for t in fake.issued_tokens()] == [True, False]
    assert fake.revocations == 0
    fake.revoke_all_tokens()
    assert fake.revocations == 1
    await api.post(
        "/uauth/auth/login/user",
        body={"username": fake.mfa_user.username, "password": fake.mfa_user.password},
    )
    assert [(t.revoked, t.mfa_pending) for t in fake.issued_tokens()] == [
        (True, False),
        (True, False),
        (False, True),
    ]


async def test_requests_record_expired_and_revoked_tokens(api, fake: FakeSynerise) -> None:
    token = await api.workspace_token()
    assert (await api.get(LIST, token=token)).status == 200
    fake.shift_clock(60)  # now == exp: expired
    assert (await api.get(LIST, token=token)).status == 401
    fresh = await api.workspace_token()
    fake.revoke_all_tokens()
    assert (await api.get(LIST, token=fresh)).status == 401  # revoked, not expired
    assert (await api.get(LIST, token=token)).status == 401  # both
    await api.get(LIST, headers=api.basic(fake.workspace))
    await api.get(LIST, token="not-issued-here")
    rows = [(r.token_serial, r.token_expired, r.token_revoked) for r in fake.requests]
    assert rows == [
        (None, False, False),  # login
        (1, False, False),
        (1, True, False),
        (None, False, False),  # login
        (2, False, True),
        (1, True, True),
        (None, False, False),  # Basic
        (None, False, False),  # unknown token
    ]
    assert fake.count_expired_token_requests() == 2
    assert fake.count_revoked_token_requests() == 2
    assert [t.serial for t in fake.issued_tokens()] == [1, 2]


async def test_expiry_is_judged_on_arrival(api, fake: FakeSynerise) -> None:
    # The token was valid when the request came in; it expired while the fake sat on it.
    token = await api.workspace_token()
    fake.faults.delay(0.3)  # holds the request in real time while the clock moves
    async with asyncio.timeout(10):
        call = asyncio.create_task(api.get(LIST, token=token))
        await _timing.until(lambda: fake.count(LIST) == 1, "the request")
        assert fake.requests[-1].status_code is None  # arrived, and is being delayed
        fake.shift_clock(61)
        reply = await call
    assert reply.status == 401
    assert "expired" in reply.json["message"].lower()
    assert fake.requests[-1].token_expired is False
    assert fake.count_expired_token_requests() == 0
