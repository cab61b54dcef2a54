"""What the ``synerise-async audit`` command shows: progress while it runs, a summary at
the end.

- Progress goes to stderr: a rich progress bar when stderr is a terminal and rich (the
  ``cli`` extra) is installed, else a plain line every few seconds.
- The summary goes to stdout: rich tables on a terminal with rich, else plain text.
- Nothing shown here carries a credential: it is built from counters, Workspace names
  and the report's path only.

rich is imported lazily, inside the functions that use it, so the SDK never needs it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol, TextIO

import attrs

from .._http import ClientStats
from ._baseline import BaselineComparison
from ._models import AuditProgress, ListingFailure
from ._summary import AuditSummary
from ._writers import one_line

__all__ = [
    "PlainProgress",
    "ProgressDisplay",
    "RichProgress",
    "Snapshot",
    "format_duration",
    "make_progress",
    "render_summary",
    "snapshot",
]


@attrs.frozen(kw_only=True)
class Snapshot:
    """The numbers a progress display shows, taken at one moment."""

    done: int
    total: int | None
    total_is_final: bool
    workspace: str | None
    workspace_index: int
    workspaces: int | None
    pages: int
    requests: int
    retries: int
    errors: int
    rate: float
    eta: float | None
    elapsed: float

    def line(self) -> str:
        """The plain, one-line form."""
        if self.total is None:
            count = f"{self.done} workflows"
        else:
            plus = "" if self.total_is_final else "+"
            percent = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
            count = f"{self.done}/{self.total}{plus} workflows{percent}"
        parts = [count]
        if self.workspaces is not None and self.workspaces > 1:
            parts.append(f"Workspace {self.workspace_index}/{self.workspaces}")
        parts += [
            f"{self.pages} pages",
            f"{self.requests} requests",
            f"{self.retries} retries",
        ]
        if self.errors:
            parts.append(f"{self.errors} errors")
        parts.append(f"{self.rate:.0f} workflows/s")
        if self.eta is not None:
            parts.append(f"ETA {format_duration(self.eta)}")
        return "audit: " + ", ".join(parts)


def format_duration(seconds: float) -> str:
    """``42s``, ``3m05s`` or ``1h02m``."""
    seconds = max(0, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def snapshot(
    progress: AuditProgress, stats: ClientStats | None, *, started: float, now: float
) -> Snapshot:
    """Take the numbers of a running audit.

    Args:
        progress: the audit's counters.
        stats: the client's counters (None before the client is open).
        started, now: monotonic times of the start and of now.
    """
    elapsed = max(now - started, 1e-9)
    done = progress.audited + progress.skipped
    workspaces = progress.workspaces_total
    listed_all = workspaces is not None and len(progress.totals) >= workspaces
    total = progress.listed if progress.totals else None
    rate = progress.audited / elapsed
    eta = None
    if total is not None and listed_all and rate > 0:
        eta = progress.remaining / rate
    workspace = progress.workspace
    return Snapshot(
        done=done,
        total=max(total, done) if total is not None else None,
        total_is_final=listed_all,
        workspace=str(workspace) if workspace is not None else None,
        workspace_index=min(progress.workspaces_done + 1, workspaces or 1),
        workspaces=workspaces,
        pages=progress.pages,
        requests=stats.attempts if stats is not None else 0,
        retries=stats.retries if stats is not None else 0,
        errors=progress.errors,
        rate=rate,
        eta=eta,
        elapsed=elapsed,
    )


class ProgressDisplay(Protocol):
    """Shows snapshots as the audit goes."""

    #: Seconds between two calls of :meth:`show`.
    interval: float

    def show(self, snap: Snapshot) -> None:
        """Show the latest numbers."""

    def close(self, snap: Snapshot | None) -> None:
        """Show the final numbers (when given) and release the terminal."""


class PlainProgress:
    """One line per ``interval`` seconds on a text stream (stderr when not a terminal)."""

    def __init__(self, stream: TextIO, *, interval: float = 2.0) -> None:
        self.stream = stream
        self.interval = interval

    def show(self, snap: Snapshot) -> None:
        """Write one line."""
        self.stream.write(snap.line() + "\n")
        self.stream.flush()

    def close(self, snap: Snapshot | None) -> None:
        """Write the last line."""
        if snap is not None:
            self.show(snap)


class RichProgress:
    """A rich progress display on two lines: the bar, then the counters (it fits 80
    columns). Needs rich; see :func:`make_progress`."""

    interval = 0.1

    def __init__(self, console: Any) -> None:
        from rich.console import RenderableType
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class TwoLines(Progress):
            def get_renderables(self) -> Iterable[RenderableType]:
                yield self.make_tasks_table(self.tasks)
                for task in self.tasks:
                    yield Text("  " + str(task.fields.get("detail", "")), style="dim")

        self._progress = TwoLines(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task = self._progress.add_task("Auditing", total=None, detail="starting")
        self._progress.start()

    def show(self, snap: Snapshot) -> None:
        """Update the bar and the counters."""
        where = snap.workspace or "workflows"
        if snap.workspaces is not None and snap.workspaces > 1:
            where += f" ({snap.workspace_index}/{snap.workspaces})"
        detail = (
            f"{snap.pages} pages · {snap.requests} requests · {snap.retries} retries · "
            f"{snap.rate:.0f} workflows/s"
        )
        if snap.errors:
            detail += f" · {snap.errors} errors"
        if snap.eta is not None:
            detail += f" · ETA {format_duration(snap.eta)}"
        self._progress.update(
            self._task,
            description=where,
            completed=snap.done,
            total=snap.total if snap.total_is_final else None,
            detail=detail,
        )

    def close(self, snap: Snapshot | None) -> None:
        """Show the final numbers and stop the live display."""
        try:
            if snap is not None:
                self.show(snap)
        finally:
            self._progress.stop()


def make_progress(stream: TextIO, *, interval: float | None = None) -> ProgressDisplay:
    """A rich bar when ``stream`` is a terminal and rich is installed, else plain lines."""
    if stream.isatty():
        try:
            from rich.console import Console
        except ImportError:
            pass  # the `cli` extra is not installed: plain lines will do
        else:
            return RichProgress(Console(file=stream))
    return PlainProgress(stream, interval=2.0 if interval is None else interval)


# --- the summary ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Section:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _sections(
    summary: AuditSummary, comparison: BaselineComparison | None = None
) -> list[_Section]:
    def counted(counter: Iterable[tuple[str, int]]) -> tuple[tuple[str, ...], ...]:
        return tuple((name, str(n)) for name, n in counter)

    severities = sorted(summary.findings_by_severity.items(), key=lambda kv: -kv[0].rank)
    codes = sorted(
        summary.findings_by_code.items(),
        key=lambda kv: (-summary.severity_of_code[kv[0]].rank, -kv[1], kv[0]),
    )
    sections = [
        _Section(
            title="Workflows by status",
            header=("status", "workflows"),
            rows=counted(summary.by_status.most_common()),
        ),
        _Section(
            title="Workflows by Workspace",
            header=("Workspace", "workflows"),
            rows=counted((label, n) for _, label, n in summary.workspace_counts()),
        ),
        _Section(
            title="Findings by severity",
            header=("severity", "findings"),
            rows=counted((s.value, n) for s, n in severities),
        ),
    ]
    if comparison is None:
        sections.append(
            _Section(
                title="Findings by code",
                header=("code", "severity", "findings"),
                rows=tuple(
                    (code, summary.severity_of_code[code].value, str(n)) for code, n in codes
                ),
            )
        )
    else:
        new = Counter(key.rule for key in comparison.new)
        resolved = Counter(key.rule for key in comparison.resolved)
        gone = sorted(set(resolved) - set(summary.findings_by_code))
        sections += [
            _Section(
                title="Since the baseline",
                header=("findings", "count"),
                rows=(
                    ("new", str(len(comparison.new))),
                    ("resolved", str(len(comparison.resolved))),
                    ("unchanged", str(len(comparison.unchanged))),
                ),
            ),
            _Section(
                title="Findings by code",
                header=("code", "severity", "findings", "new", "resolved"),
                rows=tuple(
                    (
                        code,
                        summary.severity_of_code[code].value,
                        str(n),
                        str(new[code]),
                        str(resolved[code]),
                    )
                    for code, n in codes
                )
                + tuple((code, "-", "0", "0", str(resolved[code])) for code in gone),
            ),
        ]
    if summary.errors:
        sections.append(
            _Section(
                title="Errors (details not fetched)",
                header=("kind", "workflows"),
                rows=counted(summary.errors_by_kind.most_common()),
            )
        )
    return sections


def _footer(
    summary: AuditSummary,
    *,
    report: str,
    new_records: int,
    elapsed: float,
    stats: ClientStats | None,
    failures: Iterable[ListingFailure],
) -> list[str]:
    requests = f", {stats.attempts} requests, {stats.retries} retries" if stats else ""
    lines = [
        f"Not inspected: {summary.errors} of {summary.workflows} workflows "
        "(their details could not be fetched)",
        f"Report: {report} ({summary.workflows} workflows, {new_records} new "
        f"in {format_duration(elapsed)}{requests})",
    ]
    lines += [
        f"Incomplete: the listing of {f.workspace} failed from page {f.page}: {f.message}"
        for f in failures
    ]
    return lines


def render_summary(
    summary: AuditSummary,
    *,
    stream: TextIO,
    report: str,
    new_records: int,
    elapsed: float,
    stats: ClientStats | None = None,
    failures: Iterable[ListingFailure] = (),
    rich: bool | None = None,
    comparison: BaselineComparison | None = None,
) -> None:
    """Write the end-of-audit summary: tables of counts, then where the report is.

    Args:
        summary: the counts of the whole report (earlier runs included).
        stream: where to write (stdout).
        report: the report's path, as the user should see it.
        new_records: records this run added.
        elapsed: seconds this run took.
        stats: the client's counters.
        failures: Workspaces whose listing could not be finished.
        rich: force rich on or off; by default rich when ``stream`` is a terminal.
        comparison: new, resolved and unchanged findings against a baseline, if any.
    """
    # Names are user input: shown as text, one line each, no control character.
    sections = [
        attrs.evolve(s, rows=tuple(tuple(map(one_line, row)) for row in s.rows))
        for s in _sections(summary, comparison)
    ]
    footer = _footer(
        summary,
        report=report,
        new_records=new_records,
        elapsed=elapsed,
        stats=stats,
        failures=list(failures),
    )
    footer = [one_line(line) for line in footer]
    use_rich = stream.isatty() if rich is None else rich
    if use_rich and _render_rich(sections, footer, stream):
        return
    out: list[str] = []
    for section in sections:
        out.append(section.title)
        widths = [
            max(len(cell) for cell in column)
            for column in zip(section.header, *section.rows, strict=True)
        ]
        for row in (section.header, *section.rows):
            cells = [
                cell.rjust(width) if cell.isdigit() else cell.ljust(width)
                for cell, width in zip(row, widths, strict=True)
            ]
            out.append("  " + "  ".join(cells).rstrip())
        if not section.rows:
            out.append("  (none)")
        out.append("")
    out += footer
    stream.write("\n".join(out) + "\n")
    stream.flush()


def _render_rich(sections: list[_Section], footer: list[str], stream: TextIO) -> bool:
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:
        return False
    console = Console(file=stream)
    for section in sections:
        table = Table(title=section.title, title_justify="left")
        for name in section.header:
            numbers = ("workflows", "findings", "count", "new", "resolved")
            table.add_column(name, justify="right" if name in numbers else "left")
        for row in section.rows:
            table.add_row(*map(Text, row))  # text, not rich markup
        console.print(table)
    for line in footer:
        console.print(line, markup=False, highlight=False)
    return True
