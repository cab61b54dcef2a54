"""The benchmarked clients, by name, and how to load one.

Each name maps to a module with a ``connect`` function (see
:class:`benchmarks.clients._base.Connect`). A client whose imports fail (its library
is not installed, or the SDK API it needs does not exist yet) is reported as not
available instead of failing the run.
"""

from __future__ import annotations

import importlib
from typing import cast

from ._base import BenchClient, Connect, NotAvailable

__all__ = ["BASELINE", "CLIENTS", "BenchClient", "Connect", "NotAvailable", "load"]

#: Client name -> module, in report order. The first is the baseline of every ratio.
CLIENTS: dict[str, str] = {
    "raw_aiohttp": "benchmarks.clients.raw_aiohttp",
    "raw_aiohttp_attrs": "benchmarks.clients.raw_aiohttp_attrs",
    "httpx_pydantic": "benchmarks.clients.httpx_pydantic",
    "synerise_async": "benchmarks.clients.sdk",
    "synerise_async_hook": "benchmarks.clients.sdk_hooked",
    "sdk_floor": "benchmarks.clients.sdk_floor",
}

#: The client every ratio is taken against.
BASELINE = "raw_aiohttp"


def load(name: str) -> Connect:
    """The ``connect`` function of client ``name``.

    Raises:
        KeyError: ``name`` is not a known client.
        NotAvailable: the client's module cannot be imported; the message says why.
    """
    try:
        module = importlib.import_module(CLIENTS[name])
    except ImportError as exc:
        raise NotAvailable(f"{type(exc).__name__}: {exc}") from exc
    return cast(Connect, module.connect)
