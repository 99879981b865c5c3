"""What the config models say, written where editors, Pulumi and readers look: from the models, never by hand.

    venv/bin/python -m offline.schema --write   # after changing a model: rewrites everything below
    venv/bin/python -m offline.schema --check   # exits 1 when a file is out of date (tests/test_schema.py does too)

- `schema/<program>.schema.json`: the JSON Schema of a stack file (`Pulumi.<stack>.yaml`), which each stack file
  names in its first line, so YAML-aware editors (the YAML language server in VS Code and others) validate and
  complete keys before any command runs;
- the `config:` block of each program's `Pulumi.yaml`: Pulumi's own declarations (type, description, default) of
  the keys Pulumi can declare (see `declarations`);
- `docs/config.md`: the config reference.
"""

from __future__ import annotations

import argparse
import ast
import functools
import inspect
import itertools
import json
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel

from bootstrap.settings import PROJECT as BOOTSTRAP_PROJECT
from bootstrap.settings import BootstrapSettings
from components.settings import PROJECT, Settings
from components.settings.core import ENVIRONMENTS
from components.settings.loading import PROVIDER_NAMESPACES
from pim.settings import PROJECT as PIM_PROJECT
from pim.settings import PimSettings

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
REFERENCE = ROOT / "docs" / "config.md"
# What Pulumi writes into a stack file besides `config` (Pulumi's ProjectStack: secrets provider, the encrypted
# data key, the passphrase salt, and ESC environments to import).
STACK_FILE_KEYS: dict[str, Any] = {
    "secretsprovider": {"type": "string", "description": "Written by `pulumi stack init --secrets-provider`."},
    "encryptedkey": {"type": "string", "description": "Written by Pulumi: the stack's data key, encrypted."},
    "encryptionsalt": {"type": "string", "description": "Written by Pulumi for the passphrase provider."},
    "environment": {"description": "Pulumi ESC environments to import.", "type": ["array", "object"]},
}
SECURE = {
    "type": "object",
    "properties": {"secure": {"type": "string"}},
    "required": ["secure"],
    "additionalProperties": False,
    "description": "A value Pulumi encrypted (`pulumi config set --secret`).",
}


DECLARATIONS_NOTE = "# The config block is generated from the config models: python -m offline.schema --write\n"


@dataclass(frozen=True)
class Program:
    name: str  # schema file stem
    project: str  # the config namespace
    model: type[BaseModel]
    directory: Path  # where its Pulumi.yaml is

    @property
    def schema_path(self) -> Path:
        return SCHEMA_DIR / f"{self.name}.schema.json"


PROGRAMS = (
    Program("stack", PROJECT, Settings, ROOT),
    Program("bootstrap", BOOTSTRAP_PROJECT, BootstrapSettings, ROOT / "bootstrap"),
    Program("pim", PIM_PROJECT, PimSettings, ROOT / "pim"),
)


def _clean(node: Any) -> Any:
    """Pydantic's schema without its titles and `null` defaults (a `null` default means "filled in")."""
    if isinstance(node, dict):
        cleaned = {k: _clean(v) for k, v in node.items() if k != "title" and not (k == "default" and v is None)}
        return cleaned
    if isinstance(node, list):
        return [_clean(item) for item in node]
    return node


