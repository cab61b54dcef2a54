"""Issue 9 review, item 17: no README block is silently skipped, whatever its fence.

CommonMark also opens a code block with an indented fence (inside a list item), with
``~~~``, or with more than the language after the backticks; the snippet test must run
such a block or report it, never pass over it.
"""

from __future__ import annotations

import pytest
from _readme import extract, plan

ODD_FENCES = [
    pytest.param("1. First:\n\n   ```python\n   raise SystemExit(1)\n   ```\n", id="indented"),
    pytest.param("~~~python\nraise SystemExit(1)\n~~~\n", id="tildes"),
    pytest.param("```python title=example.py\nraise SystemExit(1)\n```\n", id="info-string"),
    pytest.param("````python\nraise SystemExit(1)\n````\n", id="four-backticks"),
]


@pytest.mark.parametrize("text", ODD_FENCES)
def test_an_odd_fence_is_run_or_reported(text: str) -> None:
    planned = plan(extract(text))
    run = [cell for snippet in planned.snippets for cell in snippet.cells]
    assert run or planned.problems, "the block was silently skipped"


@pytest.mark.parametrize("text", ODD_FENCES)
def test_the_report_names_the_line(text: str) -> None:
    planned = plan(extract(text))
    if not planned.snippets:
        [problem] = planned.problems
        assert problem.startswith("README.md line ")


def test_an_odd_fence_does_not_hide_the_block_after_it() -> None:
    text = "~~~text\nout\n~~~\n\n```python\nprint(1)\n```\n"
    planned = plan(extract(text))
    assert [s.cells[0].code for s in planned.snippets] == ["print(1)\n"]
