"""Helpers shared by the typed values: checked reads from JSON-shaped data and a frozen mapping."""

from __future__ import annotations

import json
from typing import Any, Iterator, Mapping, TypeVar

from tod.errors import SchemaError

J = TypeVar("J", bound="JsonValue")
K = TypeVar("K")
V = TypeVar("V")


def as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def require(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """``data[key]``, checked to exist and to be of ``kind``; a SchemaError naming ``what`` otherwise."""
    if not isinstance(data, Mapping):
        raise SchemaError(f"{what}: expected a JSON object, found {type(data).__name__}")
    if key not in data:
        raise SchemaError(f"{what}: missing key {key!r} (keys found: {sorted(data)})")
    value = data[key]
    # bool is a subclass of int in Python; JSON true/false is never a number here.
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in as_tuple(kind)):
        expected = " or ".join(k.__name__ for k in as_tuple(kind))
        raise SchemaError(f"{what}: key {key!r} must be {expected}, found {type(value).__name__} {value!r:.60}")
    return value


def optional(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str, default: Any) -> Any:
    """Like :func:`require`, but ``default`` where the key is absent or null."""
    if isinstance(data, Mapping) and data.get(key) is None:
        return default
    return require(data, key, kind, what)


def number(data: Mapping[str, Any], key: str, what: str) -> float:
    return float(require(data, key, (int, float), what))


def string_map(data: Any, what: str) -> dict[str, str]:
    """A JSON object whose keys and values are all strings."""
    if not isinstance(data, Mapping):
        raise SchemaError(f"{what}: expected a JSON object of strings, found {type(data).__name__}")
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise SchemaError(f"{what}: expected string keys and values, found {key!r}: {value!r:.60}")
    return dict(data)


def string_list(data: Any, what: str) -> tuple[str, ...]:
    if not isinstance(data, (list, tuple)) or not all(isinstance(item, str) for item in data):
        raise SchemaError(f"{what}: expected a JSON list of strings, found {data!r:.60}")
    return tuple(data)


class FrozenMap(Mapping[K, V]):
    """An immutable, hashable mapping that keeps insertion order and pickles.

    Typed values are frozen dataclasses; a plain ``dict`` field would let a stage mutate a value
    another stage holds. This is the read-only mapping they use instead.
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None, /, **kwargs: V) -> None:
        merged: dict[Any, Any] = dict(data or {})
        merged.update(kwargs)
        object.__setattr__(self, "_data", merged)
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        return self._hash  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other.items())
        return NotImplemented

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))

    def set(self, key: K, value: V) -> FrozenMap[K, V]:
        """A copy with ``key`` set to ``value``."""
        data = dict(self._data)
        data[key] = value
        return FrozenMap(data)

    def without(self, key: K) -> FrozenMap[K, V]:
        """A copy without ``key`` (the same map when it is absent)."""
        if key not in self._data:
            return self
        return FrozenMap({k: v for k, v in self._data.items() if k != key})

    def to_dict(self) -> dict[K, V]:
        return dict(self._data)


def freeze_str_map(data: Mapping[str, str] | None) -> FrozenMap[str, str]:
    return data if isinstance(data, FrozenMap) else FrozenMap(data or {})


class JsonValue:
    """``to_json``/``from_json`` for a typed value that has ``to_dict``/``from_dict``."""

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)  # type: ignore[attr-defined]

    @classmethod
    def from_json(cls: type[J], text: str) -> J:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"{cls.__name__}: not valid JSON ({exc})") from exc
        return cls.from_dict(data)  # type: ignore[attr-defined, no-any-return]
