"""Rows to dataclasses and back, derived from the dataclasses themselves.

Each field of a model (``bot.domain.models``) is one column of the same name, or two for
``Money`` (``<prefix>_minor``, ``<prefix>_currency``), and how its value is spelled in the
database follows from its type: an instant is fixed-width UTC text (``codecs.to_db_time``), a
``StrEnum`` its value, a ``frozenset`` of a ``StrEnum`` its values sorted and joined by commas
('' when empty), a ``bool`` 0 or 1, a ``dict`` tagged JSON, ints and strings as they are.
The same spellings on SQLite and PostgreSQL, so a row copies between them unchanged.

A new field is therefore one edit (the dataclass) plus its migration: the column lists of
every SELECT, INSERT and UPDATE, and the mapping both ways, come from here. A column whose
name is not the field's is the one thing declared by hand (``columns=``).

Reads select the columns by name in this order (``Mapper.select``) and decode by position,
so the physical column order of a table (which differs between an SQLite table rebuilt by a
migration and a PostgreSQL one altered in place) never matters.
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Generic, TypeVar

from bot.domain.facts.model import Facts, FactsError
from bot.domain.models import Money
from bot.storage.codecs import dumps_json, from_db_time, loads_json, to_db_time
from bot.storage.sql import Row

__all__ = ["Mapper"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Encode = Callable[[Any], tuple[Any, ...]]
Decode = Callable[..., Any]


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    name: str
    columns: tuple[str, ...]
    encode: Encode
    decode: Decode


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _money_out(value: Money | None) -> tuple[Any, ...]:
    return (None, None) if value is None else (value.minor, value.currency)


def _money_in(minor: int | None, currency: str | None) -> Money | None:
    return None if minor is None or currency is None else Money(minor, currency)


def _json_dict(text: str) -> dict[str, object]:
    value = loads_json(text)
    return value if isinstance(value, dict) else {"value": value}


def _facts_in(text: str | None) -> Facts | None:
    """Stored facts; a value no version of the bot could have written reads as none (the claim
    then says less, and nothing fails), and is logged."""
    if text is None:
        return None
    try:
        return Facts.from_json(text)
    except FactsError:
        log.warning("unreadable facts of a dispute ignored", exc_info=True)
        return None


def _one(encode: Callable[[Any], Any]) -> Encode:
    return lambda value: (encode(value),)


def _enum_set(enum: type[StrEnum]) -> tuple[Encode, Decode]:
    """A set of enum members as their values, sorted, joined by commas; a value no version of
    the bot knows is dropped (and logged) rather than failing the whole row."""

    def encode(value: frozenset[StrEnum]) -> tuple[Any, ...]:
        return (",".join(sorted(m.value for m in value)),)

    def decode(text: str | None) -> frozenset[StrEnum]:
        members = set()
        for part in (text or "").split(","):
            if part:
                try:
                    members.add(enum(part))
                except ValueError:
                    log.warning("unknown %s %r ignored", enum.__name__, part)
        return frozenset(members)

    return encode, decode


def _field(name: str, hint: Any, column: str | None) -> _Field:
    """The codec a field's type calls for (see the module)."""
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    base = next(a for a in args if a is not type(None))
    col = column or name
    if base is Money:
        prefix = column or name
        return _Field(name, (f"{prefix}_minor", f"{prefix}_currency"), _money_out, _money_in)
    if base is datetime:
        return _Field(name, (col,), _one(_optional(to_db_time)), _optional(from_db_time))
    if base is bool:
        return _Field(name, (col,), _one(_optional(int)), _optional(bool))
    if isinstance(base, type) and issubclass(base, StrEnum):
        return _Field(name, (col,), _one(_optional(lambda v: v.value)), _optional(base))
    if base is Facts:  # its own JSON (Facts.to_json), keyed by the stable field codes
        return _Field(name, (col,), _one(_optional(Facts.to_json)), _facts_in)
    if typing.get_origin(base) is frozenset:
        (member,) = typing.get_args(base)
        if isinstance(member, type) and issubclass(member, StrEnum):
            return _Field(name, (col,), *_enum_set(member))
    if typing.get_origin(base) is dict:
        return _Field(name, (col,), _one(dumps_json), _json_dict)
    if base in (int, str):
        return _Field(name, (col,), lambda value: (value,), lambda value: value)
    raise TypeError(f"no database spelling for {name}: {hint!r}")


class Mapper(Generic[T]):
    """How one dataclass is one table's row (see the module)."""

    def __init__(
        self, model: type[T], table: str, *, columns: Mapping[str, str] | None = None
    ) -> None:
        # Facts is imported by bot.domain.models for annotations only (an import cycle
        # otherwise): name it here so the hint resolves.
        hints = typing.get_type_hints(model, localns={"Facts": Facts})
        renamed = dict(columns or {})
        self.model = model
        self.table = table
        self._fields: Final = tuple(
            _field(f.name, hints[f.name], renamed.get(f.name))
            for f in dataclasses.fields(model)  # type: ignore[arg-type]
        )
        self.columns: Final = tuple(c for f in self._fields for c in f.columns)
        #: Every column, in this order: the SELECT list ``load`` decodes.
        self.select: Final = ", ".join(self.columns)
        self._plan: Final = self._decode_plan()

    def _decode_plan(self) -> tuple[tuple[str, int, int, Decode], ...]:
        plan = []
        at = 0
        for f in self._fields:
            plan.append((f.name, at, len(f.columns), f.decode))
            at += len(f.columns)
        return tuple(plan)

    def load(self, row: Row) -> T:
        """A row selected with ``select`` as the dataclass."""
        values: dict[str, Any] = {}
        for name, at, width, decode in self._plan:
            values[name] = decode(row[at]) if width == 1 else decode(row[at], row[at + 1])
        return self.model(**values)

    def load_all(self, rows: Sequence[Row]) -> list[T]:
        return [self.load(r) for r in rows]

    def params(self, obj: T) -> dict[str, Any]:
        """Every column's value for ``obj``, by column name (a statement's parameters)."""
        out: dict[str, Any] = {}
        for f in self._fields:
            out.update(zip(f.columns, f.encode(getattr(obj, f.name)), strict=True))
        return out

    def query(self, rest: str = "") -> str:
        """``SELECT <every column> FROM table <rest>``: rows ``load`` decodes."""
        return f"SELECT {self.select} FROM {self.table} {rest}".rstrip()  # noqa: S608

    def insert(self, *, without: Sequence[str] = ("id",), returning: str | None = "id") -> str:
        """``INSERT INTO table (every column but ``without``) VALUES (:column, ...)``."""
        names = [c for c in self.columns if c not in without]
        tail = f" RETURNING {returning}" if returning else ""
        return (
            f"INSERT INTO {self.table} ({', '.join(names)}) "  # noqa: S608 - column names
            f"VALUES ({', '.join(':' + c for c in names)}){tail}"
        )

    def update(self, where: str, *, keep: Sequence[str] = ()) -> str:
        """``UPDATE table SET column = :column, ... WHERE <where>`` for every column but the
        ones named in ``where``'s parameters' keys and ``keep``."""
        fixed = {"id", *keep}
        sets = ", ".join(f"{c} = :{c}" for c in self.columns if c not in fixed)
        return f"UPDATE {self.table} SET {sets} WHERE {where}"  # noqa: S608 - column names
