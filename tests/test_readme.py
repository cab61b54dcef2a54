"""README.md runs: every Python snippet against a fake server, the two commands as CI runs them.

The snippets read their credentials from the environment under the names the audit command
uses; each test fills them in from a fresh :class:`FakeSynerise` on loopback. How a block is
run is said by a comment before it (see ``tests/_readme.py``); a block that cannot be run and
is not marked fails :func:`test_every_block_is_run_or_marked`.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
import tomllib
from pathlib import Path

import pytest
from _readme import Block, Snippet, extract, plan, run

from synerise_async.testing import FakeSynerise

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PLAN = plan(extract(README.read_text(encoding="utf-8")))

#: Per snippet; pytest-timeout (120 s) is the outer bound.
SNIPPET_WATCHDOG = 60.0


def environment(fake: FakeSynerise | None) -> dict[str, str]:
    """The snippet's environment: this one without SYNERISE_* and proxies, plus the fake's
    credentials under the names the README and the audit command use."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SYNERISE_") and key.lower() not in ("http_proxy", "https_proxy")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    if fake is not None:
        workspace, user = fake.workspace, fake.mfa_user
        profile = next(p for p in fake.profiles if p.workspace_id == workspace.id)
        active = next(w for w in fake.workflows() if w["status"] == "Active")
        assert user.mfa_code is not None and user.totp_secret is not None
        env |= {
            "SYNERISE_BASE_URL": fake.url,
            "SYNERISE_API_KEY": workspace.api_key,
            "SYNERISE_BASIC_GUID": workspace.guid,
            "SYNERISE_USERNAME": user.username,
            "SYNERISE_PASSWORD": user.password,
            "SYNERISE_MFA_CODE": user.mfa_code,
            "SYNERISE_TOTP_SECRET": user.totp_secret,
            "SYNERISE_PROFILE_API_KEY": workspace.profile_api_key,
            "SYNERISE_PROFILE_EMAIL": profile.email,
            "SYNERISE_PROFILE_PASSWORD": profile.password,
            "SYNERISE_WORKFLOW_ID": active["diagramId"],
        }
    return env


# --- the README itself -----------------------------------------------------------------------


def test_every_block_is_run_or_marked() -> None:
    assert PLAN.problems == []
    python_blocks = [b for b in extract(README.read_text(encoding="utf-8")) if b.lang == "python"]
    assert sum(len(s.cells) for s in PLAN.snippets) == len(python_blocks) > 0


@pytest.mark.parametrize("snippet", PLAN.snippets, ids=lambda s: f"README.md:{s.line}")
async def test_snippet_runs(snippet: Snippet, tmp_path: Path) -> None:
    async with FakeSynerise(seed=5, workspaces=2, workflows_per_workspace=30) as fake:
        outcome = await run(
            snippet,
            readme=README,
            env=environment(fake),
            watchdog=SNIPPET_WATCHDOG,
            workdir=tmp_path,
        )
    if not outcome.ok:
        pytest.fail(outcome.report(), pytrace=False)


# --- the two commands ------------------------------------------------------------------------


def _commands() -> list[list[list[str]]]:
    """The commands block's command lines, each as its ``&&``-separated argv lists."""
    (block,) = PLAN.commands
    lines = [line for line in block.code.splitlines() if line.strip() and not line.startswith("#")]
    return [[shlex.split(part) for part in line.split("&&")] for line in lines]


def _normal(argv: list[str]) -> list[str]:
    """One spelling per command: no venv path, ``pip`` as ``python -m pip``, no ``-q``."""
    tool = argv[0].rsplit("/", 1)[-1]
    tool = "python" if tool.startswith("python") else tool
    rest = [arg for arg in argv[1:] if arg != "-q"]
    return ["python", "-m", "pip", *rest] if tool == "pip" else [tool, *rest]


def _line_with(word: str) -> list[list[str]]:
    (line,) = [cmd for cmd in _commands() if any(word in argv for argv in cmd)]
    return [_normal(argv) for argv in line]


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = [argv for argv in _line_with("pytest") if argv[:3] != ["python", "-m", "venv"]]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ci_installs = {
        tuple(_normal(shlex.split(line.split("2>&1")[0])))
        for line in ci
        if "pip install" in line and " -e " in line
    }
    ci_tests = {
        tuple(_normal(shlex.split(line.split("#")[0])))
        for line in ci
        if "-m pytest" in line and not line.lstrip().startswith(("#", "echo"))
    }
    readme_install, readme_test = (tuple(argv) for argv in readme)
    assert ci_installs == {readme_install}
    assert ci_tests == {readme_test}
    assert readme_test == ("python", "-m", "pytest")


def test_readme_install_extras_exist() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(project["project"]["optional-dependencies"])
    for cmd in _commands():
        for argv in map(_normal, cmd):
            if argv[:4] == ["python", "-m", "pip", "install"]:
                spec = argv[argv.index("-e") + 1]
                assert spec.startswith(".[") and spec.endswith("]"), spec
                assert set(spec[2:-1].split(",")) <= extras, spec


