"""Stack files read the way the Pulumi CLI reads them, so that the offline program sees what `pulumi up` would.

The CLI parses YAML with Go's yaml.v3, which follows YAML 1.2's core schema: `2025-08-07`, `yes`, `off` and
`1:20` are strings there. PyYAML's defaults follow YAML 1.1 and would turn them into a date, two flags and a
number, so an unquoted model version would reach the program as a date it never gets from Pulumi. Then the CLI
passes each value to the program as the engine does: plain values as they are written, lists and objects as JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml


class CliLoader(yaml.SafeLoader):
    """PyYAML with YAML 1.2's core schema for plain scalars (null, bool, int, float; everything else a string)."""


CliLoader.yaml_implicit_resolvers = {}
for tag, pattern, first in (
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
):
    CliLoader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern), first)


def read(path: Path) -> dict[str, Any]:
    """A stack file's document (`config`, `secretsprovider`, ...), its scalars as the CLI reads them."""
    return yaml.load(path.read_text(), Loader=CliLoader) or {}


def engine_values(path: Path) -> dict[str, str]:
    """A stack file's config as the engine passes it to the program: namespaced keys, JSON for lists and objects."""
    config = read(path).get("config") or {}
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
