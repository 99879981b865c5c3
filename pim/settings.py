"""The PIM phase's stack file (`pim/Pulumi.<stack>.yaml`, namespace `foundry-platform-pim:`): which environment,
where its main stack is, and the eligibility window. Same rules as the other projects: every problem at once."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ValidationInfo, field_validator

from components.access import eligible_grants
from components.settings.access import EligibilityWindow
from components.settings.base import Pattern, context, filled_in, refuse
from components.settings.core import EnvironmentBound, EnvironmentName
from components.settings.loading import load

PROJECT = "foundry-platform-pim"
MAIN_PROJECT = "foundry-platform"
STACK_REFERENCE_RULE = "organization/<project>/<stack> (a DIY backend) or <organization>/<project>/<stack>"


def main_stack_reference(stack: str) -> str:
    """How a project in the same DIY backend names the main program's stack: `organization/<project>/<stack>`."""
    return f"organization/{MAIN_PROJECT}/{stack}"


class PimSettings(EnvironmentBound):
    """The eligible grants of one environment, made by an administrator after the main stack's first deploy."""

    main_stack: Annotated[str, Pattern(r"[\w.-]+/[\w.-]+/[\w.-]+", 5, 300, STACK_REFERENCE_RULE)] = filled_in()
    """The main program's stack, fully qualified; default `organization/foundry-platform/<this stack's name>`."""
    platform_admin_eligibility: EligibilityWindow
    """The window PIM grants the eligibility for: {justification, startsOn, expiresOn}."""

    @field_validator("environment", mode="after")
    @classmethod
    def _has_eligible_grants(cls, environment: EnvironmentName) -> EnvironmentName:
        if not eligible_grants(environment):
            refuse(
                "the role model has no PIM-eligible grant in this environment, so the PIM phase has nothing to make",
                value=environment,
            )
        return environment

    @field_validator("main_stack", mode="before")
    @classmethod
    def _same_stack_name(cls, value: Any, info: ValidationInfo) -> Any:
        return value or main_stack_reference(context(info).stack)

    @property
    def window(self) -> EligibilityWindow:
        return self.platform_admin_eligibility


def load_pim_settings() -> PimSettings:
    return load(PimSettings, PROJECT)
