"""The report: machine info, one table of every cell, the token and memory details,
and the targets, each evaluated from the same invocation's numbers.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .clients import BASELINE
from .runner import CellRuns, SuiteResult
from .scenarios import Scenario

__all__ = [
    "SDK",
    "TARGETS",
    "Summary",
    "Target",
    "TargetResult",
    "evaluate_targets",
    "machine_info",
    "render",
    "summarize",
]

#: The client the targets are about.
SDK = "synerise_async"
_ATTRS = "raw_aiohttp_attrs"
_HTTPX = "httpx_pydantic"
_DASH = "—"
_LIBRARIES = (
    "aiohttp",
    "attrs",
    "cattrs",
    "orjson",
    "httpx",
    "httpcore",
    "anyio",
    "sniffio",
    "pydantic",
    "pydantic-core",
    "PyJWT",
    "psutil",
    "synerise-async",
)


@dataclass(frozen=True)
class Summary:
    """The medians (and spread) of one cell's runs."""

    scenario: Scenario
    client: str
    runs: int
    wall: float
    wall_min: float
    wall_max: float
    cpu: float
    rss_mib: float
    items: int
    requests: int
    server_cpu: float
    raw: tuple[dict[str, Any], ...]

    @property
    def floor_ratio(self) -> float | None:
        """Median wall over the scenario's latency floor (None without latency)."""
        floor = self.scenario.latency_floor
        return None if floor is None else self.wall / floor

    def extra(self, key: str) -> list[Any]:
        """A scenario-specific number from every run (missing runs skipped)."""
        return [run["extra"][key] for run in self.raw if key in run["extra"]]

    def extra_median(self, key: str) -> float | None:
        """The median of :meth:`extra` (None when no run has it)."""
        values = self.extra(key)
        return statistics.median(values) if values else None


def summarize(cell: CellRuns) -> Summary | None:
    """Medians of a cell's completed runs; None if it has a problem or no runs."""
    runs = cell.ok_runs
    if cell.problem is not None or not runs:
        return None
    walls = [run["wall"] for run in runs]
    return Summary(
        scenario=cell.scenario,
        client=cell.client,
        runs=len(runs),
        wall=statistics.median(walls),
        wall_min=min(walls),
        wall_max=max(walls),
        cpu=statistics.median(run["cpu"] for run in runs),
        rss_mib=statistics.median(run["rss_kib"] for run in runs) / 1024,
        items=runs[0]["items"],
        requests=round(statistics.median(run["requests"] for run in runs)),
        server_cpu=statistics.median(run["server_cpu"] for run in runs),
        raw=tuple(runs),
    )


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load(values: tuple[float, ...]) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def machine_info(load_at_start: tuple[float, float, float]) -> dict[str, str]:
    """CPU, cores, load, OS, Python and the versions of every library involved."""
    info = {
        "date (UTC)": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "load average (1, 5, 15 min) at start / at end": (
            f"{_load(load_at_start)} / {_load(os.getloadavg())}"
        ),
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
    }
    info |= {name: _version(name) for name in _LIBRARIES}
    return info


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return _DASH if value is None else f"{value:{spec}}{suffix}"


def _ratio(value: float, base: float) -> float | None:
    return value / base if base > 0 else None


def _main_table(result: SuiteResult, summaries: dict[tuple[str, str], Summary]) -> list[str]:
    header = (
        "| scenario | client | wall s (median) | spread (min-max) | req/s | items/s "
        "| wall x raw | CPU x raw | client CPU s | peak RSS MiB | floor s | x floor "
        "| server µs/req | server busy |"
    )
    lines = [header, "|" + "---|" * 14]
    for cell in result.cells:
        scenario = cell.scenario
        summary = summaries.get((scenario.id, cell.client))
        if summary is None:
            problem = (cell.problem or "no runs").replace("|", "/")
            lines.append(f"| {scenario.id} | {cell.client} | {problem} |" + f" {_DASH} |" * 11)
            continue
        base = summaries.get((scenario.id, BASELINE))
        wall_ratio = _ratio(summary.wall, base.wall) if base else None
        cpu_ratio = _ratio(summary.cpu, base.cpu) if base else None
        per_request = summary.server_cpu / summary.requests * 1e6 if summary.requests else None
        busy = summary.server_cpu / summary.wall * 100 if summary.requests else None
        lines.append(
            f"| {scenario.id} | {cell.client} | {summary.wall:.3f} "
            f"| {summary.wall_min:.3f}-{summary.wall_max:.3f} "
            f"| {_fmt(summary.requests / summary.wall if summary.requests else None, ',.0f')} "
            f"| {summary.items / summary.wall:,.0f} "
            f"| {_fmt(wall_ratio, '.2f', 'x')} | {_fmt(cpu_ratio, '.2f', 'x')} "
            f"| {summary.cpu:.3f} | {summary.rss_mib:.1f} "
            f"| {_fmt(scenario.latency_floor, '.3f')} | {_fmt(summary.floor_ratio, '.2f', 'x')} "
            f"| {_fmt(per_request, ',.0f')} | {_fmt(busy, '.0f', ' %')} |"
        )
    return lines


