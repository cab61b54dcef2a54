"""Issue 9 review, item 11: a proxy URL's credentials are never shown, and a proxy URL
that cannot be read is refused typed, whatever its password holds.

A password with an unencoded ``/``, ``#`` or ``?`` is common (users paste it as it is);
URL parsers then read part of it as the port, and their errors quote that part.
"""

from __future__ import annotations

import argparse
import contextlib
import io

import attrs
import pytest

from synerise_async import ClientConfig, InvalidArgumentError, cli
from synerise_async._config import shown_proxy
from synerise_async.audit import _command

PASSWORD_PARTS = ("pa", "ss", "p#ss", "pa/ss", "pa?ss")

#: URLs that are not usable proxies, each with a password that must never be shown.
BAD = [
    pytest.param("http://user:pa/ss@proxy.example:3128", id="slash-in-password"),
    pytest.param("http://user:p#ss@proxy.example:3128", id="hash-in-password"),
    pytest.param("http://user:pa?ss@proxy.example:3128", id="question-mark-in-password"),
    pytest.param("http://user:pass@proxy.example:99999", id="port-out-of-range"),
    pytest.param("http://user:pass@", id="no-host"),
]


def _chain_text(exc: BaseException) -> str:
    """Everything an error tracker would show of ``exc``: str, args, notes, the chain."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current.args), *getattr(current, "__notes__", ())]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


@pytest.mark.parametrize("url", BAD)
def test_an_unreadable_proxy_url_is_refused_typed_without_its_password(url: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        ClientConfig(proxy=url)
    text = _chain_text(caught.value)
    password = url.split("user:", 1)[1].rsplit("@", 1)[0]
    assert password not in text
    for fragment in (password.split("/")[0], password.split("#")[0], password.split("?")[0]):
        assert f"'{fragment}'" not in text  # no parser message quoting a piece of it


@pytest.mark.parametrize("url", BAD)
def test_shown_proxy_never_raises_and_never_shows_the_password(url: str) -> None:
    shown = shown_proxy(url)
    assert "user" not in shown
    assert "pa" not in shown.replace("proxy", "")
    assert "@" not in shown


def test_shown_proxy_keeps_an_ipv6_host_readable() -> None:
    assert shown_proxy("http://user:secret@[::1]:3128") == "http://[::1]:3128"


@pytest.mark.parametrize("url", BAD)
def test_the_command_refuses_such_a_proxy_without_printing_its_password(url: str) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = cli.main(["audit", "--demo", "--proxy", url, "--out", "-"])
        except SystemExit as exited:
            code = exited.code  # type: ignore[assignment]
    assert code == cli.EXIT_USAGE
    printed = err.getvalue()
    password = url.split("user:", 1)[1].rsplit("@", 1)[0]
    assert "--proxy" in printed
    assert password not in printed
    assert url not in printed


def test_the_command_parser_type_is_argparse_s() -> None:
    # The check above relies on argparse turning the type's error into a usage error.
    with pytest.raises(argparse.ArgumentTypeError):
        _command._proxy_url("http://user:pa/ss@proxy.example:3128")


def test_a_configured_proxy_password_is_in_no_repr_of_the_config_s_values() -> None:
    # As with the credentials (Redacted): not in attrs.asdict's repr, nor in a
    # traceback's locals, while the URL itself is still what is used.
    url = "http://user:pr0xy-s3cret@proxy.example:3128"
    config = ClientConfig(proxy=url)
    assert config.proxy == url
    assert "pr0xy-s3cret" not in repr(config.proxy)
    assert "pr0xy-s3cret" not in repr(attrs.asdict(config))
    assert "pr0xy-s3cret" not in repr(config)
