"""``list_workflows.paginate`` / ``list_workflows_v1.paginate`` over real HTTP, counting the
requests the fake server saw.

The paginator alone (an in-memory page source) is covered in tests/test_pagination.py;
here the same promises are checked end to end: lazy fetching, the prefetch bound (seen
from the server side), stopping early and cancellation leaving no task and no
connection behind, ``max_pages``/``max_items``/``start_page``, resuming after a failure,
and walks that cross a token expiry, a revoked token, a 429 or random faults while still
yielding every item exactly once in server order.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any

import _timing
import attrs
import pytest
from _pool import Pool
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synerise_async import (
    ClientConfig,
    InternalServerError,
    Page,
    PageError,
    RateLimitError,
    RawResponse,
    ResponseValidationError,
    SyneriseClient,
    TokenAuth,
    WorkspaceAuth,
    _serde,
)
from synerise_async.api.automation import list_workflows, list_workflows_v1
from synerise_async.models.automation import Workflow
from synerise_async.testing import FakeSynerise, ManualClock

V1 = "/automation-brain/diagrams"
V2 = "/automation-brain/v2/diagrams"
LOGIN = "/uauth/v2/auth/login/profile"
LISTINGS = [
    pytest.param(list_workflows_v1, V1, 10, id="v1"),
    pytest.param(list_workflows, V2, 50, id="v2"),
]


def _server_side(task: asyncio.Task[Any]) -> bool:
    # The fake server runs in the test's loop: its connection handlers are not leaks.
    code = getattr(task.get_coro(), "cr_code", None)
    filename = code.co_filename if code is not None else ""
    parts = filename.split(os.sep)
    return ("aiohttp" in parts and parts[-1].startswith("web_")) or "testing" in parts


def stray_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still around that the client side started."""
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not _server_side(t)]


async def settle() -> None:
    """Let dropped walks be collected and cancelled fetches finish (at most ~2 s)."""
    gc.collect()
    await _timing.within(lambda: not stray_tasks(), patience=2.0)


def ids(workflows: list[Workflow]) -> list[str]:
    return [w.diagram_id for w in workflows]


def pages_asked(fake: FakeSynerise, path: str = V2) -> list[int]:
    return [int(r.query["page"]) for r in fake.requests if r.path == path]


@contextlib.asynccontextmanager
async def in_flight_peak(fake: FakeSynerise, path: str = V2) -> AsyncIterator[list[int]]:
    """Sample, server side, how many listing requests are being handled at once."""
    peak = [0]

    async def sample() -> None:
        while True:
            busy = sum(1 for r in fake.requests if r.path == path and r.status_code is None)
            peak[0] = max(peak[0], busy)
            await asyncio.sleep(0.001)  # a sampler of real concurrency: real time

    sampler = asyncio.create_task(sample())
    try:
        yield peak
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler


# --- laziness and page sizes ---------------------------------------------------------


async def test_nothing_is_sent_until_iteration(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str]
) -> None:
    paginator = list_workflows.paginate(client=client, limit=10, prefetch=3)
    await _timing.settle()
    assert stray_tasks() == []  # nothing was started...
    assert fake.count() == 0  # ...and nothing sent, not even the login
    assert ids([w async for w in paginator.items()]) == expected_ids


async def test_k_pages_pulled_are_k_requests(fake: FakeSynerise, client: SyneriseClient) -> None:
    walk = list_workflows.paginate(client=client, limit=10).pages()
    for k in range(1, 5):
        page = await anext(walk)
        await _timing.settle()
        assert stray_tasks() == []  # no eager fetch was started
        assert page.page == k
        assert fake.count(path=V2) == k
        assert pages_asked(fake) == list(range(1, k + 1))
    await walk.aclose()
    await _timing.settle()
    assert stray_tasks() == []
    assert fake.count(path=V2) == 4
    with pytest.raises(StopAsyncIteration):
        await anext(walk)


