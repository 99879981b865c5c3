"""The bootstrap's three stack files rendered once under mocks, plus the main program's renderings."""

from __future__ import annotations

import pytest

from offline.render import BOOTSTRAP_DIR, BOOTSTRAP_PROJECT, Rendering, render

STACKS = ("dev", "staging", "prod")


def render_bootstrap(stack: str, overrides: dict[str, object] | None = None) -> Rendering:
    return render(stack, overrides=overrides, project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT)


@pytest.fixture(scope="session")
def bootstrapped() -> dict[str, Rendering]:
    return {stack: render_bootstrap(stack) for stack in STACKS}


@pytest.fixture(params=STACKS)
def boot(request: pytest.FixtureRequest, bootstrapped: dict[str, Rendering]) -> Rendering:
    return bootstrapped[request.param]