def _token_table(summaries: list[Summary]) -> list[str]:
    lines = [
        "| client | calls ok | errors | token requests | expiries | duplicate logins | 401s "
        "| p50 ms | p99 ms | token RT ms | p99 - p50 ms |",
        "|" + "---|" * 11,
    ]
    for s in summaries:
        p50, p99, rt = s.extra_median("p50"), s.extra_median("p99"), s.extra_median("token_rt")
        gap = None if p50 is None or p99 is None else (p99 - p50) * 1e3
        first_error = next((e for e in s.extra("first_error") if e), "")
        errors = f"{max(s.extra('errors'), default=0)}" + (
            f" ({first_error[:80]})".replace("|", "/") if first_error else ""
        )
        lines.append(
            f"| {s.client} | {s.items:,} | {errors} "
            f"| {', '.join(map(str, s.extra('token_requests')))} "
            f"| {', '.join(map(str, s.extra('expiries')))} "
            f"| {max(s.extra('duplicate_logins'), default=0)} "
            f"| {max(s.extra('unauthorized'), default=0)} "
            f"| {_fmt(None if p50 is None else p50 * 1e3, '.1f')} "
            f"| {_fmt(None if p99 is None else p99 * 1e3, '.1f')} "
            f"| {_fmt(None if rt is None else rt * 1e3, '.1f')} | {_fmt(gap, '.1f')} |"
        )
    return lines


def _memory_table(summaries: list[Summary]) -> list[str]:
    if not summaries:
        return []
    checkpoints = summaries[0].scenario.checkpoints
    names = [f"peak RSS @{n:,} MiB" for n in checkpoints]
    lines = [
        "| client | walked | RSS before walk MiB | " + " | ".join(names) + " | growth | wall s "
        "| items/s |",
        "|" + "---|" * (6 + len(checkpoints)),
    ]
    for s in summaries:
        at = [s.extra_median(f"rss_at_{n}_kib") for n in checkpoints]
        start = s.extra_median("rss_start_kib")
        growth = None if None in (at[0], at[-1]) else (at[-1] - at[0]) / 1024  # type: ignore[operator]
        cells = " | ".join(_fmt(None if v is None else v / 1024, ".1f") for v in at)
        lines.append(
            f"| {s.client} | {s.items:,} | {_fmt(None if start is None else start / 1024, '.1f')} "
            f"| {cells} | {_fmt(growth, '+.1f', ' MiB')} | {s.wall:.2f} "
            f"| {s.items / s.wall:,.0f} |"
        )
    return lines


# A target reads the summaries of its scenario (by client) and returns the measured
# text and whether it passes, or None when a client it needs has no numbers.
_Check = Callable[[Summary, dict[str, Summary]], tuple[str, bool] | None]


def _wall_vs(peer: str, limit: float) -> _Check:
    def check(s: Summary, peers: dict[str, Summary]) -> tuple[str, bool] | None:
        if peer not in peers:
            return None
        ratio = s.wall / peers[peer].wall
        return f"{ratio:.2f}x {peer}", ratio <= limit

    return check


def _faster_than(peer: str, factor: float) -> _Check:
    """At least ``factor`` times faster than ``peer``; factor 1 means strictly faster."""

    def check(s: Summary, peers: dict[str, Summary]) -> tuple[str, bool] | None:
        if peer not in peers:
            return None
        speedup = peers[peer].wall / s.wall
        ok = speedup > 1 if factor == 1 else speedup >= factor
        return f"{speedup:.2f}x the speed of {peer}", ok

    return check


def _near_floor(limit: float) -> _Check:
    def check(s: Summary, peers: dict[str, Summary]) -> tuple[str, bool] | None:
        ratio, floor = s.floor_ratio, s.scenario.latency_floor
        if ratio is None or floor is None:
            return None
        text = f"{ratio:.2f}x floor ({floor:.3f} s)"
        sequential = s.scenario.sequential_first_page_floor
        if sequential is not None and sequential > floor:
            text += f"; waiting for page 1 alone costs {sequential / floor:.2f}x"
        return text, ratio <= limit

    return check


