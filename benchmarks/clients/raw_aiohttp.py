"""raw_aiohttp: one ``aiohttp.ClientSession``, orjson, results left as dicts.

The floor: every ratio in the report is taken against this client. It does what a
minimal correct client must (one login, one re-login per expiry or 401) and nothing
else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Self

import aiohttp
import orjson

from ._base import BaselineClient

__all__ = ["RawAiohttpClient", "connect"]

_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


class RawAiohttpClient(BaselineClient[Any]):
    """aiohttp transport with orjson dicts; subclasses change only the structuring."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, api_key: str) -> None:
        super().__init__(api_key)
        self._session = session
        self._base_url = base_url.rstrip("/")

    async def _get(self, path: str, token: str) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        async with self._session.get(self._base_url + path, headers=headers) as response:
            return response.status, await response.read()

    async def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        async with self._session.post(
            self._base_url + path, data=body, headers=_JSON_HEADERS
        ) as response:
            return response.status, await response.read()

    def _decode_page(self, body: bytes) -> Any:
        return orjson.loads(body)

    def _page_items(self, page: Any) -> Sequence[object]:
        items: Sequence[object] = page["data"]
        return items

    def _page_count(self, page: Any) -> int:
        pages: int = page["meta"]["pages"]
        return pages

    def _decode_statistics(self, body: bytes) -> object:
        return orjson.loads(body)

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, base_url: str, api_key: str, *, max_concurrency: int
    ) -> AsyncIterator[Self]:
        """One session with at most ``max_concurrency`` connections, closed on exit."""
        connector = aiohttp.TCPConnector(limit=max_concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            yield cls(session, base_url, api_key)


#: See :class:`benchmarks.clients.Connect`.
connect = RawAiohttpClient.connect
