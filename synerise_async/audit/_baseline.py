"""Baselines: an earlier report to compare findings against, by
:class:`~synerise_async.audit.FindingKey` ``(Workspace key, workflow id, rule code)``.

Policy:

- A baseline is any report the audit wrote (JSON Lines or CSV), read with
  :func:`~synerise_async.audit.read_report`. One whose records have another layout
  (:data:`~synerise_async.audit.REPORT_SCHEMA_VERSION`) is refused: rule codes or keys
  may mean something else there, and a silent mismatch would call every finding new.
- Its scope is the Workspaces its records belong to. A baseline holding a Workspace
  this run did not audit is refused: all of that Workspace's findings would show as
  resolved. A Workspace this run audited and the baseline does not hold is fine (a
  new Workspace, or one without workflows then): its findings are new.
- Only the rules this run applied are compared: a finding of a skipped rule (in the
  baseline, or in records resumed from a run with other rules) is neither new, resolved
  nor unchanged, it is left out.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from pathlib import Path

import attrs

from ._models import Finding, FindingKey, Severity, WorkflowAudit
from ._report import REPORT_SCHEMA_VERSION, ReportError, ReportFormat, read_report

__all__ = ["Baseline", "BaselineComparison", "BaselineError", "compare", "read_baseline"]


class BaselineError(ReportError):
    """A report that cannot serve as a baseline: missing, of another record layout, or of
    another scope."""


@attrs.frozen(kw_only=True)
class Baseline:
    """The findings of an earlier report.

    Attributes:
        path: the report file.
        findings: each finding's severity by its key.
        workspaces: the keys of the Workspaces its records belong to (its scope).
    """

    path: Path
    findings: dict[FindingKey, Severity] = attrs.field(hash=False)
    workspaces: frozenset[str]

    def check_scope(self, workspaces: Collection[str]) -> None:
        """Refuse to compare with a run of ``workspaces`` (Workspace keys) unless it
        audited every Workspace the baseline holds.

        Raises:
            BaselineError: naming the baseline's Workspaces this run did not audit.
        """
        missing = sorted(self.workspaces - set(workspaces))
        if missing:
            raise BaselineError(
                f"the baseline {self.path} is of another scope: it holds Workspaces this "
                f"audit did not cover ({', '.join(missing)}); make a baseline of the same "
                "Workspaces"
            )


def read_baseline(path: str | os.PathLike[str]) -> Baseline:
    """Read a report (JSON Lines, or CSV for a ``.csv`` name) as a baseline.

    Raises:
        BaselineError: the file is missing, or its records have another layout.
        ReportError: a line that is not a record.
    """
    file = Path(path)
    if not file.is_file():
        raise BaselineError(f"the baseline {file} is not a file")
    contents = read_report(file, ReportFormat.for_path(file))
    other = sorted(contents.schema_versions - {REPORT_SCHEMA_VERSION})
    if other:
        versions = ", ".join(map(str, other))
        age = "an older" if max(other) < REPORT_SCHEMA_VERSION else "a newer"
        raise BaselineError(
            f"the baseline {file} was written by {age} synerise-async (report schema "
            f"{versions}, this one reads {REPORT_SCHEMA_VERSION}): run the audit again to "
            "make a new baseline"
        )
    return Baseline(
        path=file,
        findings=dict(contents.summary.findings),
        workspaces=frozenset(contents.summary.workspaces),
    )


@attrs.frozen(kw_only=True)
class BaselineComparison:
    """Findings of a run against a baseline.

    Attributes:
        new: findings of this run the baseline does not have.
        resolved: findings of the baseline this run does not have.
        unchanged: findings both have.
        baseline: the baseline's file.
    """

    new: frozenset[FindingKey]
    resolved: frozenset[FindingKey]
    unchanged: frozenset[FindingKey]
    baseline: Path | None = None

    def is_new(self, record: WorkflowAudit, finding: Finding) -> bool:
        """Whether one of ``record``'s findings is new since the baseline."""
        return FindingKey.of(record, finding) in self.new


def _keys(current: Iterable[WorkflowAudit | FindingKey]) -> set[FindingKey]:
    keys: set[FindingKey] = set()
    for item in current:
        if isinstance(item, FindingKey):
            keys.add(item)
        else:
            keys.update(FindingKey.of(item, finding) for finding in item.findings)
    return keys


def compare(
    current: Iterable[WorkflowAudit | FindingKey],
    baseline: Baseline,
    *,
    rules: Collection[str] | None = None,
    workspaces: Collection[str] | None = None,
) -> BaselineComparison:
    """Compare the findings of ``current`` (records, or finding keys) with a baseline.

    Args:
        current: this run's records or their findings' keys.
        baseline: from :func:`read_baseline`.
        rules: the codes of the rules this run applied; findings of other codes, on
            either side, are left out (default: all compared).
        workspaces: the Workspace keys this run audited, checked with
            :meth:`Baseline.check_scope` (default: not checked).

    Raises:
        BaselineError: the baseline is of another scope.
    """
    if workspaces is not None:
        baseline.check_scope(workspaces)
    now = {k for k in _keys(current) if rules is None or k.rule in rules}
    then = {k for k in baseline.findings if rules is None or k.rule in rules}
    return BaselineComparison(
        new=frozenset(now - then),
        resolved=frozenset(then - now),
        unchanged=frozenset(now & then),
        baseline=baseline.path,
    )
