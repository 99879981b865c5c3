"""One check shared by every bad-config test: the render fails on config, names the key, and declares nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from components.settings import ConfigError
from offline.render import RenderError, Rendering
from offline.report import Environment, build_report


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


def plan_findings(main: Rendering, bootstrap: Rendering) -> list[str]:
    """Everything the offline plan would fail a stack on: policy violations, identities lacking rights (against the
    bootstrap's deployer), and what the replacement rehearsal finds Azure refusing. Empty: the plan passes."""
    report = build_report(Environment(main, None, bootstrap))
    return [
        *(f"{v.policy}: {v.message}" for v in report.violations),
        *(f"rights: {r}" for r in report.rights_missing),
        *report.blocked,
    ]
