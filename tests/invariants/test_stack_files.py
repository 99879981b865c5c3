"""Every stack file of the project: valid for its schema, sharing nothing with another environment, agreeing with its
bootstrap, and taking no name that Azure gives out once."""

from __future__ import annotations

import os

from jsonschema import Draft202012Validator

from offline import stackfile
from offline.azure_rules import check_global_names
from offline.render import stack_file
from offline.schema import PROGRAMS, stack_schema
from offline.siblings import agreement_problems, sibling_problems
from tests.invariants.conftest import Stack


def test_every_stack_file_names_its_schema_and_meets_it() -> None:
    for program in PROGRAMS:
        for path in sorted(program.directory.glob("Pulumi.*.yaml")):
            if path.name == "Pulumi.yaml":
                continue
            relative = os.path.relpath(program.schema_path, path.parent)
            assert path.read_text().splitlines()[0] == f"# yaml-language-server: $schema={relative}", path
            errors = list(Draft202012Validator(stack_schema(program)).iter_errors(stackfile.read(path)))
            assert errors == [], (path, [e.message for e in errors])


def test_no_two_stacks_share_what_environments_may_not(project_stacks: dict[str, Stack]) -> None:
    assert sibling_problems({name: s.settings for name, s in project_stacks.items()}) == []
    renderings = {f"stack {name}": s.environment.main for name, s in project_stacks.items()}
    renderings |= {
        f"bootstrap {n}": s.environment.bootstrap for n, s in project_stacks.items() if s.environment.bootstrap
    }
    assert check_global_names(renderings) == []


def test_each_stack_agrees_with_its_bootstrap(stack: Stack) -> None:
    if stack.bootstrap is None:
        assert not stack_file(stack.name, stack_file(stack.name).parent / "bootstrap").exists()
        return
    assert agreement_problems(stack.settings, stack.bootstrap) == []
