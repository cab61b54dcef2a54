"""Issue 12 adversary: workflow names, descriptions, Workspace names and finding messages
are user input, and every renderer must show them as text, whole: the HTML page (its
table cell, its ``<title>`` tooltips, its filter options), the JUnit XML (test case
names, failure messages), the summary JSON (valid against its schema), the Markdown
summary (one table row per Workspace, nothing Markdown or HTML acts on) and a JSON Lines
report read back. Names come from Hypothesis (seeded, bounded) and from a list of the
usual suspects (``</script>``, ``]]>``, control characters, quotes, ``|``, line breaks).
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from synerise_async.audit import (
    Finding,
    ReportFormat,
    ReportWriter,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    junit_xml,
    overview,
    read_report,
    render_html,
    summary_markdown,
    summary_schema,
    summary_to_json,
)
from synerise_async.models import Workflow

SUSPECTS = (
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "]]><x/>",
    "a | b\nc\r\nd",
    "<!-- not a comment",
    "&amp; &lt; &#60;",
    "\x00\x01\x08\x0b\x0c\x1f\x7f nul and friends",
    "\u2028\u2029 line separators",
    "`code` *bold* _it_ [link](http://x) ~strike~ \\",
    "\ufffe\uffff non-characters",
    "\U0001f600 emoji",
)
AT = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)

# Any text but lone surrogates (no JSON encoder writes them; the API cannot send them).
names = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)


def record(name: str, workspace: str, message: str) -> WorkflowAudit:
    return WorkflowAudit(
        workspace=WorkspaceRef(guid="guid-1", name=workspace),
        workflow=Workflow(diagram_id="wf-1", name=name, description=message, updated=AT),
        findings=(Finding(code="no-tags", severity=Severity.ERROR, message=message),),
        audited_at=AT,
    )


class _Text(HTMLParser):
    """The text of the table's cells and of the SVG ``<title>`` elements, as a browser
    would show them (character references resolved), and whether a script ran wild."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.titles: list[str] = []
        self.options: list[str] = []
        self.scripts = 0
        self.attributes: list[tuple[str, str | None]] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += attrs
        if tag == "script":
            self.scripts += 1
        target = {"td": self.cells, "title": self.titles, "option": self.options}.get(tag)
        if target is not None:
            target.append("")
            self._into = target
        elif tag in ("br", "code"):
            self._into = None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "title", "option"):
            self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data


def xml_text(text: str) -> str:
    """What XML 1.0 can hold of ``text`` (the writer puts U+FFFD for the rest)."""
    return "".join(
        c
        if c in "\t\n\r"
        or "\x20" <= c <= "\ud7ff"
        or "\ue000" <= c <= "\ufffd"
        or c >= "\U00010000"
        else "\ufffd"
        for c in text
    )


def check_every_renderer(name: str, workspace: str, message: str, tmp: Path) -> None:
    records = [record(name, workspace, message)]
    view = overview(records, fail_on="warning", rules=["no-tags"])

    page = render_html(records, generated_at=AT)
    parser = _Text()
    parser.feed(page)
    parser.close()
    assert parser.scripts == 1, "only the page's own script"
    assert not any(key.startswith("on") for key, _ in parser.attributes)
    # Links nowhere, loads nothing: no href, src or action, whatever the names hold.
    assert not any(key in ("href", "src", "action", "formaction") for key, _ in parser.attributes)
    assert parser.cells[0] == workspace
    assert parser.cells[1] == name  # the name, then its id in a <code> after a <br>
    assert parser.cells[4] == message
    assert any(title.startswith(f"{workspace}: ") for title in parser.titles)
    assert workspace in parser.options
    assert page.count("</script>") == 1

    root = ET.fromstring(junit_xml(records, view))
    case = root.find("testsuite/testcase")
    assert case is not None
    assert case.get("classname") == xml_text(workspace)
    assert case.get("name") == xml_text(f"{name} (wf-1)")
    failure = case.find("failure")
    # XML's end-of-line handling reads a carriage return in text as a line feed.
    shown = xml_text(f"error no-tags: {message}").replace("\r\n", "\n").replace("\r", "\n")
    assert failure is not None and failure.text == shown
    assert root.get("failures") == "1"

    data = summary_to_json(view)
    jsonschema.validate(json.loads(json.dumps(data)), summary_schema())
    assert data["by_workspace"] == [
        {"key": "guid-1", "name": workspace, "label": workspace, "workflows": 1}
    ]
    assert data["exit_code"] == 1

    markdown = summary_markdown(view)
    workspace_rows = markdown.split("| Workspace | Workflows |")[1].strip().splitlines()[1:]
    assert len(workspace_rows) == 1, markdown
    cells = workspace_rows[0].replace("\\|", "").split("|")
    assert len(cells) == 4, workspace_rows  # "", name, count, "": no unescaped pipe
    assert "<" not in workspace_rows[0]

    report = tmp / "r.jsonl"
    with ReportWriter(report, ReportFormat.JSONL) as writer:
        writer.write(records[0])
    (back,) = read_report(report, ReportFormat.JSONL, records=True).records
    assert back.workflow.name == name
    assert back.workflow.description == message
    assert str(back.workspace) == workspace
    assert back.findings == records[0].findings


def test_the_usual_suspects(tmp_path: Path) -> None:
    for index, text in enumerate(SUSPECTS):
        folder = tmp_path / str(index)
        folder.mkdir()
        check_every_renderer(text, text, text, folder)


@seed(12)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=names, workspace=names, message=names)
def test_any_name(tmp_path: Path, name: str, workspace: str, message: str) -> None:
    check_every_renderer(name, workspace, message, tmp_path)


def test_a_custom_rule_code_stays_in_its_markdown_cell() -> None:
    """Rules are any callables (``audit_workflows(rules=...)``), so a code is user input
    too. Found failing on main: a code with ``|`` split the rule table's row, a backtick
    ended its code span."""
    for code in (*SUSPECTS, "plain-code"):
        records = [
            WorkflowAudit(
                workspace=WorkspaceRef(guid="guid-1", name="W"),
                workflow=Workflow(diagram_id="wf-1", name="n"),
                findings=(Finding(code=code, severity=Severity.WARNING, message="m"),),
            )
        ]
        markdown = summary_markdown(overview(records, fail_on="warning", rules=[code]))
        (row,) = [line for line in markdown.splitlines() if line.endswith("| warning | 1 |")]
        assert len(row.replace("\\|", "").split("|")) == 5, row  # "", code, severity, count, ""
        assert "<" not in row and "\n" not in row
        if code == "plain-code":
            assert row == "| `plain-code` | warning | 1 |"
        else:
            assert row.count("`") == row.count("\\`"), row  # no code span to break out of
