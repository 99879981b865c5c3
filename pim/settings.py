"""The PIM phase's configuration (namespace `foundry-platform-pim:`): which environment, where its main stack is,
and the eligibility window. Same rules as the other projects: every problem at once, nothing created."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pulumi

from components import clock
from components.access import eligible_grants
from components.settings import core, project_config
from components.settings.access import EligibilityWindow, parse_eligibility
from components.settings.model import EnvironmentName
from components.settings.reader import ConfigError, ConfigReader, check_pattern

PROJECT = "foundry-platform-pim"
MAIN_PROJECT = "foundry-platform"
STACK_REFERENCE_RULE = "organization/<project>/<stack> (a DIY backend) or <organization>/<project>/<stack>"


@dataclass(frozen=True)
class PimSettings:
    stack: str
    environment: EnvironmentName
    main_stack: str  # the fully qualified name of the main program's stack in the same backend
    window: EligibilityWindow
    warnings: tuple[str, ...] = ()


def main_stack_reference(stack: str) -> str:
    """How a project in the same DIY backend names the main program's stack: `organization/<project>/<stack>`."""
    return f"organization/{MAIN_PROJECT}/{stack}"


def parse_pim_settings(raw: Mapping[str, str], stack: str, today: date | None = None) -> PimSettings:
    reader = ConfigReader(raw)
    environment = core.parse_environment(reader, stack)
    if not eligible_grants(environment):
        reader.fail(
            "environment",
            environment,
            "the role model has no PIM-eligible grant in this environment, so the PIM phase has nothing to make",
        )
    main_stack = reader.text("mainStack") or main_stack_reference(stack)
    check_pattern(reader, "mainStack", main_stack, r"[\w.-]+/[\w.-]+/[\w.-]+", 5, 300, STACK_REFERENCE_RULE)
    window = parse_eligibility(reader, today or clock.today())
    for key in reader.unread_keys():
        reader.fail(key, raw[key], f"unknown key for project '{PROJECT}' (check its spelling against the README)")
    if reader.problems or window is None:
        raise ConfigError(stack, reader.problems)
    return PimSettings(stack, environment, main_stack, window, tuple(reader.warnings))


def load_pim_settings() -> PimSettings:
    settings = parse_pim_settings(project_config(PROJECT), pulumi.get_stack())
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    return settings