def _one_login_per_expiry(s: Summary, peers: dict[str, Summary]) -> tuple[str, bool] | None:
    logins, expiries = s.extra("token_requests"), s.extra("expiries")
    duplicates = max(s.extra("duplicate_logins"), default=0)
    ok = duplicates == 0 and all(abs(a - b) <= 1 for a, b in zip(logins, expiries, strict=True))
    text = f"logins {logins} vs expiries {expiries}, duplicates {duplicates}"
    return text, ok


def _no_errors(s: Summary, peers: dict[str, Summary]) -> tuple[str, bool] | None:
    errors = sum(s.extra("errors"))
    return f"{errors} errors", errors == 0


def _tail_latency(s: Summary, peers: dict[str, Summary]) -> tuple[str, bool] | None:
    p50, p99, rt = s.extra_median("p50"), s.extra_median("p99"), s.extra_median("token_rt")
    if p50 is None or p99 is None or rt is None:
        return None
    text = f"p99 {p99 * 1e3:.1f} ms vs p50 + RT {(p50 + rt) * 1e3:.1f} ms"
    return text, p99 <= p50 + rt


def _flat_memory(s: Summary, peers: dict[str, Summary]) -> tuple[str, bool] | None:
    checkpoints = s.scenario.checkpoints
    first = s.extra_median(f"rss_at_{checkpoints[0]}_kib")
    last = s.extra_median(f"rss_at_{checkpoints[-1]}_kib")
    if first is None or last is None:
        return None
    growth = (last - first) / first
    text = f"{first / 1024:.1f} → {last / 1024:.1f} MiB ({growth * 100:+.1f} %)"
    return text, growth <= _MEMORY_TOLERANCE


def _rss_vs(peer: str) -> _Check:
    def check(s: Summary, peers: dict[str, Summary]) -> tuple[str, bool] | None:
        if peer not in peers:
            return None
        text = f"{s.rss_mib:.1f} MiB vs {peers[peer].rss_mib:.1f} MiB"
        return text, s.rss_mib <= peers[peer].rss_mib * (1 + _MEMORY_TOLERANCE)

    return check


#: Relative RSS difference read as "the same" (allocator and page-size noise).
_MEMORY_TOLERANCE = 0.03


@dataclass(frozen=True)
class Target:
    """A promise about :data:`SDK` in one scenario, and how to check it."""

    scenario: str
    promise: str
    check: _Check
    #: The client it compares with, if any (no reference score against itself).
    peer: str | None = None


#: The targets: issue 10's same-run ratios first (a, b, c2, d1), then the earlier brief's.
TARGETS: tuple[Target, ...] = (
    Target("a", "wall ≤ 3.0x raw_aiohttp", _wall_vs(BASELINE, 3.0), BASELINE),
    Target("b", "wall ≤ 2.3x raw_aiohttp", _wall_vs(BASELINE, 2.3), BASELINE),
    Target("c2", "wall ≤ 1.10x raw_aiohttp", _wall_vs(BASELINE, 1.10), BASELINE),
    Target("d1", "wall ≤ 1.20x raw_aiohttp", _wall_vs(BASELINE, 1.20), BASELINE),
    Target("a", "faster than raw_aiohttp_attrs", _faster_than(_ATTRS, 1), _ATTRS),
    Target("b", "faster than raw_aiohttp_attrs", _faster_than(_ATTRS, 1), _ATTRS),
    Target("c2", "wall within 10 % of the latency floor", _near_floor(1.10)),
    Target("d2", "wall within 10 % of the latency floor", _near_floor(1.10)),
    Target(
        "e",
        "exactly one token request per expiry (±1 at the window's edges)",
        _one_login_per_expiry,
    ),
    Target("e", "zero errors", _no_errors),
    Target("e", "p99 ≤ p50 + one token round trip", _tail_latency),
    Target("f", "peak RSS independent of workflows walked (≤ +3 %)", _flat_memory),
    Target("a", "peak RSS no worse than raw_aiohttp_attrs (≤ +3 %)", _rss_vs(_ATTRS), _ATTRS),
    Target("a", "≥ 3x faster than httpx_pydantic", _faster_than(_HTTPX, 3), _HTTPX),
    Target("b", "≥ 3x faster than httpx_pydantic", _faster_than(_HTTPX, 3), _HTTPX),
    Target("d1", "≥ 3x faster than httpx_pydantic", _faster_than(_HTTPX, 3), _HTTPX),
)


