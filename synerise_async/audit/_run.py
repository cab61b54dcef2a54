"""One run of ``synerise-async audit``: the report file, the progress, the logging, the
signals, the summary, the HTML report, and the outcome's exit code (the embedded demo
server included); and ``synerise-async report``, an HTML report of a report file.

Its :class:`~._command.Settings` come from :mod:`._command`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final, TextIO

import attrs

from .._client import SyneriseClient
from .._config import ClientConfig
from .._exceptions import (
    APIError,
    AuthenticationError,
    InvalidArgumentError,
    SyneriseError,
    TokenRefreshError,
)
from .._http import ClientStats
from ..auth import UserAuth
from ._baseline import compare
from ._command import (
    DEMO_RETRY_AFTER,
    DEMO_SEED,
    DEMO_WORKSPACES,
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Demo,
    NoMfaCode,
    ReportSettings,
    Settings,
    UsageError,
)
from ._console import ProgressDisplay, Snapshot, make_progress, render_summary, snapshot
from ._html import render_html
from ._job import FETCH_FAILED, RULE_FAILED, audit_workflows
from ._models import AuditProgress, WorkflowAudit
from ._overview import AuditOverview
from ._report import ReportContents, ReportError, ReportWriter, read_report, repair_report
from ._summary import AuditSummary
from ._writers import junit_xml, summary_markdown, summary_to_json

if TYPE_CHECKING:
    from ..testing import FakeSynerise

__all__ = ["command_logging", "run_audit", "run_report", "write_whole"]


#: The library loggers whose warnings and errors the command reports itself, once, at
#: the default verbosity: a failed login as the error it exits with, a listing given
#: up as the summary's "Incomplete" line, a rule that failed as a finding, retries in
#: the progress. ``-v`` shows their log lines too.
_REPORTED_BY_THE_COMMAND: Final = (
    "synerise_async.auth",
    "synerise_async.audit",
    "synerise_async.http",
)


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time: rich redirects it while its
    progress bar is live, so that log lines appear above the bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # logging must never break the command
            self.handleError(record)


def _reported_by_the_command(record: logging.LogRecord) -> bool:
    return not any(
        record.name == name or record.name.startswith(name + ".")
        for name in _REPORTED_BY_THE_COMMAND
    )


@contextlib.contextmanager
def command_logging(verbosity: int) -> Iterator[None]:
    root = logging.getLogger()
    saved = root.level
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if verbosity == 0:
        # Each failure is printed once, by the command (see _REPORTED_BY_THE_COMMAND);
        # the library still logs it, for -v and for any other handler.
        handler.addFilter(_reported_by_the_command)
    root.addHandler(handler)
    root.setLevel(
        logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    )
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


class _Ticker:
    """Shows progress every ``display.interval`` seconds while the audit runs."""

    def __init__(self, display: ProgressDisplay, take: Callable[[], Snapshot]) -> None:
        self._display = display
        self._take = take
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._display.interval)
            self._display.show(self._take())

    async def __aenter__(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
        self._display.close(self._take())


async def _start_demo(stack: contextlib.AsyncExitStack, demo: Demo) -> FakeSynerise:
    try:
        from ..testing import FakeSynerise, WorkspaceSpec
    except ImportError as exc:
        raise UsageError(
            f"--demo needs the testing extra: pip install 'synerise-async[testing]' ({exc})"
        ) from None
    share, extra = divmod(demo.workflows, DEMO_WORKSPACES)
    specs = [WorkspaceSpec(workflows=share + (i < extra)) for i in range(DEMO_WORKSPACES)]
    fake = await stack.enter_async_context(
        FakeSynerise(seed=DEMO_SEED, workspaces=specs, latency=demo.latency)
    )
    if demo.faults:
        fake.faults.random(
            demo.faults,
            kinds=("rate_limit", "error"),
            seed=DEMO_SEED,
            retry_after=DEMO_RETRY_AFTER,
        )
    return fake


def _demo_reproduction(demo: Demo, fake: FakeSynerise) -> str:
    """The two commands that run the same audit against a standalone fake server."""
    share, extra = divmod(demo.workflows, DEMO_WORKSPACES)
    server = (
        f"python -m synerise_async.testing --seed {DEMO_SEED} "
        f"--workspaces {DEMO_WORKSPACES} --workflows {share} --port 8080"
    )
    if demo.latency:
        server += f" --latency {demo.latency:g}"
    if demo.faults:
        server += f" --faults {demo.faults:g} --retry-after {DEMO_RETRY_AFTER:g}"
    lines = [
        "Reproduce it against a standalone fake server: start it, then audit it (the "
        "second command asks for the password the first one prints):",
        f"  {server}",
        f"  synerise-async audit --base-url http://127.0.0.1:8080 --username {fake.user.username}",
    ]
    if extra:
        lines.append(f"  (the demo gives its first {extra} Workspaces one workflow more)")
    return "\n".join(lines)


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def run_report(settings: ReportSettings, *, stderr: TextIO) -> int:
    """``synerise-async report``: an HTML report of a report file (only read: a partial
    last line, left by a killed run, is skipped rather than repaired)."""
    try:
        contents = read_report(settings.report, settings.format, records=True, partial=True)
        write_whole(settings.html, render_html(contents.records, summary=contents.summary))
    except ReportError as exc:
        stderr.write(f"synerise-async report: {exc}\n")
        return EXIT_USAGE
    except (OSError, UnicodeDecodeError) as exc:
        filename = getattr(exc, "filename", None) or settings.report
        stderr.write(
            f"synerise-async report: {getattr(exc, 'strerror', None) or exc}: {filename}\n"
        )
        return EXIT_USAGE
    stderr.write(f"HTML report of {len(contents.records)} workflows: {settings.html.resolve()}\n")
    return EXIT_OK


@attrs.define
class _Outcome:
    code: int = EXIT_OK
    message: str | None = None


class _AuditCommand:
    """One run of ``synerise-async audit``: the report, the progress, the outcome."""

    def __init__(self, settings: Settings, *, stdout: TextIO, stderr: TextIO) -> None:
        self.settings = settings
        self.stdout = stdout
        self.stderr = stderr
        # With the report on stdout, the summary goes to stderr: stdout stays the report.
        self.summary_stream = stderr if settings.to_stdout else stdout
        self.summary = AuditSummary()
        self.progress = AuditProgress()
        self.stats: ClientStats | None = None
        self.new_records = 0
        self.started = time.monotonic()
        #: The records of the report (resumed ones too), kept for JUnit and HTML only.
        self.records: list[WorkflowAudit] = []
        self.keep_records = settings.junit or settings.html is not None
        self.html_written = False
        self.overview: AuditOverview | None = None

    def note(self, message: str) -> None:
        if not self.settings.quiet:
            self.stderr.write(message + "\n")
            self.stderr.flush()

    def _existing(self) -> ReportContents:
        s = self.settings
        if not s.resume:
            return ReportContents(frozenset(), AuditSummary())
        cut = repair_report(s.out)
        if cut:
            self.note(f"Resuming: dropped a partial last line ({cut} bytes) from {s.out}")
        contents = read_report(s.out, s.format, records=self.keep_records)
        self.records.extend(contents.records)
        if contents.keys:
            self.note(f"Resuming: {len(contents.keys)} workflows already in {s.out}")
        return contents

    async def run(self) -> _Outcome:
        """Audit, writing the report as records come; raises CancelledError if cancelled."""
        s = self.settings
        existing = self._existing()
        self.summary = existing.summary
        async with contextlib.AsyncExitStack() as stack:
            auth, base_url = s.auth, s.base_url
            if s.demo is not None:
                fake = await _start_demo(stack, s.demo)
                auth, base_url = UserAuth(fake.user.username, fake.user.password), fake.url
                self.note(
                    f"Demo: a fake Synerise API at {fake.url} with {len(fake.workspaces)} "
                    f"Workspaces and {s.demo.workflows} workflows"
                    + (
                        f", {s.demo.faults:.0%} of requests failing transiently"
                        if s.demo.faults
                        else ""
                    )
                    + "\n"
                    + _demo_reproduction(s.demo, fake)
                )
            config = ClientConfig(
                max_concurrency=s.concurrency, max_requests_per_second=s.rate, proxy=s.proxy
            )
            client = await stack.enter_async_context(
                SyneriseClient(auth, base_url=base_url, config=config)
            )
            self.stats = client.stats
            run = await stack.enter_async_context(
                audit_workflows(
                    client,
                    thresholds=s.thresholds,
                    time_period=s.time_period,
                    concurrency=s.concurrency,
                    include=s.include,
                    workspaces="all" if s.all_workspaces else s.workspaces,
                    skip=existing.keys,
                    rules=[info.rule for info in s.rules],
                )
            )
            self.progress = run.progress
            if not s.quiet:
                display = make_progress(self.stderr, interval=s.progress_interval)
                await stack.enter_async_context(_Ticker(display, self.snapshot))
            writer: ReportWriter | None = None
            async for record in run:
                if self.keep_records:
                    self.records.append(record)
                if not s.junit:
                    if writer is None:
                        # Opened at the first record: a run that fails to log in leaves
                        # an earlier report as it was.
                        writer = stack.enter_context(self._writer())
                    writer.write(record)
                self.new_records += 1
                self.summary.add(record)
            if writer is None and not s.junit:
                stack.enter_context(self._writer())
        overview = self.overview = self._overview()
        if s.junit:
            self._write_junit(overview)
        if overview.exit_code == EXIT_INCOMPLETE:
            return _Outcome(EXIT_INCOMPLETE, "the audit is incomplete; run again with --resume")
        if overview.exit_code == EXIT_FINDINGS:
            return _Outcome(EXIT_FINDINGS)
        return _Outcome(EXIT_OK)

    def _overview(self) -> AuditOverview:
        """The run's overview; with a baseline, its scope is checked (BaselineError)."""
        s = self.settings
        codes = [info.code for info in s.rules]
        comparison = None
        if s.baseline is not None:
            workspaces = {*self.summary.workspaces, *self.progress.totals}
            comparison = compare(
                self.summary.findings,
                s.baseline,
                # Findings of a skipped rule are neither resolved nor unchanged.
                rules={*codes, FETCH_FAILED, RULE_FAILED},
                workspaces=workspaces,
            )
        return AuditOverview(
            summary=self.summary,
            comparison=comparison,
            fail_on=s.fail_on,
            # Listed Workspaces without workflows are known by their keys only.
            workspaces={
                **{key: key for key in self.progress.totals if key != "?"},
                **self.summary.workspaces,
            },
            rules=tuple(codes),
            requests=self.stats.attempts if self.stats is not None else None,
            retries=self.stats.retries if self.stats is not None else None,
            duration=time.monotonic() - self.started,
            complete=self.progress.complete,
        )

    def _write_junit(self, overview: AuditOverview) -> None:
        data = junit_xml(self.records, overview)
        if self.settings.to_stdout:
            self.stdout.flush()
            self.stdout.buffer.write(data)
            self.stdout.buffer.flush()
        else:
            self.settings.out.write_bytes(data)

    def _write_summaries(self, outcome: _Outcome) -> _Outcome:
        """Write the Markdown summary asked for (and append it to ``$GITHUB_STEP_SUMMARY``),
        then the summary JSON, last: each states the exit code, so they are written only
        when it is the one the command exits with, and an earlier run's summary JSON is
        removed when there is none of this one (a failure to write one is exit code 2)."""
        s = self.settings
        overview = self.overview
        if overview is None or overview.exit_code != outcome.code:
            self._remove_summary_json()
            return outcome
        try:
            if s.summary_md is not None or s.step_summary is not None:
                markdown = summary_markdown(overview)
                if s.summary_md is not None:
                    write_whole(s.summary_md, markdown)
                if s.step_summary is not None:
                    with open(s.step_summary, "a", encoding="utf-8") as handle:
                        handle.write(markdown)
            if s.summary_json is not None:
                text = json.dumps(summary_to_json(overview), indent=2, ensure_ascii=False)
                write_whole(s.summary_json, text + "\n")
        except OSError as exc:
            self._remove_summary_json()
            return _Outcome(
                EXIT_USAGE,
                f"could not write a summary: {exc.strerror or exc}: {exc.filename or '?'}",
            )
        return outcome

    def _remove_summary_json(self) -> None:
        if self.settings.summary_json is not None:
            # Best effort: the exit code says the run failed even if it stays.
            with contextlib.suppress(OSError):
                self.settings.summary_json.unlink(missing_ok=True)

    def _writer(self) -> ReportWriter:
        s = self.settings
        if s.to_stdout:
            self.stdout.flush()
            return ReportWriter.to_stream(self.stdout.buffer, s.format)
        return ReportWriter(s.out, s.format, append=s.resume)

    def snapshot(self) -> Snapshot:
        return snapshot(self.progress, self.stats, started=self.started, now=time.monotonic())

    def _write_html(self, outcome: _Outcome) -> _Outcome:
        """Write the HTML report of the records there are; a failure to write it is a
        report-file problem (exit code 2) unless the run already failed otherwise."""
        s = self.settings
        assert s.html is not None
        page = render_html(
            self.records,
            summary=self.summary,
            comparison=self.overview.comparison if self.overview is not None else None,
            duration=time.monotonic() - self.started,
        )
        try:
            write_whole(s.html, page)
        except OSError as exc:
            message = f"could not write the HTML report: {exc.strerror or exc}: {s.html}"
            if outcome.code in (EXIT_OK, EXIT_FINDINGS):
                return _Outcome(EXIT_USAGE, message)
            self.stderr.write(f"synerise-async audit: {message}\n")
            return outcome
        self.html_written = True
        return outcome

    def finish(self, outcome: _Outcome, *, ran: bool) -> int:
        """Write the HTML report and show the summary (when the audit ran), then the
        outcome's message."""
        s = self.settings
        if ran and s.html is not None:
            outcome = self._write_html(outcome)
        outcome = self._write_summaries(outcome)
        if ran and s.show_summary:
            render_summary(
                self.summary,
                stream=self.summary_stream,
                report="<stdout>" if s.to_stdout else str(s.out.resolve()),
                new_records=self.new_records,
                elapsed=time.monotonic() - self.started,
                stats=self.stats,
                failures=self.progress.listing_failures,
                comparison=self.overview.comparison if self.overview is not None else None,
            )
        if self.html_written and s.show_summary:
            assert s.html is not None
            self.summary_stream.write(f"HTML report: {s.html.resolve()}\n")
            self.summary_stream.flush()
        if outcome.message:
            self.stderr.write(f"synerise-async audit: {outcome.message}\n")
            self.stderr.flush()
        return outcome.code


