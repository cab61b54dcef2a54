"""The demo's HTML report in a real browser: headless Chromium from the distribution
(``/usr/bin/chromium``; ``.ci/run`` installs it), driven over the DevTools protocol with
aiohttp's websocket client. Charts and table are in the DOM after the page's script
ran, the hostile workflow name shows as text and ran nothing (no dialog opened), the
page fetched nothing, and its screenshot is not blank.

The screenshot is kept as a CI artifact, ``artifacts/audit-report.png``; with
``SYNERISE_UPDATE_SCREENSHOT=1`` also as ``docs/audit-report.png``, the README's.

Skipped when Chromium is missing, except in CI (``$CI`` set), where that fails.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import signal
import struct
import zlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from test_command import demo

from synerise_async import cli
from synerise_async.testing import HOSTILE_NAME

CHROMIUM = Path("/usr/bin/chromium")
REPOSITORY = Path(cli.__file__).resolve().parents[1]
ARTIFACT = REPOSITORY / "artifacts" / "audit-report.png"
README_IMAGE = REPOSITORY / "docs" / "audit-report.png"
#: Seconds the browser may take for everything a test asks of it before it is killed.
BROWSER_DEADLINE = 60
VIEWPORT = {"width": 1200, "height": 1250}
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)


def require_chromium(path: Path, env: Mapping[str, str]) -> Path:
    """``path`` if it exists; else skip the test, but fail it in CI (``$CI`` set)."""
    if not path.exists():
        if env.get("CI"):
            pytest.fail(f"CI: {path} is missing (.ci/run installs the chromium package)")
        pytest.skip(f"{path} is missing (apt-get install chromium); CI runs this test")
    return path


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium(CHROMIUM, os.environ)


@pytest.mark.parametrize(("env", "outcome"), [({}, "skip"), ({"CI": "true"}, "fail")])
def test_without_chromium_skipped_only_outside_ci(
    tmp_path: Path, env: dict[str, str], outcome: str
) -> None:
    expected = pytest.skip.Exception if outcome == "skip" else pytest.fail.Exception
    with pytest.raises(expected, match="missing"):
        require_chromium(tmp_path / "no-chromium", env)


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of the demo audit (all of it: 3,000 workflows)."""
    where = tmp_path_factory.mktemp("demo")
    args = demo(where, "--quiet", "--demo-faults", "0", workflows=3000)
    assert cli.main(args) == cli.EXIT_OK
    return where / "report.html"


class DevTools:
    """Just enough of the DevTools protocol: commands to one page, its events kept."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self.session: str | None = None

    async def pump(self) -> None:
        async for message in self._socket:
            data = json.loads(message.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is None:  # Browser.close's answer: nobody waits for it
                    continue
                if "error" in data:
                    future.set_exception(AssertionError(f"DevTools: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
            else:
                self.events.append(data)
                if data["method"] == "Page.javascriptDialogOpening":
                    # Dismissed, or the page would wait for it forever; it is still counted.
                    asyncio.get_running_loop().create_task(
                        self.send("Page.handleJavaScriptDialog", accept=True)
                    )
                self._changed.set()

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if self.session is not None and not method.startswith("Target."):
            message["sessionId"] = self.session
        await self._socket.send_json(message)
        return await future

    async def wait_for(self, method: str) -> dict[str, Any]:
        while True:
            for event in self.events:
                if event["method"] == method:
                    return event
            self._changed.clear()
            await self._changed.wait()

    async def close_browser(self) -> None:
        """Ask the browser to close; it may be gone before it could answer."""
        await self._socket.send_json({"id": next(self._ids), "method": "Browser.close"})

    def seen(self, method: str) -> list[dict[str, Any]]:
        return [e["params"] for e in self.events if e["method"] == method]

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")


async def _port(profile: Path, process: asyncio.subprocess.Process) -> tuple[int, str]:
    """The port and browser path Chromium writes to DevToolsActivePort once it listens."""
    active = profile / "DevToolsActivePort"
    while True:
        if active.exists():
            lines = active.read_text().splitlines()
            if len(lines) >= 2:
                return int(lines[0]), lines[1]
        assert process.returncode is None, "Chromium exited before it listened"
        await asyncio.sleep(0.05)  # another process's file: no clock of ours to inject


def running_with(profile: Path) -> list[int]:
    """Processes (not zombies) whose command line names ``profile``: Chromium's."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if str(profile).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


