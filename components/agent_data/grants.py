"""The Cosmos DB data role on the agent database: a Cosmos SQL role assignment, not an Azure role assignment.

Cosmos DB for NoSQL keeps its own data-plane roles under each account (`sqlRoleDefinitions`) and assigns them with
`sqlRoleAssignments` (Learn, "Use data plane role-based access control with Azure Cosmos DB for NoSQL"). Azure RBAC
does not see these: the deployer's ABAC condition, which limits which Azure roles it may assign, does not govern
them; writing one needs only `Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments/write`, which Contributor
has. So this module is the only place that makes them, through the same guard idea as `components/rbac.py`: the
role must be in the catalogue's assignable Cosmos roles, the principal a project's identity, the scope the agent
database, and the policy pack (`cosmos-data-role-scoped`) and the inventory hold them to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from pulumi_azure_native import cosmosdb

from components.catalogue.agent_data import AGENT_DATABASE
from components.catalogue.roles import ASSIGNABLE_COSMOS_DATA_ROLES, COSMOS_DATA_CONTRIBUTOR, CosmosDataRole
from components.naming import deterministic_guid
from components.ordering import SerialWrites
from components.rbac import Principal


class ForbiddenCosmosRoleError(ValueError):
    """A Cosmos data role outside the catalogue's assignable ones was about to be assigned."""


def require_cosmos_role(role: CosmosDataRole) -> CosmosDataRole:
    if role not in ASSIGNABLE_COSMOS_DATA_ROLES:
        allowed = ", ".join(f"{r.name} ({r.id})" for r in ASSIGNABLE_COSMOS_DATA_ROLES)
        raise ForbiddenCosmosRoleError(
            f"Cosmos data role {role.name} ({role.id}) is not assignable; allowed: {allowed}"
        )
    return role


def agent_database_scope(account_id: str) -> str:
    return f"{account_id}/dbs/{AGENT_DATABASE}"


def grant_agent_database(
    name: str,
    parent: pulumi.Resource,
    account: cosmosdb.DatabaseAccount,
    resource_group_name: pulumi.Input[str],
    account_key: str,
    project_principals: Mapping[str, Principal],
    after: Mapping[str, Sequence[pulumi.Resource]],
    role: CosmosDataRole = COSMOS_DATA_CONTRIBUTOR,
) -> list[cosmosdb.SqlResourceSqlRoleAssignment]:
    """Each project identity gets `role` on the agent database, after `after[project]` (its capability host, which
    makes the database and its containers), one write at a time under the account. The assignment's id is a GUID of the account, the role and
    the principal, known at preview (Cosmos wants a GUID, and azure-native would otherwise send the logical name)."""
    granted = require_cosmos_role(role)
    writes = SerialWrites(account)
    return [
        writes.add(
            cosmosdb.SqlResourceSqlRoleAssignment(
                f"{name}-{project}-agent-database",
                account_name=account.name,
                resource_group_name=resource_group_name,
                role_assignment_id=deterministic_guid(account_key, granted.id, principal.key),
                role_definition_id=account.id.apply(granted.definition_id),
                scope=account.id.apply(agent_database_scope),
                principal_id=principal.object_id,
                opts=writes.options(parent, depends_on=list(after.get(project, ()))),
            )
        )
        for project, principal in project_principals.items()
    ]
