"""Shared fixtures: a fake Synerise server on loopback and quick retry settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from synerise_async import ClientConfig
from synerise_async.testing import FakeSynerise

#: Retries that take milliseconds, so fault tests stay fast.
FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
#: The variables aiohttp's trust_env reads (it honours both cases).
PROXY_VARIABLES = tuple(
    variant
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
    for variant in (name, name.lower())
)


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients honour the proxy variables by default: the suite must not depend on the
    developer's or CI's. A test that wants one sets it after this has run."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSynerise]:
    async with FakeSynerise(seed=7, workspaces=2, workflows_per_workspace=20) as server:
        yield server


@pytest.fixture
def fast() -> ClientConfig:
    return FAST