async def _stop(process: asyncio.subprocess.Process, profile: Path, tools: DevTools | None) -> None:
    """Close the browser (it reaps its own helpers), else kill its process group; wait
    until none of its processes is left."""
    if tools is not None and process.returncode is None:
        with contextlib.suppress(Exception):
            await tools.close_browser()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            await process.wait()
            await _gone(profile)  # its helpers finish after it
    if process.returncode is None or running_with(profile):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the group this test started
    await process.wait()  # reaped: no zombie
    async with asyncio.timeout(10):
        await _gone(profile)


async def _gone(profile: Path) -> None:
    # Other processes: no clock of ours to inject, so poll (the caller bounds it).
    for _ in itertools.count():
        if not running_with(profile):
            return
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def browser(chromium: Path, profile: Path) -> AsyncIterator[DevTools]:
    """Chromium with a fresh profile and a page attached; closed, else killed, at the
    end whatever happened (the caller bounds the time)."""
    process = await asyncio.create_subprocess_exec(
        str(chromium),
        *FLAGS,
        f"--user-data-dir={profile}",
        "about:blank",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,  # its own process group, to kill it all if need be
    )
    tools: DevTools | None = None
    try:
        port, path = await _port(profile, process)
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0) as socket,
        ):
            tools = DevTools(socket)
            pump = asyncio.get_running_loop().create_task(tools.pump())
            try:
                target = await tools.send("Target.createTarget", url="about:blank")
                attached = await tools.send(
                    "Target.attachToTarget", targetId=target["targetId"], flatten=True
                )
                tools.session = attached["sessionId"]
                for domain in ("Page", "Runtime", "Network", "Log"):
                    await tools.send(f"{domain}.enable")
                yield tools
            finally:
                await _stop(process, profile, tools)
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pump
    finally:
        await _stop(process, profile, None)


async def load(tools: DevTools, page: Path) -> None:
    await tools.send(
        "Emulation.setDeviceMetricsOverride", deviceScaleFactor=1, mobile=False, **VIEWPORT
    )
    await tools.send("Page.navigate", url=page.as_uri())
    await tools.wait_for("Page.loadEventFired")


def png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixel values of an 8-bit RGB(A) PNG, decoded with
    the standard library only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, bytearray(), b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0) and colour in (2, 6), "8-bit RGB(A), not interlaced"
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    previous = bytearray(stride)
    values: set[bytes] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                guess = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + guess) & 0xFF
        values.update(bytes(line[i : i + channels]) for i in range(0, stride, channels * 7))
        previous = line
    return width, height, values