async def test_readme_audit_command_runs(tmp_path: Path) -> None:
    """The README's audit line, with its installed console script, on a smaller demo.

    Not the install (it needs the network and minutes: the extras are checked against
    pyproject.toml above) nor the full 3,000 workflows (10 s): the same command and entry
    point, with the demo's hidden size and latency flags, in a fresh directory.
    """
    audit = _line_with("audit")[-1]
    assert audit[:2] == ["synerise-async", "audit"]
    script = Path(sys.executable).parent / "synerise-async"
    assert script.exists(), f"the console script is not installed beside {sys.executable}"
    args = [*audit[1:], "--demo-workflows", "60", "--demo-latency", "0"]
    proc = await asyncio.create_subprocess_exec(
        str(script),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(None),
        cwd=tmp_path,
    )
    try:
        async with asyncio.timeout(60):
            out, err = await proc.communicate()
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode in (0, 1), err.decode()  # 1: findings at or above --fail-on
    report = tmp_path / "audit-report.jsonl"
    assert len(report.read_text().splitlines()) == 60
    assert "Not inspected: 0 of 60 workflows" in out.decode() + err.decode()


def test_license_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 synerise-async contributors" in text
    repository = "https://github.com/synerise-async/synerise-async"
    assert project["urls"]["Repository"] == repository
    assert set(project["urls"]) == {"Homepage", "Repository", "Changelog", "Issues"}
    assert all(url.startswith(repository) for url in project["urls"].values())


# --- the runner, on README text made to fail ------------------------------------------------


def _plan_of(tmp_path: Path, text: str) -> tuple[Path, list[Snippet], list[str]]:
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    planned = plan(extract(text))
    return readme, planned.snippets, planned.problems


async def _run_text(tmp_path: Path, text: str, watchdog: float = 30.0) -> tuple[bool, str]:
    readme, snippets, problems = _plan_of(tmp_path, text)
    assert problems == []
    (snippet,) = snippets
    outcome = await run(
        snippet, readme=readme, env=environment(None), watchdog=watchdog, workdir=tmp_path
    )
    return outcome.ok, outcome.report()


async def test_a_broken_snippet_fails_naming_its_readme_line(tmp_path: Path) -> None:
    text = "# A README\n\nSome prose.\n\n```python\nx = 1\nraise RuntimeError('boom')\n```\n"
    ok, report = await _run_text(tmp_path, text)
    assert not ok
    assert report.startswith("README.md line 5 (program snippet) exited with 1")
    assert f'File "{tmp_path / "README.md"}", line 7' in report  # the README's own line
    assert "RuntimeError: boom" in report


async def test_a_snippet_that_works_passes(tmp_path: Path) -> None:
    text = "```python\nimport asyncio\n\nasync def main() -> None:\n    await asyncio.sleep(0)\n\nasyncio.run(main())\n```\n"
    ok, report = await _run_text(tmp_path, text)
    assert ok, report


async def test_a_warning_fails_the_snippet(tmp_path: Path) -> None:
    text = "```python\nimport warnings\nwarnings.warn('old', DeprecationWarning)\n```\n"
    ok, report = await _run_text(tmp_path, text)
    assert not ok
    assert "DeprecationWarning: old" in report


async def test_a_snippet_that_leaves_a_session_open_fails(tmp_path: Path) -> None:
    text = (
        "```python\nimport asyncio\n\nimport aiohttp\n\n\n"
        "async def main() -> None:\n    aiohttp.ClientSession()\n\n\nasyncio.run(main())\n```\n"
    )
    ok, report = await _run_text(tmp_path, text)
    assert not ok
    assert "the snippet left something open" in report
    assert "Unclosed client session" in report


async def test_a_hanging_snippet_is_killed_by_the_watchdog(tmp_path: Path) -> None:
    text = "```python\nimport time\ntime.sleep(60)\n```\n"
    async with asyncio.timeout(30):
        ok, report = await _run_text(tmp_path, text, watchdog=2.0)
    assert not ok
    assert "did not finish within 2 s (killed)" in report


async def test_notebook_cells_share_a_namespace_and_a_loop(tmp_path: Path) -> None:
    text = (
        "<!-- snippet: notebook -->\n```python\nimport asyncio\n"
        "x = await asyncio.sleep(0, result=41)\nloop = asyncio.get_running_loop()\n```\n\n"
        "<!-- snippet: continues -->\n```python\n"
        "assert x + 1 == 42 and asyncio.get_running_loop() is loop\n```\n"
    )
    ok, report = await _run_text(tmp_path, text)
    assert ok, report
    broken = text.replace("x + 1 == 42", "x == 42")
    ok, report = await _run_text(tmp_path, broken)
    assert not ok
    assert 'README.md", line 10' in report


def test_blocks_that_cannot_be_run_and_are_not_marked_are_problems(tmp_path: Path) -> None:
    text = (
        "```bash\nrm -rf /\n```\n"  # 1: unmarked shell
        "```\nprint('no language')\n```\n"  # 4: no language
        "<!-- snippet: maybe -->\n```python\npass\n```\n"  # 8: unknown marker
        "<!-- snippet: continues -->\n```python\npass\n```\n"  # 12: continues nothing
        "<!-- snippet: not run: needs a real account -->\n```bash\nx\n```\n"  # fine
        "```text\noutput\n```\n"  # fine
    )
    _, snippets, problems = _plan_of(tmp_path, text)
    assert [p.split(":")[0] for p in problems] == [
        "README.md line 1",
        "README.md line 4",
        "README.md line 8",
        "README.md line 12",
    ]
    assert snippets == []


def test_an_unclosed_fence_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 3: this code fence is never closed"):
        extract("a\n\n```python\nprint()\n")


def test_the_blocks_know_their_lines() -> None:
    (block,) = extract("x\n<!-- snippet: notebook -->\n\n```python\nawait f()\n```\n")
    assert block == Block("python", "await f()\n", 5, "notebook")
