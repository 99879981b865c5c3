"""The stack files' JSON Schema, Pulumi.yaml's config declarations and docs/config.md all come from the config
models: in sync, valid for every real stack file, and refusing what the programs refuse."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from components.settings.loading import parse
from offline import stackfile
from offline.schema import PROGRAMS, ROOT, Program, declarations, stack_schema, stale_files
from tests.conftest import EXAMPLES
from tests.pulumi_project import PROJECT_SCHEMA, code_rules

# The example stack files (the project's own are judged by tests/invariants/test_stack_files.py).
STACK_FILES = [
    (program, path)
    for program in PROGRAMS
    for path in sorted((EXAMPLES / program.directory.relative_to(ROOT)).glob("Pulumi.*.yaml"))
]
MAIN = PROGRAMS[0]


def schema_errors(program: Program, document: Any) -> list[str]:
    validator = Draft202012Validator(stack_schema(program))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_generated_files_are_up_to_date() -> None:
    assert stale_files() == [], "run `python -m offline.schema --write` and commit the result"


def test_the_schema_is_a_valid_json_schema() -> None:
    for program in PROGRAMS:
        Draft202012Validator.check_schema(stack_schema(program))


@pytest.mark.parametrize(("program", "path"), STACK_FILES, ids=[f"{p.name}:{f.name}" for p, f in STACK_FILES])
def test_every_stack_file_names_its_schema_and_meets_it(program: Program, path: Path) -> None:
    relative = os.path.relpath(program.schema_path, path.parent)
    assert path.read_text().splitlines()[0] == f"# yaml-language-server: $schema={relative}"
    assert schema_errors(program, stackfile.read(path)) == []


def main_stack() -> dict[str, Any]:
    return stackfile.read(EXAMPLES / "Pulumi.prod.yaml")


def config_with(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for key, value in changes.items():
            if value is None:
                document["config"].pop(key.replace("__", ":"), None)
            else:
                document["config"][key.replace("__", ":")] = value

    return change


# What a stack file may hold besides this project's plain keys: what Pulumi writes, and the providers' keys.
WRITTEN_BY_PULUMI = {
    "a secrets provider and its key": lambda d: d.update(
        secretsprovider="azurekeyvault://kv/keys/k", encryptedkey="AbC="
    ),
    "an encrypted value": config_with(**{"foundry-platform__deployerObjectId": {"secure": "v1:c2VjcmV0"}}),
    "ESC environments": lambda d: d.update(environment=["platform/prod"]),
    "a provider's key": config_with(**{"azure-native__location": "swedencentral"}),
}
REFUSED = {
    "a misspelled namespace": config_with(**{"foundry-platfrom__namePrefix": "fndry"}),
    "an unknown key": config_with(**{"foundry-platform__namePrefx": "fndry"}),
    "a value outside the choices": config_with(**{"foundry-platform__networkAccess": "vpn"}),
    "a word for a number": config_with(**{"foundry-platform__modelCapacity": "lots"}),
    "a name against its pattern": config_with(**{"foundry-platform__namePrefix": "Contoso"}),
    "a required key missing": config_with(**{"foundry-platform__namePrefix": None}),
    "an unknown field": config_with(**{"foundry-platform__github": {"owner": "c", "repository": "r", "org": "c"}}),
    "a bad item in a list": config_with(**{"foundry-platform__projects": [{"name": "Agents"}]}),
    "an unknown top-level key": lambda d: d.update(configuration={}),
    "a nested enum": config_with(**{"foundry-platform__guardrails": {"hate": "Off"}}),
}


@pytest.mark.parametrize("change", WRITTEN_BY_PULUMI.values(), ids=list(WRITTEN_BY_PULUMI))
def test_what_pulumi_writes_into_a_stack_file_stays_valid(change: Callable[[dict[str, Any]], None]) -> None:
    document = main_stack()
    change(document)
    assert schema_errors(MAIN, document) == []


@pytest.mark.parametrize("change", REFUSED.values(), ids=list(REFUSED))
def test_the_schema_refuses_a_bad_stack_file(change: Callable[[dict[str, Any]], None]) -> None:
    document = main_stack()
    assert schema_errors(MAIN, document) == []
    change(document)
    assert schema_errors(MAIN, document) != []


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_pulumi_yaml_follows_pulumis_project_rules(program: Program) -> None:
    project = yaml.safe_load((program.directory / "Pulumi.yaml").read_text())
    assert list(Draft202012Validator(PROJECT_SCHEMA).iter_errors(project)) == []
    assert code_rules(project) == []
    assert project["config"] == declarations(program)


BAD_PROJECTS: dict[str, dict[str, Any]] = {
    "a type Pulumi does not have": {"config": {"size": {"type": "number"}}},
    "a float shorthand": {"config": {"ratio": 1.5}},
    "a declaration field Pulumi does not have": {"config": {"size": {"type": "integer", "required": True}}},
    "a bare map": {"config": {"azure-native:features": {"x": 1}}},
    "an array without items": {"config": {"zones": {"type": "array"}}},
    "a default of another type": {"config": {"size": {"type": "integer", "default": "ten"}}},
    "a provider key with a default": {"config": {"azure-native:location": {"default": "westeurope"}}},
    "an unknown toolchain": {"runtime": {"name": "python", "options": {"toolchain": "conda"}}},
}


@pytest.mark.parametrize("change", BAD_PROJECTS.values(), ids=list(BAD_PROJECTS))
def test_the_project_rules_refuse_what_pulumi_refuses(change: dict[str, Any]) -> None:
    project = {"name": "p", "runtime": "python", **copy.deepcopy(change)}
    schema_problems = list(Draft202012Validator(PROJECT_SCHEMA).iter_errors(project))
    assert schema_problems or code_rules(project)


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_defaults_pulumi_injects_change_nothing(program: Program) -> None:
    """Pulumi passes a declared default to the program as if the stack set it: the outcome must be the same."""
    stack = next(path for p, path in STACK_FILES if p is program)
    config = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in stackfile.read(stack)["config"].items()
    }
    name = stack.name.split(".")[1]
    with_defaults = {
        f"{program.project}:{k}": json.dumps(d["default"]) if not isinstance(d["default"], str) else d["default"]
        for k, d in declarations(program).items()
        if "default" in d
    }
    plain, _ = parse(program.model, program.project, config, name)
    injected, _ = parse(program.model, program.project, {**with_defaults, **config}, name)
    assert injected == plain


def test_an_unquoted_date_is_text_to_the_schema_as_to_the_pulumi_cli(tmp_path: Path) -> None:
    # Editors' YAML language server and the Pulumi CLI both read YAML 1.2: `2026-07-09` unquoted is a string.
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text(
        (EXAMPLES / "Pulumi.dev.yaml").read_text()
        + "  foundry-platform:modelDeployments:\n"
        + "    - name: router\n      model: {name: gpt-5.6-luna, version: 2026-07-09}\n"
    )
    (main,) = (p for p in PROGRAMS if p.name == "stack")
    document = stackfile.read(stack)
    assert document["config"]["foundry-platform:modelDeployments"][0]["model"]["version"] == "2026-07-09"
    assert schema_errors(main, document) == []