@pytest.mark.parametrize(("module", "path", "default_limit"), LISTINGS)
async def test_a_full_walk_with_the_default_page_size(
    fake: FakeSynerise,
    client: SyneriseClient,
    expected_ids: list[str],
    module: ModuleType,
    path: str,
    default_limit: int,
) -> None:
    pages = [page async for page in module.paginate(client=client)]
    expected_pages = -(-57 // default_limit)
    assert [p.page for p in pages] == list(range(1, expected_pages + 1))
    assert all(isinstance(p, Page) and p.limit == default_limit for p in pages)
    assert ids([w for p in pages for w in p.items]) == expected_ids
    assert fake.count(path=path) == expected_pages  # no request past the last page
    assert {r.query["limit"] for r in fake.requests if r.path == path} == {str(default_limit)}


async def test_filters_apply_to_every_page(fake: FakeSynerise, client: SyneriseClient) -> None:
    walked = [
        w
        async for w in list_workflows.paginate(
            client=client, limit=3, status="Active", tags=["promo", "test"]
        ).items()
    ]
    assert walked
    assert all(w.status == "Active" for w in walked)
    for record in (r for r in fake.requests if r.path == V2):
        assert (record.query["status"], record.query["tags"]) == ("Active", "promo,test")
    seeded = [
        w
        for w in fake.workflows()
        if w["status"] == "Active" and {"promo", "test"} & {t["value"] for t in w["tags"]}
    ]
    assert len(walked) == len(seeded)


# --- prefetch --------------------------------------------------------------------------


@pytest.mark.parametrize("prefetch", [0, 1, 2, 4])
async def test_the_prefetch_bound_is_never_exceeded(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str], prefetch: int
) -> None:
    await list_workflows.asyncio(client=client, limit=1)  # log in first
    fake.requests.clear()
    fake.faults.delay(0.05, count=100, path=V2)  # every page takes a while to serve
    seen: list[Workflow] = []
    async with in_flight_peak(fake) as peak:
        async for page in list_workflows.paginate(client=client, limit=10, prefetch=prefetch):
            seen.extend(page.items)
            assert fake.count(path=V2) <= page.page + prefetch
            window = min(page.page + prefetch, 6)
            await _timing.until(
                lambda w=window: fake.count(path=V2) >= w, "the page requests"
            )  # a slow consumer...
            await _timing.settle()
            assert client.limiter.in_use + client.limiter.waiting <= prefetch
            assert fake.count(path=V2) == window  # ...lets the window fill, never more
    assert ids(seen) == expected_ids
    assert fake.count(path=V2) == 6  # never a speculative request past the last page
    assert sorted(pages_asked(fake)) == [1, 2, 3, 4, 5, 6]
    assert 1 <= peak[0] <= max(prefetch, 1)  # seen by the server: never exceeded
    if prefetch >= 2:
        assert peak[0] >= 2  # and the pages really were fetched concurrently


# --- stopping early and cancellation ---------------------------------------------------


@pytest.mark.parametrize("items", [False, True], ids=["pages", "items"])
async def test_breaking_out_leaves_no_task_and_no_connection(
    fake: FakeSynerise, client: SyneriseClient, items: bool, pool: Pool
) -> None:
    await list_workflows.asyncio(client=client, limit=1)
    fake.requests.clear()
    paginator = list_workflows.paginate(client=client, limit=5, prefetch=3)
    if items:
        async for index, _ in _enumerate(paginator.items()):
            if index == 6:  # on page 2
                fake.faults.delay(5.0, count=20, path=V2)  # the prefetched pages hang
                await _timing.until(lambda: fake.count(path=V2) >= 4, "the page requests")
                break
    else:
        async for page in paginator:
            if page.page == 2:
                fake.faults.delay(5.0, count=20, path=V2)
                await _timing.until(lambda: fake.count(path=V2) >= 4, "the page requests")
                break
    started = time.monotonic()
    await settle()
    assert stray_tasks() == []
    await pool.assert_all_returned()
    assert time.monotonic() - started < 1.0  # nobody waited for the pages hanging 5 s
    assert fake.count(path=V2) <= 2 + 3
    fake.faults.clear()
    assert len(await list_workflows.asyncio(client=client, limit=5)) == 5  # still usable


async def _enumerate(walk: Any) -> AsyncIterator[tuple[int, Any]]:
    index = 0
    async for item in walk:
        yield index, item
        index += 1