async def test_the_demo_report_in_chromium(chromium: Path, demo_page: Path, tmp_path: Path) -> None:
    async with asyncio.timeout(BROWSER_DEADLINE), browser(chromium, tmp_path / "profile") as tools:
        await load(tools, demo_page)
        dom = await tools.evaluate(
            """({
            svgs: document.querySelectorAll('svg').length,
            bars: document.querySelectorAll('svg rect').length,
            rows: document.querySelectorAll('#findings tbody tr').length,
            visible: document.querySelectorAll('#findings tbody tr:not([hidden])').length,
            scripts: document.scripts.length,
            shown: document.getElementById('shown').textContent,
            filters: !document.getElementById('filters').hidden,
            hostile: [...document.querySelectorAll('#findings td')]
                .filter(td => td.textContent.startsWith(HOSTILE)).length,
            audited: document.querySelector('.glance li b').textContent,
        })""".replace("HOSTILE", json.dumps(HOSTILE_NAME))
        )
        # The filter works: one Workspace's rows only.
        filtered = await tools.evaluate(
            """(() => { const s = document.querySelector('#filters select');
            s.value = '0'; s.dispatchEvent(new Event('change'));
            return [document.querySelectorAll('#findings tbody tr:not([hidden])').length,
                    document.getElementById('shown').textContent]; })()"""
        )
        await tools.evaluate(
            """(() => { const s = document.querySelector('#filters select');
            s.value = ''; s.dispatchEvent(new Event('change')); })()"""
        )
        shot = await tools.send("Page.captureScreenshot", format="png")
        dialogs = tools.seen("Page.javascriptDialogOpening")
        requests = [r["request"]["url"] for r in tools.seen("Network.requestWillBeSent")]
        logs = [e["entry"]["text"] for e in tools.seen("Log.entryAdded")]
    assert running_with(tmp_path / "profile") == []  # the browser and its helpers are gone
    assert dom["svgs"] == 4
    assert dom["bars"] > 20
    assert dom["audited"] == "3,000"
    assert dom["rows"] == dom["visible"] > 1000
    assert dom["shown"] == f"{dom['rows']} of {dom['rows']} findings shown"  # the script ran
    assert dom["filters"]
    assert dom["scripts"] == 1  # the page's own; the hostile name added none
    assert dom["hostile"] >= 1  # shown as text
    assert dialogs == []  # and alert(1) never ran
    assert 0 < filtered[0] < dom["rows"]
    assert filtered[1] == f"{filtered[0]} of {dom['rows']} findings shown"
    assert requests == [demo_page.as_uri()]  # nothing else fetched
    assert not [text for text in logs if "Content Security Policy" in text], logs
    png = base64.b64decode(shot["data"])
    width, height, values = png_pixels(png)
    assert (width, height) == (VIEWPORT["width"], VIEWPORT["height"])
    assert len(values) > 50, "a blank screenshot"
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_bytes(png)
    if os.environ.get("SYNERISE_UPDATE_SCREENSHOT") == "1":
        README_IMAGE.parent.mkdir(exist_ok=True)
        README_IMAGE.write_bytes(png)


#: The visible rows as the test reads them: each one's Workspace (filter value), workflow
#: name, date; whether the names are in the collator's order; the headers' aria-sort and
#: text where a button holds it; the count the filter shows.
VISIBLE_ROWS = """(() => {
    const rows = [...document.querySelectorAll('#findings tbody tr:not([hidden])')];
    const names = rows.map(r => r.cells[1].firstChild.textContent);
    const collator = new Intl.Collator(undefined, {numeric: true});
    return {
        workspaces: [...new Set(rows.map(r => r.dataset.w))],
        names: names,
        ascending: names.every((n, i) => !i || collator.compare(names[i - 1], n) <= 0),
        dates: rows.map(r => r.cells[5].textContent),
        sort: [...document.querySelectorAll('#findings th')].map(
            th => th.getAttribute('aria-sort')),
        shown: document.getElementById('shown').textContent,
        buttons: [...document.querySelectorAll('#findings th')].map(
            th => th.querySelector('button') && th.textContent),
    };
})()"""


def header(name: str) -> str:
    """JavaScript for the button the script put in the ``name`` column's header."""
    return (
        "[...document.querySelectorAll('#findings th button')]"
        f".find(b => b.textContent === {json.dumps(name)})"
    )


async def press_enter(tools: DevTools) -> None:
    """Enter on the focused element, as a keyboard sends it."""
    key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
    await tools.send("Input.dispatchKeyEvent", type="keyDown", text="\r", **key)
    await tools.send("Input.dispatchKeyEvent", type="keyUp", **key)


