"""Issue 12 adversary: the terminal summary shows Workspace names (user input) as text, in
rich's tables (on a terminal) and in plain text alike: rich markup in a name is not
interpreted, and no control character reaches the terminal (an escape sequence in a
name could clear the screen, retitle the window or forge a hyperlink).

Found failing on main: on a terminal, a Workspace named ``a [/] b`` made the command
fail at its very end with rich's ``MarkupError`` traceback, ``[link=...]`` in a name
became a hyperlink, and escape sequences went to the terminal as they were.
"""

from __future__ import annotations

import io

import pytest

from synerise_async.audit import (
    Finding,
    Severity,
    WorkflowAudit,
    WorkspaceRef,
    summarize,
)
from synerise_async.audit._console import render_summary
from synerise_async.models import Workflow

NAMES = {
    "a [/] b": "a [/] b",
    "[bold red]Red[/bold red] [link=http://x.example]here[/link]": (
        "[bold red]Red[/bold red] [link=http://x.example]here[/link]"
    ),
    "clear\x1b[2J\x1b]0;title\x07 \x1b]8;;http://x.example\x1b\\link": "clear [2J ]0;title ]8;;http://x.example \\link",
    "two\nlines\r\tand\x9bCSI": "two lines and CSI",
}


@pytest.mark.parametrize("rich", [True, False], ids=["rich", "plain"])
@pytest.mark.parametrize("name", list(NAMES))
def test_workspace_names_are_shown_as_text(name: str, rich: bool) -> None:
    record = WorkflowAudit(
        workspace=WorkspaceRef(guid="guid-1", name=name),
        workflow=Workflow(diagram_id="wf-1", name=name),
        findings=(Finding(code="no-tags", severity=Severity.INFO, message=name),),
    )
    stream = io.StringIO()
    render_summary(
        summarize([record]), stream=stream, report="r.jsonl", new_records=1, elapsed=1, rich=rich
    )
    shown = stream.getvalue()
    assert NAMES[name] in shown
    assert not any(c in shown for c in "\x1b\x07\x9b\r\t")
