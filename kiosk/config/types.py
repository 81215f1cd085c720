"""Value types of the config schema: each parses a TOML value or says why not.

Every type's ``parse`` returns the typed value or raises :class:`ValueError`
with a message written for station staff (it is shown as
``section.key: message``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Secrets are shown as this in dumps and errors.
MASKED = "********"


class ValueType:
    """Base type: subclasses implement :meth:`parse` and :meth:`describe`."""

    secret = False

    def parse(self, value: Any) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class String(ValueType):
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_doc: str = ""
    secret: bool = False
    max_length: int | None = None

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_kind(value)}")
        if self.choices and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)} (got {value!r})")
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"at most {self.max_length} characters (got {len(value)})")
        if self.pattern and value and not re.fullmatch(self.pattern, value):
            shown = MASKED if self.secret else repr(value)
            raise ValueError(f"{shown} is not {self.pattern_doc or 'in the expected form'}")
        return value

    def describe(self) -> str:
        return "one of " + "|".join(self.choices) if self.choices else "string"


@dataclass(frozen=True)
class Regex(ValueType):
    """A regular expression; an empty string means "no rule"."""

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a regular expression string, got {_kind(value)}")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value

    def describe(self) -> str:
        return "regular expression"


@dataclass(frozen=True)
class Integer(ValueType):
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, value: Any) -> int:
        # TOML has hex integers (0xC2); also accept "0xC2" strings for byte values.
        if isinstance(value, str) and re.fullmatch(r"0[xX][0-9a-fA-F]+", value.strip()):
            value = int(value, 16)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {_kind(value)}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"must be at least {self.minimum} (got {value})")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"must be at most {self.maximum} (got {value})")
        return value

    def describe(self) -> str:
        return f"integer {self.minimum if self.minimum is not None else ''}..{self.maximum if self.maximum is not None else ''}"


@dataclass(frozen=True)
class Float(ValueType):
    minimum: float | None = None
    maximum: float | None = None

    def parse(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {_kind(value)}")
        value = float(value)
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"must be at least {self.minimum:g} (got {value:g})")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"must be at most {self.maximum:g} (got {value:g})")
        return value

    def describe(self) -> str:
        return "number"


@dataclass(frozen=True)
class Boolean(ValueType):
    def parse(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_kind(value)}")
        return value

    def describe(self) -> str:
        return "true|false"


@dataclass(frozen=True)
class PathValue(ValueType):
    """A filesystem path; relative paths are resolved against the config file's folder."""

    must_exist: bool = False

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a path string, got {_kind(value)}")
        if value and self.must_exist and not Path(value).exists():
            raise ValueError(f"file not found: {value}")
        return value

    def describe(self) -> str:
        return "path"


@dataclass(frozen=True)
class StringList(ValueType):
    item: String = field(default_factory=String)
    min_items: int = 0

    def parse(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise ValueError(f"expected a list, got {_kind(value)}")
        if len(value) < self.min_items:
            raise ValueError(f"needs at least {self.min_items} entries")
        out = []
        for index, entry in enumerate(value):
            try:
                out.append(self.item.parse(entry))
            except ValueError as exc:
                raise ValueError(f"entry {index + 1}: {exc}") from None
        return tuple(out)

    def describe(self) -> str:
        return "list of strings"


@dataclass(frozen=True)
class DeviceSpec(ValueType):
    """A device string in the registry grammar (``scheme[:argument]``); empty = none.

    Only the form is checked here; whether the scheme exists in the family is
    checked by the loader against the driver registry, so the error can list
    the valid forms.
    """

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a device string such as \"sim\", got {_kind(value)}")
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z0-9_-]+(:.*)?", value):
            raise ValueError(f"{value!r} is not a device string (SCHEME[:ARGUMENT], e.g. \"sim\" or \"feig:/dev/ttyUSB0\")")
        return value

    def describe(self) -> str:
        return "device string"
