"""The retry policy of the automation operations, with faults the fake server injects.

- A workflow action (above all ``stop``, which is irreversible) is never sent again once
  it may have reached the server: after a 5xx, a 408, a dropped connection or a cut-off
  body, exactly one request reached the server and the error is raised.
- It is sent again after a 429, after a refusal of its token (401), and when it surely
  was not sent (connection refused); and after anything with ``retry_unsafe=True``.
- Reads (GET) are retried after 5xx, 408, dropped connections and cut-off bodies, but
  not after a 4xx; a 2xx body that is not JSON is a ``ResponseValidationError`` at once.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import pytest

from synerise_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    BadRequestError,
    BasicAuth,
    ClientConfig,
    InternalServerError,
    Response,
    ResponseValidationError,
    SyneriseClient,
)
from synerise_async.api.automation import (
    disable_workflow_schedule,
    enable_workflow_schedule,
    get_block_statistics,
    get_last_run_logs,
    get_workflow_statistics,
    list_workflows,
    list_workflows_v1,
    pause_workflow,
    run_workflow,
    stop_workflow,
)
from synerise_async.testing import FakeSynerise

ACTIONS = {
    "stop": (stop_workflow, "stop"),
    "run": (run_workflow, "run"),
    "pause": (pause_workflow, "pause"),
    "schedule-on": (enable_workflow_schedule, "schedule-on"),
    "schedule-off": (disable_workflow_schedule, "schedule-off"),
}
Inject = Callable[[FakeSynerise, str], object]
MAYBE_PROCESSED: dict[str, Inject] = {
    "500": lambda fake, path: fake.faults.error(500, path=path),
    "503": lambda fake, path: fake.faults.error(503, path=path),
    "503-retry-after": lambda fake, path: fake.faults.error(503, path=path, retry_after=0.01),
    "504": lambda fake, path: fake.faults.error(504, path=path),
    "408": lambda fake, path: fake.faults.error(408, path=path),
    "502-html": lambda fake, path: fake.faults.non_json(path=path, status_code=502),
    "drop": lambda fake, path: fake.faults.drop(path=path),
    "truncated": lambda fake, path: fake.faults.truncated(path=path),
}


def action_path(diagram_id: str, suffix: str) -> str:
    return f"/automation-brain/diagrams/{diagram_id}/{suffix}"


def status_of(fake: FakeSynerise, diagram_id: str) -> str:
    return str(next(w["status"] for w in fake.workflows() if w["diagramId"] == diagram_id))


@pytest.mark.parametrize("fault", MAYBE_PROCESSED)
@pytest.mark.parametrize("action", ACTIONS)
async def test_an_action_that_may_have_been_processed_is_never_sent_again(
    fake: FakeSynerise,
    client: SyneriseClient,
    by_status: Callable[[str], str],
    action: str,
    fault: str,
) -> None:
    module, suffix = ACTIONS[action]
    diagram_id = by_status("Paused")
    path = action_path(diagram_id, suffix)
    MAYBE_PROCESSED[fault](fake, path)
    with pytest.raises(APIError) as info:
        await module.asyncio(client=client, diagram_id=diagram_id)
    error = info.value
    assert isinstance(error, APIStatusError | APIConnectionError)
    assert error.may_have_been_processed
    assert error.attempts == 1
    assert fake.count(path=path) == 1  # exactly one request reached the server
    assert fake.faults.pending == 0
    if fault in ("drop", "truncated"):
        assert isinstance(error, APIConnectionError)
    else:
        assert isinstance(error, APIStatusError)
        assert error.status_code == int(fault[:3])
    assert client.stats.retries == 0


async def test_stop_after_a_503_leaves_the_decision_to_the_caller(
    fake: FakeSynerise, client: SyneriseClient, by_status: Callable[[str], str]
) -> None:
    diagram_id = by_status("Active")
    path = action_path(diagram_id, "stop")
    fake.faults.error(503, path=path, count=3)
    with pytest.raises(InternalServerError) as info:
        await stop_workflow.asyncio(client=client, diagram_id=diagram_id)
    assert info.value.status_code == 503
    assert fake.count(path=path) == 1
    assert status_of(fake, diagram_id) == "Active"  # this fake failed before acting
    fake.faults.clear()
    await stop_workflow.asyncio(client=client, diagram_id=diagram_id)  # the caller's choice
    assert status_of(fake, diagram_id) == "Stopped"
    assert fake.count(path=path) == 2


@pytest.mark.parametrize("action", ACTIONS)
async def test_an_action_refused_with_429_is_sent_again(
    fake: FakeSynerise,
    client: SyneriseClient,
    by_status: Callable[[str], str],
    action: str,
) -> None:
    module, suffix = ACTIONS[action]
    diagram_id = by_status("Paused")
    path = action_path(diagram_id, suffix)
    fake.faults.rate_limit(retry_after=0.1, path=path)
    response: Response[None] = await module.asyncio_detailed(client=client, diagram_id=diagram_id)
    assert response.status_code in (200, 204)
    assert response.attempts == 2
    requests = [r for r in fake.requests if r.path == path]
    assert [r.status_code for r in requests] == [429, response.status_code]
    assert requests[1].at - requests[0].at >= 0.09  # Retry-After was honoured
    if action == "stop":
        assert status_of(fake, diagram_id) == "Stopped"


async def test_stop_refused_for_its_token_is_sent_again_with_a_new_one(
    fake: FakeSynerise, client: SyneriseClient, by_status: Callable[[str], str]
) -> None:
    diagram_id = by_status("Active")
    await list_workflows.asyncio(client=client, limit=1)  # log in
    fake.revoke_all_tokens()
    await stop_workflow.asyncio(client=client, diagram_id=diagram_id)
    path = action_path(diagram_id, "stop")
    assert [r.status_code for r in fake.requests if r.path == path] == [401, 204]
    assert fake.count(path="/uauth/v2/auth/login/profile") == 2
    assert status_of(fake, diagram_id) == "Stopped"


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("action", ACTIONS)
async def test_an_action_that_surely_was_not_sent_is_retried(
    fast_config: ClientConfig, action: str
) -> None:
    module, _ = ACTIONS[action]
    config = ClientConfig(
        backoff_base=fast_config.backoff_base, backoff_cap=fast_config.backoff_cap, max_retries=2
    )
    base_url = f"http://127.0.0.1:{unused_port()}"  # nothing listens: connection refused
    async with SyneriseClient(BasicAuth("guid", "key"), base_url=base_url, config=config) as client:
        with pytest.raises(APIConnectionError) as info:
            await module.asyncio(client=client, diagram_id="6f1c2b1e-8a53-4f3e-9a0b-3c1d2e4f5a6b")
        assert client.stats.attempts == 3
    assert not info.value.may_have_been_processed
    assert info.value.attempts == 3


@pytest.mark.parametrize("fault", ["503", "500", "504", "drop", "truncated"])
@pytest.mark.parametrize("action", ["run", "pause", "stop"])
async def test_retry_unsafe_retries_after_a_failure_that_may_have_been_processed(
    fake: FakeSynerise,
    client: SyneriseClient,
    by_status: Callable[[str], str],
    action: str,
    fault: str,
) -> None:
    module, suffix = ACTIONS[action]
    diagram_id = by_status("Paused")
    path = action_path(diagram_id, suffix)
    MAYBE_PROCESSED[fault](fake, path)
    MAYBE_PROCESSED[fault](fake, path)
    response = await module.asyncio_detailed(
        client=client, diagram_id=diagram_id, retry_unsafe=True
    )
    assert response.attempts == 3
    assert fake.count(path=path) == 3
    expected = {"run": "Active", "pause": "Paused", "stop": "Stopped"}[action]
    assert status_of(fake, diagram_id) == expected


# --- reads ---------------------------------------------------------------------------

Read = Callable[[SyneriseClient], Awaitable[Response[Any]]]


@pytest.fixture
async def reads(fake: FakeSynerise) -> dict[str, tuple[str, Read]]:
    """Each GET operation, ready to call, with the path it requests."""
    workflows = fake.workflows()
    data_run = next(w["diagramId"] for w in workflows if w["hasTransformation"])
    async with SyneriseClient(
        BasicAuth(fake.workspace.guid, fake.workspace.api_key), base_url=fake.url
    ) as probe:
        stats = await get_workflow_statistics.asyncio(client=probe, diagram_id=data_run)
    block_id = next(iter(stats.blocks))
    fake.requests.clear()
    diagram = f"/automation-brain/diagrams/{data_run}"
    return {
        "list_workflows": (
            "/automation-brain/v2/diagrams",
            lambda c: list_workflows.asyncio_detailed(client=c, limit=5),
        ),
        "list_workflows_v1": (
            "/automation-brain/diagrams",
            lambda c: list_workflows_v1.asyncio_detailed(client=c, limit=5),
        ),
        "get_workflow_statistics": (
            f"{diagram}/statistics",
            lambda c: get_workflow_statistics.asyncio_detailed(client=c, diagram_id=data_run),
        ),
        "get_block_statistics": (
            f"{diagram}/blocks/{block_id}/statistics",
            lambda c: get_block_statistics.asyncio_detailed(
                client=c, diagram_id=data_run, block_id=block_id
            ),
        ),
        "get_last_run_logs": (
            f"/morph/logs/automation/{data_run}/last-run/with-stages",
            lambda c: get_last_run_logs.asyncio_detailed(client=c, diagram_id=data_run, limit=5),
        ),
    }


READS = [
    "list_workflows",
    "list_workflows_v1",
    "get_workflow_statistics",
    "get_block_statistics",
    "get_last_run_logs",
]


@pytest.mark.parametrize("fault", ["500", "503", "504", "408", "502-html", "drop", "truncated"])
@pytest.mark.parametrize("read", READS)
async def test_reads_are_retried_after_a_failure(
    fake: FakeSynerise,
    client: SyneriseClient,
    reads: dict[str, tuple[str, Read]],
    read: str,
    fault: str,
) -> None:
    path, call = reads[read]
    MAYBE_PROCESSED[fault](fake, path)
    MAYBE_PROCESSED[fault](fake, path)
    response = await call(client)
    assert response.status_code == 200
    assert response.parsed is not None
    assert fake.faults.pending == 0
    # A dropped connection may be retried once more inside aiohttp for a GET on a reused
    # connection; the SDK's own count is what the response reports.
    assert response.attempts >= 2
    assert fake.count(path=path) >= 3
    served = [r for r in fake.requests if r.path == path and r.fault is None]
    assert [r.status_code for r in served] == [200]  # a truncated reply is recorded as 200 too


@pytest.mark.parametrize("read", READS)
async def test_reads_give_up_after_max_retries(
    fake: FakeSynerise, client: SyneriseClient, reads: dict[str, tuple[str, Read]], read: str
) -> None:
    path, call = reads[read]
    attempts = client.config.max_retries + 1
    fake.faults.error(500, count=attempts + 1, path=path)
    with pytest.raises(InternalServerError) as info:
        await call(client)
    assert info.value.attempts == attempts
    assert fake.count(path=path) == attempts
    assert fake.faults.pending == 1


@pytest.mark.parametrize("read", READS)
async def test_reads_are_not_retried_after_a_4xx(
    fake: FakeSynerise, client: SyneriseClient, reads: dict[str, tuple[str, Read]], read: str
) -> None:
    path, call = reads[read]
    fake.faults.error(400, path=path)
    with pytest.raises(BadRequestError) as info:
        await call(client)
    assert info.value.attempts == 1
    assert info.value.body is not None
    assert info.value.body.message == "Injected fault"
    assert fake.count(path=path) == 1


@pytest.mark.parametrize("read", READS)
async def test_a_2xx_body_that_is_not_json_is_a_validation_error(
    fake: FakeSynerise, client: SyneriseClient, reads: dict[str, tuple[str, Read]], read: str
) -> None:
    path, call = reads[read]
    fake.faults.non_json(path=path, status_code=200)
    with pytest.raises(ResponseValidationError) as info:
        await call(client)
    error = info.value
    assert error.status_code == 200
    assert error.text.startswith("<html>")
    assert "not valid JSON" in str(error)
    assert fake.count(path=path) == 1  # a wrong body is not a transient failure
    response = await call(client)  # the next one is fine
    assert json.loads(response.content)


async def test_a_read_retried_after_429_waits_for_retry_after(
    fake: FakeSynerise, client: SyneriseClient, reads: dict[str, tuple[str, Read]]
) -> None:
    path, call = reads["get_workflow_statistics"]
    fake.faults.rate_limit(retry_after=0.1, path=path)
    response = await call(client)
    assert response.attempts == 2
    first, second = (r for r in fake.requests if r.path == path)
    assert (first.status_code, second.status_code) == (429, 200)
    assert second.at - first.at >= 0.09


def _module_name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]
