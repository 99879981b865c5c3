"""Role assignments made by the bootstrap: its own guard, the main program's naming and principal rules."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from bootstrap.catalogue import require_bootstrap_assignable
from components.catalogue.roles import Role
from components.rbac import Principal, Scope, assign_role


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
    return assign_role(
        resource_name,
        principal,
        role,
        scope,
        subscription_id,
        opts,
        condition=condition,
        guard=lambda wanted: require_bootstrap_assignable(wanted, condition),
        granted_by="foundry-platform-bootstrap",
    )