async def test_cancelling_while_a_page_is_awaited(
    fake: FakeSynerise, client: SyneriseClient, pool: Pool
) -> None:
    await list_workflows.asyncio(client=client, limit=1)
    fake.requests.clear()
    fake.faults.delay(5.0, count=20, path=V2)

    async def walk() -> None:
        async for _ in list_workflows.paginate(client=client, limit=10, prefetch=2):
            pass

    task = asyncio.create_task(walk())
    await _timing.until(lambda: fake.count(path=V2) == 1, "the page requests")
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0  # not the 5 s the server would take
    await settle()
    assert stray_tasks() == []
    await pool.assert_all_returned()
    assert fake.count(path=V2) == 1  # no prefetch before the first page is known


async def test_cancelling_while_holding_a_page_with_prefetch_in_flight(
    fake: FakeSynerise, client: SyneriseClient, pool: Pool
) -> None:
    await list_workflows.asyncio(client=client, limit=1)
    fake.requests.clear()
    holding = asyncio.Event()

    async def walk() -> None:
        async for _ in list_workflows.paginate(client=client, limit=10, prefetch=3):
            fake.faults.delay(5.0, count=20, path=V2)  # pages 2-4 hang on the server
            holding.set()
            await asyncio.Event().wait()  # a consumer busy until cancelled

    task = asyncio.create_task(walk())
    await holding.wait()
    await _timing.until(lambda: fake.count(path=V2) == 4, "the page requests")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await settle()
    assert stray_tasks() == []
    await pool.assert_all_returned()


async def test_aclose_cancels_the_prefetched_pages_at_once(
    fake: FakeSynerise, client: SyneriseClient, pool: Pool
) -> None:
    await list_workflows.asyncio(client=client, limit=1)
    fake.requests.clear()
    async with list_workflows.paginate(client=client, limit=10, prefetch=3) as paginator:
        walk = paginator.pages()
        first = await anext(walk)
        fake.faults.delay(5.0, count=20, path=V2)
        await _timing.until(lambda: fake.count(path=V2) == 4, "the page requests")
    # No gc, no sleeping: `async with` (aclose) waited for the cancelled fetches.
    assert stray_tasks() == []
    await pool.assert_all_returned()
    assert first.page == 1
    with pytest.raises(StopAsyncIteration):
        await anext(walk)


@pytest.mark.parametrize("items", [False, True], ids=["pages", "items"])
async def test_aclose_from_another_task_ends_the_walk_being_iterated(
    fake: FakeSynerise, client: SyneriseClient, items: bool, pool: Pool
) -> None:
    # Regression: the consumer crashed with IndexError ("pop from an empty deque") when
    # aclose() emptied the queue of fetches while it awaited one of them.
    await list_workflows.asyncio(client=client, limit=1)
    fake.requests.clear()
    fake.faults.delay(0.0, path=V2).delay(5.0, count=20, path=V2)  # page 1 only is served
    paginator = list_workflows.paginate(client=client, limit=10, prefetch=2)
    got: list[int] = []

    async def consume() -> None:
        if items:
            async for _ in paginator.items():
                got.append(0)
        else:
            async for page in paginator:
                got.append(page.page)

    consumer = asyncio.create_task(consume())
    await _timing.until(
        lambda: fake.count(path=V2) == 3, "the page requests"
    )  # holding page 1, pages 2-3 in flight
    await paginator.aclose()
    await asyncio.wait_for(consumer, 2.0)  # ends normally, without an error
    assert got[:1] in ([1], [0])
    assert len(got) == (10 if items else 1)
    await settle()
    assert stray_tasks() == []
    await pool.assert_all_returned()


async def test_aclose_from_another_task_ends_a_walk_whose_task_has_a_stale_cancel_count(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    # On Python 3.11/3.12 a task that ran a failing TaskGroup keeps cancelling() > 0
    # without a cancellation pending; reading that count as "I am being cancelled" made
    # the walk raise CancelledError instead of ending.
    await list_workflows.asyncio(client=client, limit=1)
    fake.requests.clear()
    fake.faults.delay(0.0, path=V2).delay(5.0, count=20, path=V2)
    paginator = list_workflows.paginate(client=client, limit=10, prefetch=2)
    got: list[int] = []

    async def consume() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0)
        assert task.cancelling() == 1
        async for page in paginator:
            got.append(page.page)

    consumer = asyncio.create_task(consume())
    await _timing.until(lambda: fake.count(path=V2) == 3, "the page requests")
    await paginator.aclose()
    await asyncio.wait_for(consumer, 2.0)  # ends normally, not cancelled
    assert got == [1]
    await settle()
    assert stray_tasks() == []


