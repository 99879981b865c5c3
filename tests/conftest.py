"""Shared fixtures of the example tests: each example stack file rendered once under mocks, reused by every module.

Two kinds of tests:
- `tests/invariants/`: what must hold for *any* valid configuration (security, ordering, naming), run against every
  stack file of the project, expectations derived from each stack's own settings. An adopter's edits keep them
  green; a security regression turns them red (`python -m tests.adoption` proves both on a copy of the project).
- everything else: fixed example configurations, read from `tests/examples/stacks/` (copies of the sample stack
  files, plus a fourth stack), never from the project's own stack files.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from components import clock
from components.settings import Settings
from offline.render import (
    BOOTSTRAP_DIR,
    BOOTSTRAP_PROJECT,
    Rendering,
    remembering,
    render,
    render_pim_phase,
    stack_files,
)
from offline.report import Environment, StackReport, build_report
from offline.siblings import project_settings, stack_settings

EXAMPLES = Path(__file__).resolve().parent / "examples" / "stacks"
# The example stacks most tests use; the examples also hold `sandbox`, a fourth stack (another instance of dev).
STACKS = ("dev", "staging", "prod")
# The day the model catalogue was last checked against Microsoft's retirement schedule. Tests run as of this day
# so they give the same answer later; `.ci/run` renders the plan as of the real date, which catches a retirement.
CATALOGUE_CHECKED = date(2026, 11, 28)


@pytest.fixture(scope="session", autouse=True)
def as_of_catalogue_check() -> Iterator[None]:
    with clock.pinned(CATALOGUE_CHECKED):
        yield


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan output as in a CI log, whatever terminal runs the tests (tests of wrapping give their own width)."""
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture(scope="session", autouse=True)
def remembered_renders() -> Iterator[None]:
    """A configuration already rendered in this test process is answered from memory (a copy): many tests, and the
    invariant tests on stack files identical to the examples, render the same thing. Tests of rendering itself (the
    same input gives the same names, a patched program fails) render afresh with `remembering(False)`."""
    with remembering():
        yield


@pytest.fixture(scope="session", autouse=True)
def example_stack_files() -> Iterator[None]:
    """Every render reads the example stack files, unless a test says otherwise (tests/invariants reads the
    project's): no example test can depend on the project's own stack files, whatever scope its fixtures have."""
    with stack_files(EXAMPLES):
        yield


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendering]:
    with stack_files(EXAMPLES):
        return {stack: render(stack) for stack in STACKS}


def render_bootstrap(stack: str, overrides: dict[str, object] | None = None) -> Rendering:
    return render(stack, overrides=overrides, project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT)


@pytest.fixture(scope="session")
def bootstrapped() -> dict[str, Rendering]:
    with stack_files(EXAMPLES):
        return {stack: render_bootstrap(stack) for stack in STACKS}


@pytest.fixture(scope="session")
def environments(rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]) -> dict[str, Environment]:
    """Each stack with its PIM phase (prod: the eligibility) and its bootstrap, as the plan renders it."""
    with stack_files(EXAMPLES):
        return {
            stack: Environment(main, render_pim_phase(main), bootstrapped[stack], project_settings(stack))
            for stack, main in rendered.items()
        }


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest, rendered: dict[str, Rendering]) -> Rendering:
    """Parametrises a test over the three real stacks."""
    return rendered[request.param]


def settings_of(stack: str) -> Settings:
    """The validated settings of a stack file, for tests that derive what they expect from the configuration."""
    return stack_settings(stack)


@pytest.fixture(scope="session")
def reports(environments: dict[str, Environment]) -> dict[str, StackReport]:
    """Each example stack's report, built once for the session: what `offline.plan --stack <stack>` prints."""
    return {stack: build_report(environment) for stack, environment in environments.items()}
