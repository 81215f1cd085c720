"""The staff override file: settings changed in staff mode (language, volume,
timeouts), saved next to the journal and merged over the station's file.

Only scalar keys of known sections are written, after validation, atomically
(write to a temporary file, fsync, rename), so a power cut leaves either the
old or the new file.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any, Mapping

from kiosk.config.loader import Config, merge, read_toml, validate
from kiosk.errors import ConfigError


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ValueError(f"cannot store {type(value).__name__} in the override file")


def dump_toml(tables: Mapping[str, Mapping[str, Any]]) -> str:
    lines = ["# Written by kiosk staff mode. Settings here override the station's config file.", ""]
    for section, keys in tables.items():
        lines.append(f"[{section}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in keys.items())
        lines.append("")
    return "\n".join(lines)


def save_overrides(config: Config, updates: Mapping[str, Mapping[str, Any]]) -> Path:
    """Validate ``updates`` (``{"ui": {"volume": 0.5}}``) and merge them into the
    override file. Raises :class:`ConfigError` and writes nothing if any is invalid."""
    path = config.override_path
    current = read_toml(path) if path.is_file() else {}
    merged = merge(current, {s: dict(k) for s, k in updates.items()})
    _, _, errors = validate(merged, path.parent, check_devices=False)
    if errors:
        raise ConfigError(errors)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dump_toml(merged)
    tomllib.loads(text)  # never write a file we could not read back
    fd, tmp = tempfile.mkstemp(prefix=".overrides-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