# --- max_pages, max_items, start_page ------------------------------------------------


async def test_max_pages(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str]
) -> None:
    pages = [
        p async for p in list_workflows.paginate(client=client, limit=10, max_pages=2, prefetch=3)
    ]
    assert [p.page for p in pages] == [1, 2]
    assert ids([w for p in pages for w in p.items]) == expected_ids[:20]
    await _timing.settle()
    assert stray_tasks() == []
    assert pages_asked(fake) == [1, 2]  # the prefetch window stops at max_pages


@pytest.mark.parametrize(("max_items", "requests"), [(25, 3), (20, 2), (1, 1), (57, 6), (500, 6)])
async def test_max_items(
    fake: FakeSynerise,
    client: SyneriseClient,
    expected_ids: list[str],
    max_items: int,
    requests: int,
) -> None:
    walked = [
        w
        async for w in list_workflows.paginate(client=client, limit=10, max_items=max_items).items()
    ]
    assert ids(walked) == expected_ids[:max_items]
    assert fake.count(path=V2) == requests


async def test_max_items_with_prefetch_cancels_the_rest(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str], pool: Pool
) -> None:
    walked = [
        w
        async for w in list_workflows.paginate(
            client=client, limit=10, max_items=25, prefetch=2
        ).items()
    ]
    assert ids(walked) == expected_ids[:25]
    await settle()
    assert stray_tasks() == []
    await pool.assert_all_returned()
    assert fake.count(path=V2) <= 5


@pytest.mark.parametrize(
    ("start_page", "max_pages", "asked", "window"),
    [
        (5, None, [5, 6], slice(40, 57)),
        (4, 2, [4, 5], slice(30, 50)),
        (6, None, [6], slice(50, 57)),
        (9, None, [9], slice(0, 0)),
    ],
)
async def test_start_page(
    fake: FakeSynerise,
    client: SyneriseClient,
    expected_ids: list[str],
    start_page: int,
    max_pages: int | None,
    asked: list[int],
    window: slice,
) -> None:
    paginator = list_workflows.paginate(
        client=client, limit=10, start_page=start_page, max_pages=max_pages
    )
    pages = [p async for p in paginator]
    assert [p.page for p in pages] == asked
    assert ids([w for p in pages for w in p.items]) == expected_ids[window]
    assert pages_asked(fake) == asked


# --- a server repeating itself ----------------------------------------------------------

#: A full page without ``meta`` (so only the repeated-page check can end the walk early),
#: with a NaN in a float field: the stdlib parser accepts the literal, and NaN != NaN.
NAN_PAGE = (
    b'{"data": ['
    + b", ".join(
        b'{"diagramId": "00000000-0000-4000-8000-00000000000%d", "configuration": '
        b'{"capping": {"limit": 1, "period": {"type": "DAY", "timeSeconds": NaN}}}}' % i
        for i in range(2)
    )
    + b"]}"
)


@contextlib.asynccontextmanager
async def nan_server(pages: int) -> AsyncIterator[tuple[str, list[int]]]:
    """A bare listing route on loopback: the same NaN page ``pages`` times, then empty."""
    asked: list[int] = []

    async def listing(request: web.Request) -> web.Response:
        asked.append(int(request.query["page"]))
        body = NAN_PAGE if len(asked) <= pages else b'{"data": []}'
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get(V2, listing)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", asked
    finally:
        await runner.cleanup()


async def test_a_repeated_page_with_a_nan_stops_the_walk_with_the_stdlib_parser(
    monkeypatch: pytest.MonkeyPatch, fast_config: ClientConfig
) -> None:
    # Regression: the walk went on for as long as the server repeated the page (50 here,
    # 500 in the report). The stdlib parser is what the SDK uses without orjson.
    monkeypatch.setattr(_serde, "loads", json.loads)
    async with (
        asyncio.timeout(20),
        nan_server(pages=50) as (url, asked),
        SyneriseClient(TokenAuth("a-token"), base_url=url, config=fast_config) as client,
    ):
        pages = [p async for p in list_workflows.paginate(client=client, limit=2)]
    assert [p.page for p in pages] == [1]
    period = pages[0].items[0].configuration.capping.period  # type: ignore[union-attr]
    assert period is not None and period.time_seconds != period.time_seconds  # the NaN
    assert asked == [1, 2]


