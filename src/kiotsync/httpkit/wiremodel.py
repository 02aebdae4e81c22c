"""Wire models declared once: a frozen dataclass whose fields say how they are read.

A platform's models subclass :class:`WireModel` (naming the platform's date parser and how a
field name becomes its wire key) and are plain frozen dataclasses. Each field is declared once;
``from_wire`` is generic and derives everything from the declaration:

- the **key** from the field name (``created_date`` → ``createdDate`` on KiotViet, unchanged on
  Haravan), or the spellings given with ``Annotated[..., wire("branchName", "name")]``; keys are
  matched case-insensitively and the first present, non-null one wins (as :class:`~.wire.Wire`);
- the **reader** from the type: ``int``/``float``/``Decimal``/``bool``/``str`` through the lenient
  ``to_*`` coercions, ``datetime`` through the platform's parser (garbage is logged and read as
  ``None``), another model (a nested object), ``tuple[Model, ...]`` (a list of objects, non-objects
  skipped), ``tuple[int, ...]`` (ids) and ``tuple[Mapping[str, Any], ...]`` (raw objects);
  ``wire(parse=f)`` reads the value with ``f`` instead and ``wire(whole=f)`` computes the field from
  the whole object;
- the **fallback** for a missing or unreadable value: ``None`` for an optional field, else the
  field's default, else the type's zero (``id: int`` reads as ``0``);
- ``raw: Mapping[str, Any] = raw_field()`` keeps the original object (out of ``repr`` and ``==``).

A model may still override ``from_wire`` for what one field cannot say alone (call ``super()``).
Each class's reader is built once, on its first ``from_wire`` (so forward references to models
defined later in the module resolve): :func:`_plan` reads the declarations, :func:`_compile`
turns the plan into straight-line code, as :mod:`dataclasses` does for ``__init__`` (measured by
``bench/wire_parse.py``: about twice as fast as the hand-written parsers it replaced).
"""

from __future__ import annotations

import dataclasses
import logging
import types
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

from .dates import parse_datetime
from .wire import sequence, to_bool, to_decimal, to_float, to_int, to_str

__all__ = [
    "WireModel",
    "WireSpec",
    "camel_key",
    "lower_text",
    "many",
    "nonzero_int",
    "raw_field",
    "same_key",
    "wire",
]

log = logging.getLogger("kiotsync.wire")

Reader = Callable[[Any], Any]

_SCALARS: dict[Any, Reader] = {int: to_int, float: to_float, Decimal: to_decimal, bool: to_bool, str: to_str}
_RAW = "wire_raw"


@dataclasses.dataclass(frozen=True)
class WireSpec:
    """How one field is read: its wire keys and, optionally, its own reader."""

    keys: tuple[str, ...] = ()
    parse: Reader | None = None
    whole: Callable[[Mapping[str, Any]], Any] | None = None


def wire(
    *keys: str, parse: Reader | None = None, whole: Callable[[Mapping[str, Any]], Any] | None = None
) -> WireSpec:
    """``Annotated`` metadata: the field's wire spellings (first non-null wins) and reader."""
    return WireSpec(keys, parse, whole)


def raw_field() -> Any:
    """The ``raw`` field: the original mapping, excluded from repr and equality."""
    return dataclasses.field(default_factory=dict, repr=False, compare=False, metadata={_RAW: True})


