"""The bootstrap's stack files, rendered once per session (`bootstrapped`, in the top-level conftest)."""

from __future__ import annotations

import pytest

from bootstrap.settings import BootstrapSettings
from offline.render import Rendering
from offline.siblings import bootstrap_settings
from tests.conftest import STACKS, render_bootstrap

__all__ = ["bootstrap_settings_of", "render_bootstrap"]


@pytest.fixture(params=STACKS)
def boot(request: pytest.FixtureRequest, bootstrapped: dict[str, Rendering]) -> Rendering:
    return bootstrapped[request.param]


def bootstrap_settings_of(stack: str) -> BootstrapSettings:
    """The validated settings of a bootstrap stack file, for tests that derive what they expect from it."""
    settings = bootstrap_settings(stack)
    assert settings is not None, f"no bootstrap stack file for {stack}"
    return settings