async def test_a_nan_page_with_orjson_fails_at_once_with_a_resume_page(
    monkeypatch: pytest.MonkeyPatch, fast_config: ClientConfig
) -> None:
    orjson = pytest.importorskip("orjson")  # it rejects NaN: the page is not valid JSON
    monkeypatch.setattr(_serde, "loads", orjson.loads)
    async with (
        asyncio.timeout(20),
        nan_server(pages=50) as (url, asked),
        SyneriseClient(TokenAuth("a-token"), base_url=url, config=fast_config) as client,
    ):
        with pytest.raises(ResponseValidationError) as info:
            [p async for p in list_workflows.paginate(client=client, limit=2)]
    assert info.value.resume_page == 1
    assert asked == [1]


# --- empty collections -------------------------------------------------------------------


async def test_an_empty_workspace_is_one_request(fast_config: ClientConfig) -> None:
    async with (
        FakeSynerise(workspaces=1, workflows_per_workspace=0) as fake,
        SyneriseClient(
            WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=fast_config
        ) as client,
    ):
        pages = [p async for p in list_workflows.paginate(client=client, prefetch=4)]
        v1_items = [w async for w in list_workflows_v1.paginate(client=client).items()]
    assert [(p.page, p.items, p.total) for p in pages] == [(1, (), 0)]
    assert v1_items == []
    assert (fake.count(path=V2), fake.count(path=V1)) == (1, 1)


async def test_a_filter_matching_nothing_is_one_request(
    fake: FakeSynerise, client: SyneriseClient
) -> None:
    walked = [
        w
        async for w in list_workflows.paginate(
            client=client, search="no such workflow", prefetch=3
        ).items()
    ]
    assert walked == []
    assert fake.count(path=V2) == 1


# --- failures mid-walk -----------------------------------------------------------------


@pytest.mark.parametrize(("module", "path", "default_limit"), LISTINGS)
async def test_resume_after_a_persistent_failure_yields_each_item_once(
    fake: FakeSynerise,
    client: SyneriseClient,
    expected_ids: list[str],
    module: ModuleType,
    path: str,
    default_limit: int,
) -> None:
    attempts = client.config.max_retries + 1
    got: list[str] = []
    with pytest.raises(InternalServerError) as info:
        async for page in module.paginate(client=client, limit=10):
            got.extend(ids(list(page.items)))
            if page.page == 3:  # page 4 fails on every attempt
                fake.faults.error(500, count=attempts, path=path)
    error = info.value
    assert error.resume_page == 4
    assert error.attempts == attempts
    assert "Resume the walk with start_page=4." in getattr(error, "__notes__", [])
    assert fake.count(path=path, status_code=500) == attempts
    assert got == expected_ids[:30]
    await settle()
    assert stray_tasks() == []

    async for workflow in module.paginate(
        client=client, limit=10, start_page=error.resume_page
    ).items():
        got.append(workflow.diagram_id)
    assert got == expected_ids  # every item exactly once, in server order


async def test_resume_after_a_failure_with_prefetch(
    fake: FakeSynerise, expected_ids: list[str], fast_config: ClientConfig, pool: Pool
) -> None:
    config = ClientConfig(backoff_base=fast_config.backoff_base, max_retries=0)
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key),
        base_url=fake.url,
        config=config,
        session=pool.session,
    ) as client:
        got: list[str] = []
        with pytest.raises(InternalServerError) as info:
            async for page in list_workflows.paginate(client=client, limit=5, prefetch=2):
                got.extend(ids(list(page.items)))
                if page.page == 2:  # whichever page reaches the server next fails
                    fake.faults.error(502, path=V2)
        resume = info.value.resume_page
        assert resume is not None
        assert resume >= 3
        assert got == expected_ids[: (resume - 1) * 5]
        async for workflow in list_workflows.paginate(
            client=client, limit=5, start_page=resume, prefetch=2
        ).items():
            got.append(workflow.diagram_id)
        await settle()
        assert stray_tasks() == []
        await pool.assert_all_returned()
    assert got == expected_ids


