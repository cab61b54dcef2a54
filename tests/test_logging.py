"""The SDK fits into an application's logging (issue 9, item 13): the package logger has
a ``NullHandler`` and nothing else; what the SDK got over (a retry that worked) is INFO,
so an application that configured no logging sees nothing; a failure the caller is told
of anyway (raised, or kept in the result) is not logged above INFO. The rule is in the
module docstring of ``synerise_async._http``."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import attrs
import pytest

from synerise_async import (
    ClientConfig,
    InternalServerError,
    SyneriseClient,
    TokenRefreshError,
    WorkspaceAuth,
)
from synerise_async.api import _paths as paths
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.audit import Include, audit_workflows
from synerise_async.testing import FakeSynerise

FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
ROOT = Path(__file__).resolve().parent.parent


def client_for(fake: FakeSynerise, config: ClientConfig = FAST) -> SyneriseClient:
    return SyneriseClient(WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=config)


def loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The SDK's records at WARNING or above."""
    return [
        f"{r.levelname} {r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith("synerise_async") and r.levelno >= logging.WARNING
    ]


def test_the_package_logger_has_one_null_handler_and_no_other() -> None:
    handlers = logging.getLogger("synerise_async").handlers
    assert [type(h) for h in handlers] == [logging.NullHandler]


def test_a_retry_that_worked_prints_nothing_when_logging_is_unconfigured() -> None:
    # A fresh interpreter, as an application that never touched logging: Python's
    # last-resort handler would print any WARNING to stderr.
    script = textwrap.dedent(
        f"""
        import asyncio
        from synerise_async import ClientConfig, SyneriseClient, WorkspaceAuth
        from synerise_async.api.workspaces import get_current_workspace
        from synerise_async.testing import FakeSynerise

        async def main():
            async with FakeSynerise(seed=7) as fake, asyncio.timeout(30):
                fake.faults.error(503, count=1, path={paths.CURRENT_WORKSPACE!r})
                config = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
                auth = WorkspaceAuth(fake.workspace.api_key)
                async with SyneriseClient(auth, base_url=fake.url, config=config) as client:
                    response = await get_current_workspace.asyncio_detailed(client=client)
                assert response.attempts == 2, response.attempts
            print("retried and succeeded")

        asyncio.run(main())
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        cwd=ROOT,  # imports this checkout's package
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout == "retried and succeeded\n", result.stderr
    assert result.stderr == ""
    assert result.returncode == 0


async def test_a_retry_is_logged_at_info_with_status_attempt_and_delay_and_no_secret(
    fake: FakeSynerise, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="synerise_async")
    fake.faults.error(503, count=1, path=paths.CURRENT_WORKSPACE)
    async with client_for(fake) as client, asyncio.timeout(10):
        await get_current_workspace.asyncio(client=client)
        token = client.token_session.token.value  # type: ignore[union-attr]
    [retry] = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert (retry.name, retry.levelno) == ("synerise_async.http", logging.INFO)
    message = retry.getMessage()
    assert "HTTP 503" in message
    assert "attempt 1" in message
    assert "retrying in " in message and message.endswith("s")
    assert paths.CURRENT_WORKSPACE in message
    assert loud(caplog) == []
    assert fake.workspace.api_key not in caplog.text
    assert token not in caplog.text


async def test_a_failure_raised_to_the_caller_is_logged_at_info_at_most(
    caplog: pytest.LogCaptureFixture, unused_tcp_port: int
) -> None:
    # Nobody listens: every login attempt is refused a connection; the pipeline retries
    # it and the token session fails the refresh. The caller gets TokenRefreshError:
    # that is the report, not a warning per retry and one more for the refresh.
    caplog.set_level(logging.DEBUG, logger="synerise_async")
    client = SyneriseClient(
        WorkspaceAuth("key"), base_url=f"http://127.0.0.1:{unused_tcp_port}", config=FAST
    )
    async with client, asyncio.timeout(10):
        with pytest.raises(TokenRefreshError):
            await get_current_workspace.asyncio(client=client)
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == FAST.token_refresh_attempts - 1
    assert "could not obtain a token" in caplog.text  # said once, at INFO
    assert loud(caplog) == []


async def test_the_audit_logs_what_it_got_over_and_what_it_reports_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="synerise_async")
    async with FakeSynerise(seed=3, workspaces=1, workflows_per_workspace=5) as fake:
        # The Workspace read is got over by the client's one retry; a listing page fails
        # every attempt.
        config = attrs.evolve(FAST, max_retries=1)
        fake.faults.error(503, count=1, path=paths.CURRENT_WORKSPACE)
        fake.faults.error(503, count=10_000, path=paths.LIST_WORKFLOWS)
        async with client_for(fake, config) as client, asyncio.timeout(20):
            run = audit_workflows(client, include=Include.NONE)
            async with run:
                records = [r async for r in run]
    assert records == []
    assert len(run.progress.listing_failures) == 1  # the result says it
    # Each retry is the client's (the audit has no loop of its own for a page either).
    for path in (paths.CURRENT_WORKSPACE, paths.LIST_WORKFLOWS):
        assert any(path in r.getMessage() and "retrying" in r.getMessage() for r in caplog.records)
    assert "gave up listing" in caplog.text
    assert loud(caplog) == []


async def test_an_unreadable_workspace_stopping_the_audit_is_raised_not_logged_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="synerise_async")
    async with FakeSynerise(seed=3, workspaces=1, workflows_per_workspace=5) as fake:
        fake.faults.error(503, count=10_000, path=paths.CURRENT_WORKSPACE)
        config = attrs.evolve(FAST, max_retries=0)
        async with client_for(fake, config) as client, asyncio.timeout(20):
            run = audit_workflows(client, include=Include.NONE)
            async with run:
                with pytest.raises(InternalServerError):
                    await run.__anext__()
    assert "not auditing it under another key" in caplog.text
    assert loud(caplog) == []
