"""The bench server: a cheap stand-in for the Synerise routes the scenarios call.

It runs in its own process (``python -m benchmarks.server``) so that its CPU time is
not the client's, answers from precomputed or template-built bytes, and reports its
own CPU time at ``GET /__stats`` so a report can show it was not the bottleneck.

Routes:

- ``POST /uauth/v2/auth/login/profile``: ``{"apiKey"}`` -> ``{"token": <HS256 JWT>}``
  with float ``iat``/``exp`` claims; every login is counted and logged.
- ``GET /automation-brain/v2/diagrams?page&limit``: a page of workflows.
- ``GET /automation-brain/diagrams/{id}/statistics?timePeriod=``: workflow statistics.
- ``GET /__stats`` and ``POST /__config``: the harness's side door (no auth, no latency).

API routes need ``Authorization: Bearer <token>`` with a token this server issued and
that has not expired; anything else gets 401 with Synerise's error body.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import itertools
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import jwt
import orjson
from aiohttp import web

from .control import LOGIN_PATH, configure
from .payloads import TIME_PERIODS, error_body, page_body, statistics_body

__all__ = ["BenchServer", "ServerSettings", "main", "make_app"]

_SECRET = "synerise-async-bench-secret-not-for-production"
_LIST_PATH = "/automation-brain/v2/diagrams"
_STATS_PATH = "/automation-brain/diagrams/{diagram_id}/statistics"
_JSON = "application/json"
#: Issued tokens kept before expired ones are dropped from the table.
_TOKEN_TABLE_PRUNE_AT = 50_000


@dataclass
class ServerSettings:
    """What ``POST /__config`` can change between runs."""

    latency: float = 0.0
    token_lifetime: float = 3600.0
    total: int = 10_000


@dataclass
class _State:
    settings: ServerSettings = field(default_factory=ServerSettings)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    login_log: deque[tuple[str, float, float]] = field(default_factory=lambda: deque(maxlen=20_000))
    jti: itertools.count[int] = field(default_factory=itertools.count)
    requests: int = 0
    logins: int = 0
    unauthorized: int = 0


_STATE = web.AppKey("state", _State)
_STATISTICS = {period: statistics_body(period) for period in TIME_PERIODS}


def _json(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type=_JSON)


def _error(status: int, error: str, message: str, path: str) -> web.Response:
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
    return _json(error_body(status, error, message, path, stamp.replace("+00:00", "Z")), status)


def _unauthorized(state: _State, request: web.Request) -> web.Response | None:
    """None when the request carries a valid token, else the 401 response to send."""
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.startswith("Bearer ") else ""
    issued = state.tokens.get(token)
    if issued is not None and issued[1] > time.time():
        return None
    state.unauthorized += 1
    message = "Token expired" if issued is not None else "Invalid or missing token"
    return _error(401, "Unauthorized", message, request.path)


async def _delay(state: _State) -> None:
    if state.settings.latency > 0:
        await asyncio.sleep(state.settings.latency)


async def _login(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    state.requests += 1
    try:
        api_key = orjson.loads(await request.read())["apiKey"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return _error(400, "Bad Request", "apiKey is required", request.path)
    now = time.time()
    expires = now + state.settings.token_lifetime
    claims = {
        "sub": "4711",
        "iss": "synerise-bench",
        "origin": "BUSINESS_PROFILE",
        "iat": now,
        "exp": expires,
        "jti": next(state.jti),
    }
    token = jwt.encode(claims, _SECRET, algorithm="HS256")
    if len(state.tokens) >= _TOKEN_TABLE_PRUNE_AT:
        state.tokens = {t: v for t, v in state.tokens.items() if v[1] > now}
    state.tokens[token] = (str(api_key), expires)
    state.logins += 1
    state.login_log.append((str(api_key), now, expires))
    await _delay(state)
    return _json(orjson.dumps({"token": token}))


async def _list_workflows(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    state.requests += 1
    if (denied := _unauthorized(state, request)) is not None:
        return denied
    try:
        page = int(request.query.get("page", "1"))
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        return _error(400, "Bad Request", "page and limit must be integers", request.path)
    if page < 1 or not 1 <= limit <= 10_000:
        return _error(400, "Bad Request", "page must be >= 1, limit 1..10000", request.path)
    body = page_body(page, limit, state.settings.total)
    await _delay(state)
    return _json(body)


async def _statistics(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    state.requests += 1
    if (denied := _unauthorized(state, request)) is not None:
        return denied
    body = _STATISTICS.get(request.query.get("timePeriod", "currentDay"))
    if body is None:
        return _error(400, "Bad Request", "unknown timePeriod", request.path)
    await _delay(state)
    return _json(body)


async def _stats(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    api_key = request.query.get("apiKey")
    log = [list(entry[1:]) for entry in state.login_log if entry[0] == api_key]
    usage = {
        "cpu": time.process_time(),
        "requests": state.requests,
        "logins": state.logins,
        "unauthorized": state.unauthorized,
        "login_log": log,
    }
    return _json(orjson.dumps(usage))


async def _config(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    changes = orjson.loads(await request.read())
    state.settings = ServerSettings(**{**state.settings.__dict__, **changes})
    return _json(orjson.dumps(state.settings.__dict__))


def make_app() -> web.Application:
    """The aiohttp application with every route and a fresh state."""
    app = web.Application()
    app[_STATE] = _State()
    app.router.add_post(LOGIN_PATH, _login)
    app.router.add_get(_LIST_PATH, _list_workflows)
    app.router.add_get(_STATS_PATH, _statistics)
    app.router.add_get("/__stats", _stats)
    app.router.add_post("/__config", _config)
    return app


async def _serve(host: str, port: int) -> None:
    runner = web.AppRunner(make_app(), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=1024)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        print(f"listening http://{bound_host}:{bound_port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Run the bench server until SIGTERM or SIGINT; prints its URL on the first line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.host, args.port))


class BenchServer:
    """The bench server as a child process, stopped (and reaped) on exit.

    Use as ``with BenchServer() as server: server.configure(latency=0.02)``.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"bench server did not start: {line!r}")
        self.url = line.removeprefix("listening ")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def configure(self, **settings: float) -> dict[str, Any]:
        """Change :class:`ServerSettings` fields; returns the settings now in force."""
        return configure(self.url, **settings)

    def stop(self) -> None:
        """Terminate the server process and wait for it (kill after 5 s)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            with contextlib.suppress(OSError):
                process.stdout.close()


if __name__ == "__main__":
    main()