async def test_a_429_mid_walk_is_waited_out(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str]
) -> None:
    got: list[str] = []
    async for page in list_workflows.paginate(client=client, limit=10):
        got.extend(ids(list(page.items)))
        if page.page == 3:
            fake.faults.rate_limit(retry_after=0.1, path=V2)
    assert got == expected_ids
    listing = [r for r in fake.requests if r.path == V2]
    assert [(int(r.query["page"]), r.status_code) for r in listing] == [
        (1, 200),
        (2, 200),
        (3, 200),
        (4, 429),
        (4, 200),
        (5, 200),
        (6, 200),
    ]
    assert listing[4].at - listing[3].at >= 0.09


async def test_a_429_that_ends_a_walk_is_caught_as_a_rate_limit_error_with_resume_page(
    fake: FakeSynerise, expected_ids: list[str], fast_config: ClientConfig
) -> None:
    # A Retry-After longer than the client waits for: the 429 is raised, not waited out.
    config = attrs.evolve(fast_config, max_retry_after=1.0)
    async with (
        asyncio.timeout(20),
        SyneriseClient(
            WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config
        ) as client,
    ):
        got: list[str] = []
        caught: RateLimitError | None = None
        try:
            async for page in list_workflows.paginate(client=client, limit=10, prefetch=1):
                got.extend(ids(list(page.items)))
                if page.page == 2:
                    await _timing.until(
                        lambda: fake.count(path=V2) == 3, "the page requests"
                    )  # page 3 is served
                    fake.faults.rate_limit(retry_after=30, path=V2)  # page 4 is refused
        except RateLimitError as exc:  # the class users catch around a single call
            caught = exc
        assert caught is not None
        assert isinstance(caught, PageError)
        assert caught.resume_page == 4
        assert (caught.status_code, caught.retry_after, caught.attempts) == (429, 30.0, 1)
        assert isinstance(caught.__cause__, RateLimitError)
        assert not isinstance(caught.__cause__, PageError)
        assert str(caught) == str(caught.__cause__)
        assert got == expected_ids[:30]
        async for workflow in list_workflows.paginate(
            client=client, limit=10, start_page=caught.resume_page
        ).items():
            got.append(workflow.diagram_id)
    assert got == expected_ids


@pytest.mark.parametrize(("module", "path", "default_limit"), LISTINGS)
async def test_a_walk_builds_no_response_objects(
    fake: FakeSynerise,
    client: SyneriseClient,
    expected_ids: list[str],
    monkeypatch: pytest.MonkeyPatch,
    module: ModuleType,
    path: str,
    default_limit: int,
) -> None:
    built: list[RawResponse] = []
    to_response = RawResponse.to_response

    def counting(self: RawResponse, parsed: Any) -> Any:
        if path in self.request.url:  # the login's Response is not the listing's
            built.append(self)
        return to_response(self, parsed)

    monkeypatch.setattr(RawResponse, "to_response", counting)
    walked = [
        w.diagram_id async for w in module.paginate(client=client, limit=10, prefetch=2).items()
    ]
    assert walked == expected_ids
    assert built == []  # pages go from the wire to the walk; nobody asked for a Response
    one = await module.asyncio_detailed(client=client, page=2, limit=10)
    assert isinstance(one.parsed, Page)
    assert [w.diagram_id for w in one.parsed.items] == expected_ids[10:20]
    assert len(built) == 1  # a single detailed call still gets its Response[Page]


async def test_a_revoked_token_mid_walk_is_renewed_once(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str]
) -> None:
    got: list[str] = []
    async for page in list_workflows.paginate(client=client, limit=10, prefetch=1):
        got.extend(ids(list(page.items)))
        if page.page == 2:
            await _timing.until(
                lambda: fake.count(path=V2) == 3, "the page requests"
            )  # the prefetched page 3 is served
            fake.revoke_all_tokens()
    assert got == expected_ids
    assert fake.count(path=LOGIN) == 2
    assert fake.count(path=V2, status_code=401) == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_a_token_expired_on_the_server_mid_walk_is_renewed(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str], status: int
) -> None:
    fake.expired_token_status_code = status  # some Workspaces answer 403 "Token expired"
    got: list[str] = []
    async for page in list_workflows.paginate(client=client, limit=10):
        got.extend(ids(list(page.items)))
        if page.page == 2:
            fake.shift_clock(7200)  # the client's token is now expired for the server
    assert got == expected_ids
    assert fake.count(path=LOGIN) == 2
    assert [r.status_code for r in fake.requests if r.path == V2].count(status) == 1


