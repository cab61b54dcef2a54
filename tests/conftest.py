"""Shared fixtures: a fake Synerise server on loopback, quick retry settings, and a
connection pool that tells whether a client gave its connections back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from _pool import Pool

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


@pytest.fixture
async def pool() -> AsyncIterator[Pool]:
    """A connection pool for a client under test: ``SyneriseClient(session=pool.session)``,
    then ``await pool.assert_all_returned()``."""
    pool = Pool()
    try:
        await pool.start()
        yield pool
    finally:
        await pool.aclose()
