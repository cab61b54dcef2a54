"""The one converter between the wire (camelCase JSON) and the models (snake_case attrs).

- Every attrs class gets its hooks from one factory: camelCase renaming, with the
  :data:`WIRE_NAMES` table for the odd names, extra keys tolerated, and for request
  bodies anything left :data:`~synerise_async._types.UNSET` omitted.
- An attribute made with :func:`extra_keys_field` receives the keys no other attribute
  names (other keys are simply ignored).
- Enum values match their members ignoring case; unknown ones are kept (see
  :class:`~synerise_async._types.OpenEnum`, the one lookup rule both paths call).
- ``datetime`` fields accept epoch seconds or ISO-8601 strings and are always aware (UTC).
- Decoding runs first on functions compiled per model (``_fastpath``), which accept only
  values of exactly the expected JSON type; on any surprise the body is decoded again
  by cattrs with detailed validation, which coerces as cattrs does (``"10"`` for an
  int) or raises :class:`~synerise_async.ResponseValidationError` naming every field
  path that is wrong.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.strategies import configure_union_passthrough
from cattrs.v import format_exception

from ._exceptions import ResponseValidationError
from ._fastpath import EXTRA_KEYS, compile_structure, extra_keys_field
from ._types import RawResponse, Unset

__all__ = [
    "WIRE_NAMES",
    "extra_keys_field",
    "dumps",
    "loads",
    "structure",
    "structure_response",
    "to_camel",
    "unstructure",
]

T = TypeVar("T")

try:  # A faster parser when installed (the ``speedups`` extra).
    import orjson

    loads: Callable[[bytes | str], Any] = orjson.loads

    def dumps(value: Any) -> bytes:
        """Encode JSON to bytes."""
        return orjson.dumps(value)

except ImportError:  # pragma: no cover - exercised when orjson is absent (a subprocess test)

    def loads(data: bytes | str) -> Any:
        """Decode JSON; nesting too deep for the interpreter is a ``ValueError``, as in orjson."""
        try:
            return json.loads(data)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None

    def dumps(value: Any) -> bytes:
        """Encode JSON to bytes."""
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


#: Attributes whose wire name is not the plain camelCase of the Python name, keyed by
#: ``"Class.attribute"`` for one class or ``"attribute"`` for every class. Synerise calls a
#: Workspace a "business profile" on the wire.
WIRE_NAMES: dict[str, str] = {
    "workspace_guid": "businessProfileGuid",
    "workspace_id": "businessProfileId",
    "Workspace.guid": "businessProfileGuid",
    "WorkspaceDetails.guid": "businessProfileGuid",
}


def to_camel(name: str, cls: type | None = None) -> str:
    """``snake_case`` to ``camelCase``, honouring :data:`WIRE_NAMES`."""
    if cls is not None and (wire := WIRE_NAMES.get(f"{cls.__name__}.{name}")):
        return wire
    if name in WIRE_NAMES:
        return WIRE_NAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Epoch seconds, as the API documents; a value this large can only be milliseconds.
        return dt.datetime.fromtimestamp(value / 1000 if abs(value) > 1e11 else value, dt.UTC)
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise ValueError(f"expected epoch seconds or an ISO-8601 string, got {value!r}")


#: Where the detailed path puts the collected extra keys before cattrs reads them.
_EXTRA_WIRE_KEY = "\x00extra keys"


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)

    def structure_factory(cls: type) -> Callable[[Any, type], Any]:
        if not detailed:
            return compile_structure(
                cls, wire_name=lambda name: to_camel(name, cls), get_hook=conv.get_structure_hook
            )
        fields = attrs.fields(cls)
        renames = {a.name: override(rename=to_camel(a.name, cls)) for a in fields}
        extra = [a.name for a in fields if a.metadata.get(EXTRA_KEYS)]
        for name in extra:
            renames[name] = override(rename=_EXTRA_WIRE_KEY)
        base: Callable[[Any, type], Any] = make_dict_structure_fn(cls, conv, **renames)  # type: ignore[arg-type]
        known = {to_camel(a.name, cls) for a in fields if a.name not in extra}

        def structure_object(data: Any, tp: type) -> Any:
            # cattrs would read a list (or a string) as an object with every key missing.
            if not isinstance(data, dict):
                raise TypeError(f"expected an object, got {type(data).__name__}")
            if extra:
                data = {**data, _EXTRA_WIRE_KEY: {k: v for k, v in data.items() if k not in known}}
            return base(data, tp)

        return structure_object

    def unstructure_factory(cls: type) -> Callable[[Any], Any]:
        renames = {a.name: override(rename=to_camel(a.name, cls)) for a in attrs.fields(cls)}
        fn: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(cls, conv, **renames)  # type: ignore[arg-type]

        def unstructure_omitting_unset(obj: Any) -> dict[str, Any]:
            return {k: v for k, v in fn(obj).items() if not isinstance(v, Unset)}

        return unstructure_omitting_unset

    configure_union_passthrough(int | float | str | bool | None, conv)
    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_unstructure_hook(dt.datetime, lambda d: d.timestamp())
    conv.register_unstructure_hook(Unset, lambda u: u)
    conv.register_unstructure_hook(enum.Enum, lambda e: e.value)
    return conv


_fast = _make_converter(detailed=False)
_detailed = _make_converter(detailed=True)


def structure(data: Any, cls: type[T]) -> T:
    """Decode ``data`` into ``cls``; raises cattrs' own errors (use ``structure_response``)."""
    return _fast.structure(data, cls)


