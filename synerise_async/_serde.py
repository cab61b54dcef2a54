"""The one converter between the wire (camelCase JSON) and the models (snake_case attrs).

Encoding: every attrs class is written with camelCase keys (the :data:`WIRE_NAMES`
table holds the odd names); anything left :data:`~synerise_async._types.UNSET` is
omitted; enums are written as their values, datetimes as epoch seconds.

Decoding follows these rules, and only these (they are the hooks registered in
``_register_rules`` below; the compiled fast path of ``_fastpath`` means the same):

- **Objects.** A model is decoded from a JSON object only. A key the model does not
  name is ignored, unless the model has an :func:`~synerise_async.models._fields.extra_keys_field`,
  which receives every such key as a dict (``BlockStatistics.counters``).
- **Missing and null.** A missing key, or a null, for a field with a default gives the
  default (``"tags": null`` is ``tags=()``). A field without a default must be present;
  a null there is refused unless the field's type admits None.
- **Strings.** A ``str`` field takes a string; a number (not a boolean) becomes its
  text (``5`` is ``"5"``). Anything else (null, a boolean, an array, an object) is refused.
- **Integers.** An ``int`` field takes an integer; a float with no fractional part
  (``10.0``) and a string holding an integer (``"10"``: ASCII digits and a sign, no
  spaces or ``_``) are converted; anything else, booleans included, is refused.
- **Floats.** A ``float`` field takes any number, always as a float (``30`` is
  ``30.0``), or a string holding a number as JSON writes one (not ``"nan"``,
  ``"inf"`` or ``"1_0"``); booleans are refused.
- **Booleans.** A ``bool`` field takes ``true`` or ``false`` only (``"false"`` is refused,
  not read as true).
- **Unions.** ``X | None`` is None for a null and follows X's rule otherwise. A union
  of several scalar types (``int | str | None``) keeps a value that is of one of them as
  it is (a boolean is not an ``int``); an integer becomes a float where the union has
  ``float`` but not ``int``; nothing else is converted.
- **Enums.** An enum field takes what the enum itself accepts (``WorkflowStatus(value)``,
  through :func:`~synerise_async._types.member_of` on both paths): an
  :class:`~synerise_async.OpenEnum` matches its members ignoring case and keeps a string
  it does not know as a pseudo-member; a value that is not a string is refused.
- **Datetimes.** A ``datetime`` field takes epoch seconds (an integer or float, not a
  boolean; one of magnitude above 1e11 can only be milliseconds and is read as such)
  or an ISO-8601 string (a trailing ``Z`` allowed; without an offset, UTC). The result
  is always aware, in UTC.
- **Arrays and maps.** ``tuple[X, ...]`` takes a JSON array only (a string or object
  is refused, not iterated), each item by X's rule; ``Mapping[str, X]`` takes a JSON
  object only, each value by X's rule. ``Any`` takes any value as it is.

A body is decoded first by the compiled functions, then, if they meet a value that is
not exactly of its field's JSON type, again by cattrs' generated functions with detailed
validation, which convert as above or raise an error naming every bad field by its
wire path (``$.data[3].diagramId``).
"""

from __future__ import annotations

import datetime as dt
import enum
import gc
import json
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from ._exceptions import ResponseValidationError
from ._fastpath import compile_structure, scalar_union_members
from ._types import RawResponse, Unset, member_of
from .models._fields import EXTRA_KEYS, collect_extra_keys

