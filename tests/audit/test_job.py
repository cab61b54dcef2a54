"""``audit_workflows`` against the fake Synerise: every workflow exactly once, through
faults, deletions, expiring tokens and several Workspaces; cancellation leaves nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import _timing
import attrs
import pytest

from synerise_async import (
    AuthenticationError,
    BasicAuth,
    ClientConfig,
    InternalServerError,
    InvalidArgumentError,
    SyneriseClient,
    TokenRefreshError,
    UserAuth,
    WorkspaceAuth,
)
from synerise_async.api.automation import get_workflow_statistics
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.audit import (
    DEFAULT_RULES,
    FETCH_FAILED,
    AuditRun,
    Finding,
    Include,
    Severity,
    Thresholds,
    WorkflowAudit,
    audit_workflows,
)
from synerise_async.testing import FakeSynerise, ManualClock, WorkspaceSpec

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
LIST = "/automation-brain/v2/diagrams"
STATS = "/automation-brain/diagrams/*"
WORKSPACE_LOGIN = "/uauth/v2/auth/login/profile"
CURRENT_WORKSPACE = "/uauth/business-profile/current"


def stats_path(diagram_id: str) -> str:
    return f"/automation-brain/diagrams/{diagram_id}/statistics"


def ids(fake: FakeSynerise, workspace: str | None = None) -> set[str]:
    return {w["diagramId"] for w in fake.workflows(workspace)}


async def collect(run: AuditRun) -> list[WorkflowAudit]:
    async with run:
        return [record async for record in run]


def audit_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("synerise-async audit")]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=3, workspaces=2, workflows_per_workspace=120) as server:
        yield server


@pytest.fixture
async def client(fake: FakeSynerise) -> AsyncIterator[SyneriseClient]:
    auth = WorkspaceAuth(fake.workspace.api_key)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as c:
        yield c


# --- one Workspace -------------------------------------------------------------------------


async def test_every_workflow_exactly_once_with_details(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    run = audit_workflows(client, page_size=25)
    records = await collect(run)
    keys = Counter(r.key for r in records)
    assert set(keys.values()) == {1}
    assert {d for _, d in keys} == ids(fake)
    ws = fake.workspace
    assert {r.workspace.key for r in records} == {ws.id}
    assert {r.workspace.name for r in records} == {ws.name}
    assert all(r.error is None for r in records)
    assert all(r.statistics is not None for r in records)
    with_stages = {r.workflow.diagram_id for r in records if r.workflow.has_transformation}
    assert {r.workflow.diagram_id for r in records if r.last_run is not None} == with_stages
    assert fake.count("/morph/logs/*") == len(with_stages)
    assert any(r.findings for r in records)
    assert run.progress.audited == 120
    assert run.progress.pages == 5
    assert run.progress.totals == {ws.id: 120}
    assert run.progress.workspaces_done == 1
    assert run.progress.complete


async def test_include_chooses_the_details(fake: FakeSynerise, client: SyneriseClient) -> None:
    records = await collect(audit_workflows(client, include=Include.NONE))
    assert len(records) == 120
    assert all(r.statistics is None and r.last_run is None for r in records)
    assert fake.count("/automation-brain/diagrams/*") == 0
    assert fake.count("/morph/*") == 0
    fake.requests.clear()
    records = await collect(audit_workflows(client, include=Include.LAST_RUN))
    assert all(r.statistics is None for r in records)
    assert fake.count("/automation-brain/diagrams/*") == 0
    assert fake.count("/morph/*") > 0


async def test_time_period_and_clock_and_thresholds(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    moment = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    records = await collect(
        audit_workflows(
            client,
            time_period="currentHour",
            now=lambda: moment,
            thresholds=Thresholds(stale_draft_days=0),
        )
    )
    assert {r.audited_at for r in records} == {moment}
    assert {r.time_period.value for r in records} == {"currentHour"}
    queried = {r.query.get("timePeriod") for r in fake.requests if r.path.endswith("/statistics")}
    assert queried == {"currentHour"}
    drafts = [r for r in records if r.workflow.status == "Draft"]
    assert drafts
    assert all("stale-draft" in {f.code for f in r.findings} for r in drafts)


async def test_skip_resumes(fake: FakeSynerise, client: SyneriseClient) -> None:
    first = await collect(audit_workflows(client))
    done = {r.key for r in first[:50]}
    run = audit_workflows(client, skip=done)
    rest = await collect(run)
    assert len(rest) == 70
    assert done.isdisjoint(r.key for r in rest)
    assert done | {r.key for r in rest} == {r.key for r in first}
    assert run.progress.skipped == 50


async def test_skip_recognises_a_workspace_keyed_by_its_numeric_id(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    # Records an earlier run keyed by the numeric Workspace id (as a run that could not
    # read the current Workspace once did) are still recognised.
    first = await collect(audit_workflows(client))
    numeric = str(fake.workspace.numeric_id)
    done = {(numeric, r.workflow.diagram_id) for r in first[:50]}
    run = audit_workflows(client, skip=done)
    rest = await collect(run)
    assert run.progress.skipped == 50
    assert Counter(r.workflow.diagram_id for r in first[:50] + rest) == Counter(ids(fake))


async def test_a_burst_of_failures_reading_the_workspace_keeps_its_uuid(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    # As many 503s as the client retries: its last attempt reads the Workspace, and the
    # records are keyed by its UUID, not by the numeric id. (The audit's own loop of
    # three reads on top is gone: the pipeline's is the one retry loop.)
    fake.faults.error(503, count=FAST.max_retries, path=CURRENT_WORKSPACE)
    records = await collect(audit_workflows(client, include=Include.NONE))
    assert len(records) == 120
    assert {r.workspace.key for r in records} == {fake.workspace.id}
    assert {r.workspace.name for r in records} == {fake.workspace.name}


async def test_a_workspace_that_cannot_be_read_stops_the_audit_before_any_record(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    fake.faults.error(503, count=10_000, path=CURRENT_WORKSPACE)
    run = audit_workflows(client, include=Include.NONE)
    async with asyncio.timeout(10), run:
        with pytest.raises(InternalServerError) as caught:
            await run.__anext__()
    assert any("Workspace UUID" in note for note in caught.value.__notes__)
    # The client's retries are the only ones: no loop of the audit's own on top.
    assert fake.count(CURRENT_WORKSPACE) == 1 + FAST.max_retries
    assert fake.count(LIST) == 0
    assert not audit_tasks()


async def test_transient_faults_are_retried(fake: FakeSynerise) -> None:
    # On the automation routes: a login has a budget of its own (see tests/auth).
    automation = "/automation-brain/*"
    fake.faults.rate_limit(3, retry_after=0.01, path=automation).error(
        503, count=3, path=automation
    )
    fake.faults.error(502, count=2, path=LIST)
    fake.faults.random(0.05, kinds=("rate_limit", "error"), retry_after=0.01)
    # The client's retries are the only ones: a budget above the 8 faults one request
    # may meet in a row, and the random ones after them.
    config = attrs.evolve(FAST, max_retries=12)
    auth = WorkspaceAuth(fake.workspace.api_key)
    async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
        records = await collect(audit_workflows(client, page_size=30))
        assert client.stats.retries >= 8
    assert Counter(r.key for r in records).most_common(1)[0][1] == 1
    assert {r.workflow.diagram_id for r in records} == ids(fake)
    assert all(r.error is None for r in records)


async def test_a_persistent_server_error_becomes_the_records_error(fake: FakeSynerise) -> None:
    victim = sorted(ids(fake))[7]
    config = attrs.evolve(FAST, max_retries=2)
    fake.faults.error(503, count=3, path=stats_path(victim))
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config
    ) as client:
        records = await collect(audit_workflows(client))
    assert len(records) == 120
    [failed] = [r for r in records if r.error is not None]
    assert failed.workflow.diagram_id == victim
    assert failed.error is not None
    assert (failed.error.operation, failed.error.kind, failed.error.status_code) == (
        "statistics",
        "server_error",
        503,
    )
    assert "503" in failed.error.message
    assert failed.statistics is None
    # Not inspected is an error of its own; the listing's data is still judged.
    first, *judged = failed.findings
    assert (first.code, first.severity) == (FETCH_FAILED, Severity.ERROR)
    bare = attrs.evolve(failed, findings=())
    assert judged == [f for rule in DEFAULT_RULES for f in rule(bare, Thresholds())]


@pytest.mark.parametrize(
    ("status", "kind"), [(403, "permission_denied"), (404, "not_found"), (500, "server_error")]
)
async def test_a_workflow_that_could_not_be_inspected_is_an_error_finding(
    fake: FakeSynerise, status: int, kind: str
) -> None:
    # Whatever the rules: an audit of workflows it could not see is not a clean audit.
    fake.faults.error(status, count=10_000, path=STATS)
    config = attrs.evolve(FAST, max_retries=0)
    auth = WorkspaceAuth(fake.workspace.api_key)
    async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
        records = await collect(audit_workflows(client, rules=(), include=Include.STATISTICS))
    assert len(records) == 120
    for record in records:
        assert record.error is not None
        assert (record.error.kind, record.error.status_code) == (kind, status)
        [finding] = record.findings
        assert (finding.code, finding.severity) == (FETCH_FAILED, Severity.ERROR)
        assert kind in finding.message
        assert record.max_severity is Severity.ERROR


async def test_a_response_that_does_not_parse_becomes_the_records_error(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    victim = sorted(ids(fake))[0]
    fake.faults.non_json(path=stats_path(victim), status_code=200)
    records = await collect(audit_workflows(client))
    [failed] = [r for r in records if r.error is not None]
    assert failed.error is not None
    assert failed.error.kind == "invalid_response"


async def test_a_workflow_deleted_mid_audit_becomes_an_error_record() -> None:
    async with FakeSynerise(
        seed=5, workspaces=1, workflows_per_workspace=60, latency=0.005
    ) as fake:
        expected = ids(fake)
        newest = max(fake.workflows(), key=lambda w: (w["created"], w["diagramId"]))["diagramId"]
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with (
            SyneriseClient(auth, base_url=fake.url, config=FAST) as client,
            audit_workflows(client, concurrency=2, page_size=100) as run,
        ):
            records = [await run.__anext__()]
            # Listed already (one page), audited last (oldest first): now it is gone.
            fake.delete_workflow(fake.workspace.id, newest)
            records += [r async for r in run]
    assert Counter(r.workflow.diagram_id for r in records) == Counter(expected)
    [failed] = [r for r in records if r.error is not None]
    assert failed.workflow.diagram_id == newest
    assert failed.error is not None
    assert (failed.error.kind, failed.error.status_code) == ("not_found", 404)


async def test_deletions_that_shift_the_pages_are_caught_by_listing_again() -> None:
    async with FakeSynerise(
        seed=6, workspaces=1, workflows_per_workspace=60, latency=0.003
    ) as fake:
        expected = ids(fake)
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with (
            SyneriseClient(auth, base_url=fake.url, config=FAST) as client,
            audit_workflows(client, concurrency=1, page_size=10) as run,
        ):
            first = await run.__anext__()
            # Page 1 is listed; page 6 is not yet: deleting from page 1 moves the first
            # workflow of page 6 onto page 5, which the walk has already fetched.
            fake.delete_workflow(fake.workspace.id, first.workflow.diagram_id)
            records = [first] + [r async for r in run]
    assert Counter(r.workflow.diagram_id for r in records) == Counter(expected)
    assert all(r.error is None for r in records)
    assert fake.count(LIST) > 6  # listed again


async def test_a_token_expiring_mid_audit_is_renewed() -> None:
    manual = ManualClock()  # the client's and the fake's: each request takes 20 ms of it
    async with FakeSynerise(
        seed=8, workspaces=1, workflows_per_workspace=150, token_lifetime=1.5, clock=manual.wall
    ) as fake:
        async with (
            _timing.workspace_client(fake, manual, FAST) as client,
            asyncio.timeout(60),
            _timing.each_request_takes(fake, manual, 0.02),
        ):
            records = await collect(audit_workflows(client, concurrency=4))
            session = client.token_session
            assert session is not None
            assert session.tokens_obtained >= 2
    assert Counter(r.workflow.diagram_id for r in records) == Counter(ids(fake))
    assert all(r.error is None for r in records)


async def test_a_token_refused_mid_audit_and_on_renewal_is_renewed_once_more(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    fake.expired_token_status_code = 403
    async with audit_workflows(client, concurrency=2) as run:
        records = [await run.__anext__()]
        fake.revoke_all_tokens()
        records += [r async for r in run]
    assert len({r.key for r in records}) == 120
    assert all(r.error is None for r in records)
    assert client.stats.reauthentications >= 1


async def test_authentication_failure_stops_the_audit(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    async with audit_workflows(client, concurrency=2) as run:
        records = [await run.__anext__()]
        fake.revoke_all_tokens()
        fake.faults.error(401, count=1000, path="/uauth/*")
        with pytest.raises(TokenRefreshError):
            async for record in run:
                records.append(record)
        assert not audit_tasks()
    assert 0 < len(records) < 120


@pytest.mark.parametrize("when", ["after-the-walk", "during-the-walk"])
@pytest.mark.parametrize(
    ("credentials", "fatal"),
    [
        ("workspace", AuthenticationError),
        ("user", AuthenticationError),
        ("workspace", TokenRefreshError),
    ],
)
async def test_a_fatal_error_in_a_worker_ends_the_audit_promptly(
    credentials: str, fatal: type[Exception], when: str
) -> None:
    # Every statistics request answers 401, which a new token cannot fix (or the new
    # token cannot be had). On Python 3.11 and 3.12 a worker failing once the walk is
    # over (5 workflows: one page, all started at once) left the driver looking
    # cancelled, and the iterator waited for ever.
    workflows, page_size, concurrency = (5, 100, 16) if when == "after-the-walk" else (200, 10, 2)
    async with FakeSynerise(seed=4, workspaces=1, workflows_per_workspace=workflows) as fake:
        if credentials == "user":
            auth: UserAuth | WorkspaceAuth = UserAuth(fake.user.username, fake.user.password)
            workspaces: str | None = "all"
        else:
            auth, workspaces = WorkspaceAuth(fake.workspace.api_key), None
        async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
            if fatal is TokenRefreshError:
                # A token first; from now on the renewal keeps failing.
                await get_current_workspace.asyncio(client=client)
                fake.faults.error(503, count=10_000, path=WORKSPACE_LOGIN)
            fake.faults.error(401, count=10_000, path=STATS)
            run = audit_workflows(
                client,
                workspaces=workspaces,  # type: ignore[arg-type]
                concurrency=concurrency,
                page_size=page_size,
            )
            records: list[WorkflowAudit] = []
            started = asyncio.get_running_loop().time()
            async with asyncio.timeout(5), run:
                with pytest.raises(fatal):
                    async for record in run:
                        records.append(record)
            assert asyncio.get_running_loop().time() - started < 1.0
            assert not audit_tasks()
            assert records == []  # no workflow could be inspected
            with pytest.raises(StopAsyncIteration):
                await run.__anext__()


async def test_aclose_while_a_worker_fails_still_ends_everything(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    # The other side of the same coin: a cancellation that a failing task group turns
    # into its errors is still a cancellation; the driver must not wait on a queue
    # nobody reads.
    fake.latency = 0.01
    async with asyncio.timeout(5):
        run = audit_workflows(client, concurrency=4, page_size=10)
        first = await run.__anext__()
        fake.faults.error(401, count=10_000, path=STATS)
        await _timing.until(lambda: fake.count(STATS, status_code=401) >= 1, "the audit's progress")
        await run.aclose()
    assert first.error is None
    assert not audit_tasks()


async def test_wrong_credentials_stop_before_any_record(fake: FakeSynerise) -> None:
    async with SyneriseClient(WorkspaceAuth("wrong-key"), base_url=fake.url, config=FAST) as c:
        run = audit_workflows(c)
        with pytest.raises(TokenRefreshError):
            await run.__anext__()
        with pytest.raises(StopAsyncIteration):
            await run.__anext__()


async def test_a_listing_that_keeps_failing_is_reported_and_the_audit_goes_on() -> None:
    specs = [WorkspaceSpec(workflows=100), WorkspaceSpec(workflows=15)]
    async with FakeSynerise(seed=9, workspaces=specs, latency=0.002) as fake:
        auth = UserAuth(fake.user.username, fake.user.password)
        config = attrs.evolve(FAST, max_retries=1)
        async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
            run = audit_workflows(client, workspaces="all", concurrency=1, page_size=10)
            async with run:
                records = [await run.__anext__()]
                # Pages 1-5 are in (prefetch 4); from page 6 on the listing fails, until
                # the failure is reported. Selecting the second Workspace is slowed down
                # meanwhile, so that its listing comes after the faults are gone.
                await _timing.until(
                    lambda: fake.count(LIST, status_code=200) >= 5, "the audit's progress"
                )
                fake.faults.delay(0.5, path="/uauth/auth/login/user/profile/*")
                fake.faults.error(503, count=10_000, path=LIST)

                async def clear_once_reported() -> None:
                    await _timing.until(
                        lambda: bool(run.progress.listing_failures), "the audit's progress"
                    )
                    fake.faults.clear()

                clearing = asyncio.create_task(clear_once_reported())
                records += [r async for r in run]
                await clearing
    [failure] = run.progress.listing_failures
    assert run.progress.finished
    assert not run.progress.complete  # the library says the audit is incomplete
    assert failure.workspace.guid == fake.workspaces[0].id
    assert failure.page == 6
    assert "503" in failure.message
    by_workspace = Counter(r.workspace.guid for r in records)
    assert by_workspace == {fake.workspaces[0].id: 50, fake.workspaces[1].id: 15}


async def test_listing_pages_are_retried_by_the_client_and_nothing_is_given_up() -> None:
    # Three pages of twenty each fail once; the client's one retry gets each through.
    async with FakeSynerise(seed=10, workspaces=1, workflows_per_workspace=200) as fake:
        config = attrs.evolve(FAST, max_retries=1)
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
            run = audit_workflows(client, concurrency=2, page_size=10, include=Include.NONE)
            fake.faults.truncated(path=LIST)
            async with asyncio.timeout(10), run:
                records = [await run.__anext__()]
                for pages in (6, 12):
                    while fake.count(LIST, status_code=200) < pages:
                        records.append(await run.__anext__())
                    fake.faults.truncated(path=LIST)
                records += [r async for r in run]
            assert client.stats.retries == 3
    assert run.progress.listing_failures == []
    assert run.progress.complete
    assert Counter(r.workflow.diagram_id for r in records) == Counter(ids(fake))


async def test_a_listing_page_is_retried_by_the_client_only() -> None:
    # The client's retries are the only ones: a page that still fails is given up at
    # once, not asked for again by a loop of the audit's own on top.
    async with FakeSynerise(seed=10, workspaces=1, workflows_per_workspace=30) as fake:
        config = attrs.evolve(FAST, max_retries=0)
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
            fake.faults.error(503, count=1, path=LIST)
            run = audit_workflows(client, page_size=10, include=Include.NONE)
            async with asyncio.timeout(10):
                records = await collect(run)
    [failure] = run.progress.listing_failures
    assert not run.progress.complete
    assert (failure.page, records) == (1, [])
    assert fake.count(LIST) == 1
    assert "503" in failure.message


async def test_a_failing_rule_becomes_a_finding(
    fake: FakeSynerise, client: SyneriseClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
        yield Finding(code="first", severity=Severity.INFO, message="seen")
        raise RuntimeError("boom")

    records = await collect(audit_workflows(client, rules=[broken], include=Include.NONE))
    assert all(
        [(f.code, f.severity) for f in r.findings]
        == [("first", Severity.INFO), ("rule-failed", Severity.ERROR)]
        for r in records
    )
    assert "RuntimeError: boom" in records[0].findings[1].message
    assert "audit rule broken failed" in caplog.text


# --- several Workspaces --------------------------------------------------------------------


@pytest.fixture
async def user_client(fake: FakeSynerise) -> AsyncIterator[SyneriseClient]:
    auth = UserAuth(fake.user.username, fake.user.password)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as c:
        yield c


async def test_all_workspaces_with_a_user(fake: FakeSynerise, user_client: SyneriseClient) -> None:
    run = audit_workflows(user_client, workspaces="all")
    records = await collect(run)
    assert len(records) == 240
    assert len({r.key for r in records}) == 240
    for ws in fake.workspaces:
        mine = [r for r in records if r.workspace.guid == ws.id]
        assert {r.workflow.diagram_id for r in mine} == ids(fake, ws.id)
        assert {(r.workspace.name, r.workspace.id) for r in mine} == {(ws.name, ws.numeric_id)}
    assert run.progress.workspaces_total == run.progress.workspaces_done == 2
    assert fake.count("/uauth/auth/login/user/profile/*") == 2  # one selection each


async def test_chosen_workspaces_by_name_or_id(
    fake: FakeSynerise, user_client: SyneriseClient
) -> None:
    second = fake.workspaces[1]
    for wanted in ([second.name.upper()], [str(second.numeric_id)], [second.id, second.name]):
        records = await collect(audit_workflows(user_client, workspaces=wanted))
        assert {r.workspace.guid for r in records} == {second.id}
        assert len(records) == 120


async def test_an_unknown_workspace_is_refused(user_client: SyneriseClient) -> None:
    run = audit_workflows(user_client, workspaces=["Nowhere Inc"])
    with pytest.raises(InvalidArgumentError, match="Nowhere Inc"):
        await run.__anext__()


async def test_workspace_arguments_are_checked_at_once(
    fake: FakeSynerise, client: SyneriseClient, user_client: SyneriseClient
) -> None:
    with pytest.raises(InvalidArgumentError, match="needs UserAuth"):
        audit_workflows(client, workspaces="all")
    with pytest.raises(InvalidArgumentError, match="no Workspace selected"):
        audit_workflows(user_client)
    with pytest.raises(InvalidArgumentError, match="'all' or a list"):
        audit_workflows(user_client, workspaces="Acme")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="time_period"):
        audit_workflows(client, time_period="lastYear")
    with pytest.raises(InvalidArgumentError, match="concurrency"):
        audit_workflows(client, concurrency=0)
    assert fake.requests == []


async def test_a_user_with_a_selected_workspace_audits_it(fake: FakeSynerise) -> None:
    second = fake.workspaces[1]
    auth = UserAuth(fake.user.username, fake.user.password, workspace=second.id)
    async with SyneriseClient(auth, base_url=fake.url, config=FAST) as client:
        records = await collect(audit_workflows(client))
    assert {(r.workspace.guid, r.workspace.name) for r in records} == {(second.id, second.name)}


# --- concurrency and cancellation ------------------------------------------------------------


async def test_concurrency_is_bounded(
    monkeypatch: pytest.MonkeyPatch, fake: FakeSynerise, client: SyneriseClient
) -> None:
    fake.latency = 0.005
    state = {"now": 0, "max": 0}
    real = get_workflow_statistics.asyncio

    async def counting(**kwargs: object) -> object:
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        try:
            return await real(**kwargs)  # type: ignore[arg-type]
        finally:
            state["now"] -= 1

    monkeypatch.setattr(get_workflow_statistics, "asyncio", counting)
    records = await collect(audit_workflows(client, concurrency=3, include=Include.STATISTICS))
    assert len(records) == 120
    assert state["max"] == 3


async def test_cancelling_the_consumer_leaves_no_task(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    fake.latency = 0.01
    run = audit_workflows(client, concurrency=8)
    got: list[WorkflowAudit] = []

    async def consume() -> None:
        async for record in run:
            got.append(record)

    consumer = asyncio.create_task(consume())
    await _timing.until(lambda: len(got) >= 5, "the audit's progress")
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert not audit_tasks()
    with pytest.raises(StopAsyncIteration):
        await run.__anext__()
    await run.aclose()  # idempotent
    # The client is untouched and still works.
    records = await collect(audit_workflows(client, include=Include.NONE))
    assert len(records) == 120


async def test_leaving_async_with_early_cancels_the_work(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    fake.latency = 0.01
    async with audit_workflows(client) as run:
        async for _ in run:
            break
    assert not audit_tasks()


async def test_dropping_the_iterator_cancels_the_work(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    fake.latency = 0.01
    async for _ in audit_workflows(client):
        break
    await _timing.until(lambda: not audit_tasks(), "the audit's progress")


async def test_nothing_is_sent_before_iteration(fake: FakeSynerise, client: SyneriseClient) -> None:
    run = audit_workflows(client)
    await _timing.settle()
    assert not audit_tasks()  # nothing was started...
    assert fake.requests == []  # ...and nothing sent
    await run.aclose()


async def test_basic_auth_names_the_workspace_by_its_numeric_id(fake: FakeSynerise) -> None:
    ws = fake.workspace
    async with SyneriseClient(
        BasicAuth(ws.guid, ws.api_key), base_url=fake.url, config=FAST
    ) as client:
        records = await collect(audit_workflows(client, include=Include.NONE))
    assert len(records) == 120
    assert {r.workspace.key for r in records} == {str(ws.numeric_id)}
