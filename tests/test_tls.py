"""Connection errors a user can act on (issue 9, item 15): a failed TLS handshake is not
retried and says what to check (plain http on an https URL; a certificate not trusted,
and how to trust a private CA); connection errors keep the exception beneath as
``__cause__``, and nothing along the chain holds a credential."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import ssl
import time
import traceback
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from synerise_async import (
    APIConnectionError,
    ClientConfig,
    NotFoundError,
    SyneriseClient,
    TokenAuth,
    TokenRefreshError,
    WorkspaceAuth,
)
from synerise_async.api.workspaces import get_current_workspace
from synerise_async.testing import FakeSynerise

#: Retries that would be quick, and many of them: a TLS failure must use none.
CONFIG = ClientConfig(backoff_base=0.01, backoff_cap=0.05, max_retries=5)
TOKEN = "static-token-not-to-be-seen"


@attrs.define
class CountingServer:
    """A raw TCP server on loopback that counts connections (attempts, handshakes
    included) and answers each as a plain-http server would, or over TLS with ``tls``."""

    tls: ssl.SSLContext | None = None
    status: str = "400 Bad Request"
    connections: int = 0
    port: int = 0
    _server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            if self.tls is None:
                await reader.read(4096)  # a TLS ClientHello, say: answered like any garbage
            else:
                await writer.start_tls(self.tls)
                await reader.readuntil(b"\r\n\r\n")
            writer.write(
                f"HTTP/1.1 {self.status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client gave up on the handshake: what these tests cause
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[CountingServer]:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            self._server.close()
            await self._server.wait_closed()


@attrs.frozen
class Certificate:
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made here (no file to expire)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "synerise-async test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    paths = Certificate(cert=folder / "cert.pem", key=folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def server_context(certificate: Certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert, certificate.key)
    return context


def chain(error: BaseException) -> list[BaseException]:
    """The error and every exception linked beneath it."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__]
    return seen


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    text = "".join(traceback.format_exception(error))
    for exc in chain(error):
        text += repr(exc) + str(exc) + repr(exc.args) + repr(vars(exc))
    for secret in secrets:
        assert secret not in text


async def test_https_on_a_plain_http_port_fails_at_once_with_the_hint() -> None:
    async with CountingServer().running() as server:
        client = SyneriseClient(
            TokenAuth(TOKEN), base_url=f"https://127.0.0.1:{server.port}", config=CONFIG
        )
        started = time.monotonic()
        async with client, asyncio.timeout(5):
            with pytest.raises(APIConnectionError) as caught:
                await get_current_workspace.asyncio(client=client)
        elapsed = time.monotonic() - started
    error = caught.value
    assert server.connections == 1  # one attempt: no retry
    assert error.attempts == 1
    assert elapsed < 1.0
    assert not error.may_have_been_processed
    assert "plain http" in str(error) and "http://" in str(error)
    assert "WRONG_VERSION_NUMBER" in str(error)
    assert isinstance(error.__cause__, ssl.SSLError)
    assert_no_secret(error, TOKEN)


async def test_https_against_the_fake_servers_port_fails_the_login_at_once() -> None:
    # The first-hour case: the fake server started, its URL typed with https.
    async with FakeSynerise(seed=7) as fake:
        base_url = fake.url.replace("http://", "https://", 1)
        auth = WorkspaceAuth(fake.workspace.api_key)
        started = time.monotonic()
        async with SyneriseClient(auth, base_url=base_url, config=CONFIG) as client:
            async with asyncio.timeout(5):
                with pytest.raises(TokenRefreshError) as caught:
                    await get_current_workspace.asyncio(client=client)
        elapsed = time.monotonic() - started
        assert fake.count() == 0  # nothing it could read as HTTP
    assert elapsed < 1.0
    cause = caught.value.__cause__
    assert isinstance(cause, APIConnectionError)
    assert cause.attempts == 1
    assert "plain http" in str(caught.value)
    assert isinstance(cause.__cause__, ssl.SSLError)
    assert_no_secret(caught.value, fake.workspace.api_key)


