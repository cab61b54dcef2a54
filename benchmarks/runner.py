"""The runner: starts the server, runs every (scenario, client, run) in a fresh process.

Runs are interleaved (run 1 of every client, then run 2 of every client...) so that
the machine's drift over a scenario falls on all clients alike; every ratio in the
report is between clients measured in the same invocation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .clients import BASELINE
from .harness import RESULT_MARKER
from .scenarios import Scenario
from .server import BenchServer

__all__ = ["CellRuns", "SuiteResult", "run_suite"]

_REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CellRuns:
    """Every run of one client on one scenario (results as the harness printed them)."""

    scenario: Scenario
    client: str
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok_runs(self) -> list[dict[str, Any]]:
        """The runs that completed."""
        return [run for run in self.runs if run["status"] == "ok"]

    @property
    def problem(self) -> str | None:
        """Why the cell has no numbers ("not available: ..." / "error: ..."), if so."""
        for run in self.runs:
            if run["status"] == "unavailable":
                return f"not available: {run['reason']}"
        for run in self.runs:
            if run["status"] == "error":
                return f"error: {run['reason']}"
        return None


@dataclass
class SuiteResult:
    """Everything one invocation measured, in report order."""

    smoke: bool
    runs: int
    clients: list[str]
    cells: list[CellRuns]
    seconds: float = 0.0
    unavailable: dict[str, str] = field(default_factory=dict)
    load_at_start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def failed(self) -> bool:
        """True when any run of any available client errored."""
        return any(run["status"] == "error" for cell in self.cells for run in cell.runs)


class _Harnesses:
    """Starts harness processes and knows which are still running, to stop them all.

    If the runner is interrupted, :meth:`kill_all` ends every harness it started (by
    its own handle, nothing else), so no client process outlives the run.
    """

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._live: set[subprocess.Popen[str]] = set()

    def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Run the harness on ``spec`` in a fresh interpreter; its result, or an error."""
        command = [sys.executable, "-m", "benchmarks.harness", orjson.dumps(spec).decode()]
        process = subprocess.Popen(
            command, cwd=_REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        with self._lock:
            self._live.add(process)
        try:
            stdout, stderr = process.communicate(timeout=self._timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return {"status": "error", "reason": f"timed out after {self._timeout:g} s"}
        finally:
            with self._lock:
                self._live.discard(process)
        for line in reversed(stdout.splitlines()):
            if line.startswith(RESULT_MARKER):
                result: dict[str, Any] = orjson.loads(line.removeprefix(RESULT_MARKER))
                if result["status"] == "error":
                    sys.stderr.write(stderr)
                return result
        tail = stderr.strip().splitlines()[-1:] or [f"exit code {process.returncode}"]
        return {"status": "error", "reason": f"no result: {tail[0]}"}

    def kill_all(self) -> None:
        """Kill every harness process still running."""
        with self._lock:
            live = list(self._live)
        for process in live:
            process.kill()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_suite(
    scenarios: Sequence[Scenario],
    clients: Sequence[str],
    *,
    runs: int,
    smoke: bool,
    timeout: float,
    jobs: int = 1,
) -> SuiteResult:
    """Measure every client on every scenario ``runs`` times (fewer where capped).

    Args:
        scenarios: what to run, in report order.
        clients: client names; :data:`benchmarks.clients.BASELINE` must be among them.
        runs: runs per cell (each in a fresh process, after a warm-up).
        smoke: recorded in the result (sizes are already in ``scenarios``).
        timeout: seconds one run may take before its process is killed.
        jobs: client processes run at once. Above 1 the runs disturb each other's
            timings and the server counters mix: for smoke runs only.
    """
    if BASELINE not in clients:
        raise ValueError(f"{BASELINE} must be measured: every ratio is taken against it")
    started = time.perf_counter()
    result = SuiteResult(smoke=smoke, runs=runs, clients=list(clients), cells=[])
    result.load_at_start = os.getloadavg()
    harnesses = _Harnesses(timeout)
    probe = harnesses.run({"probe": list(clients)})
    if probe["status"] != "ok":
        raise RuntimeError(f"cannot load the clients: {probe['reason']}")
    result.unavailable = probe["unavailable"]
    for client, reason in result.unavailable.items():
        _progress(f"{client}: not available: {reason}")
    available = [client for client in clients if client not in result.unavailable]
    with BenchServer() as server:
        for scenario in scenarios:
            server.configure(
                latency=scenario.latency,
                token_lifetime=scenario.token_lifetime,
                total=max(1, scenario.total),
            )
            cells = {client: CellRuns(scenario, client) for client in clients}
            result.cells.extend(cells.values())
            for client, reason in result.unavailable.items():
                if client in cells:
                    cells[client].runs.append({"status": "unavailable", "reason": reason})
            cell_runs = min(runs, scenario.max_runs or runs)
            for number in range(1, cell_runs + 1):
                due = [client for client in available if cells[client].problem is None]
                specs = [
                    {
                        "client": client,
                        "scenario": scenario.to_json(),
                        "base_url": server.url,
                        "api_key": f"bench-{client}-{scenario.id}-{uuid.uuid4().hex[:12]}",
                    }
                    for client in due
                ]
                with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                    try:
                        outcomes = list(pool.map(harnesses.run, specs))
                    except BaseException:
                        harnesses.kill_all()  # else the pool would wait for them
                        raise
                for client, run in zip(due, outcomes, strict=True):
                    cells[client].runs.append(run)
                    shown = f"{run['wall']:.3f} s" if run["status"] == "ok" else run["reason"]
                    _progress(f"[{scenario.id}] {client} run {number}/{cell_runs}: {shown}")
    result.seconds = time.perf_counter() - started
    return result
