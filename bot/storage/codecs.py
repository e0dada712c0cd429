"""How values are spelled in the database: instants as fixed-width UTC text, JSON with tags.

Instants are stored as fixed-width ISO-8601 UTC text with microseconds (``to_db_time``), so
text order is time order; JSON columns use a small tagged codec (``dumps_json``) so tuples,
non-string dict keys and datetimes survive a round trip without pickle. Pure functions: no
connection, no I/O, importable from anywhere in the storage package without a cycle.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

__all__ = [
    "dumps_json",
    "from_db_time",
    "from_db_time_opt",
    "loads_json",
    "to_db_time",
    "to_db_time_opt",
    "utc_now",
]


def utc_now() -> datetime:
    """The default clock: timezone-aware UTC now."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- value codecs


def to_db_time(dt: datetime) -> str:
    """A timezone-aware instant as fixed-width UTC text: ``2025-01-31T09:00:00.000000Z``.

    Naive datetimes are refused: guessing their zone is how deadlines drift by hours.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt!r}: the storage only accepts timezone-aware ones")
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def to_db_time_opt(dt: datetime | None) -> str | None:
    return None if dt is None else to_db_time(dt)


def from_db_time(text: str) -> datetime:
    """Inverse of ``to_db_time``; always returns a UTC-aware datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def from_db_time_opt(text: str | None) -> datetime | None:
    return None if text is None else from_db_time(text)


_TUPLE: Final = "__tuple__"
_DICT: Final = "__dict__"
_DATETIME: Final = "__datetime__"
_TAGS: Final = frozenset({_TUPLE, _DICT, _DATETIME})


def _encode(value: Any) -> Any:
    # bool/int/float/str (and StrEnum/IntEnum, which are str/int) are JSON as they are.
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {_TUPLE: [_encode(v) for v in value]}
    if isinstance(value, datetime):
        return {_DATETIME: to_db_time(value)}
    if isinstance(value, dict):
        plain = all(type(k) is str for k in value) and not (len(value) == 1 and set(value) <= _TAGS)
        if plain:
            return {k: _encode(v) for k, v in value.items()}
        return {_DICT: [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise TypeError(
        f"cannot store a {type(value).__name__} as JSON; use str/int/float/bool/None, "
        "lists, tuples, dicts and datetimes"
    )


def _freeze(value: Any) -> Any:
    """Dict keys must be hashable: a decoded list used as a key becomes a tuple."""
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, inner),) = value.items()
            if tag == _TUPLE:
                return tuple(_decode(v) for v in inner)
            if tag == _DATETIME:
                return from_db_time(inner)
            if tag == _DICT:
                return {_freeze(_decode(k)): _decode(v) for k, v in inner}
        return {k: _decode(v) for k, v in value.items()}
    return value


def dumps_json(value: Any) -> str:
    """Compact JSON; tuples, non-str keys and datetimes are tagged, not lost."""
    return json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def loads_json(text: str) -> Any:
    return _decode(json.loads(text))