def camel_key(name: str) -> str:
    """``created_date`` → ``createdDate`` (KiotViet REST; its PascalCase webhooks match too)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def same_key(name: str) -> str:
    """The field name is the wire key (Haravan's snake_case)."""
    return name


def many(model: type[WireModel], value: Any) -> tuple[Any, ...]:
    """Parse each mapping of a list value with ``model``; non-mapping items are skipped."""
    return tuple(model.from_wire(item) for item in sequence(value) if isinstance(item, Mapping))


def nonzero_int(value: Any) -> int | None:
    """An optional reference id: ``0`` means none (KiotViet's "no master product")."""
    return to_int(value) or None


def lower_text(value: Any) -> str | None:
    """Text in lower case, stripped; blank is ``None`` (Haravan status words)."""
    text = to_str(value)
    return text.strip().lower() if text is not None and text.strip() else None


@dataclasses.dataclass(frozen=True)
class _Rules:
    """A platform's reading rules: its date parser and how a field name becomes its key."""

    dates: Callable[[object], datetime | None] = parse_datetime
    key: Callable[[str], str] = same_key


class WireModel:
    """Base of the platforms' frozen wire dataclasses: a generic, tolerant ``from_wire``.

    ``class KvModel(WireModel, dates=parse_kiotviet_datetime, keys=camel_key)`` sets the
    platform's rules for every model below it (by default: UTC dates, keys as fields are named).
    """

    _wire_rules: ClassVar[_Rules] = _Rules()

    def __init_subclass__(
        cls,
        *,
        dates: Callable[[object], datetime | None] | None = None,
        keys: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        rules = cls._wire_rules
        cls._wire_rules = _Rules(dates or rules.dates, keys or rules.key)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        """Read one JSON object (REST camelCase, webhook PascalCase, snake_case alike)."""
        read = _READERS.get(cls) or _compile(cls)
        return read(data)  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class _Field:
    """One field's reading plan: lower-cased keys in order, and the reader of the value."""

    name: str
    keys: tuple[str, ...]
    read: Reader
    whole: Callable[[Mapping[str, Any]], Any] | None = None
    fallback: Any = None


_READERS: dict[type, Callable[[Any], Any]] = {}
#: Readers whose common case is "already the right type": inlined as a type test.
_PASS_THROUGH: dict[Reader, str] = {to_str: "str", to_int: "int", to_bool: "bool", to_float: "float"}


def _compile(cls: type[WireModel]) -> Callable[[Any], Any]:
    """Generate ``cls``'s reader: straight-line code, a lookup and a conversion per field.

    The same as looping over :func:`_plan` (first non-null key, the field's reader, the
    fallback) but a sixth faster on a product page. A value already of a scalar field's type
    skips the reader call; the instance is built without ``__init__`` (every field is set; a
    frozen ``__init__`` costs as much again) unless the class has ``__post_init__`` or slots.
    """
    env: dict[str, Any] = {
        "lowered": _lowered,
        "cls": cls,
        "new": object.__new__,
        "set_attr": object.__setattr__,
    }
    lines = ["def read(data):", "    get = lowered(data).get"]
    values = []
    for i, f in enumerate(_plan(cls)):
        values.append(f"{f.name!r}: v{i}")
        if f.whole is not None:
            env[f"whole{i}"] = f.whole
            lines.append(f"    v{i} = whole{i}(data)")
            continue
        env[f"read{i}"] = f.read
        lines.append(f"    v = get({f.keys[0]!r})")
        lines.extend(f"    if v is None: v = get({key!r})" for key in f.keys[1:])
        kind = _PASS_THROUGH.get(f.read)
        value = f"(v if v is None or type(v) is {kind} else read{i}(v))" if kind else f"read{i}(v)"
        if f.fallback is not None:
            env[f"fallback{i}"] = f.fallback
            value += f" or fallback{i}"  # falsy: None, or a zero (``-0.0`` reads as ``0.0``)
        lines.append(f"    v{i} = {value}")
    if hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        lines.append("    return cls(**{" + ", ".join(values) + "})")
    else:
        lines += [
            "    obj = new(cls)",
            "    set_attr(obj, '__dict__', {" + ", ".join(values) + "})",
            "    return obj",
        ]
    exec("\n".join(lines), env)
    reader: Callable[[Any], Any] = env["read"]
    _READERS[cls] = reader
    return reader


def _lowered(data: Any) -> dict[str, Any]:
    """The object with lower-cased keys (as :class:`~.wire.Wire` sees it); not an object: empty."""
    if type(data) is dict:
        try:
            return {k.lower(): v for k, v in data.items()}
        except AttributeError:  # a key that is not a string
            pass
    elif not isinstance(data, Mapping):
        return {}
    return {str(k).lower(): v for k, v in data.items()}


def _plan(cls: type[WireModel]) -> list[_Field]:
    """Each dataclass field of ``cls`` with its keys and reader, from its declaration."""
    hints = get_type_hints(cls, include_extras=True)
    plan: list[_Field] = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.metadata.get(_RAW):
            plan.append(_Field(f.name, (), _identity, _identity))
            continue
        hint = hints[f.name]
        spec = WireSpec()
        if get_origin(hint) is Annotated:
            hint, *extras = get_args(hint)
            spec = next((e for e in extras if isinstance(e, WireSpec)), spec)
        keys = spec.keys or (cls._wire_rules.key(f.name),)
        read = spec.parse or _reader(cls, hint, keys[0])
        plan.append(_Field(f.name, tuple(k.lower() for k in keys), read, spec.whole, _fallback(hint, f)))
    return plan


def _identity(value: Any) -> Any:
    return value


def _optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` → ``(X, True)``; anything else → ``(hint, False)``."""
    if get_origin(hint) in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(get_args(hint)) == 2:
            return args[0], True
    return hint, False


def _reader(cls: type[WireModel], hint: Any, key: str) -> Reader:
    kind, _ = _optional(hint)
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind is datetime:
        return _date_reader(cls._wire_rules.dates, key)
    if isinstance(kind, type) and issubclass(kind, WireModel):
        return _sub_reader(kind)
    if get_origin(kind) is tuple:
        item = get_args(kind)[0]
        if isinstance(item, type) and issubclass(item, WireModel):
            return _many_reader(item)
        if item is int:
            return _ids
        if get_origin(item) is Mapping:
            return _mappings
    raise TypeError(f"{cls.__name__}: no wire reader for {key!r} of type {hint!r}; declare wire(parse=...)")


def _fallback(hint: Any, f: dataclasses.Field[Any]) -> Any:
    """What a required field reads when its value is missing: its default, else its type's zero."""
    kind, optional = _optional(hint)
    if optional or get_origin(kind) is tuple:
        return None
    if f.default is not dataclasses.MISSING:
        return f.default
    return kind() if kind in _SCALARS else None


def _date_reader(parse: Callable[[object], datetime | None], key: str) -> Reader:
    def read_date(value: Any) -> datetime | None:
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError:
            log.warning("unparsable date-time in field %s: %r", key, value)
            return None

    return read_date


def _sub_reader(model: type[WireModel]) -> Reader:
    def read_sub(value: Any) -> Any:
        return model.from_wire(value) if isinstance(value, Mapping) else None

    return read_sub


def _many_reader(model: type[WireModel]) -> Reader:
    def read_many(value: Any) -> tuple[Any, ...]:
        return many(model, value)

    return read_many


def _ids(value: Any) -> tuple[int, ...]:
    return tuple(n for n in map(to_int, sequence(value)) if n is not None)


def _mappings(value: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(item for item in sequence(value) if isinstance(item, Mapping))