@functools.cache
def field_docs(model: type[BaseModel]) -> dict[str, str]:
    """Field name -> the docstring written under the field, in `model` and the models it extends."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not issubclass(cls, BaseModel) or cls.__module__.startswith("pydantic"):
            continue
        body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
        statements = body.body if isinstance(body, ast.ClassDef) else []
        for field, after in itertools.pairwise(statements):
            text = after.value.value if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) else None
            if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name) and isinstance(text, str):
                docs[field.target.id] = " ".join(inspect.cleandoc(text).split())
    return docs


def _nested_models(model: type[BaseModel]) -> set[type[BaseModel]]:
    """`model` and every model a field of it (or of those) holds."""
    found: set[type[BaseModel]] = set()
    waiting: list[Any] = [model]
    while waiting:
        current = waiting.pop()
        if isinstance(current, type) and issubclass(current, BaseModel):
            if current not in found:
                found.add(current)
                waiting += [field.annotation for field in current.model_fields.values()]
        else:
            waiting += list(get_args(current))
    return found


def model_schema(program: Program) -> dict[str, Any]:
    """Pydantic's JSON Schema of the model, with each field's docstring as its description."""
    schema = _clean(program.model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}"))
    for cls in _nested_models(program.model):
        node = schema if cls is program.model else schema.get("$defs", {}).get(cls.__name__, {})
        for name, doc in field_docs(cls).items():
            alias = cls.model_fields[name].alias or name
            if alias in node.get("properties", {}):
                node["properties"][alias]["description"] = doc
    return schema


def stack_schema(program: Program) -> dict[str, Any]:
    """The JSON Schema of `Pulumi.<stack>.yaml`: this project's keys (each may also be a Pulumi secret), the
    providers' namespaces, and the keys Pulumi itself writes."""
    schema = model_schema(program)
    namespace = program.project + ":"
    config = {
        "type": "object",
        "properties": {
            namespace + key: {"anyOf": [value, {"$ref": "#/$defs/secure"}]}
            for key, value in schema["properties"].items()
        },
        "required": [namespace + key for key in schema.get("required", [])],
        "patternProperties": {f"^(?:{'|'.join(PROVIDER_NAMESPACES)}):": {}},
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://foundry-platform.invalid/schema/{program.name}.schema.json",
        "title": f"Pulumi.<stack>.yaml of {program.project}",
        "description": f"Generated from {program.model.__module__}.{program.model.__name__} by `python -m offline.schema --write`.",
        "type": "object",
        "properties": {"config": config, **STACK_FILE_KEYS},
        "additionalProperties": False,
        "$defs": {**schema.get("$defs", {}), "secure": SECURE},
    }


