"""Shared fixtures: each real stack file rendered once under mocks, reused by every test module."""

from __future__ import annotations

import pytest

from offline.render import Rendering, render

STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendering]:
    return {stack: render(stack) for stack in STACKS}


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest, rendered: dict[str, Rendering]) -> Rendering:
    """Parametrises a test over the three real stacks."""
    return rendered[request.param]
