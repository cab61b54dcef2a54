"""One clock: every time source a client uses comes from its ``Clock``, and every retry
waits the one backoff."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import _timing
import pytest

import synerise_async
from synerise_async import (
    ClientConfig,
    Clock,
    InternalServerError,
    InvalidArgumentError,
    SyneriseClient,
    WorkspaceAuth,
)
from synerise_async._http import backoff_delay
from synerise_async.api import _paths as paths
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.auth import IssuedToken, SessionToken, TokenSession
from synerise_async.testing import FakeSynerise, ManualClock

PACKAGE = Path(synerise_async.__file__).parent

#: Reads of time, waits and random draws that only the clock module may make.
_TIME = {"monotonic", "monotonic_ns", "time", "time_ns", "perf_counter", "perf_counter_ns"}
_FORBIDDEN = {"time": _TIME, "asyncio": {"sleep"}, "random": None}  # None: any name

#: Modules allowed to read time directly, and why:
#: - the clock module is where the real sources are named;
#: - ``testing/`` is the fake server: it runs on its own clock, not a client's;
#: - the audit command's run (``audit/_run.py``) redraws its progress on the terminal
#:   every fraction of a second and shows elapsed time to a person: time of the screen,
#:   not of any request, token or retry.
ALLOWED = {"_clock.py", "audit/_run.py"}
ALLOWED_DIRS = {"testing"}


def _direct_time_reads(source: str) -> list[str]:
    """``module.name`` uses (and ``from module import name`` imports) the clock covers."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> module, for "import time as t"
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                if name.name in _FORBIDDEN:
                    aliases[name.asname or name.name] = name.name
                    if name.name == "random":
                        found.append(f"line {node.lineno}: import random")
        elif isinstance(node, ast.ImportFrom) and node.module in _FORBIDDEN:
            names = _FORBIDDEN[node.module]
            for name in node.names:
                if names is None or name.name in names:
                    found.append(f"line {node.lineno}: from {node.module} import {name.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = aliases.get(node.value.id)
            if module is None:
                continue
            names = _FORBIDDEN[module]
            if names is None or node.attr in names:
                found.append(f"line {node.lineno}: {module}.{node.attr}")
    return found


def test_the_scan_sees_each_way_of_reading_time() -> None:
    source = (
        "import time as t\nimport asyncio\nimport random\nfrom time import monotonic\n"
        "t.time()\nawait asyncio.sleep(1)\nrandom.random()\n"
    )
    assert len(_direct_time_reads(source)) == 5
    assert _direct_time_reads("import asyncio\nasyncio.get_running_loop()\n") == []


def test_no_module_outside_the_clock_reads_time_directly() -> None:
    offenders: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.as_posix() in ALLOWED or relative.parts[0] in ALLOWED_DIRS:
            continue
        if found := _direct_time_reads(path.read_text(encoding="utf-8")):
            offenders[relative.as_posix()] = found
    assert offenders == {}, "use the client's Clock (synerise_async._clock) instead"
    for allowed in ALLOWED:  # the allow-list names files that exist
        assert (PACKAGE / allowed).exists(), allowed


def test_a_client_takes_only_a_clock() -> None:
    with pytest.raises(InvalidArgumentError, match="clock"):
        SyneriseClient(clock=lambda: 0.0)  # type: ignore[arg-type]


def test_the_backoff_is_full_jitter_doubling_to_the_cap() -> None:
    config = ClientConfig(backoff_base=1.0, backoff_cap=3.0)
    assert [backoff_delay(n, config, lambda: 0.5) for n in (1, 2, 3, 4)] == [0.5, 1.0, 1.5, 1.5]
    assert backoff_delay(1, config, lambda: 0.0) == 0.0


async def test_the_pipeline_waits_the_one_backoff_on_the_clients_clock() -> None:
    manual = ManualClock(jitter=0.25)
    config = ClientConfig(backoff_base=1.0, backoff_cap=3.0, max_retries=4)
    async with FakeSynerise(workflows_per_workspace=0) as fake:
        fake.faults.error(503, count=4, path=paths.CURRENT_WORKSPACE)
        auth = WorkspaceAuth(fake.workspace.api_key)
        async with (
            SyneriseClient(auth, base_url=fake.url, config=config, clock=manual.clock) as client,
            asyncio.timeout(10),  # the waits are on the manual clock: no real time passes
        ):
            assert (await get_current_workspace.asyncio(client=client)).selected
    expected = [backoff_delay(n, config, manual.random) for n in (1, 2, 3, 4)]
    assert manual.sleeps == expected == [0.25, 0.5, 0.75, 0.75]


async def test_the_sessions_background_retry_waits_the_same_backoff() -> None:
    manual = ManualClock(jitter=0.25)
    config = ClientConfig(backoff_base=1.0, backoff_cap=3.0)
    calls = 0

    async def fetch(current: SessionToken | None) -> IssuedToken:
        nonlocal calls
        calls += 1
        if calls in (2, 3):  # the first two background refreshes fail
            raise InternalServerError(
                "HTTP 503",
                request=synerise_async.RequestInfo("POST", "http://x/login"),
                status_code=503,
                body=None,
            )
        wall = manual.wall()
        return IssuedToken(value=f"t{calls}", expiration=wall + 100, created_ms=wall * 1000)

    session = TokenSession(fetch, config=config, name="test", clock=manual.clock)
    async with asyncio.timeout(10):
        first = await session.get_token()
        manual.advance(first.refresh_at - manual.now)  # the refresh window opens
        for failures in (1, 2):
            assert await session.get_token() is first
            await _timing.refreshes_done()
            assert calls == 1 + failures
            delay = backoff_delay(failures, config, manual.random)  # 0.25, then 0.5
            manual.advance(delay - 0.01)
            assert await session.get_token() is first  # within the backoff: no attempt
            await _timing.refreshes_done()
            assert calls == 1 + failures
            manual.advance(0.01)
        assert await session.get_token() is first  # past it: the third refresh works
        await _timing.refreshes_done()
        assert calls == 4
        assert (await session.get_token()).value == "t4"


def test_a_clock_is_frozen_and_defaults_to_the_real_sources() -> None:
    import attrs

    clock = Clock()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        clock.sleep = asyncio.sleep  # type: ignore[misc]
    assert clock == synerise_async._clock.SYSTEM_CLOCK


async def test_a_manual_clock_without_auto_advance_holds_sleeps_until_advanced() -> None:
    manual = ManualClock(start=0.0, wall=100.0, auto_advance=False)
    async with asyncio.timeout(5):
        short = asyncio.create_task(manual.sleep(1.0))
        long = asyncio.create_task(manual.sleep(3.0))
        cancelled = asyncio.create_task(manual.sleep(2.0))
        await asyncio.sleep(0)
        assert manual.waiting == [1.0, 2.0, 3.0]
        cancelled.cancel()
        manual.advance(1.5)
        await asyncio.sleep(0)
        assert short.done() and not long.done()
        assert manual.waiting == [1.5]  # the cancelled sleep is gone
        manual.advance(1.5)
        await long
    assert (manual.now, manual.wall(), manual.sleeps) == (3.0, 103.0, [1.0, 3.0, 2.0])
