"""The request pipeline's own CPU per call, with no network: hooks off and one no-op hook.

``python -m benchmarks.pipeline_cost [--calls N] [--repeats R] [--tree DIR]``

A ``Pipeline`` sends a statistics-shaped GET (a UUID path, one query parameter, a fresh
token from a stand-in token session) ``N`` times in a row through a stand-in session whose
response is ready at once, so what is timed is only the SDK's side of a call: the retry
loop, the limiter slot, the header, the URL, ``RequestInfo``, ``RawResponse``, the counters
and, with a hook, the four events of a call and their dispatch. The scenarios' numbers move
by tens of µs a call with the machine's load; these move by tenths, so they are where a
change of a few µs shows. It prints the least and the median of ``R`` timings
(``process_time``, µs a call) for each pipeline, interleaved.

``--tree DIR`` imports ``synerise_async`` from ``DIR`` (a copy of another commit's package,
say ``git archive <commit> synerise_async | tar -x -C DIR``) to compare trees; a tree
without events is measured with hooks off only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from typing import Any

__all__ = ["main", "measure"]

_PATH = "/automation-brain/diagrams/0b3c4a8e-6a43-4e0a-9f0e-2f5c4b1b3c11/statistics"
_BODY = b'{"blocks": []}'


async def measure(calls: int, repeats: int) -> dict[str, list[float]]:
    """µs a call of each pipeline (``"hooks off"``, ``"one no-op hook"``), ``repeats`` times."""
    import attrs
    from multidict import CIMultiDict, CIMultiDictProxy

    from synerise_async._config import ClientConfig
    from synerise_async._http import Authorization, Pipeline, Request
    from synerise_async._limits import Limiter

    try:
        from synerise_async.events import _Dispatcher
    except ImportError:  # a tree from before the events
        _Dispatcher = None  # type: ignore[assignment,misc]

    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))

    class Response:
        status = 200
        headers: Any = None

        async def read(self) -> bytes:
            return _BODY

    Response.headers = headers

    class Exchange:
        async def __aenter__(self) -> Response:
            return Response()

        async def __aexit__(self, *exc: object) -> None:
            return None

    class Session:
        def request(self, *args: object, **kwargs: object) -> Exchange:
            return Exchange()

    class Authorizer:
        def __init__(self) -> None:
            self.authorization = Authorization("Bearer bench")

        async def authorize(self) -> Authorization:
            return self.authorization

        def invalidate(self, authorization: Authorization) -> bool:
            return True

        def is_current(self, authorization: Authorization) -> bool:
            return authorization is self.authorization

        async def aclose(self) -> None:
            return None

    seen = [0]  # events the no-op hook was given: a hook that sees none measures nothing

    def hook(event: object) -> None:
        seen[0] += 1

    def pipeline(hooked: bool) -> Any:
        extra: dict[str, Any] = {}
        if hooked:
            extra["events"] = _Dispatcher([hook], close_timeout=1.0, now=time.monotonic)
        return Pipeline(
            session=Session(),  # type: ignore[arg-type]
            base_url="http://127.0.0.1:8000",
            config=ClientConfig(),
            limiter=Limiter(32),
            authorizer=Authorizer(),
            **extra,
        )

    named = {"operation": "get_workflow_statistics"}
    if "operation" not in attrs.fields_dict(Request):
        named = {}
    pipelines = {"hooks off": pipeline(False)}
    if _Dispatcher is not None:
        pipelines["one no-op hook"] = pipeline(True)

    async def run(target: Any) -> None:
        for _ in range(calls):
            request = Request(
                method="GET", path=_PATH, params={"timePeriod": "LAST_7_DAYS"}, **named
            )
            await target.send(request)

    timings: dict[str, list[float]] = {name: [] for name in pipelines}
    for target in pipelines.values():
        await run(target)  # warm-up
    if len(pipelines) > 1 and seen[0] < 4 * calls:  # RequestStarted/Ended, AttemptStarted/Ended
        raise RuntimeError(f"the hooked pipeline gave its hook {seen[0]} events for {calls} calls")
    for _ in range(repeats):
        for name, target in pipelines.items():
            gc.collect()
            start = time.process_time()
            await run(target)
            timings[name].append((time.process_time() - start) / calls * 1e6)
    return timings


def main(argv: list[str] | None = None) -> None:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pipeline_cost")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--tree", help="import synerise_async from this directory")
    args = parser.parse_args(argv)
    if args.tree:
        sys.path.insert(0, args.tree)
    import synerise_async

    timings = asyncio.run(measure(args.calls, args.repeats))
    print(f"synerise_async from {synerise_async.__file__}")
    for name, values in timings.items():
        print(
            f"{name:15s} least {min(values):6.2f} µs a call, median {statistics.median(values):6.2f}"
        )


if __name__ == "__main__":
    main()