def unstructure(obj: Any) -> Any:
    """Encode a model (or a container of them) into camelCase JSON-ready data, without UNSET."""
    return _fast.unstructure(obj)


def _error_lines(exc: BaseException, path: str = "$", *, secret: bool = False) -> list[str]:
    """One line per problem, each ending with the field's path in wire (camelCase) names.

    Mirrors ``cattrs.transform_error``, which would name Python attributes instead. With
    ``secret``, a line names the kind of problem only: messages can quote the value.
    """

    def line(sub: BaseException, at: str) -> str:
        what = f"invalid value ({type(sub).__name__})" if secret else format_exception(sub, None)
        return f"{what} @ {at}"

    if isinstance(exc, cattrs.IterableValidationError):
        indexed, plain = exc.group_exceptions()
        lines = [
            found
            for sub, note in indexed
            for found in _error_lines(sub, f"{path}[{note.index!r}]", secret=secret)
        ]
        return lines + [line(sub, path) for sub in plain]
    if isinstance(exc, cattrs.ClassValidationError):
        named, plain = exc.group_exceptions()
        cls = getattr(exc, "cl", None)
        lines = [
            found
            for sub, note in named
            for found in _error_lines(sub, f"{path}.{to_camel(note.name, cls)}", secret=secret)
        ]
        return lines + [line(sub, path) for sub in plain]
    return [line(exc, path)]


def _body_text(raw: RawResponse, *, secret: bool) -> str:
    if secret:
        return f"<{len(raw.content)} bytes, not kept: the body may hold a token>"
    return raw.content[:200].decode("utf-8", "replace")


def structure_response(raw: RawResponse, cls: type[T], *, secret: bool = False) -> T:
    """Decode a response body into ``cls``.

    Args:
        raw: the response.
        cls: the model.
        secret: the body may hold a credential (a login's answer): an error keeps
            neither the body's text nor the values in its messages, only field paths.

    Raises:
        ResponseValidationError: the body is not JSON, or not of ``cls``'s shape; its
            ``errors`` name each offending field path.
    """
    try:
        data = loads(raw.content)
    except ValueError as exc:
        detail = "" if secret else f" ({exc})"
        raise ResponseValidationError(
            f"Response body is not valid JSON{detail}",
            request=raw.request,
            status_code=raw.status_code,
            text=_body_text(raw, secret=secret),
            attempts=raw.attempts,
        ) from None
    return structure_data(raw, data, cls, secret=secret)


def structure_data(raw: RawResponse, data: Any, cls: type[T], *, secret: bool = False) -> T:
    """Decode already-parsed JSON ``data`` of ``raw`` into ``cls`` (see ``structure_response``)."""
    try:
        return _fast.structure(data, cls)
    except Exception:  # noqa: S110 - decoded again below, for a message naming each field
        pass
    try:
        result = _detailed.structure(data, cls)
    except Exception as exc:  # every decoding failure becomes one typed error
        lines = tuple(_error_lines(exc, secret=secret))
        raise ResponseValidationError(
            f"Response does not match {cls.__name__}: " + "; ".join(lines[:5]),
            request=raw.request,
            status_code=raw.status_code,
            text=_body_text(raw, secret=secret),
            errors=lines,
            attempts=raw.attempts,
        ) from None
    return result  # a value the fast path refused but cattrs coerces