async def run_audit(settings: Settings, *, stdout: TextIO, stderr: TextIO) -> int:
    command = _AuditCommand(settings, stdout=stdout, stderr=stderr)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    interrupted: list[str] = []

    def stop(name: str) -> None:
        interrupted.append(name)
        task.cancel()

    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread, or a platform without it: KeyboardInterrupt remains
        handled.append(sig)
    ran = True
    try:
        outcome = await command.run()
    except asyncio.CancelledError:
        if not interrupted:
            raise
        task.uncancel()
        written = (
            f"{command.new_records} new records are in {settings.out}"
            if command.new_records
            else "no record was written"
        )
        outcome = _Outcome(
            EXIT_INTERRUPTED,
            f"interrupted ({interrupted[0]}); {written}; run again with --resume to go on",
        )
    except (AuthenticationError, TokenRefreshError) as exc:
        ran = command.new_records > 0
        if isinstance(exc.__cause__, NoMfaCode):
            outcome = _Outcome(EXIT_USAGE, str(exc.__cause__))
        elif isinstance(exc, AuthenticationError):
            outcome = _Outcome(EXIT_USAGE, f"authentication failed: {exc}")
        else:  # not refused: the API (or a proxy) could not be reached, say
            outcome = _Outcome(EXIT_USAGE, f"could not log in: {exc}")
    except (InvalidArgumentError, ReportError, UsageError) as exc:
        ran = False
        outcome = _Outcome(EXIT_USAGE, str(exc))
    except OSError as exc:
        ran = command.new_records > 0
        outcome = _Outcome(EXIT_USAGE, f"{exc.strerror or exc}: {exc.filename or settings.out}")
    except (APIError, SyneriseError) as exc:
        # The notes say what the audit was doing; its log line of it shows only with -v.
        notes = "".join(f" {note}" for note in getattr(exc, "__notes__", ()))
        outcome = _Outcome(
            EXIT_INCOMPLETE, f"the audit stopped: {exc}.{notes} Run again with --resume."
        )
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
    return command.finish(outcome, ran=ran)
