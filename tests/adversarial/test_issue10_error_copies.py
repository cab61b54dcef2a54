"""Issue 10 adversary: every SDK error, and the PageError copy a walk raises, survives
``copy.copy``, ``copy.deepcopy`` and pickling (what ``concurrent.futures`` and
``multiprocessing`` do to an exception crossing a process), keeping its class, message,
attributes and notes. Found failing on main: every error's constructor takes keyword-only
fields, so ``BaseException.__reduce__`` (``cls(*args)``) could not rebuild any of them,
and a PageError class could not be pickled at all (it is named like the class it copies).
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import multidict
import pytest

import synerise_async as s
from synerise_async import ErrorBody, PageError, RequestInfo
from synerise_async._exceptions import page_error, status_error

REQUEST = RequestInfo("GET", "https://api.example/v1/things?page=2")
HEADERS = multidict.CIMultiDictProxy(multidict.CIMultiDict([("Retry-After", "3"), ("X-A", "1")]))


def _errors() -> list[s.SyneriseError]:
    body = ErrorBody(message="nope", status_code=404)
    made: list[s.SyneriseError] = [
        status_error(code, request=REQUEST, body=body, headers=HEADERS, attempts=2)
        for code in (400, 401, 403, 404, 409, 418, 429, 500)
    ]
    made += [
        status_error(429, request=REQUEST, body=None, retry_after=2.5),
        status_error(403, request=REQUEST, body=None, permission="P", role_group="G"),
        s.InvalidArgumentError("limit", "must be positive"),
        s.ClientStateError("closed"),
        s.TokenRefreshError("no token"),
        s.APIConnectionError(request=REQUEST, sent=False),
        s.APITimeoutError(request=REQUEST, attempts=3),
        s.ResponseValidationError(
            "bad body", request=REQUEST, status_code=200, text="{}", errors=("$.a: x",)
        ),
    ]
    return made


COPIES: dict[str, Callable[[object], object]] = {
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda error: pickle.loads(pickle.dumps(error)),
}


def _same(copied: object, error: BaseException) -> None:
    assert type(copied) is type(error)
    assert isinstance(copied, BaseException)
    assert copied.args == error.args
    assert str(copied) == str(error)
    assert repr(copied) == repr(error)
    assert getattr(copied, "__notes__", None) == getattr(error, "__notes__", None)
    mine = {k: v for k, v in vars(error).items() if k != "headers"}
    theirs = {k: v for k, v in vars(copied).items() if k != "headers"}
    assert theirs == mine
    if hasattr(error, "headers"):
        assert dict(copied.headers) == dict(error.headers)  # type: ignore[attr-defined]
        assert copied.headers.get("retry-after") == error.headers.get("retry-after")  # type: ignore[attr-defined]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("how", sorted(COPIES))
def test_every_error_can_be_copied_and_pickled(how: str) -> None:
    for error in _errors():
        _same(COPIES[how](error), error)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("how", sorted(COPIES))
def test_a_walks_page_error_can_be_copied_and_pickled(how: str) -> None:
    for original in _errors():
        original.add_note("a note of the caller's")
        error = page_error(original, resume_page=7)
        copied = COPIES[how](error)
        _same(copied, error)
        assert isinstance(copied, PageError)
        assert isinstance(copied, type(original))
        assert copied.resume_page == 7


class _MyNotFound(s.NotFoundError):
    """A user's own subclass, with a constructor of its own."""

    def __init__(self, message: str, *, tag: str, **fields: object) -> None:
        super().__init__(message, **fields)  # type: ignore[arg-type]
        self.tag = tag


@pytest.mark.timeout(30)
@pytest.mark.parametrize("how", sorted(COPIES))
def test_a_users_subclass_and_its_page_error_copy(how: str) -> None:
    mine = _MyNotFound("gone", tag="t", request=REQUEST, status_code=404, body=None)
    for error in (mine, page_error(mine, resume_page=2)):
        copied = COPIES[how](error)
        _same(copied, error)
        assert copied.tag == "t"  # type: ignore[attr-defined]


@pytest.mark.timeout(30)
def test_a_walk_error_made_again_names_only_its_own_resume_page() -> None:
    """A walk whose fetch walks another listing (or re-raises a walk's error): the outer
    walk's error keeps the caller's notes but says one resume page, its own. Found failing
    on main: both walks' "Resume the walk with start_page=..." notes were kept."""
    original = status_error(500, request=REQUEST, body=None)
    original.add_note("a note of the caller's")
    inner = page_error(original, resume_page=3)
    outer = page_error(inner, resume_page=5)
    assert outer.resume_page == 5
    assert isinstance(outer, s.InternalServerError)
    assert type(outer) is type(inner)
    assert outer.__notes__ == ["a note of the caller's", "Resume the walk with start_page=5."]
    assert inner.__notes__ == ["a note of the caller's", "Resume the walk with start_page=3."]
