"""Summaries of a run for machines and CI, all rendered from one
:class:`~synerise_async.audit.AuditOverview`: the summary JSON (with its JSON Schema,
shipped in the package), a short Markdown summary for CI job pages, and JUnit XML.

Policy:

- Workspace and workflow names are user input: the Markdown escapes them (``|``, line
  breaks, HTML), the XML escapes them and replaces the characters XML 1.0 cannot hold
  (control characters) with U+FFFD.
- Two Workspaces may share a name: they are counted by key and shown by name, with the
  key beside it where two share one (:meth:`AuditSummary.workspace_labels`).
- JUnit: each workflow a test case (classname the Workspace, name the workflow's name and
  id). Its failure lists exactly the findings that fail the run (:attr:`AuditOverview.gating`:
  at or above ``--fail-on``, only new ones when a baseline was given); without
  ``--fail-on`` no case fails. Its other findings are in the case's ``system-out``.
- Nothing here holds a credential: only counts, names, ids, codes and messages of
  findings.
"""

from __future__ import annotations

import html
import importlib.resources
import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, Final
from xml.sax.saxutils import escape, quoteattr

from ._models import Finding, FindingKey, Severity, WorkflowAudit
from ._overview import AuditOverview
from ._summary import labels_of

__all__ = [
    "SUMMARY_SCHEMA_VERSION",
    "junit_xml",
    "summary_markdown",
    "summary_schema",
    "summary_to_json",
]

#: The version of the summary JSON's layout (its ``schema_version``); raised when a field
#: changes meaning or goes away, not when one is added.
#: Version 2: ``by_workspace`` is a list of Workspaces by key (version 1 counted them by
#: name, so two Workspaces of one name were one).
SUMMARY_SCHEMA_VERSION: Final = 1

_SCHEMA_FILE: Final = "summary.schema.json"


def summary_schema() -> dict[str, Any]:
    """The JSON Schema of :func:`summary_to_json`'s output (shipped in the package)."""
    text = importlib.resources.files(__package__).joinpath(_SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _key_json(key: FindingKey, severity: Severity | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"workspace": key.workspace, "workflow": key.workflow, "rule": key.rule}
    if severity is not None:
        data["severity"] = severity.value
    return data


def _by_rule(overview: AuditOverview) -> list[dict[str, Any]]:
    summary = overview.summary
    new = Counter(k.rule for k in overview.comparison.new) if overview.comparison else None
    rows = []
    for code, count in sorted(
        summary.findings_by_code.items(),
        key=lambda kv: (-summary.severity_of_code[kv[0]].rank, -kv[1], kv[0]),
    ):
        row: dict[str, Any] = {
            "rule": code,
            "severity": summary.severity_of_code[code].value,
            "count": count,
        }
        if new is not None:
            row["new"] = new[code]
        rows.append(row)
    return rows


def summary_to_json(overview: AuditOverview) -> dict[str, Any]:
    """The summary JSON of a run (see ``summary.schema.json`` for each field)."""
    summary = overview.summary
    comparison = overview.comparison
    baseline: dict[str, Any] | None = None
    if comparison is not None:
        baseline = {
            "path": None if comparison.baseline is None else str(comparison.baseline),
            "new": len(comparison.new),
            "resolved": len(comparison.resolved),
            "unchanged": len(comparison.unchanged),
            "new_findings": [_key_json(k, summary.findings.get(k)) for k in sorted(comparison.new)],
            "resolved_findings": [_key_json(k) for k in sorted(comparison.resolved)],
        }
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "exit_code": overview.exit_code,
        "complete": overview.complete,
        "fail_on": None if overview.fail_on is None else overview.fail_on.value,
        "scope": {
            "workspaces": [
                {"key": key, "name": name} for key, name in sorted(overview.workspaces.items())
            ],
            "rules": list(overview.rules),
        },
        "workflows": summary.workflows,
        "by_status": dict(sorted(summary.by_status.items())),
        "by_workspace": [
            {"key": key, "name": summary.workspaces.get(key, key), "label": label, "workflows": n}
            for key, label, n in summary.workspace_counts()
        ],
        "findings": {
            "total": sum(summary.findings_by_severity.values()),
            "by_severity": {s.value: summary.findings_by_severity[s] for s in Severity},
            "by_rule": _by_rule(overview),
        },
        "not_inspected": {
            "total": summary.errors,
            "by_kind": dict(sorted(summary.errors_by_kind.items())),
        },
        "baseline": baseline,
        "gating": [_key_json(k, summary.findings[k]) for k in overview.gating],
        "requests": overview.requests,
        "retries": overview.retries,
        "duration_seconds": None if overview.duration is None else round(overview.duration, 3),
    }


# --- Markdown ------------------------------------------------------------------------

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_MARKDOWN: Final = re.compile(r"([\\`*_\[\]|~])")
_PLAIN_CODE: Final = re.compile(r"[\w.:-]+")


def one_line(text: str) -> str:
    """``text`` (user input) as one line without control characters (for a table cell,
    or a terminal: no escape sequence gets through)."""
    return " ".join(_CONTROL.sub(" ", text).split())