async def test_an_untrusted_certificate_fails_at_once_and_says_how_to_trust_it(
    certificate: Certificate,
) -> None:
    async with CountingServer(tls=server_context(certificate)).running() as server:
        client = SyneriseClient(
            TokenAuth(TOKEN), base_url=f"https://127.0.0.1:{server.port}", config=CONFIG
        )
        started = time.monotonic()
        async with client, asyncio.timeout(5):
            with pytest.raises(APIConnectionError) as caught:
                await get_current_workspace.asyncio(client=client)
        elapsed = time.monotonic() - started
    error = caught.value
    assert server.connections == 1
    assert error.attempts == 1
    assert elapsed < 1.0
    message = str(error)
    assert "certificate verification failed" in message
    assert "session=" in message and "SSLContext" in message
    assert "verify" not in message.replace("verification", "")  # no "disable verify"
    assert "ssl=False" not in message
    assert isinstance(error.__cause__, ssl.SSLCertVerificationError)
    assert_no_secret(error, TOKEN)


async def test_the_hints_advice_works_a_session_that_trusts_the_ca(
    certificate: Certificate,
) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate.cert))
    counting = CountingServer(tls=server_context(certificate), status="404 Not Found")
    async with counting.running() as server:
        connector = aiohttp.TCPConnector(ssl=trusting)
        async with aiohttp.ClientSession(connector=connector) as session:
            base_url = f"https://127.0.0.1:{server.port}"
            client = SyneriseClient(TokenAuth(TOKEN), base_url=base_url, session=session)
            async with client, asyncio.timeout(5):
                with pytest.raises(NotFoundError):  # the handshake worked; HTTP answered
                    await get_current_workspace.asyncio(client=client)
    assert server.connections == 1


async def test_a_refused_connection_is_still_retried_and_keeps_its_cause(
    unused_tcp_port: int,
) -> None:
    config = attrs.evolve(CONFIG, max_retries=2)
    client = SyneriseClient(
        TokenAuth(TOKEN), base_url=f"http://127.0.0.1:{unused_tcp_port}", config=config
    )
    async with client, asyncio.timeout(5):
        with pytest.raises(APIConnectionError) as caught:
            await get_current_workspace.asyncio(client=client)
    assert caught.value.attempts == 3
    cause = caught.value.__cause__
    assert isinstance(cause, OSError) and not isinstance(cause, aiohttp.ClientError)
    assert_no_secret(caught.value, TOKEN)


async def test_a_proxys_credentials_are_nowhere_in_a_connection_errors_chain() -> None:
    # Through an http proxy that accepts the CONNECT and then speaks plain http: the TLS
    # handshake fails, and aiohttp's error keeps the connection key, whose proxy URL holds
    # the proxy's password. The SDK keeps the SSL error beneath it as the cause, and
    # raises its own error outside the handler so that ``__context__`` does not keep
    # aiohttp's either.
    password = "proxy-password-not-to-be-seen"
    connects = 0

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connects
        connects += 1
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await reader.read(4096)
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        url = f"http://someone:{password}@127.0.0.1:{port}"
        async with aiohttp.ClientSession(proxy=url) as session:
            client = SyneriseClient(
                TokenAuth(TOKEN), base_url="https://127.0.0.1:9", session=session, config=CONFIG
            )
            async with client, asyncio.timeout(5):
                with pytest.raises(APIConnectionError) as caught:
                    await get_current_workspace.asyncio(client=client)
    finally:
        server.close()
        await server.wait_closed()
    assert connects == 1
    assert "plain http" in str(caught.value)
    assert isinstance(caught.value.__cause__, ssl.SSLError)
    assert_no_secret(caught.value, password, TOKEN)


async def test_a_garbled_response_keeps_a_cause_without_the_requests_headers() -> None:
    # aiohttp's error for an answer it cannot parse keeps the request's headers, the
    # Authorization among them: the SDK keeps the parser's error beneath it instead.
    async def garble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 abc not a status\r\n\r\n")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(garble, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = attrs.evolve(CONFIG, max_retries=0)
    try:
        client = SyneriseClient(
            TokenAuth(TOKEN), base_url=f"http://127.0.0.1:{port}", config=config
        )
        async with client, asyncio.timeout(5):
            with pytest.raises(APIConnectionError) as caught:
                await get_current_workspace.asyncio(client=client)
    finally:
        server.close()
        await server.wait_closed()
    assert caught.value.may_have_been_processed
    assert caught.value.__cause__ is not None
    assert not isinstance(caught.value.__cause__, aiohttp.ClientResponseError)
    assert_no_secret(caught.value, TOKEN)
