"""The PIM phase's stack file (`pim/Pulumi.<stack>.yaml`, namespace `foundry-platform-pim:`): which environment,
where its main stack is, and the eligibility window. Same rules as the other projects: every problem at once."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.access import eligible_grants
from components.catalogue.locks import DEFAULT_PROD_LOCKS, LockTarget
from components.settings.base import (
    ByEnvironment,
    ConfigModel,
    Flag,
    Pattern,
    Timestamp,
    context,
    filled_in,
    parse_utc,
    refuse,
    warn,
)
from components.settings.core import EnvironmentBound
from components.settings.loading import load
from pim import main_stack_reference

PROJECT = "foundry-platform-pim"
STACK_REFERENCE_RULE = "organization/<project>/<stack> (a DIY backend) or <organization>/<project>/<stack>"


# PIM's default policy for Azure resource roles requires eligibilities to expire, at most 365 days after they start.
MAX_ELIGIBILITY_DAYS = 365
# Warn this many days before an eligibility ends: time to renew it (PIM sends no reminder for Azure roles here).
ELIGIBILITY_WARNING_DAYS = 30


class EligibilityWindow(ConfigModel):
    """When platform admins may activate Foundry Account Owner in prod, and why (the PIM phase's key)."""

    justification: Annotated[str, Field(min_length=10)]
    """Why the eligibility exists (at least 10 characters); PIM records it."""
    starts_on: Timestamp
    """When the eligibility starts; in the past is fine. Written in UTC whatever zone is given."""
    expires_on: Timestamp
    """When it ends: after startsOn, at most 365 days later, and not already over."""

    @model_validator(mode="after")
    def _within_policy(self, info: ValidationInfo) -> EligibilityWindow:
        start, end = parse_utc(self.starts_on), parse_utc(self.expires_on)
        today: date = context(info).today
        if not (start < end and (end - start).total_seconds() <= MAX_ELIGIBILITY_DAYS * 86400):
            refuse(
                f"after startsOn and at most {MAX_ELIGIBILITY_DAYS} days after it (PIM's default policy for Azure roles)",
                at=".expiresOn",
                value=self.expires_on,
            )
        if end.date() <= today:
            refuse(
                f"the window has ended (today is {today}): set a new startsOn and expiresOn, at most "
                f"{MAX_ELIGIBILITY_DAYS} days apart",
                at=".expiresOn",
                value=self.expires_on,
            )
        if (end.date() - today).days <= ELIGIBILITY_WARNING_DAYS:
            warn(
                info,
                "platformAdminEligibility.expiresOn",
                f"the eligibility ends on {end.date()}, in {(end.date() - today).days} days: renew it with a new "
                "window (startsOn and expiresOn) before then",
            )
        return self

    @property
    def duration(self) -> str:
        """The window as an ISO 8601 duration from `starts_on`, e.g. `P364D` or `P30DT12H`.

        This, not `expires_on`, is what reaches Azure: azure-native's PimRoleEligibilitySchedule sends the start
        and the expiration's `type` and `duration` and drops `endDateTime` (its custom resource's request builder).
        """
        length = parse_utc(self.expires_on) - parse_utc(self.starts_on)
        hours, rest = divmod(length.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
        return f"P{length.days}D" + (f"T{time}" if time else "")


class PimSettings(EnvironmentBound):
    """The eligible grants of one environment, made by an administrator after the main stack's first deploy."""

    main_stack: Annotated[str, Pattern(r"[\w.-]+/[\w.-]+/[\w.-]+", 5, 300, STACK_REFERENCE_RULE)] = filled_in()
    """The main program's stack, fully qualified; default `organization/foundry-platform/<this stack's name>`."""
    platform_admin_eligibility: EligibilityWindow | None = None
    """The window PIM grants the eligibility for: {justification, startsOn, expiresOn}; required where the role
    model has a PIM-eligible grant (prod), refused where it has none."""
    azure_policy: Annotated[Literal["deny", "audit"], ByEnvironment("audit", "audit", "deny")] = filled_in()
    """How the environment's Azure Policy assignments act (policy/azure_policy.py): `deny` refuses a request that
    breaks a rule, where the definition allows it; `audit` reports it. Default: deny in prod, audit elsewhere."""
    private_network_rules: Annotated[Flag, ByEnvironment(False, False, True)] = filled_in()
    """Also assign the public-network-access rules: on where the environment is private (prod's default)."""
    delete_locks: Annotated[tuple[LockTarget, ...], ByEnvironment((), (), DEFAULT_PROD_LOCKS)] = filled_in()
    """The main stack's resources that get a CanNotDelete lock (keyVault, storageAccount, searchService,
    cosmosAccount; each must be one the main stack exports in deleteLockScopes). Default in prod: all four."""

    @field_validator("delete_locks", mode="after")
    @classmethod
    def _each_once(cls, locks: tuple[LockTarget, ...]) -> tuple[LockTarget, ...]:
        for index, lock in enumerate(locks):
            if lock in locks[:index]:
                refuse("each resource once", at=f"[{index}]", value=lock)
        return locks

    @field_validator("platform_admin_eligibility", mode="after")
    @classmethod
    def _where_eligible(cls, window: EligibilityWindow | None, info: ValidationInfo) -> EligibilityWindow | None:
        environment = info.data.get("environment")
        if environment is None:
            return window
        if window is None and eligible_grants(environment):
            refuse("required: the role model makes platform admins PIM-eligible in this environment", value=None)
        if window is not None and not eligible_grants(environment):
            refuse(
                f"the role model has no PIM-eligible grant in {environment}, so there is nothing to give a window; "
                "remove the key"
            )
        return window

    @field_validator("main_stack", mode="before")
    @classmethod
    def _same_stack_name(cls, value: Any, info: ValidationInfo) -> Any:
        return value or main_stack_reference(context(info).stack)

    @property
    def window(self) -> EligibilityWindow | None:
        return self.platform_admin_eligibility


def load_pim_settings() -> PimSettings:
    return load(PimSettings, PROJECT)
