"""Shared fixtures: each real stack file rendered once under mocks, reused by every test module."""

from __future__ import annotations

import pytest

from components.settings import Settings, parse_settings
from offline.render import PROJECT_NAME, Rendering, render, stack_config

STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendering]:
    return {stack: render(stack) for stack in STACKS}


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest, rendered: dict[str, Rendering]) -> Rendering:
    """Parametrises a test over the three real stacks."""
    return rendered[request.param]


def settings_of(stack: str) -> Settings:
    """The validated settings of a stack file, for tests that derive what they expect from the configuration."""
    namespace = PROJECT_NAME + ":"
    raw = {key[len(namespace) :]: value for key, value in stack_config(stack).items() if key.startswith(namespace)}
    return parse_settings(raw, stack)
