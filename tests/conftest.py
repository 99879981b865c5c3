"""Shared fixtures: each real stack file rendered once under mocks, reused by every test module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from components import clock
from components.settings import Settings
from offline.render import (
    BOOTSTRAP_DIR,
    BOOTSTRAP_PROJECT,
    Rendering,
    render,
    render_pim_phase,
)
from offline.report import Environment
from offline.siblings import stack_settings

STACKS = ("dev", "staging", "prod")
# The day the model catalogue was last checked against Microsoft's retirement schedule. Tests run as of this day
# so they give the same answer later; `.ci/run` renders the plan as of the real date, which catches a retirement.
CATALOGUE_CHECKED = date(2026, 11, 28)


@pytest.fixture(scope="session", autouse=True)
def as_of_catalogue_check() -> Iterator[None]:
    with clock.pinned(CATALOGUE_CHECKED):
        yield


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendering]:
    return {stack: render(stack) for stack in STACKS}


def render_bootstrap(stack: str, overrides: dict[str, object] | None = None) -> Rendering:
    return render(stack, overrides=overrides, project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT)


@pytest.fixture(scope="session")
def bootstrapped() -> dict[str, Rendering]:
    return {stack: render_bootstrap(stack) for stack in STACKS}


@pytest.fixture(scope="session")
def environments(rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]) -> dict[str, Environment]:
    """Each stack with its PIM phase (prod: the eligibility) and its bootstrap, as the plan renders it."""
    return {stack: Environment(main, render_pim_phase(main), bootstrapped[stack]) for stack, main in rendered.items()}


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest, rendered: dict[str, Rendering]) -> Rendering:
    """Parametrises a test over the three real stacks."""
    return rendered[request.param]


def settings_of(stack: str) -> Settings:
    """The validated settings of a stack file, for tests that derive what they expect from the configuration."""
    return stack_settings(stack)
