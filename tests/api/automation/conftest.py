"""Fixtures of the automation operation tests: a fake Synerise with 57 workflows in one
Workspace, and a Workspace client with fast retries pointed at it
(on the ``pool`` fixture's connections, so tests can check it gave them all back).

Every test here talks real HTTP to ``synerise_async.testing.FakeSynerise`` on loopback;
nothing in the library is mocked. ``fake`` deliberately replaces the suite-wide fixture
of the same name (two Workspaces of 20): 57 workflows give uneven last pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from _pool import Pool

from synerise_async import ClientConfig, SyneriseClient, WorkspaceAuth
from synerise_async.testing import FakeSynerise

#: Retries that take milliseconds, so fault tests stay fast.
FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
#: Workflows seeded in the Workspace (not a multiple of any page size used).
WORKFLOWS = 57


def server_order(workflows: list[dict[str, Any]]) -> list[str]:
    """Diagram ids in the fake's default listing order (created desc, then id asc)."""
    return [
        w["diagramId"] for w in sorted(workflows, key=lambda w: (-w["created"], w["diagramId"]))
    ]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=11, workspaces=1, workflows_per_workspace=WORKFLOWS) as server:
        yield server


@pytest.fixture
async def client(fake: FakeSynerise, pool: Pool) -> AsyncIterator[SyneriseClient]:
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=FAST, session=pool.session
    ) as c:
        yield c


@pytest.fixture
def expected_ids(fake: FakeSynerise) -> list[str]:
    """Every diagram id in the order the fake lists them (the default sort)."""
    return server_order(fake.workflows())


@pytest.fixture
def by_status(fake: FakeSynerise) -> Callable[[str], str]:
    """The diagram id of the first seeded workflow with a status (e.g. "Paused")."""

    def pick(status: str) -> str:
        return next(w["diagramId"] for w in fake.workflows() if w["status"] == status)

    return pick


@pytest.fixture
def order_of() -> Callable[[list[dict[str, Any]]], list[str]]:
    """:func:`server_order`, for tests that start their own fake server."""
    return server_order


@pytest.fixture
def fast_config() -> ClientConfig:
    """:data:`FAST`, for tests that open their own client."""
    return FAST
