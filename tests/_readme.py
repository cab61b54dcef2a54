"""Run README.md's code blocks: extract them, plan how each runs, run each in a subprocess.

Every fenced block needs a language. How a block runs is said by the HTML comment on the
line before it (blank lines may come between), ``<!-- snippet: KIND -->``:

- ``python``, no comment: a complete program, run as ``__main__``.
- ``python``, ``notebook``: a notebook cell with top-level ``await`` (compiled with
  ``ast.PyCF_ALLOW_TOP_LEVEL_AWAIT`` and awaited inside a running loop).
- ``python``, ``continues``: the next cell of the notebook snippet before it, in the same
  namespace and loop.
- ``python``, ``asgi GET /path``: a module defining an ASGI ``app``; its lifespan is
  entered and ``GET /path`` is sent to it through the ASGI interface, expecting 200.
- ``bash``/``sh``/``console``, ``commands``: the two commands (checked by their own tests);
  ``not run: <reason>``: shown, not run, the reason says why. An unmarked one is an error.
- ``text``: output, never run.

Anything else (an unmarked shell block, a block without a language, an unknown comment,
``continues`` after no notebook, a fence that is indented, of tildes, of more than three
backticks or with more than the language after it) is a problem the tests report with its line number, so no
block is silently skipped. Each snippet runs in its own interpreter, with warnings as
errors, under a watchdog; its code is compiled with the README's file name and line numbers,
so a traceback points at the README line that failed. A snippet that leaves a session or a
connection open fails as well.

This file is also the child-side runner: ``python _readme.py SPEC.json``.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import inspect
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_FENCE = re.compile(r"^```([^\s`]*)\s*$")
#: Any other line CommonMark may open a code block with (indented, ``~~~``, more than three
#: backticks, an info string after the language): reported, never silently passed over.
_ODD_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_MARKER = re.compile(r"^<!--\s*snippet:\s*(.*?)\s*-->\s*$")
_ASGI = re.compile(r"^asgi\s+(GET|POST)\s+(/\S*)$")
_SHELLS = frozenset({"bash", "sh", "console", "shell"})


@dataclass(frozen=True)
class Block:
    """A fenced block: its language, its text and the README line of its first line."""

    lang: str
    code: str
    line: int  # of the first line inside the fence
    marker: str | None


@dataclass(frozen=True)
class Snippet:
    """What one subprocess runs: one or more cells of one kind."""

    kind: str  # "program", "notebook" or "asgi"
    cells: tuple[Block, ...]
    request: tuple[str, str] | None = None

    @property
    def line(self) -> int:
        """The README line of the opening fence of its first cell."""
        return self.cells[0].line - 1

    @property
    def name(self) -> str:
        return f"line {self.line} ({self.kind} snippet)"


@dataclass
class Plan:
    snippets: list[Snippet] = field(default_factory=list)
    commands: list[Block] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def extract(text: str) -> list[Block]:
    """Every fenced block of ``text``, with the marker comment before it.

    Raises:
        ValueError: a fence is never closed.
    """
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        odd = _ODD_FENCE.match(lines[i]) if opening is None else None
        if opening is None and odd is None:
            i += 1
            continue
        closing = "```" if odd is None else odd.group(1)
        end = i + 1
        while end < len(lines) and (
            lines[end].rstrip() != closing if odd is None else lines[end].strip() != closing
        ):
            end += 1
        if end == len(lines):
            raise ValueError(f"README.md line {i + 1}: this code fence is never closed")
        before = i - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        marker = _MARKER.match(lines[before]) if before >= 0 else None
        code = "".join(line + "\n" for line in lines[i + 1 : end])
        lang = opening.group(1) if opening else f"unsupported fence {lines[i].strip()!r}"
        blocks.append(Block(lang, code, i + 2, marker.group(1) if marker else None))
        i = end + 1
    return blocks


def plan(blocks: list[Block]) -> Plan:
    """Decide how each block runs; what cannot be decided goes to ``problems``."""
    result = Plan()
    for block in blocks:
        where = f"README.md line {block.line - 1}"
        if block.lang == "python":
            marker = block.marker
            asgi = _ASGI.match(marker) if marker else None
            if marker is None:
                result.snippets.append(Snippet("program", (block,)))
            elif marker == "notebook":
                result.snippets.append(Snippet("notebook", (block,)))
            elif marker == "continues":
                last = result.snippets[-1] if result.snippets else None
                if last is None or last.kind != "notebook":
                    result.problems.append(f"{where}: 'continues' must follow a notebook snippet")
                else:
                    result.snippets[-1] = Snippet("notebook", (*last.cells, block))
            elif asgi is not None:
                request = (asgi.group(1), asgi.group(2))
                result.snippets.append(Snippet("asgi", (block,), request))
            else:
                result.problems.append(f"{where}: unknown snippet marker {marker!r}")
        elif block.lang in _SHELLS:
            if block.marker == "commands":
                result.commands.append(block)
            elif not (block.marker and re.fullmatch(r"not run: \S.*", block.marker)):
                result.problems.append(
                    f"{where}: a {block.lang} block needs <!-- snippet: commands --> "
                    "or <!-- snippet: not run: <why> -->"
                )
        elif block.lang.startswith("unsupported fence"):
            result.problems.append(
                f"{where}: an {block.lang}: open it with ``` and the language alone, unindented"
            )
        elif block.lang != "text":
            lang = block.lang or "no language"
            result.problems.append(f"{where}: a block with {lang!r}: use python, bash or text")
    return result


@dataclass(frozen=True)
class Outcome:
    snippet: Snippet
    returncode: int | None  # None: killed by the watchdog
    stdout: str
    stderr: str
    watchdog: float  # seconds

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def report(self) -> str:
        """What failed, where in the README, and the snippet's output."""
        if self.returncode is None:
            what = f"did not finish within {self.watchdog:g} s (killed)"
        else:
            what = f"exited with {self.returncode}"
        lines = [f"README.md {self.snippet.name} {what}"]
        lines += ["--- stderr", self.stderr.rstrip(), "--- stdout", self.stdout.rstrip()]
        return "\n".join(lines)


