"""Role assignments with the properties every assignment in this program must have.

Each assignment goes through the role catalogue's guard, sets `principal_type` explicitly (the SDK's
default of `User` breaks managed identities) and gets a name derived from subscription, scope, principal and
role as known at preview time, so Azure never sees the same grant under two names (RoleAssignmentExists).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import pulumi
from pulumi_azure_native import authorization

from components.catalogue.roles import Role, require_assignable
from components.naming import deterministic_guid

PrincipalType = Literal["ServicePrincipal", "Group"]
# ABAC conditions on role assignments are written in condition language version 2.0.
CONDITION_VERSION = "2.0"


class EligibilityWindow(Protocol):
    """When and why a PIM eligibility holds (the PIM phase's config): a start and an ISO 8601 duration."""

    @property
    def justification(self) -> str: ...
    @property
    def starts_on(self) -> str: ...
    @property
    def duration(self) -> str: ...


@dataclass(frozen=True)
class Principal:
    """Something roles are granted to. People are never principals here: they are reached through groups."""

    key: str  # stable logical identity, e.g. "managed-identity:id-contoso-dev-app"; known at preview
    display_name: str
    kind: str  # human-readable: "user-assigned managed identity", "Entra group", ...
    principal_type: PrincipalType
    object_id: pulumi.Input[str]


@dataclass(frozen=True)
class Scope:
    """Where a role is granted. `key` is the resource's ARM path below the subscription, known at preview."""

    key: str
    resource_id: pulumi.Input[str]


def assignment_name(subscription_id: str, scope: Scope, principal: Principal, role: Role) -> str:
    """Role-assignment names are unique tenant-wide: the subscription keeps two subscriptions' grants apart."""
    return deterministic_guid(subscription_id, scope.key, principal.key, role.guid)


def assign_role(
    resource_name: str,
    principal: Principal,
    role: Role,
    scope: Scope,
    subscription_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    condition: str | None = None,
    guard: Callable[[Role], Role] = require_assignable,
    granted_by: str = "foundry-platform",
) -> authorization.RoleAssignment:
    """One role assignment, made only if `guard` (by default the Foundry program's catalogue) allows the role."""
    granted = guard(role)
    return authorization.RoleAssignment(
        resource_name,
        # The subscription id comes from the provider's client configuration, known during preview too.
        role_assignment_name=pulumi.Output.from_input(subscription_id).apply(
            lambda subscription: assignment_name(subscription, scope, principal, granted)
        ),
        principal_id=principal.object_id,
        principal_type=principal.principal_type,
        role_definition_id=pulumi.Output.from_input(subscription_id).apply(granted.definition_id),
        scope=scope.resource_id,
        condition=condition,
        condition_version=CONDITION_VERSION if condition else None,
        description=f"{granted.name} for {principal.display_name} ({granted_by})",
        opts=opts,
    )


def make_eligible(
    resource_name: str,
    principal: Principal,
    role: Role,
    scope: Scope,
    subscription_id: pulumi.Input[str],
    window: EligibilityWindow,
    opts: pulumi.ResourceOptions,
) -> authorization.PimRoleEligibilitySchedule:
    """A PIM eligibility instead of a standing assignment: the role is held only after activation.

    azure-native's custom resource for it (API 2020-10-01) sends an AdminAssign request with the start and the
    expiration's type and duration, and drops an `endDateTime`: the window goes as start + duration. The request
    cannot be updated, so any change replaces it; the replacement deletes first, because the provider refuses to
    create while a schedule for the same principal and role exists ("cannot create already existing resource").
    """
    granted = require_assignable(role)
    return authorization.PimRoleEligibilitySchedule(
        resource_name,
        principal_id=principal.object_id,
        role_definition_id=pulumi.Output.from_input(subscription_id).apply(granted.definition_id),
        scope=scope.resource_id,
        justification=window.justification,
        schedule_info={
            "start_date_time": window.starts_on,
            "expiration": {"type": "AfterDuration", "duration": window.duration},
        },
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(replace_on_changes=["*"], delete_before_replace=True)
        ),
    )