__all__ = [
    "WIRE_NAMES",
    "dumps",
    "loads",
    "structure",
    "structure_data",
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


def _kind(value: Any) -> str:
    # Names the type only: messages never quote a value (it may be a secret).
    return type(value).__name__


def _structure_str(value: Any, _: type) -> str:
    if value.__class__ is str:
        return value
    if value.__class__ is int or value.__class__ is float:
        return str(value)
    raise TypeError(f"expected a str, got {_kind(value)}")


#: A string holding an integer, or a number: ASCII digits, a sign, no spaces or ``_``.
_INTEGER_TEXT = re.compile(r"[-+]?[0-9]+").fullmatch
_NUMBER_TEXT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?").fullmatch


def _structure_int(value: Any, _: type) -> int:
    if value.__class__ is int:
        return value
    if value.__class__ is float and value.is_integer():
        return int(value)
    if value.__class__ is str:
        if _INTEGER_TEXT(value) is None:  # not ``int()``'s "1_000", " 12 " or "١٢"
            raise ValueError("expected an int, got a str holding no integer")
        return int(value)
    raise TypeError(f"expected an int, got {_kind(value)}")


def _structure_float(value: Any, _: type) -> float:
    if value.__class__ is float or value.__class__ is int:
        return float(value)
    if value.__class__ is str:
        if _NUMBER_TEXT(value) is None:  # not ``float()``'s "nan", "inf", "1_0" or " 1 "
            raise ValueError("expected a float, got a str holding no number")
        return float(value)
    raise TypeError(f"expected a float, got {_kind(value)}")


def _structure_bool(value: Any, _: type) -> bool:
    if value.__class__ is bool:
        return value
    raise TypeError(f"expected a bool, got {_kind(value)}")


def _structure_any(value: Any, _: type) -> Any:
    return value


_fromtimestamp = dt.datetime.fromtimestamp
_fromisoformat = dt.datetime.fromisoformat
_UTC = dt.UTC


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if value.__class__ is int or value.__class__ is float:
        # Epoch seconds, as the API documents; a value this large can only be milliseconds.
        if -1e11 <= value <= 1e11:
            return _fromtimestamp(value, _UTC)
        return _fromtimestamp(value / 1000, _UTC)
    if value.__class__ is str:
        parsed = _fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(_UTC) if parsed.tzinfo else parsed.replace(tzinfo=_UTC)
    raise TypeError(f"expected epoch seconds or an ISO-8601 string, got {_kind(value)}")


def _structure_enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    member: enum.Enum = member_of(cls)(value)  # the enum's own lookup: OpenEnum keeps unknowns
    return member


_UNIONS = (typing.Union, types.UnionType)


def _is_optional(tp: Any) -> bool:
    args = typing.get_args(tp) if typing.get_origin(tp) in _UNIONS else ()
    return len(args) == 2 and type(None) in args and scalar_union_members(tp) is None


def _is_tuple(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_mapping(tp: Any) -> bool:
    return typing.get_origin(tp) in (dict, Mapping) and len(typing.get_args(tp)) == 2


def _items_failed(
    tp: Any, item_type: Any, hook: Callable[[Any, Any], Any], items: Any
) -> cattrs.IterableValidationError:
    """The error naming every bad item (index or key) of an array or object."""
    errors: list[Exception] = []
    for index, item in items:
        try:
            hook(item, item_type)
        except Exception as exc:
            note = f"Structuring {tp!r} @ index {index!r}"
            exc.__notes__ = [
                *getattr(exc, "__notes__", []),
                IterableValidationNote(note, index, item_type),
            ]
            errors.append(exc)
    return cattrs.IterableValidationError(f"While structuring {tp!r}", errors, tp)


def _register_rules(conv: cattrs.Converter) -> None:
    """Register the decoding rules of the module docstring, every one but objects."""

    def optional_factory(tp: Any) -> Callable[[Any, Any], Any]:
        (inner,) = (a for a in typing.get_args(tp) if a is not type(None))
        hook = conv.get_structure_hook(inner)  # resolved once, not per call

        def structure_optional(value: Any, _: Any) -> Any:
            return None if value is None else hook(value, inner)

        return structure_optional

    def scalar_union_factory(tp: Any) -> Callable[[Any, Any], Any]:
        members = scalar_union_members(tp)
        assert members is not None
        to_float = float in members and int not in members
        expected = " or ".join(sorted(m.__name__ for m in members))

        def structure_scalar_union(value: Any, _: Any) -> Any:
            if value.__class__ in members:
                return value
            if to_float and value.__class__ is int:
                return float(value)
            raise TypeError(f"expected {expected}, got {_kind(value)}")

        return structure_scalar_union

    def tuple_factory(tp: Any) -> Callable[[Any, Any], Any]:
        item_type = typing.get_args(tp)[0]
        hook = conv.get_structure_hook(item_type)

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if value.__class__ is not list:
                raise TypeError(f"expected a list, got {_kind(value)}")
            if item_type is Any:
                return tuple(value)
            try:
                return tuple([hook(item, item_type) for item in value])
            except Exception:
                if not conv.detailed_validation:
                    raise
            raise _items_failed(tp, item_type, hook, enumerate(value)) from None

        return structure_tuple

    def mapping_factory(tp: Any) -> Callable[[Any, Any], Any]:
        value_type = typing.get_args(tp)[1]
        hook = conv.get_structure_hook(value_type)

        def structure_mapping(value: Any, _: Any) -> dict[str, Any]:
            if value.__class__ is not dict:
                raise TypeError(f"expected an object, got {_kind(value)}")
            if value_type is Any:
                return value
            try:
                return {key: hook(item, value_type) for key, item in value.items()}
            except Exception:
                if not conv.detailed_validation:
                    raise
            raise _items_failed(tp, value_type, hook, value.items()) from None

        return structure_mapping

    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_structure_hook_func(lambda tp: tp is Any, _structure_any)
    # By class, most specific first: a StrEnum is also a str, and must not decode as one.
    for enum_base in (enum.Enum, enum.IntEnum, enum.StrEnum):
        conv.register_structure_hook(enum_base, _structure_enum)
    conv.register_structure_hook_factory(_is_optional, optional_factory)
    conv.register_structure_hook_factory(
        lambda tp: scalar_union_members(tp) is not None, scalar_union_factory
    )
    conv.register_structure_hook_factory(_is_tuple, tuple_factory)
    conv.register_structure_hook_factory(_is_mapping, mapping_factory)


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
        known = frozenset(to_camel(a.name, cls) for a in fields if a.name not in extra)
        defaulted = frozenset(
            to_camel(a.name, cls)
            for a in fields
            if a.default is not attrs.NOTHING and a.name not in extra
        )

        def structure_object(data: Any, tp: type) -> Any:
            # cattrs would read a list (or a string) as an object with every key missing.
            if data.__class__ is not dict:
                raise TypeError(f"expected an object, got {_kind(data)}")
            # A null for a field with a default means the default: cattrs gets no key.
            data = {k: v for k, v in data.items() if v is not None or k not in defaulted}
            if extra:
                data[_EXTRA_WIRE_KEY] = collect_extra_keys(data, known)
            return base(data, tp)

        return structure_object

    def unstructure_factory(cls: type) -> Callable[[Any], Any]:
        renames = {a.name: override(rename=to_camel(a.name, cls)) for a in attrs.fields(cls)}
        fn: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(cls, conv, **renames)  # type: ignore[arg-type]

        def unstructure_omitting_unset(obj: Any) -> dict[str, Any]:
            return {k: v for k, v in fn(obj).items() if not isinstance(v, Unset)}

        return unstructure_omitting_unset

    _register_rules(conv)
    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    conv.register_unstructure_hook(dt.datetime, lambda d: d.timestamp())
    conv.register_unstructure_hook(Unset, lambda u: u)
    conv.register_unstructure_hook(enum.Enum, lambda e: e.value)
    return conv


_fast = _make_converter(detailed=False)
_detailed = _make_converter(detailed=True)


def structure(data: Any, cls: type[T]) -> T:
    """Decode parsed JSON ``data`` into ``cls`` by the rules of this module.

    Raises:
        cattrs.BaseValidationError: ``data`` is not of ``cls``'s shape; the error holds
            one exception per bad field (``structure_response`` turns it into a
            :class:`~synerise_async.ResponseValidationError` naming each field path).
    """
    try:
        return _fast.structure(data, cls)
    except Exception:  # noqa: S110 - decoded again below, converting or naming each field
        pass
    try:
        return _detailed.structure(data, cls)
    except cattrs.BaseValidationError:
        raise
    except Exception as exc:  # the top level itself is of the wrong kind
        raise cattrs.BaseValidationError(f"While structuring {cls!r}", [exc], cls) from None


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
    if isinstance(exc, cattrs.BaseValidationError):
        return [found for sub in exc.exceptions for found in _error_lines(sub, path, secret=secret)]
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
    # The cyclic collector is paused while one body is parsed and decoded (nothing here
    # awaits): a page makes thousands of tracked objects, none in a cycle, and every
    # collection they trigger meanwhile would only walk them. Left as it was found.
    pause = gc.isenabled()
    if pause:
        gc.disable()
    try:
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
    finally:
        if pause:
            gc.enable()


def structure_data(raw: RawResponse, data: Any, cls: type[T], *, secret: bool = False) -> T:
    """Decode already-parsed JSON ``data`` of ``raw`` into ``cls`` (see ``structure_response``)."""
    try:
        return structure(data, cls)
    except cattrs.BaseValidationError as exc:
        lines = tuple(_error_lines(exc, secret=secret))
        raise ResponseValidationError(
            f"Response does not match {getattr(cls, '__name__', repr(cls))}: "
            + "; ".join(lines[:5]),
            request=raw.request,
            status_code=raw.status_code,
            text=_body_text(raw, secret=secret),
            errors=lines,
            attempts=raw.attempts,
        ) from None