@dataclass(frozen=True)
class TargetResult:
    """One target's verdict for the SDK, and what a good hand-written client scores."""

    scenario: str
    promise: str
    verdict: str
    measured: str
    reference: str


def _apply(check: _Check, client: str, peers: dict[str, Summary]) -> tuple[str, str]:
    if client not in peers:
        return "n/a", _DASH
    outcome = check(peers[client], peers)
    if outcome is None:
        return "n/a", _DASH
    text, ok = outcome
    return ("MET" if ok else "NOT MET"), text


def evaluate_targets(
    result: SuiteResult, summaries: dict[tuple[str, str], Summary]
) -> list[TargetResult]:
    """Every target for :data:`SDK`, with raw_aiohttp_attrs's score as a reference."""
    evaluated = []
    scenario_ids = {cell.scenario.id for cell in result.cells}
    for target in TARGETS:
        if target.scenario not in scenario_ids:
            continue
        peers = {client: s for (sid, client), s in summaries.items() if sid == target.scenario}
        verdict, measured = _apply(target.check, SDK, peers)
        if verdict == "n/a" and SDK in result.unavailable:
            measured = "synerise_async not available"
        reference = _DASH
        if target.peer != _ATTRS:
            ref_verdict, ref_text = _apply(target.check, _ATTRS, peers)
            if ref_verdict != "n/a":
                reference = f"{ref_verdict}: {ref_text}"
        evaluated.append(
            TargetResult(target.scenario, target.promise, verdict, measured, reference)
        )
    return evaluated


def render(result: SuiteResult) -> str:
    """The whole report as Markdown."""
    summaries = {
        (cell.scenario.id, cell.client): s
        for cell in result.cells
        if (s := summarize(cell)) is not None
    }
    mode = "smoke (sizes cut down; numbers are not meaningful)" if result.smoke else "full"
    lines = [
        "# synerise-async benchmarks",
        "",
        f"Mode: {mode}; runs per cell: {result.runs} unless a scenario says otherwise; "
        f"suite time {result.seconds:.0f} s.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in machine_info(result.load_at_start).items()),
        "",
    ]
    cores = os.cpu_count() or 1
    if result.load_at_start[0] > cores / 2:
        lines += [
            f"**Warning**: the load average was {result.load_at_start[0]:.2f} on {cores} cores "
            "before the run started: other processes competed with it, so its numbers "
            "are soft.",
            "",
        ]
    if result.unavailable:
        lines += [f"- **{c}**: not available: {r}" for c, r in result.unavailable.items()]
        lines.append("")
    seen: dict[str, Scenario] = {}
    for cell in result.cells:
        seen.setdefault(cell.scenario.id, cell.scenario)
    lines += ["## Scenarios", ""]
    lines += [
        f"- **{s.id}**: {s.title}"
        + (f" ({min(s.max_runs, result.runs)} run)" if s.max_runs else "")
        for s in seen.values()
    ]
    lines += [
        "",
        "## Results",
        "",
        f"wall = median of the runs; ratios are to {BASELINE} in this same invocation; "
        "client CPU = `process_time()` of the client process over the timed window; "
        "peak RSS = `VmHWM` (peak resident set) of the client process (interpreter and imports included); "
        "floor = requests x latency / in-flight; server µs/req and busy = the bench "
        "server's own CPU per request and as a share of the wall time.",
        "",
        *_main_table(result, summaries),
        "",
    ]
    token = [s for (sid, _), s in summaries.items() if seen[sid].kind == "token"]
    if token:
        lines += ["### e: token expiry under load", "", *_token_table(token), ""]
    memory = [s for (sid, _), s in summaries.items() if seen[sid].kind == "items"]
    if memory:
        lines += ["### f: memory while walking", "", *_memory_table(memory), ""]
    targets = evaluate_targets(result, summaries)
    if targets:
        lines += [
            "## Targets",
            "",
            f"Evaluated for {SDK} from this invocation; the last column is what "
            f"{_ATTRS} (a good hand-written client) scores on the same check.",
            "",
            "| scenario | target | verdict | measured | raw_aiohttp_attrs |",
            "|---|---|---|---|---|",
            *(
                f"| {t.scenario} | {t.promise} | {t.verdict} | {t.measured} | {t.reference} |"
                for t in targets
            ),
            "",
        ]
    return "\n".join(lines)
