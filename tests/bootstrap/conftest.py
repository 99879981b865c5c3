"""The bootstrap's stack files, rendered once per session (`bootstrapped`, in the top-level conftest)."""

from __future__ import annotations

import pytest

from offline.render import Rendering
from tests.conftest import STACKS, render_bootstrap

__all__ = ["render_bootstrap"]


@pytest.fixture(params=STACKS)
def boot(request: pytest.FixtureRequest, bootstrapped: dict[str, Rendering]) -> Rendering:
    return bootstrapped[request.param]
