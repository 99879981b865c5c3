"""Typed stack configuration: the one place where config keys are read, defaulted and validated.

The models (one module per concern) say what each key takes; `loading` turns the engine's config into them.
`load_settings()` reads the running stack's configuration; `parse_settings()` does the same from a plain
mapping of this project's keys, which is what the tests use. Either raises `ConfigError` listing every bad key
before the program declares a single resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from components.settings.base import ConfigError
from components.settings.loading import load, parse
from components.settings.stack import MOVED_KEYS, PROJECT, Placement, Settings

__all__ = ["PROJECT", "ConfigError", "Placement", "Settings", "load_settings", "parse_settings"]


def parse_settings(
    raw: Mapping[str, str], stack: str, today: date | None = None, secret_keys: Iterable[str] = ()
) -> Settings:
    """Validate `raw` (this project's keys without the namespace -> value as the engine passes it) for `stack`."""
    config = {f"{PROJECT}:{key}": value for key, value in raw.items()}
    return parse(Settings, PROJECT, config, stack, today, secret_keys, MOVED_KEYS)[0]


def load_settings() -> Settings:
    return load(Settings, PROJECT, MOVED_KEYS)
