"""One test per promise of the token session, the pipeline, the limiter and the audit,
each attacked head-on against the fake server and bounded by a watchdog."""

from __future__ import annotations

import asyncio
import time

import _timing
import attrs
import pytest
from _adversarial import limiter_of, watchdog

from synerise_async import (
    AuthenticationError,
    ClientConfig,
    LoginRefusedError,
    SyneriseClient,
    SyneriseError,
    WorkspaceAuth,
)
from synerise_async.api import _paths as paths
from synerise_async.api.automation import get_workflow_statistics, list_workflows
from synerise_async.audit import audit_workflows
from synerise_async.testing import FakeSynerise, ManualClock

LOGIN = paths.WORKSPACE_LOGIN
STATISTICS = "/automation-brain/diagrams/*"  # every workflow's details
FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)


def diagram_ids(fake: FakeSynerise) -> list[str]:
    return [w["diagramId"] for w in fake.workflows()]


async def test_no_expired_token_is_sent_from_a_queue_longer_than_a_token_life() -> None:
    # 30 calls through one slot at 0.2 s each take 6 s: three 2-second token lives, on a
    # clock the client and the fake share (each request moves it), so no real waiting.
    manual = ManualClock()
    async with FakeSynerise(
        seed=11, workspaces=1, workflows_per_workspace=30, clock=manual.wall
    ) as fake:
        fake.token_lifetime = 2
        config = attrs.evolve(FAST, max_concurrency=1)
        async with (
            watchdog(40, "30 queued calls"),
            _timing.workspace_client(fake, manual, config) as client,
            _timing.each_request_takes(fake, manual, 0.2),
        ):
            calls = [
                get_workflow_statistics.asyncio(client=client, diagram_id=d)
                for d in diagram_ids(fake)
            ]
            results = await asyncio.gather(*calls, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        expired = fake.count_expired_token_requests()
        logins = fake.count(path=LOGIN)
        assert not failures, f"calls failed: {failures[:3]}"
        assert expired == 0, f"{expired} requests were sent with an expired token"
        assert 3 <= logins <= 8, f"{logins} logins for three token lives"


async def test_many_waiters_share_one_refresh_under_a_revocation_storm() -> None:
    async with FakeSynerise(seed=12, workspaces=1, workflows_per_workspace=40) as fake:
        ids = diagram_ids(fake)
        # Few slots: requests queued with the revoked token's header reach the server
        # after the renewal, and must not throw the new token away.
        config = attrs.evolve(FAST, max_concurrency=4)
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with (
            watchdog(30, "waves of calls under revocations"),
            SyneriseClient(auth, base_url=fake.url, config=config) as client,
        ):
            await get_workflow_statistics.asyncio(client=client, diagram_id=ids[0])
            failures: list[BaseException] = []
            for _ in range(8):
                fake.revoke_all_tokens()
                # A few slow ones: their 401s for the revoked token come after the renewal.
                fake.faults.delay(0.2, count=3, path=STATISTICS)
                # 40 requests at once, all with the revoked token: one renewal for all.
                calls = [get_workflow_statistics.asyncio(client=client, diagram_id=d) for d in ids]
                results = await asyncio.gather(*calls, return_exceptions=True)
                failures += [r for r in results if isinstance(r, BaseException)]
        logins = fake.count(path=LOGIN)
        revocations = fake.revocations
        assert not failures, f"calls failed: {failures[:3]}"
        assert logins == revocations + 1, (
            f"{logins} logins for {revocations} revocations: not one refresh per revocation"
        )
        assert fake.count_revoked_token_requests() <= 8 * len(ids)


async def test_a_429_retry_after_longer_than_the_token_life_resumes_with_a_fresh_token() -> None:
    manual = ManualClock()  # the client's and the fake's clock: the wait takes no real time
    async with FakeSynerise(
        seed=13, workspaces=1, workflows_per_workspace=3, clock=manual.wall
    ) as fake:
        fake.token_lifetime = 1
        diagram = diagram_ids(fake)[0]
        async with (
            watchdog(20, "a 1.5 s Retry-After"),
            _timing.workspace_client(fake, manual, FAST) as client,
        ):
            await get_workflow_statistics.asyncio(client=client, diagram_id=diagram)
            fake.faults.rate_limit(count=1, retry_after=1.5, path=STATISTICS)
            started = manual.now
            await get_workflow_statistics.asyncio(client=client, diagram_id=diagram)
            waited = manual.now - started
        assert waited >= 1.5, f"the Retry-After of 1.5 s was not honoured ({waited:.2f}s)"
        assert fake.count_expired_token_requests() == 0, "the retry went out with an expired token"
        assert fake.count(path=LOGIN) >= 2


async def test_refused_credentials_fail_fast_and_are_not_resent_during_the_backoff() -> None:
    async with FakeSynerise(seed=14, workspaces=1, workflows_per_workspace=3) as fake:
        config = attrs.evolve(FAST, refused_login_backoff=5.0)
        auth = WorkspaceAuth("not-the-key")
        async with (
            watchdog(10, "a refused login"),
            SyneriseClient(auth, base_url=fake.url, config=config) as client,
        ):
            started = time.monotonic()
            for _ in range(5):
                with pytest.raises(LoginRefusedError) as caught:
                    await list_workflows.asyncio(client=client)
                assert isinstance(caught.value, AuthenticationError)
            elapsed = time.monotonic() - started
            second = await asyncio.gather(
                *(list_workflows.asyncio(client=client) for _ in range(20)), return_exceptions=True
            )
        assert all(isinstance(e, LoginRefusedError) for e in second), second[:3]
        logins = fake.count(path=LOGIN)
        assert logins == 1, f"the refused key was sent {logins} times within the backoff"
        assert elapsed < 1.0, f"refused credentials took {elapsed:.2f}s to fail"
        assert "not-the-key" not in repr(caught.value) + str(caught.value)


async def test_a_malformed_login_answer_is_retried() -> None:
    async with FakeSynerise(seed=15, workspaces=1, workflows_per_workspace=3) as fake:
        fake.faults.wrong_shape(path=LOGIN).empty(path=LOGIN).truncated(path=LOGIN)
        fake.faults.non_json(path=LOGIN, status_code=200).wrong_shape(path=LOGIN, array=True)
        fake.faults.body({"token": 12, "expiration": "soon"}, path=LOGIN)
        config = attrs.evolve(FAST, token_refresh_attempts=8)
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with (
            watchdog(10, "a malformed login"),
            SyneriseClient(auth, base_url=fake.url, config=config) as client,
        ):
            page = await list_workflows.asyncio(client=client)
        assert page.items
        assert fake.count(path=LOGIN) == 7
        assert fake.faults.pending == 0


async def test_the_rate_limiter_is_free_at_once_after_200_cancelled_waiters() -> None:
    async with FakeSynerise(seed=16, workspaces=1, workflows_per_workspace=3) as fake:
        config = attrs.evolve(FAST, max_requests_per_second=10)
        diagram = diagram_ids(fake)[0]
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with (
            watchdog(20, "200 cancelled waiters"),
            SyneriseClient(auth, base_url=fake.url, config=config) as client,
        ):
            await get_workflow_statistics.asyncio(client=client, diagram_id=diagram)
            waiters = [
                asyncio.create_task(
                    get_workflow_statistics.asyncio(client=client, diagram_id=diagram)
                )
                for _ in range(200)
            ]
            # Real time here: the promise is that no waiter keeps a turn on the real clock.
            await _timing.until(lambda: limiter_of(client).waiting >= 190, "the waiters queueing")
            for task in waiters:
                task.cancel()
            await asyncio.wait(waiters)
            limiter = limiter_of(client)
            assert (limiter.waiting, limiter.in_use) == (0, 0)
            started = time.monotonic()
            await get_workflow_statistics.asyncio(client=client, diagram_id=diagram)
            elapsed = time.monotonic() - started
        assert elapsed < 0.25, f"the next call waited {elapsed:.2f}s after the cancellations"


async def test_the_audit_ends_at_once_when_a_worker_hits_authentication_error() -> None:
    async with FakeSynerise(seed=17, workspaces=1, workflows_per_workspace=5) as fake:
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
            fake.faults.error(401, count=10_000, path=STATISTICS)
            records = []
            started = time.monotonic()
            with pytest.raises(SyneriseError) as caught:
                async with watchdog(1, "the audit after an AuthenticationError"):
                    async with audit_workflows(client, concurrency=5) as run:
                        records = [record async for record in run]
            elapsed = time.monotonic() - started
        assert isinstance(caught.value, AuthenticationError), repr(caught.value)
        assert elapsed < 1.0
        assert len(records) < 5
