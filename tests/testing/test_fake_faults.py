"""Fault injection: every kind, filters, ordering, the random policy and latency."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import time

import _timing
import aiohttp
import pytest

from synerise_async.testing import FakeSynerise

LIST = "/automation-brain/diagrams"
LOGIN = "/uauth/v2/auth/login/profile"


@pytest.fixture
async def token(api) -> str:
    return await api.workspace_token()


async def test_rate_limit(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.rate_limit(count=2, retry_after=0.2)
    for _ in range(2):
        reply = await api.get(LIST, token=token)
        assert reply.status == 429
        assert reply.headers["Retry-After"] == "0.2"
        assert reply.json["status"] == 429
        assert reply.json["error"] == "Too Many Requests"
    assert (await api.get(LIST, token=token)).status == 200
    assert [r.fault for r in fake.requests[-3:]] == ["rate_limit", "rate_limit", None]
    assert [r.status_code for r in fake.requests[-3:]] == [429, 429, 200]

    fake.faults.rate_limit()
    assert (await api.get(LIST, token=token)).headers["Retry-After"] == "1"


async def test_rate_limit_with_http_date(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.rate_limit(retry_after=30, http_date=True)
    reply = await api.get(LIST, token=token)
    assert reply.status == 429
    moment = email.utils.parsedate_to_datetime(reply.headers["Retry-After"])
    assert 29 <= moment.timestamp() - fake.now() <= 32


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
async def test_error(api, fake: FakeSynerise, token: str, status: int) -> None:
    fake.faults.error(status)
    reply = await api.get(LIST, token=token)
    assert reply.status == status
    assert reply.json["status"] == status
    assert reply.json["path"] == LIST
    assert "Retry-After" not in reply.headers
    assert fake.requests[-1].fault == "error"
    assert (await api.get(LIST, token=token)).status == 200


async def test_error_with_retry_after_and_validation(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.error(503, count=1, retry_after=0.5)
    assert (await api.get(LIST, token=token)).headers["Retry-After"] == "0.5"
    with pytest.raises(ValueError):
        fake.faults.error(200)
    with pytest.raises(ValueError):
        fake.faults.rate_limit(count=0)
    with pytest.raises(ValueError):
        fake.faults.delay(-1)


async def test_drop_closes_the_connection(api, fake: FakeSynerise) -> None:
    fake.faults.drop(path=LOGIN)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post(LOGIN, body={"apiKey": fake.workspace.api_key})
    record = fake.requests[-1]
    assert record.status_code is None
    assert record.fault == "drop"
    assert (await api.post(LOGIN, body={"apiKey": fake.workspace.api_key})).status == 200


async def test_dropped_get_fails_after_aiohttps_own_retry(fake: FakeSynerise) -> None:
    # aiohttp resends an idempotent request once after a disconnect: drop it twice.
    fake.faults.drop(count=2)
    async with aiohttp.ClientSession(fake.url) as http:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with http.get(LIST):
                pass
        async with http.get(LIST) as response:
            assert response.status == 401
    assert [(r.status_code, r.fault) for r in fake.requests] == [
        (None, "drop"),
        (None, "drop"),
        (401, None),
    ]


async def test_delay(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.delay(0.3)
    started = time.perf_counter()
    reply = await api.get(LIST, token=token)
    assert time.perf_counter() - started >= 0.3
    assert reply.status == 200
    assert fake.requests[-1].fault == "delay"
    started = time.perf_counter()
    await api.get(LIST, token=token)
    assert time.perf_counter() - started < 0.3


async def test_non_json(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.non_json()
    fake.faults.non_json(status_code=502)
    reply = await api.get(LIST, token=token)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.text.startswith("<html>")
    assert "gateway" in reply.text
    assert (await api.get(LIST, token=token)).status == 502


async def test_truncated(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.truncated()
    with pytest.raises(aiohttp.ClientPayloadError):
        await api.get(LIST, token=token)
    assert fake.requests[-1].status_code == 200
    assert fake.requests[-1].fault == "truncated"
    assert (await api.get(LIST, token=token)).status == 200


async def test_faults_are_fifo_and_filtered(api, fake: FakeSynerise, token: str) -> None:
    faults = fake.faults
    faults.rate_limit(path="/automation-brain/*").error(502, path=LIST, method="GET")
    faults.error(504, path="/uauth/*", method="POST")
    assert faults.pending == 3
    assert (await api.get("/automation-brain/v2/diagrams", token=token)).status == 429
    assert (await api.post(LOGIN, body={"apiKey": fake.workspace.api_key})).status == 504
    assert (await api.post(LIST, token=token)).status == 405  # method filter: no fault
    assert (await api.get(LIST, token=token)).status == 502
    assert faults.pending == 0
    assert (await api.get(LIST, token=token)).status == 200


async def test_faults_hit_token_routes_too(api, fake: FakeSynerise) -> None:
    fake.faults.error(503)
    reply = await api.post(LOGIN, body={"apiKey": fake.workspace.api_key})
    assert reply.status == 503
    assert fake.token_requests() == 1


async def test_clear(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.error(500, count=5)
    fake.faults.random(1.0)
    fake.faults.clear()
    assert fake.faults.pending == 0
    assert (await api.get(LIST, token=token)).status == 200


async def statuses_under_random(seed: int) -> list[int]:
    async with FakeSynerise(workflows_per_workspace=2) as fake:
        fake.faults.random(0.4, seed=seed, path=LIST, kinds=("rate_limit", "error", "non_json"))
        async with aiohttp.ClientSession(fake.url, headers=basic_for(fake)) as http:
            statuses = []
            for _ in range(40):
                async with http.get(LIST) as response:
                    await response.read()
                    statuses.append(response.status)
            # The path filter spares other routes.
            async with http.get("/automation-brain/v2/diagrams") as response:
                assert response.status == 200
        return statuses


def basic_for(fake: FakeSynerise) -> dict[str, str]:
    raw = f"{fake.workspace.guid}:{fake.workspace.api_key}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def test_random_faults_are_seeded() -> None:
    first, again, other = await asyncio.gather(
        statuses_under_random(1), statuses_under_random(1), statuses_under_random(2)
    )
    assert first == again
    assert first != other
    assert set(first) == {200, 429, 503, 502}
    assert 6 <= sum(s != 200 for s in first) <= 26


async def test_random_validation(fake: FakeSynerise) -> None:
    with pytest.raises(ValueError):
        fake.faults.random(1.5)
    with pytest.raises(ValueError):
        fake.faults.random(0.5, kinds=("meteor",))
    with pytest.raises(ValueError):
        fake.faults.random(0.5, kinds=())


async def test_random_drop_and_truncated_kinds(fake: FakeSynerise) -> None:
    fake.faults.random(1.0, kinds=("drop", "truncated"), seed=3)
    async with aiohttp.ClientSession(fake.url) as http:
        for _ in range(6):
            with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
                async with http.post(LIST) as response:
                    await response.read()
    assert {r.fault for r in fake.requests} == {"drop", "truncated"}


async def test_latency(api, fake: FakeSynerise, token: str) -> None:
    fake.latency = 0.2
    started = time.perf_counter()
    await api.get(LIST, token=token)
    assert time.perf_counter() - started >= 0.2
    fake.latency = 0.0


async def test_constructor_latency() -> None:
    fake = FakeSynerise(latency=0.15, workflows_per_workspace=1)
    async with fake, aiohttp.ClientSession(fake.url) as http:
        started = time.perf_counter()
        async with http.get(LIST) as response:
            assert response.status == 401
        assert time.perf_counter() - started >= 0.15


async def test_close_while_a_request_is_delayed() -> None:
    fake = FakeSynerise(workflows_per_workspace=1)
    await fake.start()
    fake.faults.delay(30)
    async with aiohttp.ClientSession(fake.url) as http:

        async def call() -> None:
            async with http.get(LIST) as response:
                await response.read()

        task = asyncio.create_task(call())
        await _timing.until(lambda: fake.count(LIST) == 1, "the request")  # held 30 s
        started = time.perf_counter()
        await fake.close()
        assert time.perf_counter() - started < 2
        with pytest.raises(aiohttp.ClientError):
            await task


async def test_wrong_shape(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.wrong_shape().wrong_shape(array=True)
    for expected in ({"unexpected": True}, []):
        reply = await api.get(LIST, token=token)
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "application/json"
        assert reply.json == expected
        assert fake.requests[-1].fault == "wrong_shape"
    assert "data" in (await api.get(LIST, token=token)).json


async def test_empty(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.empty().empty(status_code=503)
    reply = await api.get(LIST, token=token)
    assert (reply.status, reply.text) == (200, "")
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Content-Length"] == "0"
    reply = await api.get(LIST, token=token)
    assert (reply.status, reply.text) == (503, "")
    assert [(r.status_code, r.fault) for r in fake.requests[-2:]] == [
        (200, "empty"),
        (503, "empty"),
    ]
    with pytest.raises(ValueError):
        fake.faults.empty(status_code=100)


async def test_body(api, fake: FakeSynerise, token: str) -> None:
    fake.faults.body(b"\xff\x00not json", content_type="application/json; charset=utf-8")
    fake.faults.body({"data": [{"diagramId": 5}]}, status_code=201)
    fake.faults.body("<p>hi</p>", content_type="text/html")
    async with api.http.get(LIST, headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert await response.read() == b"\xff\x00not json"
    reply = await api.get(LIST, token=token)
    assert (reply.status, reply.text) == (201, '{"data":[{"diagramId":5}]}')
    reply = await api.get(LIST, token=token)
    assert (reply.status, reply.text, reply.headers["Content-Type"]) == (
        200,
        "<p>hi</p>",
        "text/html",
    )
    assert [r.fault for r in fake.requests[-3:]] == ["body"] * 3
    with pytest.raises(ValueError):
        fake.faults.body(b"", status_code=99)
    with pytest.raises(TypeError):
        fake.faults.body(object())
    assert fake.faults.pending == 0


async def test_random_draws_every_transient_kind_on_login_routes_too(fake: FakeSynerise) -> None:
    kinds = (
        "rate_limit",
        "error",
        "drop",
        "delay",
        "non_json",
        "truncated",
        "wrong_shape",
        "empty",
    )
    fake.faults.random(
        1.0,
        kinds=kinds,
        seed=5,
        retry_after=0.01,
        error_status_codes=(500, 502, 503),
        non_json_status_codes=(200, 502),
    )
    async with aiohttp.ClientSession(fake.url) as http:
        for _ in range(160):
            try:
                async with http.post(LOGIN, json={"apiKey": fake.workspace.api_key}) as reply:
                    await reply.read()
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError):
                pass
    records = fake.requests
    assert {r.path for r in records} == {LOGIN}
    assert {r.fault for r in records} == set(kinds)
    by_kind = {kind: {r.status_code for r in records if r.fault == kind} for kind in kinds}
    assert by_kind["error"] == {500, 502, 503}
    assert by_kind["non_json"] == {200, 502}
    assert by_kind["rate_limit"] == {429}
    assert by_kind["drop"] == {None}
    assert by_kind["wrong_shape"] == by_kind["empty"] == by_kind["truncated"] == {200}
    # A delayed request is then served: a real login.
    assert by_kind["delay"] == {200}
    assert fake.issued_tokens()


async def test_random_validates_kinds_and_statuses(fake: FakeSynerise) -> None:
    with pytest.raises(ValueError):
        fake.faults.random(0.5, kinds=("body",))  # needs a payload: queue body() instead
    with pytest.raises(ValueError):
        fake.faults.random(0.5, error_status_codes=(200,))
    with pytest.raises(ValueError):
        fake.faults.random(0.5, error_status_codes=())
    with pytest.raises(ValueError):
        fake.faults.random(0.5, non_json_status_codes=(700,))
