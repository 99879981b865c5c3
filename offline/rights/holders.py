"""The identities that run the projects and the rights each holds: the pipeline's deployer and preview reader as
the bootstrap defines them (read from a rendering of the bootstrap: their role assignments with conditions, their
Microsoft Graph permissions), and the administrators as the runbook requires them (`bootstrap.catalogue`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bootstrap.catalogue import (
    ADMINISTRATORS,
    AUDITOR_GRAPH_PERMISSIONS,
    DEPLOYER_GRAPH_PERMISSIONS,
    PREVIEW_GRAPH_PERMISSIONS,
)
from components.catalogue.resource_types import ENTRA_APP_ROLE_ASSIGNMENT, ENTRA_SERVICE_PRINCIPAL, ROLE_ASSIGNMENT
from offline.registrations import Registration, Rendering
from offline.rights.catalogue import GRAPH_OPERATIONS
from offline.rights.roles import RoleDefinition, definition, definition_named

ALL, OWNED = "every object", "objects it owns"
APPLICATION_OPERATIONS: tuple[str, ...] = (
    "applications.create",
    "applications.manage",
    "applications.list",
    "servicePrincipals.create",
    "servicePrincipals.manage",
    "servicePrincipals.read",
)

# What a Microsoft Graph application permission lets an app do, by operation (Graph permissions reference and
# the API reference pages of each call; OwnedBy "cannot update any apps that it is not an owner of", and may list).
GRAPH_PERMISSIONS: dict[str, dict[str, str]] = {
    "Application.ReadWrite.OwnedBy": {
        "applications.create": ALL,
        "applications.manage": OWNED,
        "applications.list": ALL,
        "servicePrincipals.create": OWNED,
        "servicePrincipals.manage": OWNED,
    },
    "Application.ReadWrite.All": dict.fromkeys(APPLICATION_OPERATIONS, ALL),
    "Application.Read.All": {"applications.list": ALL, "servicePrincipals.read": ALL},
    "Group.Create": {"groups.create": ALL, "groups.manage": OWNED},
    "Group.ReadWrite.All": {"groups.create": ALL, "groups.manage": ALL, "groups.list": ALL},
    "Group.Read.All": {"groups.list": ALL, "groups.readOwners": ALL},
    "GroupMember.Read.All": {"groups.list": ALL, "groups.readOwners": ALL},
    "User.Read.All": {"users.read": ALL},
    "Directory.Read.All": {
        "directoryObjects.read": ALL,
        "users.read": ALL,
        "groups.list": ALL,
        "groups.readOwners": ALL,
        "applications.list": ALL,
        "servicePrincipals.read": ALL,
    },
    "AppRoleAssignment.ReadWrite.All": {"appRoleAssignments.grantGraph": ALL},
}

# What an Entra directory role lets a person do (Learn, "Microsoft Entra built-in roles": Application and Cloud
# Application Administrators manage every app registration, including credentials, but may not grant Microsoft
# Graph application permissions; Privileged Role Administrator may).
_APP_ADMIN: dict[str, str] = dict.fromkeys((*APPLICATION_OPERATIONS, "directoryObjects.read", "users.read"), ALL)
DIRECTORY_ROLES: dict[str, dict[str, str]] = {
    "Cloud Application Administrator": _APP_ADMIN,
    "Application Administrator": _APP_ADMIN,
    "Privileged Role Administrator": {
        "appRoleAssignments.grantGraph": ALL,
        "servicePrincipals.read": ALL,
        "directoryObjects.read": ALL,
    },
    "Groups Administrator": {
        op: ALL for op in ("groups.create", "groups.manage", "groups.list", "directoryObjects.read", "users.read")
    },
}
assert all(
    op in GRAPH_OPERATIONS for grants in (*GRAPH_PERMISSIONS.values(), *DIRECTORY_ROLES.values()) for op in grants
)


@dataclass(frozen=True)
class AzureGrant:
    role: RoleDefinition
    scope: str
    condition: str | None = None


@dataclass(frozen=True)
class Holder:
    label: str
    object_id: str | None  # what `owners` lists when it owns an object
    azure: tuple[AzureGrant, ...] = ()
    graph_permissions: tuple[str, ...] = ()
    directory_roles: tuple[str, ...] = ()

    def graph_reach(self, operation: str) -> str | None:
        """ALL, OWNED or None: how far this holder may perform a Graph operation."""
        reaches = [
            grants[operation]
            for grants in (
                *(GRAPH_PERMISSIONS.get(p, {}) for p in self.graph_permissions),
                *(DIRECTORY_ROLES.get(r, {}) for r in self.directory_roles),
            )
            if operation in grants
        ]
        if ALL in reaches:
            return ALL
        return OWNED if reaches else None


_GRAPH_PERMISSION_NAMES = {
    p.app_role_id: p.name for p in (*DEPLOYER_GRAPH_PERMISSIONS, *PREVIEW_GRAPH_PERMISSIONS, *AUDITOR_GRAPH_PERMISSIONS)
}


def _assignments_to(rendering: Rendering, object_id: str) -> tuple[AzureGrant, ...]:
    grants: list[AzureGrant] = []
    for assignment in rendering.of_type(ROLE_ASSIGNMENT):
        if str(assignment.inputs.get("principalId")).lower() != object_id.lower():
            continue
        role = definition(str(assignment.inputs.get("roleDefinitionId")).rsplit("/", 1)[-1])
        if role is None:
            raise KeyError(f"{assignment.name}: role not in offline.rights.roles, so its rights are unknown")
        grants.append(AzureGrant(role, str(assignment.inputs.get("scope")), assignment.inputs.get("condition")))
    return tuple(grants)


def _graph_permissions_of(rendering: Rendering, object_id: str) -> tuple[str, ...]:
    return tuple(
        _GRAPH_PERMISSION_NAMES[str(a.inputs.get("appRoleId"))]
        for a in rendering.of_type(ENTRA_APP_ROLE_ASSIGNMENT)
        if str(a.inputs.get("principalObjectId")).lower() == object_id.lower()
    )


def _service_principal(bootstrap: Rendering, client_id_output: str) -> Registration:
    client_id = bootstrap.exports[client_id_output]
    return next(sp for sp in bootstrap.of_type(ENTRA_SERVICE_PRINCIPAL) if sp.inputs.get("clientId") == client_id)


def pipeline_identity(bootstrap: Rendering, client_id_output: str, label: str, owner_id: str | None) -> Holder:
    """The deployer (`deployerClientId`) or the preview reader (`previewClientId`) as `bootstrap` makes it.

    `owner_id` is the object id the main stack lists as owner for it (its `deployerObjectId`): the bootstrap's
    rendering has its own fake ids, the stack file has the real one.
    """
    principal = _service_principal(bootstrap, client_id_output)
    object_id = str(principal.state["objectId"])
    return Holder(
        label,
        owner_id,
        _assignments_to(bootstrap, object_id),
        _graph_permissions_of(bootstrap, object_id),
    )


def administrator(kind: str, scopes: Mapping[str, str], bootstrap: Rendering | None = None) -> Holder:
    """An administrator as the runbook requires (`bootstrap.catalogue.ADMINISTRATORS[kind]`); `scopes` turns
    "subscription" and "environment resource group" into ARM ids. A state administrator also holds what `bootstrap`
    grants its `stateAdministratorsGroup` (nothing when it names none)."""
    profile = ADMINISTRATORS[kind]
    roles = tuple(AzureGrant(definition_named(role), scopes[where]) for role, where in profile.azure_roles)
    group = bootstrap.exports.get("stateAdministratorsGroup") if bootstrap and profile.state_administrator else None
    state = _assignments_to(bootstrap, str(group)) if bootstrap and group else ()
    return Holder(profile.label, None, (*roles, *state), directory_roles=profile.directory_roles)