# -- Pulumi.yaml: the keys Pulumi can declare ------------------------------------------------------------------------
def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A property with its `$ref` followed and an optional (`anyOf` with null) reduced to the type."""
    if "$ref" in node:
        node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    options = [option for option in node.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        node = {**_resolve(options[0], defs), **{k: v for k, v in node.items() if k != "anyOf"}}
    return node


def _pulumi_type(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any] | None:
    node = _resolve(node, defs)
    kind = node.get("type") or ("string" if "enum" in node else None)
    if kind in ("string", "integer", "boolean", "object"):
        return {"type": kind}
    if kind == "array":
        items = _pulumi_type(node.get("items", {}), defs)
        return {"type": "array", "items": items} if items else None
    return None


def declarations(program: Program) -> dict[str, Any]:
    """Pulumi.yaml's `config:` block. Pulumi requires every declared key that has no default, so only two kinds
    are declared: required keys, and keys whose default is the same in every environment. The others (defaults
    that depend on the environment or on other keys) would need a per-stack default, which Pulumi does not have;
    the program and the JSON Schema cover them."""
    schema = model_schema(program)
    defs = schema.get("$defs", {})
    block: dict[str, Any] = {}
    for key, node in schema["properties"].items():
        resolved = _resolve(node, defs)
        required = key in schema.get("required", [])
        if not required and ("default" not in node or "x-default-by-environment" in resolved):
            continue
        declared = _pulumi_type(node, defs)
        if declared is None:
            continue
        declared["description"] = " ".join((node.get("description") or resolved.get("description", "")).split())
        if not required:
            declared["default"] = node["default"]
        block[key] = declared
    return block


# -- docs/config.md --------------------------------------------------------------------------------------------------
def _allowed(node: dict[str, Any], defs: dict[str, Any]) -> str:
    options = [option for option in node.get("anyOf", []) if option.get("type") != "null"]
    if options:
        return " or ".join(_allowed(_resolve(option, defs), defs) for option in options)
    if "enum" in node:
        return ", ".join(f"`{value}`" for value in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    kind = node.get("type")
    if kind == "integer":
        return f"{node.get('minimum', '')} to {node.get('maximum', '')}"
    if kind == "boolean":
        return "`true`, `false`"
    if kind == "string" and "x-allowed" in node:
        return f"{node['x-allowed']} ({node.get('minLength')}-{node.get('maxLength')} characters)"
    if kind == "array":
        return "a list" + (f" of up to {node['maxItems']}" if "maxItems" in node else "")
    if kind == "object":
        return "an object" + (" with " + ", ".join(node["properties"]) if "properties" in node else "")
    return kind or "see description"


def _default(node: dict[str, Any], resolved: dict[str, Any]) -> str:
    by_environment = resolved.get("x-default-by-environment") or node.get("x-default-by-environment")
    if by_environment:
        return ", ".join(f"{env}: `{json.dumps(by_environment[env])}`" for env in ENVIRONMENTS)
    if "default" in node:
        value = node["default"]
        return "none" if value in ([], {}) else f"`{json.dumps(value)}`"
    return ""


def _rows(schema: dict[str, Any], defs: dict[str, Any], prefix: str) -> Iterator[tuple[str, str, str, str]]:
    required = set(schema.get("required", []))
    for key, node in schema.get("properties", {}).items():
        resolved = _resolve(node, defs)
        path = prefix + key
        description = " ".join((node.get("description") or resolved.get("description", "")).split())
        default = "required" if key in required else _default(node, resolved)
        yield path, _allowed(resolved, defs), default, description
        if "properties" in resolved:
            yield from _rows(resolved, defs, path + ".")
        items = _resolve(resolved.get("items", {}), defs) if resolved.get("type") == "array" else {}
        if "properties" in items:
            yield from _rows(items, defs, path + "[].")


def reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from the config models (`components/settings/`, `bootstrap/settings.py`, `pim/settings.py`) by",
        "`python -m offline.schema --write`; `tests/test_schema.py` fails when it is out of date. Each program checks",
        "every key before it declares anything and reports every problem at once: the key, the value (never a",
        "secret's) and what is allowed. Unknown keys, and keys under a namespace no program reads, are errors.",
    ]
    for program in PROGRAMS:
        schema = model_schema(program)
        lines += [
            "",
            f"## `{program.project}:` ({program.directory.relative_to(ROOT) / 'Pulumi.<stack>.yaml'})",
            "",
            "| Key | Allowed | Default | What it is |",
            "|---|---|---|---|",
        ]
        for key, allowed, default, description in _rows(schema, schema.get("$defs", {}), ""):
            cells = (f"`{key}`", allowed, default, description)
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


# -- writing and checking ---------------------------------------------------------------------------------------------
def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _with_declarations(program: Program) -> str:
    """The program's Pulumi.yaml with its `config:` block replaced by the generated one (the block comes last)."""
    text = (program.directory / "Pulumi.yaml").read_text()
    head = text.split(DECLARATIONS_NOTE, 1)[0].split("\nconfig:\n", 1)[0].rstrip("\n") + "\n"
    block = yaml.safe_dump({"config": declarations(program)}, sort_keys=False, width=120, allow_unicode=True)
    return head + DECLARATIONS_NOTE + block


def expected_files() -> dict[Path, str]:
    files = {program.schema_path: _json(stack_schema(program)) for program in PROGRAMS}
    files |= {program.directory / "Pulumi.yaml": _with_declarations(program) for program in PROGRAMS}
    files[REFERENCE] = reference()
    return files


def stale_files() -> list[Path]:
    return [path for path, text in expected_files().items() if not path.exists() or path.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check the files generated from the config models.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="rewrite the generated files")
    action.add_argument("--check", action="store_true", help="exit 1 when a generated file is out of date")
    args = parser.parse_args(argv)
    if args.write:
        for path, text in expected_files().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return 0
    stale = stale_files()
    for path in stale:
        print(f"out of date: {path.relative_to(ROOT)} (run `python -m offline.schema --write`)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
