"""Pulumi's rules for `Pulumi.yaml`, restated for the parts this repository uses, since the CLI that enforces them
cannot run here.

Sources (pulumi/pulumi, read at 1b5949891b3c, 3.259):
- `sdk/go/common/workspace/project.json` (the project schema the CLI embeds; last changed in 280839534c90): the
  JSON Schema below restates its `name`, `description`, `runtime` and `config` parts;
- `Project.Validate` in `sdk/go/common/workspace/project.go`: the rules it leaves to code (`code_rules`);
- `parseOptions` in `sdk/python/cmd/pulumi-language-python/main.go`: the Python runtime's options.
"""

from __future__ import annotations

from typing import Any

CONFIG_TYPES = ["string", "integer", "boolean", "array", "object"]
PYTHON_TOOLCHAINS = ("pip", "poetry", "uv")

PROJECT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": ["string", "null"]},
        "runtime": {
            "oneOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "properties": {"name": {"type": "string", "minLength": 1}, "options": {"type": "object"}},
                    "additionalProperties": False,
                },
            ]
        },
        "config": {
            "type": ["object", "string", "null"],
            "properties": {"secret": {"type": "boolean"}},
            # A shorthand value (string, whole number, flag or list), or a declaration; never a bare map or a float.
            "additionalProperties": {
                "oneOf": [
                    {"type": "string"},
                    {"type": "integer"},
                    {"type": "boolean"},
                    {"type": "array"},
                    {"$ref": "#/$defs/declaration"},
                ]
            },
        },
    },
    "$defs": {
        "declaration": {
            "type": "object",
            "properties": {
                "type": {"enum": CONFIG_TYPES},
                "items": {"$ref": "#/$defs/items"},
                "description": {"type": "string"},
                "secret": {"type": "boolean"},
                "default": {},
                "value": {},
            },
            "additionalProperties": False,
        },
        "items": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": CONFIG_TYPES}, "items": {"$ref": "#/$defs/items"}},
            "if": {"properties": {"type": {"const": "array"}}},
            "then": {"required": ["items"]},
        },
    },
}

_MATCHES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def code_rules(project: dict[str, Any]) -> list[str]:
    """What `Project.Validate` and the Python language host refuse beyond the schema."""
    problems: list[str] = []
    name = project.get("name", "")
    for key, declaration in (project.get("config") or {}).items():
        if not isinstance(declaration, dict):
            continue
        own = ":" not in key or key.startswith(f"{name}:")
        if "default" in declaration and "value" in declaration:
            problems.append(f"project config '{key}' cannot have both a 'default' and 'value' attribute")
        if not own and ("type" in declaration or "default" in declaration or "value" not in declaration):
            problems.append(f"'{key}' is not namespaced by the project: only 'value' is allowed")
        kind = declaration.get("type")
        if own and kind == "array" and "items" not in declaration:
            problems.append(f"'{key}' declares an array but not its items")
        if kind and "default" in declaration and not _MATCHES[kind](declaration["default"]):
            problems.append(f"the default of '{key}' is not of the expected type '{kind}'")
    runtime = project.get("runtime")
    options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
    if options.get("toolchain", "pip") not in PYTHON_TOOLCHAINS:
        problems.append(f"unsupported toolchain option: {options['toolchain']}")
    if not isinstance(options.get("virtualenv", ""), str):
        problems.append("virtualenv option must be a string")
    return problems