def markdown_text(text: str) -> str:
    """``text`` (user input) safe in a Markdown table cell: :func:`one_line`, HTML
    escaped, the characters Markdown acts on backslash-escaped."""
    return _MARKDOWN.sub(r"\\\1", html.escape(one_line(text), quote=False))


def _code(code: str) -> str:
    # A rule's code as code, unless it holds what a code span cannot (custom rules'
    # codes are user input too).
    return f"`{code}`" if _PLAIN_CODE.fullmatch(code) else markdown_text(code)


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _verdict(overview: AuditOverview) -> str:
    code = overview.exit_code
    if not overview.complete:
        return f"**incomplete** (exit {code}): run it again with `--resume`"
    if overview.fail_on is None:
        return f"done (exit {code}; no `--fail-on`)"
    which = "new finding" if overview.comparison is not None else "finding"
    if overview.failed:
        gating = len(overview.gating)
        return (
            f"**failed** (exit {code}): {gating} {which}{'' if gating == 1 else 's'} "
            f"at or above {overview.fail_on.value}"
        )
    return f"passed (exit {code}): no {which} at or above {overview.fail_on.value}"


def summary_markdown(overview: AuditOverview) -> str:
    """A short Markdown summary of a run, for CI job pages (``$GITHUB_STEP_SUMMARY``)."""
    summary = overview.summary
    severities = ", ".join(
        f"{summary.findings_by_severity[s]} {s.value}" for s in sorted(Severity, reverse=True)
    )
    lines = [
        "## Workflow audit",
        "",
        f"- Result: {_verdict(overview)}",
        f"- Workflows: {summary.workflows} audited, {summary.errors} could not be inspected",
        f"- Findings: {severities}",
    ]
    comparison = overview.comparison
    if comparison is not None:
        lines.append(
            f"- Since the baseline: {len(comparison.new)} new, {len(comparison.resolved)} "
            f"resolved, {len(comparison.unchanged)} unchanged"
        )
    run = []
    if overview.duration is not None:
        run.append(f"{overview.duration:.1f} s")
    if overview.requests is not None:
        run.append(f"{overview.requests} requests, {overview.retries or 0} retries")
    if run:
        lines.append(f"- Run: {', '.join(run)}")
    lines.append("")
    rules = _by_rule(overview)
    header: tuple[str, ...] = ("Rule", "Severity", "Findings")
    if comparison is not None:
        header += ("New",)
    lines += _table(
        header,
        (
            (_code(r["rule"]), r["severity"], str(r["count"]))
            + ((str(r["new"]),) if comparison is not None else ())
            for r in rules
        ),
    )
    lines.append("")
    lines += _table(
        ("Workspace", "Workflows"),
        ((markdown_text(label), str(n)) for _, label, n in summary.workspace_counts()),
    )
    return "\n".join(lines) + "\n"


# --- JUnit ---------------------------------------------------------------------------

# What XML 1.0 cannot hold, escaped or not.
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _attr(text: str) -> str:
    # Line breaks and tabs as references: an XML parser would normalize them to spaces.
    return quoteattr(_xml(text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _text(text: str) -> str:
    return escape(_xml(text))


def _lines_of(findings: Iterable[Finding]) -> str:
    return _text("\n".join(f"{f.severity.value} {f.code}: {f.message}" for f in findings))


def junit_xml(records: Iterable[WorkflowAudit], overview: AuditOverview) -> bytes:
    """JUnit XML of ``records``: one test case per workflow, grouped in one test suite
    per Workspace; the failures are the findings of :attr:`AuditOverview.gating`.

    Args:
        records: the records (all of the run).
        overview: the run's overview (its ``fail_on`` and baseline comparison).
    """
    records = list(records)
    labels = labels_of(records)
    gating = set(overview.gating)
    suites: dict[str, tuple[str, list[str]]] = {}
    failed: Counter[str] = Counter()
    for record in records:
        workspace = labels[record.workspace.key]
        _, cases = suites.setdefault(record.workspace.key, (workspace, []))
        wf = record.workflow
        name = f"{wf.name or '(no name)'} ({wf.diagram_id})"
        failing = [f for f in record.findings if FindingKey.of(record, f) in gating]
        others = [f for f in record.findings if f not in failing]
        case = f"    <testcase classname={_attr(workspace)} name={_attr(name)}>\n"
        if failing:
            failed[record.workspace.key] += 1
            message = "; ".join(f"{f.severity.value} {f.code}" for f in failing)
            case += (
                f"      <failure type={_attr(failing[0].code)} message={_attr(message)}>"
                f"{_lines_of(failing)}</failure>\n"
            )
        if others:
            case += f"      <system-out>{_lines_of(others)}</system-out>\n"
        cases.append(case + "    </testcase>\n")
    tests = sum(len(cases) for _, cases in suites.values())
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<testsuites name="synerise-async audit" tests="{tests}" '
        f'failures="{sum(failed.values())}" errors="0">\n',
    ]
    for key, (workspace, cases) in suites.items():
        out.append(
            f'  <testsuite name={_attr(workspace)} tests="{len(cases)}" '
            f'failures="{failed[key]}" errors="0">\n'
        )
        out += cases
        out.append("  </testsuite>\n")
    out.append("</testsuites>\n")
    return "".join(out).encode("utf-8")
