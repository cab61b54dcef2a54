"""The error tree: an error carries what it knows when it is made, and a walk's failure is
a new error of the same class (a ``PageError`` too), never the original patched; and an
error body's ``errors[].code`` keeps what came (an integer stays an integer, a string a
string), over real HTTP."""

from __future__ import annotations

import ast
import pathlib
import traceback
from typing import Any

import pytest

import synerise_async
from synerise_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientConfig,
    ClientStateError,
    InvalidArgumentError,
    LoginRefusedError,
    PageError,
    PermissionDeniedError,
    RateLimitError,
    RequestInfo,
    ResponseValidationError,
    SyneriseClient,
    SyneriseError,
    TokenRefreshError,
    WorkspaceAuth,
    _exceptions,
)
from synerise_async._exceptions import page_error, status_error
from synerise_async.api.automation import list_workflows
from synerise_async.testing import FakeSynerise

PACKAGE = pathlib.Path(synerise_async.__file__).parent
EXCEPTION_CLASSES = {
    name
    for name, value in vars(_exceptions).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}
FAST = ClientConfig(backoff_base=0.01, backoff_cap=0.05)
REQUEST = RequestInfo("GET", "https://api.example/automation-brain/v2/diagrams?page=3")


def _error_attributes() -> set[str]:
    """Every attribute an SDK error has: set on ``self`` or declared in a class body of
    _exceptions.py (Python's own ``__cause__``/``__notes__`` are not SDK fields)."""
    tree = ast.parse((PACKAGE / "_exceptions.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(
                target.attr
                for target in targets
                if isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            )
        if isinstance(node, ast.ClassDef) and node.name in EXCEPTION_CLASSES:
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                    names.add(statement.target.id)
                if isinstance(statement, ast.Assign):
                    names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return {name for name in names if not name.startswith("_")}


def _assigned_attributes(node: ast.AST) -> list[ast.Attribute]:
    """The attributes ``node`` sets or deletes (``setattr(x, "name", v)`` counts as one)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in {"setattr", "delattr"} and len(node.args) >= 2:
            name = node.args[1]
            attr = name.value if isinstance(name, ast.Constant) else "<computed>"
            return [ast.Attribute(value=node.args[0], attr=str(attr), lineno=node.lineno)]
        return []
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
        targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
        return [
            sub
            for target in targets
            for sub in ast.walk(target)
            if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store | ast.Del)
        ]
    return []


def test_no_error_gets_an_attribute_after_it_was_made() -> None:
    """An AST scan of the package: no attribute of a caught exception is assigned, and no
    error attribute (``attempts``, ``retry_after``, ``resume_page``, ...) is assigned on
    anything but ``self`` in a constructor. Python's own ``__cause__``/``__notes__`` are
    not SDK fields (``add_note`` is how a note is added)."""
    error_attributes = _error_attributes()
    assert {"attempts", "retry_after", "resume_page", "status_code"} <= error_attributes
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        caught = {
            handler.name
            for handler in ast.walk(tree)
            if isinstance(handler, ast.ExceptHandler) and handler.name
        }
        for node in ast.walk(tree):
            for target in _assigned_attributes(node):
                owner = target.value
                if not isinstance(owner, ast.Name) or owner.id in {"self", "cls"}:
                    continue
                if target.attr.startswith("__") and target.attr.endswith("__"):
                    continue
                if owner.id in caught or target.attr in error_attributes:
                    where = f"{path.relative_to(PACKAGE.parent)}:{target.lineno}"
                    offences.append(f"{where}: {owner.id}.{target.attr}")
    assert offences == []


def test_the_root_error_carries_no_pagination_field() -> None:
    assert not hasattr(SyneriseError("x"), "resume_page")
    assert "resume_page" not in vars(SyneriseError)
    assert not hasattr(status_error(500, request=REQUEST, body=None), "resume_page")


def test_a_rate_limit_error_is_made_with_its_retry_after() -> None:
    made = RateLimitError(
        "HTTP 429", request=REQUEST, status_code=429, body=None, retry_after=2.5, attempts=3
    )
    assert (made.retry_after, made.attempts, made.status_code) == (2.5, 3, 429)
    assert (
        RateLimitError("HTTP 429", request=REQUEST, status_code=429, body=None).retry_after is None
    )
    mapped = status_error(429, request=REQUEST, body=None, retry_after=7.0, attempts=2)
    assert type(mapped) is RateLimitError
    assert (mapped.retry_after, mapped.attempts) == (7.0, 2)
    assert not hasattr(
        status_error(503, request=REQUEST, body=None, retry_after=7.0), "retry_after"
    )


def _samples() -> list[SyneriseError]:
    status = {"request": REQUEST, "body": None, "text": "t", "attempts": 2}
    return [
        InvalidArgumentError("limit", "must be at least 1"),
        ClientStateError("closed"),
        TokenRefreshError("no token"),
        APIError("m", request=REQUEST),
        APIConnectionError(request=REQUEST, attempts=4, sent=False),
        APITimeoutError(request=REQUEST, attempts=2),
        ResponseValidationError("bad", request=REQUEST, status_code=200, errors=("$.x",)),
        APIStatusError("HTTP 418", status_code=418, **status),
        AuthenticationError("HTTP 401", status_code=401, **status),
        LoginRefusedError("refused", status_code=401, **status),
        PermissionDeniedError("HTTP 403", status_code=403, permission="P", **status),
        RateLimitError("HTTP 429", status_code=429, retry_after=1.5, **status),
        status_error(404, **status),
        status_error(502, **status),
    ]


@pytest.mark.parametrize("original", _samples(), ids=lambda e: type(e).__name__)
def test_a_walks_error_is_a_new_error_of_the_same_class(original: SyneriseError) -> None:
    original.add_note("said by the pipeline")
    before = (dict(vars(original)), list(original.__notes__))
    try:
        try:
            raise original
        except SyneriseError as exc:
            raise page_error(exc, resume_page=3) from exc
    except type(original) as caught:  # caught as the class users catch around one call
        walked = caught
    assert isinstance(walked, PageError)
    assert walked is not original
    assert walked.__cause__ is original
    assert walked.resume_page == 3
    assert type(walked).__name__ == type(original).__name__
    assert type(walked).__qualname__ == type(original).__qualname__
    assert type(walked).__module__ == "synerise_async"
    assert issubclass(type(walked), type(original))
    assert str(walked) == str(original)
    assert repr(walked) == repr(original)
    assert walked.args == original.args
    for name, value in before[0].items():
        if name != "__notes__":
            assert getattr(walked, name) == value, name
    assert walked.__notes__ == ["said by the pipeline", "Resume the walk with start_page=3."]
    # The original is untouched: nothing was set on it after it was raised.
    assert (dict(vars(original)), list(original.__notes__)) == before
    assert not isinstance(original, PageError)
    shown = "".join(traceback.format_exception(walked))
    assert f"synerise_async.{type(original).__name__}: {walked}" in shown
    assert "The above exception was the direct cause" in shown


def test_one_walk_error_class_per_error_class() -> None:
    first = page_error(status_error(429, request=REQUEST, body=None), resume_page=2)
    second = page_error(status_error(429, request=REQUEST, body=None), resume_page=5)
    assert type(first) is type(second)
    assert type(first) is not type(
        page_error(status_error(404, request=REQUEST, body=None), resume_page=2)
    )
    # A walk's error met again by an outer walk keeps its class, with the new page.
    again = page_error(first, resume_page=9)
    assert type(again) is type(first)
    assert again.resume_page == 9
    assert first.resume_page == 2


def test_page_error_is_public_and_not_raised_bare() -> None:
    assert synerise_async.PageError is PageError
    assert "PageError" in synerise_async.__all__
    walked = page_error(TokenRefreshError("no token"), resume_page=4)
    assert type(walked) is not PageError
    assert isinstance(walked, TokenRefreshError)
    with pytest.raises(PageError):
        raise walked
    assert "resume_page" in (PageError.__doc__ or "")
    assert "PageError" in (_exceptions.__doc__ or "")


def test_the_walk_copy_adds_only_resume_page_and_notes() -> None:
    original = LoginRefusedError(
        "workspace login: the API refused the credentials (HTTP 401)",
        request=RequestInfo("POST", "https://api.example/uauth/v2/auth/login/profile"),
        status_code=401,
        body=None,
    )
    walked = page_error(original, resume_page=1)
    assert set(vars(walked)) - set(vars(original)) == {"resume_page", "__notes__"}


@pytest.mark.parametrize(
    ("code", "kept"),
    [
        (1001, 1001),
        (0, 0),
        ("InvalidValue", "InvalidValue"),
        (None, None),
        (True, "True"),  # a JSON boolean is not an integer code
        (2.5, "2.5"),
    ],
)
async def test_a_field_error_code_is_kept_as_it_came(
    fake: FakeSynerise, code: Any, kept: int | str | None
) -> None:
    body = {
        "status": 400,
        "error": "Bad Request",
        "message": "Validation failed",
        "errors": [{"code": code, "field": "status", "message": "bad", "rejectedValue": "x"}],
    }
    async with SyneriseClient(
        WorkspaceAuth(fake.workspace.api_key), base_url=fake.url, config=FAST
    ) as client:
        fake.faults.body(body, status_code=400, path="/automation-brain/v2/diagrams")
        with pytest.raises(BadRequestError) as info:
            await list_workflows.asyncio(client=client)
    assert info.value.body is not None
    (error,) = info.value.body.errors
    assert error.code == kept
    assert type(error.code) is type(kept)
    assert error.field == "status"