async def run(
    snippet: Snippet,
    *,
    readme: Path,
    env: Mapping[str, str],
    watchdog: float,
    workdir: Path,
) -> Outcome:
    """Run ``snippet`` in a fresh interpreter (warnings as errors), killed after ``watchdog`` s."""
    spec = workdir / f"snippet-{snippet.line}.json"
    spec.write_text(
        json.dumps(
            {
                "readme": str(readme),
                "kind": snippet.kind,
                "cells": [{"code": c.code, "line": c.line} for c in snippet.cells],
                "request": snippet.request,
            }
        )
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-W",
        "error",
        __file__,
        str(spec),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(env),
        cwd=workdir,
    )
    try:
        async with asyncio.timeout(watchdog):
            out, err = await proc.communicate()
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        return Outcome(snippet, None, out.decode(), err.decode(), watchdog)
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    return Outcome(snippet, proc.returncode, out.decode(), err.decode(), watchdog)


# --- the child side ----------------------------------------------------------------------


def _compile(readme: str, cell: Mapping[str, Any], flags: int = 0) -> Any:
    # Padded so that line numbers in a traceback are the README's.
    source = "\n" * (int(cell["line"]) - 1) + str(cell["code"])
    return compile(source, readme, "exec", flags=flags, dont_inherit=True)


async def _notebook(readme: str, cells: list[Mapping[str, Any]]) -> None:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for cell in cells:
        result = eval(_compile(readme, cell, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT), namespace)
        if inspect.iscoroutine(result):
            await result


async def _asgi_request(app: Any, method: str, path: str) -> tuple[int, bytes]:
    """One request straight through the ASGI interface (no server, no HTTP client)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"app")],
        "client": ("127.0.0.1", 1),
        "server": ("app", 80),
    }
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    (start,) = [m for m in messages if m["type"] == "http.response.start"]
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return int(start["status"]), body


async def _asgi(readme: str, cell: Mapping[str, Any], method: str, path: str) -> None:
    namespace: dict[str, Any] = {"__name__": "readme_app"}
    exec(_compile(readme, cell), namespace)
    app = namespace["app"]
    async with app.router.lifespan_context(app):
        status, body = await _asgi_request(app, method, path)
    print(status, body.decode())
    if status != 200:
        raise SystemExit(f"{method} {path} answered {status}")


def _child(spec_path: str) -> None:
    # What a snippet leaves behind fails it too: an unclosed session or transport (a
    # ResourceWarning raised in a finalizer, or asyncio's "Unclosed ..." error log).
    leftovers: list[str] = []

    def unraisable(info: Any) -> None:
        leftovers.append(f"{info.exc_type.__name__}: {info.exc_value} ({info.object!r})")

    class Record(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            leftovers.append(f"asyncio logged: {record.getMessage()}")

    sys.unraisablehook = unraisable
    logging.getLogger("asyncio").addHandler(Record(logging.ERROR))

    spec = json.loads(Path(spec_path).read_text())
    readme, cells = spec["readme"], spec["cells"]
    if spec["kind"] == "program":
        exec(_compile(readme, cells[0]), {"__name__": "__main__"})
    elif spec["kind"] == "notebook":
        asyncio.run(_notebook(readme, cells))
    else:
        method, path = spec["request"]
        asyncio.run(_asgi(readme, cells[0], method, path))
    gc.collect()
    if leftovers:
        raise SystemExit("the snippet left something open:\n" + "\n".join(leftovers))


if __name__ == "__main__":
    sys.path.pop(0)  # this file's folder (tests/) is not part of the snippet's world
    os.environ.pop("PYTEST_CURRENT_TEST", None)
    _child(sys.argv[1])
