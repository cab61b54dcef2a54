"""Shared fixtures: a fake Synerise server on loopback and quick retry settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from synerise_async import ClientConfig
from synerise_async.testing import FakeSynerise

#: Retries that take milliseconds, so fault tests stay fast.
FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=7, workspaces=2, workflows_per_workspace=20) as server:
        yield server


@pytest.fixture
def fast() -> ClientConfig:
    return FAST
