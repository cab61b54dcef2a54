"""Body fuzz: whatever a list, statistics, last-run or login route answers (random
JSON-ish bodies, real bodies with a field broken, NaN, huge and negative numbers, deep
nesting, absurd ``meta``, HTML, empty 200s, a lying Content-Type), only typed errors
come out, and a walk always ends.

Hypothesis drives a sync test; one event loop (``asyncio.Runner``), one fake server and
one client serve every example.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from _adversarial import SCALE, watchdog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synerise_async import ClientConfig, SyneriseClient, SyneriseError, WorkspaceAuth
from synerise_async.api import _paths as paths
from synerise_async.api.automation import get_last_run_logs, get_workflow_statistics, list_workflows
from synerise_async.testing import FakeSynerise

LIST = paths.LIST_WORKFLOWS
LOGIN = paths.WORKSPACE_LOGIN
#: Budgets of one: every fuzzed answer is seen at most twice, and examples stay fast.
CONFIG = ClientConfig(
    backoff_base=0.001,
    backoff_cap=0.002,
    max_retries=1,
    token_refresh_attempts=2,
    refused_login_backoff=0,
    max_retry_after=0.01,
    timeout=5,
)
EXAMPLES = 150 * SCALE
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=10**18, max_value=10**400),
    st.integers(max_value=-1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 2**63, -(2**63) - 1]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20))
json_ish = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
raw_bodies = st.sampled_from(
    [
        b"",
        b" ",
        b"null",
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"data": [',
        b"\xff\xfe\x00{",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"NaN",
        b'{"token": "\\u0000"}',
        b"1e999999",
        b'"' + b"x" * 200_000 + b'"',
    ]
)
statuses = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 503])
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/html",
        "text/plain",
        "application/octet-stream",
        "",
    ]
)


def broken(sample: Any) -> st.SearchStrategy[Any]:
    """``sample`` (a real body) with one key replaced or dropped, at any depth."""

    def mutate(draw: Callable[[st.SearchStrategy[Any]], Any], value: Any) -> Any:
        if isinstance(value, dict) and value:
            key = draw(st.sampled_from(sorted(value)))
            choice = draw(st.integers(0, 3))
            copy = dict(value)
            if choice == 0:
                del copy[key]
            elif choice == 1:
                copy[key] = draw(json_ish)
            else:
                copy[key] = mutate(draw, value[key])
            return copy
        if isinstance(value, list) and value:
            index = draw(st.integers(0, len(value) - 1))
            copy = list(value)
            copy[index] = mutate(draw, value[index]) if draw(st.booleans()) else draw(json_ish)
            return copy
        return draw(json_ish)

    return st.composite(lambda draw: mutate(draw, sample))()


def absurd_meta(sample: Any) -> st.SearchStrategy[Any]:
    meta = st.one_of(
        st.none(),
        json_ish,
        st.fixed_dictionaries(
            {}, optional=dict.fromkeys(("page", "pages", "total", "limit"), numbers)
        ),
    )
    return meta.map(
        lambda m: {"data": sample["data"], "meta": m} if m is not None else {"data": sample["data"]}
    )


def payloads(sample: Any) -> st.SearchStrategy[Any]:
    return st.one_of(
        json_ish, raw_bodies, broken(sample), absurd_meta(sample) if "data" in sample else json_ish
    )


class Bench:
    """The shared loop, fake server and client, and the samples of real bodies."""

    def __init__(self, runner: asyncio.Runner) -> None:
        self.runner = runner
        self.outcomes: Counter[str] = Counter()

    async def start(self) -> None:
        self.fake = FakeSynerise(seed=5, workspaces=1, workflows_per_workspace=30)
        await self.fake.start()
        auth = WorkspaceAuth(self.fake.workspace.api_key)
        self.client = SyneriseClient(auth, base_url=self.fake.url, config=CONFIG)
        await self.client.open()
        self.diagram = self.fake.workflows()[0]["diagramId"]
        listing = await list_workflows.asyncio_detailed(client=self.client, limit=5)
        stats = await get_workflow_statistics.asyncio_detailed(
            client=self.client, diagram_id=self.diagram
        )
        self.samples = {
            "list": json.loads(listing.content),
            "statistics": json.loads(stats.content),
        }
        self.samples["last_run"] = await self._last_run_sample()
        self.samples["login"] = {"token": "x.y.z", "expiration": 4_000_000_000_000}

    async def _last_run_sample(self) -> Any:
        for workflow in self.fake.workflows():
            try:
                response = await get_last_run_logs.asyncio_detailed(
                    client=self.client, diagram_id=workflow["diagramId"]
                )
            except SyneriseError:
                continue
            return json.loads(response.content)
        pytest.fail("no seeded workflow has a last run")

    async def stop(self) -> None:
        await self.client.aclose()
        await self.fake.close()

    def attack(
        self,
        path: str,
        payload: Any,
        status: int,
        content_type: str,
        operation: Callable[[], Awaitable[object]],
    ) -> None:
        async def one() -> None:
            self.fake.faults.clear()
            self.fake.faults.body(
                payload, count=10_000, path=path, status_code=status, content_type=content_type
            )
            try:
                async with watchdog(20, f"{path} answering {status} {content_type!r}"):
                    await operation()
            except SyneriseError as error:
                self.outcomes[type(error).__name__] += 1
            else:
                self.outcomes["ok"] += 1
            finally:
                self.fake.faults.clear()

        self.runner.run(one())

    def report(self, what: str) -> str:
        """The outcomes so far (for the assertion messages and the log), then reset."""
        line = f"{what}: {dict(self.outcomes)}"
        print(line)
        self.outcomes.clear()
        return line


@pytest.fixture(scope="module")
def bench() -> Any:
    with asyncio.Runner() as runner:
        bench = Bench(runner)
        runner.run(bench.start())
        try:
            yield bench
        finally:
            runner.run(bench.stop())


def test_a_fuzzed_listing_gives_typed_errors_and_the_walk_ends(bench: Bench) -> None:
    @FUZZ
    @given(data=st.data(), status=statuses, content_type=content_types, prefetch=st.integers(0, 3))
    def example(data: st.DataObject, status: int, content_type: str, prefetch: int) -> None:
        payload = data.draw(payloads(bench.samples["list"]))
        before = bench.fake.count(path=LIST)

        async def walk() -> None:
            pages = 0
            async for _ in list_workflows.paginate(client=bench.client, limit=5, prefetch=prefetch):
                pages += 1
                assert pages <= 3, "the walk kept going on a repeated fuzzed page"

        bench.attack(LIST, payload, status, content_type, walk)
        sent = bench.fake.count(path=LIST) - before
        assert sent <= 2 * (3 + prefetch), f"{sent} listing requests for one fuzzed walk"

    example()
    assert sum(bench.outcomes.values()) >= EXAMPLES, bench.report("too few examples")
    bench.report("test_a_fuzzed_listing_gives_typed_errors_and_the_walk_ends")


#: The detail routes of a workflow: (sample key, path template, operation).
DETAIL_ROUTES = {
    "statistics": (paths.WORKFLOW_STATISTICS, get_workflow_statistics.asyncio),
    "last_run": (paths.LAST_RUN_LOGS, get_last_run_logs.asyncio),
}


@pytest.mark.parametrize("route", sorted(DETAIL_ROUTES))
def test_a_fuzzed_workflow_detail_gives_typed_errors(bench: Bench, route: str) -> None:
    template, operation = DETAIL_ROUTES[route]

    @FUZZ
    @given(data=st.data(), status=statuses, content_type=content_types)
    def example(data: st.DataObject, status: int, content_type: str) -> None:
        payload = data.draw(payloads(bench.samples[route]))
        bench.attack(
            template.format(workflow_id=bench.diagram),
            payload,
            status,
            content_type,
            lambda: operation(client=bench.client, diagram_id=bench.diagram),
        )

    example()
    assert sum(bench.outcomes.values()) >= EXAMPLES, bench.report("too few examples")
    bench.report(f"test_a_fuzzed_workflow_detail_gives_typed_errors[{route}]")


def test_a_fuzzed_login_answer_gives_typed_errors(bench: Bench) -> None:
    @FUZZ
    @given(data=st.data(), status=statuses, content_type=content_types)
    def example(data: st.DataObject, status: int, content_type: str) -> None:
        payload = data.draw(payloads(bench.samples["login"]))
        session = bench.client.token_session
        assert session is not None
        if session.token is not None:  # make the next call log in
            session.invalidate(session.token.header())
        bench.attack(
            LOGIN,
            payload,
            status,
            content_type,
            lambda: get_workflow_statistics.asyncio(client=bench.client, diagram_id=bench.diagram),
        )

    example()
    assert sum(bench.outcomes.values()) >= EXAMPLES, bench.report("too few examples")
    bench.report("test_a_fuzzed_login_answer_gives_typed_errors")
