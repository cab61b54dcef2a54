"""``benchmarks.pipeline_cost`` runs: both pipelines send, each gets a timing, and the hooked
one really hands its hook every call's events (else it would measure nothing)."""

from __future__ import annotations

import asyncio

from benchmarks.pipeline_cost import measure


def test_pipeline_cost_measures_both_pipelines() -> None:
    timings = asyncio.run(measure(50, 2))
    assert set(timings) == {"hooks off", "one no-op hook"}
    assert all(len(values) == 2 and min(values) > 0 for values in timings.values())
