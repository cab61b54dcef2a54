"""The scenarios: what each one asks of a client, at full size and in smoke mode.

A scenario is data; :mod:`benchmarks.harness` turns its ``kind`` into work. Sizes
in smoke mode are small enough for every scenario and client to finish in well under
a minute, yet go through the same code paths (including token expiry in ``e``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["SCENARIO_IDS", "Kind", "Scenario", "scenarios"]

#: pages: walk a listing page by page; items: walk it item by item (memory);
#: stats: many statistics calls with a fixed number in flight; token: statistics calls
#: spread over time while tokens expire; decode: bytes to models, no network.
Kind = Literal["pages", "items", "stats", "token", "decode"]


@dataclass(frozen=True)
class Scenario:
    """One row group of the report.

    Attributes:
        id: short name used on the command line and in the table (``a``, ``c2``...).
        title: one line for the report.
        kind: which harness routine runs it.
        total: workflows the server lists (pages, items, decode).
        limit: workflows per page.
        prefetch: pages in flight (0 = one at a time).
        latency: seconds the server sleeps before answering each request.
        calls: statistics calls (stats, token).
        in_flight: statistics calls in flight (stats); client concurrency cap (token).
        token_lifetime: seconds a token lives on the server.
        spread: seconds over which the calls of a ``token`` scenario start.
        checkpoints: items after which peak RSS is read (items).
        max_runs: cap on the number of runs (for scenarios that are slow and whose
            main number, memory, does not need a median).
    """

    id: str
    title: str
    kind: Kind
    total: int = 0
    limit: int = 100
    prefetch: int = 0
    latency: float = 0.0
    calls: int = 0
    in_flight: int = 1
    token_lifetime: float = 3600.0
    spread: float = 0.0
    checkpoints: tuple[int, ...] = ()
    max_runs: int | None = None

    @property
    def requests(self) -> int:
        """Data requests the scenario needs (logins not included)."""
        if self.kind in ("pages", "items"):
            return max(1, math.ceil(self.total / self.limit))
        if self.kind in ("stats", "token"):
            return self.calls
        return 0

    @property
    def max_concurrency(self) -> int:
        """The concurrency cap every client is configured with for this scenario."""
        return max(16, self.prefetch, self.in_flight)

    @property
    def latency_floor(self) -> float | None:
        """requests x latency / in-flight: the wall time of a client with zero overhead.

        None when the scenario adds no latency. For page listings the first page
        must arrive before a client knows how many pages there are, so a client that
        does not guess ahead needs one extra round trip on top of this floor.
        """
        if self.latency <= 0 or self.kind not in ("pages", "stats"):
            return None
        in_flight = max(1, self.prefetch) if self.kind == "pages" else self.in_flight
        return self.requests * self.latency / in_flight

    @property
    def sequential_first_page_floor(self) -> float | None:
        """The least wall time of a page walk that waits for page 1 before the rest.

        ``latency x (1 + ceil((pages - 1) / in-flight))``: page 1 alone tells how many
        pages follow. None unless this is a page walk with latency.
        """
        if self.latency <= 0 or self.kind != "pages":
            return None
        in_flight = max(1, self.prefetch)
        return self.latency * (1 + math.ceil((self.requests - 1) / in_flight))

    def to_json(self) -> dict[str, Any]:
        """The scenario as a JSON-able dict (sent to the client process)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scenario:
        """The inverse of :meth:`to_json`."""
        return cls(**{**data, "checkpoints": tuple(data["checkpoints"])})


def scenarios(*, smoke: bool = False) -> list[Scenario]:
    """Every scenario, in report order, at full size or smoke size."""
    listing = 500 if smoke else 10_000
    calls = 60 if smoke else 2_000
    walk = (1_000, 10_000) if smoke else (100_000, 1_000_000)
    token_calls, lifetime, spread = (80, 0.3, 0.8) if smoke else (1_000, 1.0, 3.0)
    return [
        Scenario("a", f"list {listing:,} workflows, 1 page in flight", "pages", total=listing),
        Scenario(
            "b",
            f"list {listing:,} workflows, 8 pages in flight",
            "pages",
            total=listing,
            prefetch=8,
        ),
        Scenario(
            "c1",
            f"list {listing:,} workflows, 1 page in flight, 20 ms latency",
            "pages",
            total=listing,
            latency=0.02,
        ),
        Scenario(
            "c2",
            f"list {listing:,} workflows, 8 pages in flight, 20 ms latency",
            "pages",
            total=listing,
            prefetch=8,
            latency=0.02,
        ),
        Scenario(
            "d1", f"{calls:,} statistics calls, 32 in flight", "stats", calls=calls, in_flight=32
        ),
        Scenario(
            "d2",
            f"{calls:,} statistics calls, 32 in flight, 20 ms latency",
            "stats",
            calls=calls,
            in_flight=32,
            latency=0.02,
        ),
        Scenario(
            "e",
            f"a token expiring every {lifetime:g} s under {token_calls:,} calls "
            f"spread over {spread:g} s, 20 ms latency",
            "token",
            calls=token_calls,
            in_flight=64,
            latency=0.02,
            token_lifetime=lifetime,
            spread=spread,
        ),
        Scenario(
            "f",
            f"walk {walk[-1]:,} workflows item by item, keep none",
            "items",
            total=walk[-1],
            checkpoints=walk,
            max_runs=1,
        ),
        Scenario(
            "g",
            f"decode {listing:,} workflows from bytes (no network)",
            "decode",
            total=listing,
        ),
    ]


#: Scenario ids in report order.
SCENARIO_IDS = tuple(scenario.id for scenario in scenarios())
