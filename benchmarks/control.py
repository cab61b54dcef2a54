"""The harness's side door to the bench server, with the standard library only.

Kept apart from :mod:`benchmarks.server` so that a client process never imports the
server's libraries (aiohttp.web, PyJWT): they would count in its memory and imports.
"""

from __future__ import annotations

import http.client
import statistics
import time
import urllib.parse
import urllib.request
from typing import Any

import orjson

__all__ = ["LOGIN_PATH", "configure", "fetch_stats", "login_round_trip"]

#: Operation 12, Workspace login.
LOGIN_PATH = "/uauth/v2/auth/login/profile"


def _request(url: str, body: bytes | None = None) -> Any:
    with urllib.request.urlopen(url, data=body, timeout=10) as response:
        return orjson.loads(response.read())


def fetch_stats(base_url: str, api_key: str = "") -> dict[str, Any]:
    """The server's counters, its CPU seconds, and the login log of ``api_key``."""
    query = urllib.parse.urlencode({"apiKey": api_key})
    result: dict[str, Any] = _request(f"{base_url}/__stats?{query}")
    return result


def configure(base_url: str, **settings: float) -> dict[str, Any]:
    """Change the server's settings (latency, token_lifetime, total); returns them all."""
    result: dict[str, Any] = _request(f"{base_url}/__config", orjson.dumps(settings))
    return result


def login_round_trip(base_url: str, api_key: str, samples: int = 5) -> float:
    """Median seconds of a Workspace login over one kept-alive connection.

    One extra login first opens the connection and is not counted.
    """
    address = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port)
    body = orjson.dumps({"apiKey": api_key})
    headers = {"Content-Type": "application/json"}
    times = []
    try:
        for _ in range(samples + 1):
            began = time.perf_counter()
            connection.request("POST", LOGIN_PATH, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - began)
    finally:
        connection.close()
    return statistics.median(times[1:])
