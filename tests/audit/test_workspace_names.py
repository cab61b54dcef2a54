"""Two Workspaces may share a name: every output counts Workspaces by their key
(:attr:`WorkspaceRef.key`) and shows the name, with the key beside it where two counted
Workspaces share one (the terminal summary, the Markdown table, the summary JSON, the
HTML chart, filter and table, JUnit's suites), as library calls over records and through
the command against the fake server."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from synerise_async import cli
from synerise_async.audit import (
    SUMMARY_SCHEMA_VERSION,
    Finding,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    junit_xml,
    overview,
    render_html,
    summarize,
    summary_markdown,
    summary_schema,
    summary_to_json,
)
from synerise_async.audit._console import render_summary
from synerise_async.models import Workflow, WorkflowStatus
from synerise_async.testing import FakeSynerise, WorkspaceSpec

AT = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
PROD_A = WorkspaceRef(guid="guid-a", id=1234, name="Production")
PROD_B = WorkspaceRef(guid="guid-b", id=5678, name="Production")
STAGING = WorkspaceRef(guid="guid-c", name="Staging")
ENV_NAMES = (
    "SYNERISE_API_KEY",
    "SYNERISE_BASIC_GUID",
    "SYNERISE_USERNAME",
    "SYNERISE_PASSWORD",
    "SYNERISE_WORKSPACE",
    "GITHUB_STEP_SUMMARY",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def record(workspace: WorkspaceRef, diagram_id: str, status: WorkflowStatus) -> WorkflowAudit:
    return WorkflowAudit(
        workspace=workspace,
        workflow=Workflow(diagram_id=diagram_id, name=f"wf {diagram_id}", status=status),
        findings=(Finding(code="no-tags", severity=Severity.WARNING, message="no tags"),),
        audited_at=AT,
    )


RECORDS = (
    record(PROD_A, "a1", WorkflowStatus.ACTIVE),
    record(PROD_B, "b1", WorkflowStatus.DRAFT),
    record(PROD_B, "b2", WorkflowStatus.DRAFT),
    record(STAGING, "c1", WorkflowStatus.PAUSED),
)
LABELS = {"guid-a": "Production (guid-a)", "guid-b": "Production (guid-b)", "guid-c": "Staging"}


class _Page(HTMLParser):
    """The chart rows' labels, the Workspace filter's options and the table's rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.titles: list[str] = []
        self.selects: list[list[tuple[str, str]]] = []
        self.rows: list[tuple[str, str]] = []  # (data-w, the Workspace cell)
        self._into: str | None = None
        self._value = ""
        self._cells: list[str] = []
        self._w = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "select":
            self.selects.append([])
        elif tag == "option":
            self._into, self._value = "option", found.get("value") or ""
            self.selects[-1].append((self._value, ""))
        elif tag == "title":
            self._into = "title"
            self.titles.append("")
        elif tag == "tr" and "data-w" in found:
            self._w = found["data-w"] or ""
            self._cells = []
        elif tag == "td" and self._w:
            self._into = "td"
            self._cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("option", "title", "td"):
            self._into = None
        if tag == "tr" and self._w:
            self.rows.append((self._w, self._cells[0]))
            self._w = ""

    def handle_data(self, data: str) -> None:
        if self._into == "option":
            value, text = self.selects[-1][-1]
            self.selects[-1][-1] = (value, text + data)
        elif self._into == "title":
            self.titles[-1] += data
        elif self._into == "td":
            self._cells[-1] += data


def test_the_summary_counts_workspaces_by_key() -> None:
    summary = summarize(RECORDS)
    assert summary.by_workspace == {"guid-a": 1, "guid-b": 2, "guid-c": 1}
    assert summary.workspaces == {
        "guid-a": "Production",
        "guid-b": "Production",
        "guid-c": "Staging",
    }
    assert summary.workspace_labels() == LABELS


def test_a_workspace_without_a_key_is_counted_by_its_name() -> None:
    summary = summarize(())
    summary.count(status=None, workspace="Ad hoc", findings=(), error_kind=None)
    assert summary.by_workspace == {"Ad hoc": 1}
    assert summary.workspace_labels() == {"Ad hoc": "Ad hoc"}


def test_the_terminal_summary_shows_both() -> None:
    stream = io.StringIO()
    render_summary(
        summarize(RECORDS), stream=stream, report="r.jsonl", new_records=4, elapsed=1.0, rich=False
    )
    text = stream.getvalue()
    assert re.search(r"Production \(guid-a\)\s+1\b", text), text
    assert re.search(r"Production \(guid-b\)\s+2\b", text), text
    assert re.search(r"Staging\s+1\b", text), text


