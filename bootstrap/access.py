"""Role assignments made by the bootstrap: its own guard, the main program's naming and principal rules."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from bootstrap.catalogue import CONDITION_VERSION, require_bootstrap_assignable
from components.catalogue.roles import Role
from components.rbac import Principal, Scope, assignment_name


def grant(
    resource_name: str,
    principal: Principal,
    role: Role,
    scope: Scope,
    subscription_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    condition: str | None = None,
) -> authorization.RoleAssignment:
    """One role assignment, refused unless the bootstrap's catalogue allows `role` (with `condition`)."""
    granted = require_bootstrap_assignable(role, condition)
    return authorization.RoleAssignment(
        resource_name,
        role_assignment_name=assignment_name(scope, principal, granted),
        principal_id=principal.object_id,
        principal_type=principal.principal_type,
        role_definition_id=pulumi.Output.from_input(subscription_id).apply(granted.definition_id),
        scope=scope.resource_id,
        condition=condition,
        condition_version=CONDITION_VERSION if condition else None,
        description=f"{granted.name} for {principal.display_name} (foundry-platform-bootstrap)",
        opts=opts,
    )
