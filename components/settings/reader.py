"""Reading raw stack configuration and collecting every problem before anything is declared.

Pulumi hands a program its configuration as strings: plain values as they are, structured values
(lists, objects) as JSON. `ConfigReader` turns those strings into typed values, remembers which keys it
read (so anything left over is an unknown key) and collects problems instead of stopping at the first,
so one failed `pulumi preview` lists everything that has to be fixed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import pulumi

T = TypeVar("T")

# Entra object ids, subscription ids, role definition GUIDs: one format, checked in one way.
GUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class ConfigError(pulumi.RunError):
    """Stack configuration that the program refuses; raised before any resource is registered.

    A `pulumi.RunError` is reported by the Pulumi CLI as a plain message without a Python traceback.
    """

    def __init__(self, stack: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"stack '{stack}' has invalid configuration; nothing was created. Fix these keys:\n{lines}")


def describe(value: object) -> str:
    """A value as it should appear in an error message."""
    if value is None:
        return "(not set)"
    return json.dumps(value) if not isinstance(value, str) else repr(value)


class ConfigReader:
    """Typed access to one project's raw config values, collecting problems as it goes."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self._raw = dict(raw)
        self._read: set[str] = set()
        self.problems: list[str] = []
        self.warnings: list[str] = []

    # -- reporting ---------------------------------------------------------------------------
    def fail(self, key: str, value: object, allowed: str) -> None:
        self.problems.append(f"{key}: {describe(value)} is not allowed; {allowed}")

    def warn(self, key: str, message: str) -> None:
        """Accepted, but something the operator must act on soon (shown by `pulumi preview` and the plan)."""
        self.warnings.append(f"{key}: {message}")

    def has(self, key: str) -> bool:
        """Whether the stack file sets `key` (without reading it)."""
        return key in self._raw

    def unread_keys(self) -> list[str]:
        return sorted(set(self._raw) - self._read)

    # -- raw access -------------------------------------------------------------------------
    def _take(self, key: str) -> str | None:
        self._read.add(key)
        return self._raw.get(key)

    def text(self, key: str) -> str | None:
        """A plain string value, or None when the key is not set."""
        return self._take(key)

    def structured(self, key: str) -> Any | None:
        """A list or object value (Pulumi passes these as JSON), or None when not set."""
        raw = self._take(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            self.fail(key, raw, "expected a YAML list or object in the stack file")
            return None

    def choice(self, key: str, allowed: Sequence[str], default: str) -> str:
        value = self.text(key)
        if value is None:
            return default
        return check_choice(self, key, value, allowed, default)


# -- checks shared by every section ----------------------------------------------------------
def check_choice(reader: ConfigReader, key: str, value: object, allowed: Sequence[str], default: str) -> str:
    if isinstance(value, str) and value in allowed:
        return value
    reader.fail(key, value, "allowed: " + ", ".join(repr(a) for a in allowed))
    return default


def check_pattern(
    reader: ConfigReader, key: str, value: object, pattern: str, min_len: int, max_len: int, rule: str
) -> bool:
    """True when `value` is a string of the right length that matches `pattern` (a full match)."""
    ok = isinstance(value, str) and min_len <= len(value) <= max_len and re.fullmatch(pattern, value) is not None
    if not ok:
        reader.fail(key, value, f"allowed: {rule} ({min_len}-{max_len} characters)")
    return ok


def check_int(reader: ConfigReader, key: str, value: object, low: int, high: int) -> int | None:
    # bool is an int in Python; a YAML `true` is never a valid number here.
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and low <= int(value) <= high:
        return int(value)
    reader.fail(key, value, f"allowed: a whole number from {low} to {high}")
    return None


def check_bool(reader: ConfigReader, key: str, value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    reader.fail(key, value, "allowed: true or false")
    return None


def check_object(reader: ConfigReader, key: str, value: object, known_fields: Sequence[str]) -> dict[str, Any]:
    """A config object with only the given fields; unknown fields are reported by their full key."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.fail(key, value, "expected an object with fields " + ", ".join(known_fields))
        return {}
    for field in value:
        if field not in known_fields:
            reader.fail(
                f"{key}.{field}", value[field], f"unknown field; known fields of {key}: " + ", ".join(known_fields)
            )
    return value


def check_list(reader: ConfigReader, key: str, value: object, max_items: int | None = None) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        reader.fail(key, value, "expected a list")
        return []
    if max_items is not None and len(value) > max_items:
        reader.fail(key, f"{len(value)} entries", f"at most {max_items} entries")
    return value


def check_unique(reader: ConfigReader, key: str, names: Sequence[str], within: str = "") -> None:
    """Each name once, compared case-insensitively; `within` says where uniqueness is required, if not obvious."""
    seen: set[str] = set()
    for name in names:
        lowered = name.lower()
        if lowered in seen:
            reader.fail(key, name, f"names must be unique{within} (compared case-insensitively)")
        seen.add(lowered)
