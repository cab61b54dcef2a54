"""``revoke_every``: periodic revocation on the server's loop, stopped cleanly.

Revocation runs in real time (not on the server clock), so these tests do sleep, for a
few short periods: to see that revocations stop when told to, nothing else will do.
Where only "at least one happened" matters, they wait for the revocation itself.
"""

from __future__ import annotations

import asyncio

import _timing
import aiohttp
import pytest

from synerise_async.testing import FakeSynerise

LIST = "/automation-brain/diagrams"
PERIOD = 0.02


def revokers() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t.get_name() == "FakeSynerise.revoke_every"}


async def test_revokes_every_token_issued_so_far_each_period(api, fake: FakeSynerise) -> None:
    loop = asyncio.get_running_loop()
    token = await api.workspace_token()
    async with asyncio.timeout(10):
        started = loop.time()
        fake.revoke_every(PERIOD)
        assert fake.revocations == 0  # the first comes one period later
        await asyncio.sleep(PERIOD * 6)
        fake.stop_revoking()
        elapsed = loop.time() - started
    done = fake.revocations
    assert 1 <= done <= elapsed / PERIOD
    reply = await api.get(LIST, token=token)
    assert reply.status == 401
    assert "revoked" in reply.json["message"]
    assert fake.requests[-1].token_revoked
    assert all(t.revoked for t in fake.issued_tokens())
    # Stopped: no more revocations, and a new token stays valid.
    fresh = await api.workspace_token()
    await asyncio.sleep(PERIOD * 3)
    assert fake.revocations == done
    assert (await api.get(LIST, token=fresh)).status == 200
    await asyncio.sleep(0)
    assert not revokers()


async def test_manual_and_periodic_revocations_share_the_counter(fake: FakeSynerise) -> None:
    fake.revoke_all_tokens()
    async with asyncio.timeout(10):
        fake.revoke_every(PERIOD)
        await _timing.until(lambda: fake.revocations >= 2, "a periodic revocation")
    fake.stop_revoking()
    assert fake.revocations >= 2


async def test_close_cancels_it_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    fake = FakeSynerise(workflows_per_workspace=1)
    async with asyncio.timeout(10):
        async with fake:
            fake.revoke_every(PERIOD)
            assert len(revokers()) == 1
            await _timing.until(lambda: fake.revocations >= 1, "a periodic revocation")
        assert asyncio.all_tasks() == before
        done = fake.revocations
        await asyncio.sleep(PERIOD * 3)
    assert fake.revocations == done


async def test_set_before_start_runs_once_started_and_resumes_after_restart() -> None:
    fake = FakeSynerise(workflows_per_workspace=1)
    fake.revoke_every(PERIOD)
    await asyncio.sleep(PERIOD * 2)
    assert fake.revocations == 0  # not running yet
    assert not revokers()
    async with asyncio.timeout(10):
        for _ in range(2):
            async with fake:
                before = fake.revocations
                await _timing.until(lambda b=before: fake.revocations > b, "a revocation")
        assert not revokers()


async def test_a_new_period_replaces_the_old_one(fake: FakeSynerise) -> None:
    async with asyncio.timeout(10):
        fake.revoke_every(3600)
        fake.revoke_every(PERIOD)
        await asyncio.sleep(0)
        assert len(revokers()) == 1
        await _timing.until(lambda: fake.revocations >= 1, "a periodic revocation")
        fake.revoke_every(3600)
        done = fake.revocations
        await asyncio.sleep(PERIOD * 3)
        assert fake.revocations == done
        await fake.close()
    assert not revokers()


async def test_period_must_be_positive(fake: FakeSynerise) -> None:
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            fake.revoke_every(bad)
    assert not revokers()


async def test_logins_keep_working_under_revocation(fake: FakeSynerise) -> None:
    # The storm's pattern: log in again after each 401 "revoked"; every call succeeds.
    async with asyncio.timeout(20), aiohttp.ClientSession(fake.url) as http:
        fake.revoke_every(PERIOD)

        async def login() -> str:
            async with http.post(
                "/uauth/v2/auth/login/profile", json={"apiKey": fake.workspace.api_key}
            ) as reply:
                token: str = (await reply.json())["token"]
                return token

        token = await login()
        successes = 0
        while successes < 20:
            async with http.get(LIST, headers={"Authorization": f"Bearer {token}"}) as reply:
                await reply.read()
                if reply.status == 401:
                    token = await login()
                else:
                    assert reply.status == 200
                    successes += 1
            await asyncio.sleep(PERIOD / 5)
    assert fake.count_expired_token_requests() == 0
    assert fake.count_revoked_token_requests() <= fake.revocations
    assert fake.count("/uauth/v2/auth/login/profile") == fake.count_revoked_token_requests() + 1
