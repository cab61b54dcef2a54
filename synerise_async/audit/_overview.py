"""The answer at a glance: one :class:`AuditOverview` of a run (counts, baseline
comparison, scope, requests, duration, exit code) that the terminal summary, the summary
JSON and Markdown, JUnit and the HTML report all render."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Final

import attrs

from .._http import ClientStats
from ._baseline import Baseline, BaselineComparison, compare
from ._models import FindingKey, Severity, WorkflowAudit
from ._summary import AuditSummary, summarize

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "AuditOverview",
    "overview",
]

EXIT_OK: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_USAGE: Final = 2
EXIT_INCOMPLETE: Final = 3
EXIT_INTERRUPTED: Final = 130


@attrs.frozen(kw_only=True)
class AuditOverview:
    """A run's outcome, everything its summaries show.

    Attributes:
        summary: the counts of the whole report (earlier runs of a resumed one included).
        comparison: new, resolved and unchanged findings, when a baseline was given.
        fail_on: the severity that fails the run (``--fail-on``), if any.
        workspaces: the Workspaces audited: their names (else keys) by key.
        rules: the codes of the rules applied, in order.
        requests: HTTP requests sent (each attempt), when known.
        retries: retried requests, when known.
        duration: seconds the run took, when known.
        complete: whether every Workspace's listing was walked to its end.
    """

    summary: AuditSummary = attrs.field(eq=False)
    comparison: BaselineComparison | None = None
    fail_on: Severity | None = None
    workspaces: dict[str, str] = attrs.field(factory=dict, hash=False)
    rules: tuple[str, ...] = ()
    requests: int | None = None
    retries: int | None = None
    duration: float | None = None
    complete: bool = True

    @property
    def gating(self) -> tuple[FindingKey, ...]:
        """The findings that fail the run, sorted: those at or above :attr:`fail_on`,
        only the new ones when a baseline was given."""
        if self.fail_on is None:
            return ()
        fail_on = self.fail_on
        keys = self.summary.findings.items()
        if self.comparison is not None:
            new = self.comparison.new
            return tuple(sorted(k for k, s in keys if s >= fail_on and k in new))
        return tuple(sorted(k for k, s in keys if s >= fail_on))

    @property
    def failed(self) -> bool:
        """Whether a finding fails the run (see :attr:`gating`)."""
        if self.fail_on is None:
            return False
        if self.comparison is None:
            # Records counted without keys still count.
            return self.summary.has_findings_at(self.fail_on)
        return bool(self.gating)

    @property
    def exit_code(self) -> int:
        """What the command exits with: 3 incomplete, else 1 when :attr:`failed`, else 0."""
        if not self.complete:
            return EXIT_INCOMPLETE
        return EXIT_FINDINGS if self.failed else EXIT_OK


def overview(
    records: Iterable[WorkflowAudit],
    *,
    baseline: Baseline | None = None,
    fail_on: Severity | str | None = None,
    rules: Collection[str] | None = None,
    stats: ClientStats | None = None,
    duration: float | None = None,
    complete: bool = True,
) -> AuditOverview:
    """The :class:`AuditOverview` of ``records`` (all of them, or ones you filtered).

    Args:
        records: the records.
        baseline: compare their findings with it (its scope is checked against the
            records' Workspaces).
        fail_on: the severity that fails the run.
        rules: the codes of the rules applied; with a baseline, only those are compared.
        stats: the client's counters, for requests and retries.
        duration: seconds the audit took.
        complete: whether the audit walked every listing to its end.

    Raises:
        BaselineError: the baseline holds Workspaces the records do not.
    """
    summary = summarize(records)
    comparison = None
    if baseline is not None:
        comparison = compare(summary.findings, baseline, rules=rules, workspaces=summary.workspaces)
    return AuditOverview(
        summary=summary,
        comparison=comparison,
        fail_on=Severity(fail_on) if fail_on is not None else None,
        workspaces=dict(summary.workspaces),
        rules=tuple(rules) if rules is not None else (),
        requests=stats.attempts if stats is not None else None,
        retries=stats.retries if stats is not None else None,
        duration=duration,
        complete=complete,
    )