async def test_an_undecodable_page_stops_the_walk_with_a_resume_page(
    fake: FakeSynerise, client: SyneriseClient, expected_ids: list[str]
) -> None:
    got: list[str] = []
    with pytest.raises(ResponseValidationError) as info:
        async for page in list_workflows.paginate(client=client, limit=10):
            got.extend(ids(list(page.items)))
            if page.page == 5:
                fake.faults.non_json(path=V2, status_code=200)
    assert isinstance(info.value, PageError)
    assert info.value.resume_page == 6
    assert isinstance(info.value.__cause__, ResponseValidationError)
    assert fake.count(path=V2) == 6  # not retried: the body is wrong, not the connection
    async for workflow in list_workflows.paginate(client=client, limit=10, start_page=6).items():
        got.append(workflow.diagram_id)
    assert got == expected_ids


async def test_a_walk_across_token_expiry(
    fast_config: ClientConfig, order_of: Callable[[list[dict[str, Any]]], list[str]]
) -> None:
    manual = ManualClock()  # the client's and the server's clock: no real waiting
    async with FakeSynerise(
        seed=3, workspaces=1, workflows_per_workspace=30, token_lifetime=10, clock=manual.wall
    ) as fake:
        expected = order_of(fake.workflows())
        async with (
            _timing.workspace_client(fake, manual, fast_config) as client,
            asyncio.timeout(30),
        ):
            got: list[str] = []
            async for page in list_workflows.paginate(client=client, limit=4, prefetch=1):
                got.extend(ids(list(page.items)))
                manual.advance(6)  # slow: the walk outlives several tokens
    assert got == expected  # every item exactly once, in server order
    assert fake.count(path=LOGIN) >= 3  # renewed along the way
    assert fake.count(path=V2, status_code=200) == 8


async def test_random_faults_still_yield_every_item_once_in_order(
    fake: FakeSynerise, expected_ids: list[str], fast_config: ClientConfig, pool: Pool
) -> None:
    config = ClientConfig(backoff_base=0.005, backoff_cap=0.02, max_retries=10)
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key),
        base_url=fake.url,
        config=config,
        session=pool.session,
    ) as client:
        await list_workflows.asyncio(client=client, limit=1)
        fake.faults.random(
            0.35,
            kinds=("rate_limit", "error", "drop", "delay", "non_json", "truncated"),
            seed=5,
            path=V2,
            retry_after=0.01,
        )
        walked = [
            w async for w in list_workflows.paginate(client=client, limit=5, prefetch=2).items()
        ]
        await settle()
        await pool.assert_all_returned()
    assert ids(walked) == expected_ids
    assert any(r.fault is not None for r in fake.requests)


# --- property ----------------------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=0, max_value=45),
    limit=st.integers(min_value=1, max_value=12),
    prefetch=st.integers(min_value=0, max_value=4),
    start_page=st.integers(min_value=1, max_value=4),
    max_items=st.none() | st.integers(min_value=1, max_value=50),
)
def test_property_the_walk_is_the_server_listing(
    n: int, limit: int, prefetch: int, start_page: int, max_items: int | None
) -> None:
    async def run() -> tuple[list[str], list[str], list[int]]:
        async with FakeSynerise(seed=n, workspaces=1, workflows_per_workspace=n) as fake:
            wire = sorted(fake.workflows(), key=lambda w: (-w["created"], w["diagramId"]))
            expected = [w["diagramId"] for w in wire]
            config = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
            async with SyneriseClient(
                WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config
            ) as client:
                paginator = list_workflows.paginate(
                    client=client,
                    limit=limit,
                    prefetch=prefetch,
                    start_page=start_page,
                    max_items=max_items,
                )
                walked = [w.diagram_id async for w in paginator.items()]
            return walked, expected, pages_asked(fake)

    walked, expected, asked = asyncio.run(run())
    tail = expected[(start_page - 1) * limit :]
    assert walked == tail[:max_items]
    assert len(asked) == len(set(asked))  # no page fetched twice
    last_needed = start_page + max(0, -(-len(walked) // limit) - 1)
    assert all(page <= last_needed + prefetch for page in asked)
