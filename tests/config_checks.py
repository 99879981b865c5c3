"""One check shared by every bad-config test: the render fails on config, names the key, and declares nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from components.settings import ConfigError
from offline.render import RenderError


def refused_config_problem(render_program: Callable[[], object], key: str) -> str:
    """Run a render that must be refused; return the problem that names `key` (its value and what is allowed)."""
    with pytest.raises(RenderError) as failure:
        render_program()
    cause = failure.value.cause
    assert isinstance(cause, ConfigError), repr(cause)
    assert failure.value.registrations == [], "resources were registered before the config was refused"
    problem = next((p for p in cause.problems if p.startswith(f"{key}:")), None)
    assert problem is not None, cause.problems
    return problem
