"""The bulk workflow audit: inspect every workflow of one or more Workspaces.

::

    from synerise_async import SyneriseClient, UserAuth
    from synerise_async.audit import audit_workflows, summarize

    async with SyneriseClient(UserAuth(username, password)) as client:
        async with audit_workflows(client, workspaces="all") as audit:
            records = [record async for record in audit]
    print(summarize(records).findings_by_code)

Each :class:`WorkflowAudit` holds the workflow, its statistics and last data run, the
findings of the rules and, when fetching its details failed, an ``error`` (and an
error-severity :data:`FETCH_FAILED` finding: such a workflow was not inspected).
:class:`ReportWriter`, :func:`repair_report` and :func:`read_report` write and resume
reports in JSON Lines or CSV; :func:`render_html` makes one self-contained HTML page of
records (charts and a findings table); the ``synerise-async audit`` command uses them all.

A rule is a plain function ``rule(record, thresholds) -> Iterable[Finding]`` that does
no I/O and yields nothing when the data it needs is missing. To add one, write it and
pass ``rules=(*DEFAULT_RULES, my_rule)``::

    def no_capping(record: WorkflowAudit, thresholds: Thresholds) -> Iterator[Finding]:
        # An active workflow without an entry cap may message a Profile again and again.
        config = record.workflow.configuration
        capped = config is not None and config.capping is not None and config.capping.limit
        if record.workflow.status == WorkflowStatus.ACTIVE and not capped:
            yield Finding(code="no-capping", severity=Severity.INFO, message="No entry cap.")

Give it a new kebab-case ``code``: reports, summaries and ``--fail-on`` go by codes and
severities. Time-based rules measure from ``record.audited_at`` (``audit_workflows``'
``now`` clock), so tests can fix the time. :data:`RULES` is the table of the default
rules (code, severity, threshold); :func:`select_rules` picks from it by code.

Summaries are functions over records, so an application can summarize records it
filtered itself: :func:`overview` gives one :class:`AuditOverview` (counts, the
comparison with a baseline, scope, the exit code it implies) that
:func:`summary_to_json` (validated by :func:`summary_schema`), :func:`summary_markdown`
and :func:`junit_xml` render. A baseline is an earlier report: :func:`read_baseline`,
then :func:`compare` by :class:`FindingKey` ``(Workspace, workflow, rule)``::

    baseline = read_baseline("last-week.jsonl")
    result = overview(records, baseline=baseline, fail_on="warning")
    print(len(result.comparison.new), "new findings; exit code", result.exit_code)
"""

from ._baseline import Baseline, BaselineComparison, BaselineError, compare, read_baseline
from ._html import DEFAULT_HTML_ROWS, render_html
from ._job import (
    DEFAULT_CONCURRENCY,
    FETCH_FAILED,
    RULE_FAILED,
    AuditRun,
    audit_workflows,
)
from ._models import (
    DEFAULT_FAILED_RECORDS,
    DEFAULT_MIN_STARTED,
    DEFAULT_PAUSED_DAYS,
    DEFAULT_STALE_DRAFT_DAYS,
    AuditProgress,
    FetchFailure,
    Finding,
    FindingKey,
    Include,
    ListingFailure,
    Severity,
    Thresholds,
    WorkflowAudit,
    WorkspaceRef,
)
from ._overview import AuditOverview, overview
from ._report import (
    CSV_FIELDS,
    CSV_NUMBERS,
    REPORT_SCHEMA_VERSION,
    ReportContents,
    ReportError,
    ReportFormat,
    ReportWriter,
    read_report,
    record_to_csv_row,
    record_to_json,
    repair_report,
)
from ._rules import (
    DEFAULT_RULES,
    RULES,
    Rule,
    RuleInfo,
    active_without_starts,
    failed_records,
    last_run_failed,
    long_paused,
    missing_description,
    missing_tags,
    select_rules,
    stale_draft,
    stopped_workflow,
)
from ._summary import AuditSummary, summarize
from ._writers import (
    SUMMARY_SCHEMA_VERSION,
    junit_xml,
    summary_markdown,
    summary_schema,
    summary_to_json,
)

__all__ = [
    "CSV_FIELDS",
    "CSV_NUMBERS",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_FAILED_RECORDS",
    "DEFAULT_HTML_ROWS",
    "DEFAULT_MIN_STARTED",
    "DEFAULT_PAUSED_DAYS",
    "DEFAULT_RULES",
    "DEFAULT_STALE_DRAFT_DAYS",
    "FETCH_FAILED",
    "REPORT_SCHEMA_VERSION",
    "RULES",
    "RULE_FAILED",
    "SUMMARY_SCHEMA_VERSION",
    "AuditOverview",
    "AuditProgress",
    "AuditRun",
    "AuditSummary",
    "Baseline",
    "BaselineComparison",
    "BaselineError",
    "FetchFailure",
    "Finding",
    "FindingKey",
    "Include",
    "ListingFailure",
    "ReportContents",
    "ReportError",
    "ReportFormat",
    "ReportWriter",
    "Rule",
    "RuleInfo",
    "Severity",
    "Thresholds",
    "WorkflowAudit",
    "WorkspaceRef",
    "active_without_starts",
    "audit_workflows",
    "compare",
    "failed_records",
    "junit_xml",
    "last_run_failed",
    "long_paused",
    "missing_description",
    "missing_tags",
    "overview",
    "read_baseline",
    "read_report",
    "record_to_csv_row",
    "record_to_json",
    "render_html",
    "repair_report",
    "select_rules",
    "stale_draft",
    "stopped_workflow",
    "summarize",
    "summary_markdown",
    "summary_schema",
    "summary_to_json",
]