async def test_the_findings_table_sorts_by_column_filtered_or_not(
    chromium: Path, demo_page: Path, tmp_path: Path
) -> None:
    async with asyncio.timeout(BROWSER_DEADLINE), browser(chromium, tmp_path / "profile") as tools:
        await load(tools, demo_page)
        before = await tools.evaluate(VISIBLE_ROWS)
        await tools.evaluate(f"{header('Workflow')}.click()")
        ascending = await tools.evaluate(VISIBLE_ROWS)
        await tools.evaluate(f"{header('Workflow')}.dispatchEvent(new MouseEvent('click'))")
        descending = await tools.evaluate(VISIBLE_ROWS)
        # A filter on, then "Last updated" sorted from the keyboard (Enter on its button).
        await tools.evaluate(
            """(() => { const s = document.querySelector('#filters select');
            s.value = '0'; s.dispatchEvent(new Event('change')); })()"""
        )
        await tools.evaluate(f"{header('Last updated')}.focus()")
        await press_enter(tools)
        by_date = await tools.evaluate(VISIBLE_ROWS)
        # The filter changed after the sort: the other Workspace's rows, in the same order.
        await tools.evaluate(
            """(() => { const s = document.querySelector('#filters select');
            s.value = '1'; s.dispatchEvent(new Event('change')); })()"""
        )
        refiltered = await tools.evaluate(VISIBLE_ROWS)
        await tools.evaluate(f"{header('Last updated')}.click()")
        newest_first = await tools.evaluate(VISIBLE_ROWS)
        exceptions = tools.seen("Runtime.exceptionThrown")
        logs = [e["entry"]["text"] for e in tools.seen("Log.entryAdded")]
    assert running_with(tmp_path / "profile") == []
    total = len(before["names"])
    assert total > 1000
    # Every header is a button (the script made them: the page has none).
    assert before["buttons"] == [
        "Workspace",
        "Workflow",
        "Rule",
        "Severity",
        "Detail",
        "Last updated",
    ]
    # Served most serious first, and the header says so.
    assert before["sort"] == [None, None, None, "descending", None, None]
    assert not before["ascending"]
    # Sorted by the workflow's name; again: reversed.
    assert ascending["ascending"]
    assert sorted(ascending["names"]) == sorted(before["names"])  # the same rows
    assert ascending["sort"] == [None, "ascending", None, None, None, None]
    assert descending["names"] == ascending["names"][::-1]
    assert descending["sort"] == [None, "descending", None, None, None, None]
    # Filtered and sorted: only that Workspace's rows, oldest first.
    assert by_date["workspaces"] == ["0"]
    assert 0 < len(by_date["dates"]) < total
    assert by_date["dates"] == sorted(by_date["dates"])
    assert len(set(by_date["dates"])) > 10
    assert by_date["shown"] == f"{len(by_date['dates'])} of {total} findings shown"
    assert by_date["sort"] == [None, None, None, None, None, "ascending"]
    assert refiltered["workspaces"] == ["1"]
    assert refiltered["dates"] == sorted(refiltered["dates"])
    assert newest_first["workspaces"] == ["1"]
    assert newest_first["dates"] == sorted(refiltered["dates"], reverse=True)
    assert newest_first["sort"] == [None, None, None, None, None, "descending"]
    assert exceptions == []
    assert not [text for text in logs if "Content Security Policy" in text], logs


async def test_the_harness_sees_a_script_that_runs(chromium: Path, tmp_path: Path) -> None:
    """What the test above asserts did not happen is seen when it does: an unescaped
    name in a page without the CSP opens a dialog."""
    page = tmp_path / "unsafe.html"
    page.write_text(f"<!DOCTYPE html><p>{HOSTILE_NAME}</p>", encoding="utf-8")
    async with asyncio.timeout(BROWSER_DEADLINE), browser(chromium, tmp_path / "profile") as tools:
        await load(tools, page)
        dialog = await tools.wait_for("Page.javascriptDialogOpening")
    assert dialog["params"]["message"] == "1"
    assert running_with(tmp_path / "profile") == []


def test_a_blank_png_is_seen_as_blank() -> None:
    width, height = 40, 30
    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    assert png_pixels(png) == (width, height, {b"\xff\xff\xff"})