def test_the_summary_json_keeps_them_apart() -> None:
    data = summary_to_json(overview(RECORDS))
    jsonschema.validate(json.loads(json.dumps(data)), summary_schema())
    assert data["schema_version"] == SUMMARY_SCHEMA_VERSION == 1
    assert data["by_workspace"] == [
        {"key": "guid-a", "name": "Production", "label": "Production (guid-a)", "workflows": 1},
        {"key": "guid-b", "name": "Production", "label": "Production (guid-b)", "workflows": 2},
        {"key": "guid-c", "name": "Staging", "label": "Staging", "workflows": 1},
    ]


def test_the_markdown_has_one_row_each() -> None:
    markdown = summary_markdown(overview(RECORDS))
    rows = markdown.split("| Workspace | Workflows |")[1].strip().splitlines()[1:]
    assert rows == [
        "| Production (guid-a) | 1 |",
        "| Production (guid-b) | 2 |",
        "| Staging | 1 |",
    ]


def test_the_html_chart_filter_and_table_keep_them_apart() -> None:
    page = _Page()
    page.feed(render_html(RECORDS, generated_at=AT))
    chart = [t for t in page.titles if t.startswith("Production")]
    assert "Production (guid-a)" in chart and "Production (guid-b)" in chart
    workspace_filter = page.selects[0]
    assert [text for _, text in workspace_filter] == ["all", *LABELS.values()]
    values = {text: value for value, text in workspace_filter}
    shown = set(page.rows)
    assert shown == {
        (values["Production (guid-a)"], "Production (guid-a)"),
        (values["Production (guid-b)"], "Production (guid-b)"),
        (values["Staging"], "Staging"),
    }
    assert [w for w, _ in page.rows].count(values["Production (guid-b)"]) == 2


def test_junit_has_one_suite_each() -> None:
    root = ET.fromstring(junit_xml(RECORDS, overview(RECORDS, fail_on="warning")))
    suites = {s.get("name"): int(s.get("tests") or 0) for s in root.iter("testsuite")}
    assert suites == {"Production (guid-a)": 1, "Production (guid-b)": 2, "Staging": 1}
    classnames = {c.get("classname") for c in root.iter("testcase")}
    assert classnames == set(LABELS.values())


async def run_cli(*args: str) -> int:
    # The fake serves on the test's loop; the command runs its own loop in a thread.
    return await asyncio.to_thread(cli.main, list(args))


async def test_the_command_keeps_two_production_workspaces_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = [
        WorkspaceSpec(name="Production", workflows=3),
        WorkspaceSpec(name="Production", workflows=2),
    ]
    async with asyncio.timeout(60), FakeSynerise(seed=12, workspaces=specs) as fake:
        first, second = fake.workspaces
        user = fake.user
        login = ("--base-url", fake.url, "--username", user.username, "--password", user.password)
        report = tmp_path / "r.csv"
        code = await run_cli(
            "audit",
            *login,
            "--all-workspaces",
            "--out",
            str(report),
            "--summary-json",
            str(tmp_path / "s.json"),
            "--summary-md",
            str(tmp_path / "s.md"),
            "--html",
            str(tmp_path / "r.html"),
            "--no-step-summary",
            "--quiet",
        )
        assert code == cli.EXIT_OK
        out, _ = capsys.readouterr()
        code = await run_cli(
            "audit",
            *login,
            "--all-workspaces",
            "--format",
            "junit",
            "--out",
            str(tmp_path / "r.xml"),
            "--quiet",
            "--no-summary",
        )
        assert code == cli.EXIT_OK
    label_1, label_2 = f"Production ({first.id})", f"Production ({second.id})"
    assert re.search(rf"{re.escape(label_1)}\s+3\b", out), out
    assert re.search(rf"{re.escape(label_2)}\s+2\b", out), out

    data = json.loads((tmp_path / "s.json").read_text())
    jsonschema.validate(data, summary_schema())
    assert {(w["key"], w["name"], w["workflows"]) for w in data["by_workspace"]} == {
        (first.id, "Production", 3),
        (second.id, "Production", 2),
    }
    markdown = (tmp_path / "s.md").read_text()
    assert f"| {label_1} | 3 |" in markdown and f"| {label_2} | 2 |" in markdown

    root = ET.parse(tmp_path / "r.xml").getroot()
    suites = {s.get("name"): int(s.get("tests") or 0) for s in root.iter("testsuite")}
    assert suites == {label_1: 3, label_2: 2}

    # The HTML of the run, and the one `report` makes from its CSV report, alike.
    assert await run_cli("report", str(report), "--html", str(tmp_path / "again.html")) == 0
    for html in ("r.html", "again.html"):
        page = _Page()
        page.feed((tmp_path / html).read_text(encoding="utf-8"))
        assert label_1 in page.titles and label_2 in page.titles
        assert [text for _, text in page.selects[0]][1:] == sorted([label_1, label_2])
