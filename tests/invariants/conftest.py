"""The project's own stack files, every one present: what the invariant tests judge (see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bootstrap.settings import BootstrapSettings
from components.settings import Settings
from offline.plan import render_environment
from offline.render import PROJECT_DIR, stack_files, stack_names
from offline.report import Environment
from offline.siblings import bootstrap_settings, stack_settings

with stack_files(PROJECT_DIR):
    STACK_NAMES = stack_names()


@pytest.fixture(scope="module", autouse=True)
def project_stack_files() -> Iterator[None]:
    """The invariant tests judge the project's own stack files (the other tests read tests/examples/stacks)."""
    with stack_files(PROJECT_DIR):
        yield


@dataclass(frozen=True)
class Stack:
    """One stack file of the project: its settings, its bootstrap's, and its renderings (main, PIM, bootstrap)."""

    name: str
    settings: Settings
    bootstrap: BootstrapSettings | None
    environment: Environment


@pytest.fixture(scope="session")
def project_stacks() -> dict[str, Stack]:
    with stack_files(PROJECT_DIR):
        return {
            name: Stack(name, stack_settings(name), bootstrap_settings(name), render_environment(name))
            for name in STACK_NAMES
        }


@pytest.fixture(params=STACK_NAMES)
def stack(request: pytest.FixtureRequest, project_stacks: dict[str, Stack]) -> Stack:
    """Parametrises a test over every stack file of the project."""
    return project_stacks[request.param]
