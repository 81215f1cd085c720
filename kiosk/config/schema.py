"""The config schema machinery: keys, sections, and validation that collects
every error at once.

A :class:`Section` is a TOML table with typed :class:`Key` s. A key typo gets
a "did you mean" suggestion; a missing key takes its default. Errors read
``section.key: message`` so staff can find the line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from kiosk.config.types import MASKED, ValueType

REQUIRED = object()  # default marker: the key must be given


@dataclass(frozen=True)
class Key:
    name: str
    type: ValueType
    default: Any
    doc: str


@dataclass(frozen=True)
class Section:
    """A table of typed keys. ``table_lists`` are arrays of tables
    (``[[returnbin.rules]]``), each entry validated against its own keys."""

    name: str
    doc: str
    keys: tuple[Key, ...]
    table_lists: Mapping[str, "Section"] = field(default_factory=dict)

    def key(self, name: str) -> Key | None:
        for key in self.keys:
            if key.name == name:
                return key
        return None

    def names(self) -> list[str]:
        return [k.name for k in self.keys] + list(self.table_lists)

    def validate(self, raw: Mapping[str, Any], path: str, errors: list[str]) -> dict[str, Any]:
        """Typed values of this section; problems are appended to ``errors``."""
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if name in self.table_lists:
                values[name] = _validate_table_list(self.table_lists[name], value, f"{path}.{name}", errors)
                continue
            key = self.key(name)
            if key is None:
                errors.append(f"{path}.{name}: unknown key{suggest(name, self.names())}")
                continue
            try:
                values[name] = key.type.parse(value)
            except ValueError as exc:
                errors.append(f"{path}.{name}: {exc}")
        for key in self.keys:
            if key.name not in values and key.name not in raw:
                if key.default is REQUIRED:
                    errors.append(f"{path}.{key.name}: required ({key.doc})")
                else:
                    values[key.name] = key.default
        for name in self.table_lists:
            values.setdefault(name, ())
        return values


def _validate_table_list(section: Section, value: Any, path: str, errors: list[str]) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        errors.append(f"{path}: expected an array of tables ([[{path}]])")
        return ()
    return tuple(section.validate(entry, f"{path}[{i + 1}]", errors) for i, entry in enumerate(value))


def suggest(name: str, candidates: list[str]) -> str:
    """``"; did you mean 'x'?"`` for the nearest candidate, or ``""``."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class Values:
    """Read-only attribute access to one section's typed values."""

    __slots__ = ("_name", "_values", "_secrets")

    def __init__(self, name: str, values: Mapping[str, Any], secrets: frozenset[str] = frozenset()) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_secrets", secrets)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"config section [{self._name}] has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("configuration is read-only")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Values) and self._values == other._values

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def as_dict(self, mask_secrets: bool = True) -> dict[str, Any]:
        return {k: (MASKED if mask_secrets and k in self._secrets and v else v) for k, v in self._values.items()}

    def __repr__(self) -> str:
        return f"<[{self._name}] {self.as_dict()}>"
