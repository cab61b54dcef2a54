"""The pipeline's token promises over real HTTP (issue 8, findings 2, 4 and 10): a header
is taken for each attempt after every wait, so no request goes out with a token the
session knows to have expired; obtaining a token has one retry budget; malformed login
answers are transient; refused credentials are final for a while."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback

import _timing
import attrs
import pytest

from synerise_async import (
    APIConnectionError,
    AuthenticationError,
    ClientConfig,
    Clock,
    LoginRefusedError,
    ProfileAuth,
    SyneriseClient,
    TokenRefreshError,
    UserAuth,
    WorkspaceAuth,
)
from synerise_async.api import _paths as paths
from synerise_async.api.automation import get_workflow_statistics, list_workflows
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise, ManualClock

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
STATS = "/automation-brain/diagrams/*"


def client_for(fake: FakeSynerise, config: ClientConfig = FAST, **kw: object) -> SyneriseClient:
    return SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key),
        base_url=fake.url,
        config=config,
        **kw,  # type: ignore[arg-type]
    )


def first_workflow(fake: FakeSynerise) -> str:
    return str(fake.workflows(fake.workspace.id)[0]["diagramId"])


async def test_queued_calls_never_send_an_expired_token() -> None:
    # One slot, 30 calls of 0.1 s each, 1 s tokens: most calls wait longer than a token
    # lives. A header taken before the wait (the old pipeline) sent ~20 expired tokens.
    manual = ManualClock()
    async with FakeSynerise(
        token_lifetime=1.0, workflows_per_workspace=3, clock=manual.wall
    ) as fake:
        config = attrs.evolve(FAST, max_concurrency=1)
        async with (
            client_for(fake, config, clock=manual.clock) as client,
            asyncio.timeout(30),
            _timing.each_request_takes(fake, manual, 0.1),
        ):
            diagram = first_workflow(fake)
            results = await asyncio.gather(
                *(
                    get_workflow_statistics.asyncio(client=client, diagram_id=diagram)
                    for _ in range(30)
                ),
                return_exceptions=True,
            )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert manual.now >= 1000 + 3.0  # the calls took three token lifetimes
    assert fake.count_expired_token_requests() == 0
    # A login per expiry, not one per waiting call.
    assert fake.count(path=paths.WORKSPACE_LOGIN) <= 6


async def test_a_retry_after_longer_than_the_token_goes_out_with_a_fresh_token() -> None:
    manual = ManualClock()
    async with FakeSynerise(
        token_lifetime=10, workflows_per_workspace=3, clock=manual.wall
    ) as fake:
        async with client_for(fake, clock=manual.clock) as client, asyncio.timeout(10):
            diagram = first_workflow(fake)
            fake.faults.rate_limit(retry_after=12, path=STATS)
            await get_workflow_statistics.asyncio(client=client, diagram_id=diagram)
    assert manual.sleeps == [12]  # the Retry-After, on the client's clock
    assert fake.count_expired_token_requests() == 0
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 2
    assert fake.count(path=STATS) == 2


@pytest.mark.parametrize(
    "fault",
    ["html-200", "cut-json-200", "wrong-shape-200", "empty-200", "truncated"],
)
async def test_one_malformed_login_answer_is_retried(fake: FakeSynerise, fault: str) -> None:
    login = paths.WORKSPACE_LOGIN
    match fault:
        case "html-200":
            fake.faults.non_json(status_code=200, path=login)
        case "cut-json-200":
            fake.faults.body(b'{"token": "eyJ', path=login)
        case "wrong-shape-200":
            fake.faults.wrong_shape(path=login)
        case "empty-200":
            fake.faults.empty(path=login)
        case _:
            fake.faults.truncated(path=login)
    async with client_for(fake) as client, asyncio.timeout(10):
        results = await asyncio.gather(
            *(get_current_workspace.asyncio(client=client) for _ in range(50)),
            return_exceptions=True,
        )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert fake.count(path=login) == 2


async def test_obtaining_a_token_has_one_budget_and_says_what_was_sent(
    fake: FakeSynerise,
) -> None:
    config = attrs.evolve(FAST, token_refresh_attempts=4)
    fake.faults.error(503, count=100, path=paths.WORKSPACE_LOGIN)
    async with client_for(fake, config) as client, asyncio.timeout(10):
        with pytest.raises(TokenRefreshError) as info:
            await get_current_workspace.asyncio(client=client)
    # 3 refresh attempts x 5 pipeline attempts = 15 before.
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 4
    assert not isinstance(info.value, AuthenticationError)
    assert info.value.__cause__ is not None
    assert getattr(info.value.__cause__, "attempts", None) == 4
    assert "after 4 attempts" in str(info.value)


async def test_a_hanging_login_gives_up_within_its_budget(fake: FakeSynerise) -> None:
    config = attrs.evolve(FAST, timeout=0.2, token_refresh_attempts=3)
    fake.faults.delay(5.0, count=100, path=paths.WORKSPACE_LOGIN)
    started = time.monotonic()
    async with client_for(fake, config) as client, asyncio.timeout(10):
        with pytest.raises(TokenRefreshError):
            await get_current_workspace.asyncio(client=client)
    # 3 attempts of 0.2 s and two short backoffs (28 s before, at a 1 s timeout).
    assert time.monotonic() - started < 1.5
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 3


async def test_a_dead_host_fails_after_the_attempts_it_made(
    caplog: pytest.LogCaptureFixture, unused_tcp_port: int
) -> None:
    config = attrs.evolve(FAST, token_refresh_attempts=5)
    client = SyneriseClient(
        WorkspaceAuth("key"), base_url=f"http://127.0.0.1:{unused_tcp_port}", config=config
    )
    with caplog.at_level(logging.INFO, logger="synerise_async"):
        async with client, asyncio.timeout(10):
            with pytest.raises(TokenRefreshError) as info:
                await get_current_workspace.asyncio(client=client)
    cause = info.value.__cause__
    assert isinstance(cause, APIConnectionError)
    assert cause.attempts == 5
    assert not cause.may_have_been_processed
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 4  # 15 before (retries are logged at INFO)


async def test_refused_credentials_fail_fast_and_are_not_resent(fake: FakeSynerise) -> None:
    now = [1000.0]
    config = attrs.evolve(FAST, refused_login_backoff=30.0)
    client = SyneriseClient(
        WorkspaceAuth("not-the-key"),
        base_url=fake.url,
        config=config,
        clock=Clock(monotonic=lambda: now[0]),
    )
    async with client, asyncio.timeout(10):
        with pytest.raises(AuthenticationError) as info:  # a wrong key is catchable as this
            await get_current_workspace.asyncio(client=client)
        assert isinstance(info.value, LoginRefusedError)
        assert isinstance(info.value, TokenRefreshError)
        assert info.value.status_code == 401
        assert info.value.request.url.endswith(paths.WORKSPACE_LOGIN)
        results = await asyncio.gather(
            *(get_current_workspace.asyncio(client=client) for _ in range(20)),
            return_exceptions=True,
        )
        assert all(isinstance(r, LoginRefusedError) for r in results)
        assert fake.count(path=paths.WORKSPACE_LOGIN) == 1  # not re-sent by each call
        now[0] += 30.0  # the back-off is over: the next call tries once more
        with pytest.raises(LoginRefusedError):
            await get_current_workspace.asyncio(client=client)
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 2
    assert fake.count(path=paths.CURRENT_WORKSPACE) == 0


async def test_a_login_answer_that_fails_validation_keeps_no_token(fake: FakeSynerise) -> None:
    secret = "eyJTHE-SECRET-TOKEN-VALUE"
    fake.faults.body({"tokn": secret, "note": secret}, count=10, path=paths.WORKSPACE_LOGIN)
    async with client_for(fake) as client, asyncio.timeout(10):
        with pytest.raises(TokenRefreshError) as info:
            await get_current_workspace.asyncio(client=client)
    chain: list[BaseException] = []
    error: BaseException | None = info.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert len(chain) >= 2
    for link in chain:
        shown = " ".join([str(link), repr(link), *(repr(v) for v in vars(link).values())])
        assert secret not in shown, type(link).__name__


def test_profile_login_keeps_its_api_key_redacted_in_its_fields() -> None:
    key = "PROFILE-API-KEY-1234"
    auth = ProfileAuth.login(key, identity_provider="SYNERISE", email="a@b.c", password="pw-99")
    assert key not in repr(auth.login_fields)
    assert "pw-99" not in repr(auth.login_fields)

    def fail(credentials: ProfileAuth) -> None:
        fields = credentials.login_fields  # a local, as a frame of the SDK would hold
        raise RuntimeError(str(len(fields)))

    try:
        fail(auth)
    except RuntimeError as exc:
        frame = traceback.TracebackException.from_exception(exc, capture_locals=True).stack[-1]
    assert frame.name == "fail"
    assert frame.locals is not None
    shown = " ".join(frame.locals.values())
    assert "'<redacted>'" in shown
    assert key not in shown
    assert "pw-99" not in shown


async def test_queued_calls_take_the_token_current_after_their_wait() -> None:
    # Found by review: queued calls sent the token they took before the wait, although
    # the session had dropped it (a revocation), spending their one renewal on it; at
    # the next revocation 9 of 10 calls failed with AuthenticationError.
    async with FakeSynerise(seed=1, workspaces=1, workflows_per_workspace=10) as fake:
        fake.latency = 0.02  # holds each call in real time, so a revocation lands mid-call
        config = attrs.evolve(FAST, max_concurrency=1)
        async with client_for(fake, config) as client, asyncio.timeout(30):
            ids = [str(w["diagramId"]) for w in fake.workflows()]
            await get_workflow_statistics.asyncio(client=client, diagram_id=ids[0])

            def stats() -> int:
                return fake.count(path="/automation-brain/diagrams/*")

            calls = asyncio.gather(
                *(get_workflow_statistics.asyncio(client=client, diagram_id=d) for d in ids),
                return_exceptions=True,
            )
            await _timing.until(lambda: stats() >= 3, "the second call")  # 1 before the gather
            fake.revoke_all_tokens()
            await _timing.until(lambda: stats() >= 9, "the seventh call")
            fake.revoke_all_tokens()
            results = await calls
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert fake.count_revoked_token_requests() <= 2  # at most the one in flight, each time
    assert fake.count(path=paths.WORKSPACE_LOGIN) == 3


async def test_a_login_step_refused_for_its_stale_token_starts_the_flow_again() -> None:
    # Found by review: a revocation between the User login and the Workspace selection
    # made the selection's 401 ("Token has been revoked") a LoginRefusedError, held 5 s.
    async with FakeSynerise(seed=1, workspaces=1, workflows_per_workspace=3) as fake:
        ws = fake.workspace.id
        auth = UserAuth(fake.user.username, fake.user.password, workspace=ws)
        async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
            async with asyncio.timeout(10):
                # The delay holds the selection in real time: the revocation lands between
                # the two login steps.
                select = paths.SELECT_WORKSPACE.format(workspace_uuid=ws)
                fake.faults.delay(0.1, path=select)
                call = asyncio.create_task(list_workflows.asyncio(client=client))
                await _timing.until(lambda: fake.count(path=select) == 1, "the selection")
                fake.revoke_all_tokens()
                await call
                await list_workflows.asyncio(client=client)
    select = paths.SELECT_WORKSPACE.format(workspace_uuid=ws)
    assert fake.count(path=select, status_code=401) == 1  # the stale step happened...
    assert fake.count(path=select, status_code=200) == 1  # ...and the flow started again
    assert fake.count(path=paths.USER_LOGIN) == 2
