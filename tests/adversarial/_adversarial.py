"""Shared pieces of the adversarial suite (imported as `_adversarial`: tests/ has no packages): the soak scale, the watchdog, quick configs.

Every test here is seeded and bounded. ``SYNERISE_SOAK=1`` (or ``SYNERISE_SOAK_SECONDS=N``,
N seconds of storm) scales the counts and durations up for a longer soak; the default
settings keep the whole folder well under two minutes on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from synerise_async import ClientConfig, SyneriseClient
from synerise_async._limits import Limiter

#: Seconds the fault storm lasts at least (the soak sets it).
STORM_SECONDS = float(
    os.environ.get("SYNERISE_SOAK_SECONDS") or (30 if os.environ.get("SYNERISE_SOAK") else 4)
)
#: How much bigger counts get in a soak (1 by default).
SCALE = max(1, round(STORM_SECONDS / 4))

#: Small backoff and a budget large enough for a 25 % storm (see the storm test).
STORM = ClientConfig(
    backoff_base=0.01,
    backoff_cap=0.05,
    max_retries=8,
    token_refresh_attempts=8,
    timeout=2,
)


def scaled(count: int) -> int:
    """``count`` times the soak scale."""
    return count * SCALE


@contextlib.asynccontextmanager
async def watchdog(seconds: float, what: str) -> AsyncIterator[None]:
    """Fail with a clear message, instead of hanging, when the block outlives ``seconds``.

    Only the watchdog's own expiry is reported as a hang: a ``TimeoutError`` raised by
    the code under test passes through as it is.
    """
    budget = asyncio.timeout(seconds)
    try:
        async with budget:
            yield
    except TimeoutError:
        if budget.expired():
            pytest.fail(f"watchdog: {what} did not end within {seconds:.0f}s", pytrace=False)
        raise


def limiter_of(client: SyneriseClient) -> Limiter:
    """The client's limiter (slots in use, requests waiting), through the public property."""
    return client.limiter


def quiet_demo(out: Path, *extra: str, workflows: int = 30) -> list[str]:
    """``synerise-async audit --demo`` arguments for a quick, fault-free, silent run
    reporting to ``out``, with ``extra`` after them."""
    return [
        "audit",
        "--demo",
        "--demo-workflows",
        str(workflows),
        "--demo-latency",
        "0",
        "--demo-faults",
        "0",
        "--quiet",
        "--no-summary",
        "--out",
        str(out),
        *extra,
    ]


class Counting(SimpleSpanProcessor):
    """Counts the spans started and ended (an exporter sees only the ended ones)."""

    def __init__(self, exporter: InMemorySpanExporter) -> None:
        super().__init__(exporter)
        self.started = 0
        self.ended = 0

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.started += 1
        super().on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self.ended += 1
        super().on_end(span)
