"""The timing harness: measures one client on one scenario, in this process.

The runner starts ``python -m benchmarks.harness '<json spec>'`` once per run, so
every measurement gets a fresh interpreter. The harness loads the client, warms it
up (connection, token, lazy imports, converter caches), then times the scenario:
wall clock (``perf_counter``), this process's CPU (``process_time``), its peak RSS
(``VmHWM``), and the server's request count and CPU over the same window. The
result is printed as one JSON line after :data:`RESULT_MARKER`.

All clients and scenarios go through the same code here; a client only implements
:class:`benchmarks.clients.BenchClient`.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import resource
import statistics
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from .clients import BenchClient, Connect, NotAvailable, load
from .control import fetch_stats, login_round_trip
from .payloads import TIME_PERIODS, page_body, page_count, workflow_id
from .scenarios import Kind, Scenario

__all__ = ["RESULT_MARKER", "Outcome", "main", "measure", "peak_rss_kib"]

#: Prefix of the line carrying the JSON result on the harness's stdout.
RESULT_MARKER = "BENCH-RESULT "


@dataclass
class Outcome:
    """What a scenario routine returns: items handled and scenario-specific numbers."""

    items: int
    extra: dict[str, Any] = field(default_factory=dict)


def peak_rss_kib() -> int:
    """This process's peak resident set size so far, in KiB.

    Linux's ``VmHWM`` is used, not ``ru_maxrss``: the kernel carries ``ru_maxrss``
    over ``execve`` from the process that forked this one, so a child of a big runner
    would report the runner's peak. ``ru_maxrss`` is the fallback elsewhere.
    """
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _close(iterator: AsyncIterator[object]) -> None:
    aclose: Callable[[], Awaitable[object]] | None = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


async def _walk(
    client: BenchClient,
    limit: int,
    *,
    stop_after: int | None = None,
    checkpoints: tuple[int, ...] = (),
) -> tuple[int, dict[str, int]]:
    """Count the listing's items one by one, keeping none; stop early if asked.

    Returns the count and the peak RSS (KiB) read as the count passed each checkpoint.
    """
    rss: dict[str, int] = {}
    pending = iter(checkpoints)
    next_checkpoint = next(pending, None)
    seen = 0
    items = client.iter_items(limit=limit)
    try:
        async for _ in items:
            seen += 1
            if seen == next_checkpoint:
                rss[f"rss_at_{seen}_kib"] = peak_rss_kib()
                next_checkpoint = next(pending, None)
            if seen == stop_after:
                break
    finally:
        await _close(items)
    return seen, rss


async def _warm_up(client: BenchClient, scenario: Scenario) -> None:
    """Pay one-off costs outside the timed window: connect, log in, build decoders."""
    if scenario.kind == "decode":
        client.decode_page(page_body(1, scenario.limit, scenario.total))
    elif scenario.kind in ("pages", "items"):
        await _walk(client, scenario.limit, stop_after=2 * scenario.limit)
    else:
        calls = min(8, scenario.calls)
        await asyncio.gather(
            *(client.get_statistics(workflow_id(i), TIME_PERIODS[i % 4]) for i in range(calls))
        )


async def _run_pages(client: BenchClient, scenario: Scenario, _: object) -> Outcome:
    seen = await client.list_pages(limit=scenario.limit, prefetch=scenario.prefetch)
    if seen != scenario.total:
        raise RuntimeError(f"listed {seen} workflows, the server has {scenario.total}")
    return Outcome(seen)


async def _run_items(client: BenchClient, scenario: Scenario, _: object) -> Outcome:
    start = peak_rss_kib()
    seen, rss = await _walk(client, scenario.limit, checkpoints=scenario.checkpoints)
    if seen != scenario.total:
        raise RuntimeError(f"walked {seen} workflows, the server has {scenario.total}")
    return Outcome(seen, {"rss_start_kib": start, **rss})


async def _run_stats(client: BenchClient, scenario: Scenario, _: object) -> Outcome:
    indices = iter(range(scenario.calls))

    async def lane() -> int:
        done = 0
        for index in indices:  # shared: each lane takes the next call when it is free
            await client.get_statistics(workflow_id(index), TIME_PERIODS[index % 4])
            done += 1
        return done

    lanes = await asyncio.gather(*(lane() for _ in range(scenario.in_flight)))
    return Outcome(sum(lanes))


async def _run_token(client: BenchClient, scenario: Scenario, _: object) -> Outcome:
    loop = asyncio.get_running_loop()
    start = loop.time()
    step = scenario.spread / scenario.calls
    latencies: list[float] = []
    errors: list[str] = []

    async def call(index: int) -> None:
        await asyncio.sleep(max(0.0, start + index * step - loop.time()))
        began = time.perf_counter()
        try:
            await client.get_statistics(workflow_id(index), "previousDay")
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            return
        latencies.append(time.perf_counter() - began)

    await asyncio.gather(*(call(i) for i in range(scenario.calls)))
    extra: dict[str, Any] = {"errors": len(errors), "first_error": errors[0] if errors else ""}
    if len(latencies) >= 2:
        percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
        extra |= {"p50": statistics.median(latencies), "p99": percentiles[98]}
    return Outcome(len(latencies), extra)


async def _run_decode(client: BenchClient, scenario: Scenario, bodies: object) -> Outcome:
    assert isinstance(bodies, list)
    return Outcome(sum(len(client.decode_page(body)) for body in bodies))


_ROUTINES: dict[Kind, Callable[[BenchClient, Scenario, object], Awaitable[Outcome]]] = {
    "pages": _run_pages,
    "items": _run_items,
    "stats": _run_stats,
    "token": _run_token,
    "decode": _run_decode,
}


def _prepare(scenario: Scenario) -> object:
    """Inputs built before the timed window (the bodies of the decode scenario)."""
    if scenario.kind != "decode":
        return None
    pages = page_count(scenario.total, scenario.limit)
    return [page_body(n, scenario.limit, scenario.total) for n in range(1, pages + 1)]


def _token_accounting(
    log: list[list[float]], window: tuple[float, float], lifetime: float
) -> dict[str, int]:
    """Logins, expiries and duplicate logins of this client within the timed window.

    A duplicate is a login less than half a token lifetime after the previous one:
    a stampede, or a refresh far earlier than any refresh margin.
    """
    start, end = window
    issued = sorted(entry[0] for entry in log)
    logins = [t for t in issued if start <= t <= end]
    duplicates = sum(
        1
        for previous, current in itertools.pairwise(issued)
        if start <= current <= end and current - previous < lifetime / 2
    )
    expiries = sum(1 for entry in log if start <= entry[1] <= end)
    return {"token_requests": len(logins), "expiries": expiries, "duplicate_logins": duplicates}


async def measure(
    connect: Connect, scenario: Scenario, base_url: str, api_key: str
) -> dict[str, Any]:
    """Warm up, then time one run of ``scenario``; returns the JSON-able result.

    Raises:
        NotAvailable: the client cannot run this scenario.
    """
    prepared = _prepare(scenario)
    async with connect(base_url, api_key, max_concurrency=scenario.max_concurrency) as client:
        await _warm_up(client, scenario)
        gc.collect()
        before = await asyncio.to_thread(fetch_stats, base_url, api_key)
        epoch_start = time.time()
        cpu_start = time.process_time()
        wall_start = time.perf_counter()
        outcome = await _ROUTINES[scenario.kind](client, scenario, prepared)
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
        epoch_end = time.time()
        after = await asyncio.to_thread(fetch_stats, base_url, api_key)
    rss = peak_rss_kib()
    extra = outcome.extra
    if scenario.kind == "token":
        window = (epoch_start, epoch_end)
        extra |= _token_accounting(after["login_log"], window, scenario.token_lifetime)
        extra["unauthorized"] = after["unauthorized"] - before["unauthorized"]
    return {
        "status": "ok",
        "wall": wall,
        "cpu": cpu,
        "rss_kib": rss,
        "items": outcome.items,
        "requests": after["requests"] - before["requests"],
        "server_cpu": after["cpu"] - before["cpu"],
        "extra": extra,
    }


def _probe(names: list[str]) -> dict[str, Any]:
    """Which clients load here: ``{"status": "ok", "unavailable": {name: reason}}``."""
    unavailable = {}
    for name in names:
        try:
            load(name)
        except NotAvailable as exc:
            unavailable[name] = str(exc)
    return {"status": "ok", "unavailable": unavailable}


def _result(spec: dict[str, Any]) -> dict[str, Any]:
    if "probe" in spec:
        return _probe(spec["probe"])
    scenario = Scenario.from_json(spec["scenario"])
    base_url, api_key = spec["base_url"], spec["api_key"]
    try:
        connect = load(spec["client"])
        result = asyncio.run(measure(connect, scenario, base_url, api_key))
    except NotAvailable as exc:
        return {"status": "unavailable", "reason": str(exc)}
    except Exception as exc:
        traceback.print_exc()
        return {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    if scenario.kind == "token":  # after the window, and after peak RSS was read
        result["extra"]["token_rt"] = login_round_trip(base_url, api_key + "-rt")
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m benchmarks.harness '<json spec>'``; always prints a result."""
    args = sys.argv[1:] if argv is None else argv
    result = _result(orjson.loads(args[0]))
    print(RESULT_MARKER + orjson.dumps(result).decode(), flush=True)
    return 0 if result["status"] != "error" else 1


if __name__ == "__main__":
    sys.exit(main())
