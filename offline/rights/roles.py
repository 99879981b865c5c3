"""The Azure built-in roles the rights check evaluates, as Azure defines them (actions, not-actions, data actions),
and how a permission pattern matches an action.

Definitions from Microsoft Learn's built-in roles reference (MicrosoftDocs/azure-docs,
articles/role-based-access-control/built-in-roles/{privileged,general,storage,security,monitor,networking,
identity}.md, 2026). Matching follows Learn's "Azure role definitions": case-insensitive, `*` a wildcard;
`NotActions` subtract from that role's `Actions` only (another role may still grant the action).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class RoleDefinition:
    name: str
    guid: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    def allows(self, action: str, data: bool = False) -> bool:
        granted, taken = (self.data_actions, self.not_data_actions) if data else (self.actions, self.not_actions)
        return any(matches(p, action) for p in granted) and not any(matches(p, action) for p in taken)


@cache
def _pattern(permission: str) -> re.Pattern[str]:
    # `/*/` also matches no segment at all: Managed Identity Operator's `userAssignedIdentities/*/assign/action`
    # is how Azure grants `userAssignedIdentities/assign/action`.
    parts = re.escape(permission).replace("/\\*/", "(?:/.*)?/").replace("\\*", ".*")
    return re.compile(f"^{parts}$", re.IGNORECASE)


def matches(permission: str, action: str) -> bool:
    return _pattern(permission).match(action) is not None


_BLOB = "Microsoft.Storage/storageAccounts/blobServices"
_KEYS = "Microsoft.KeyVault/vaults/keys"
BUILT_IN_ROLES: tuple[RoleDefinition, ...] = (
    RoleDefinition("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", actions=("*",)),
    RoleDefinition(
        "Contributor",
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        actions=("*",),
        not_actions=(
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ),
    ),
    RoleDefinition("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7", actions=("*/read",)),
    RoleDefinition(
        "User Access Administrator",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        actions=("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"),
    ),
    RoleDefinition(
        "Role Based Access Control Administrator",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        actions=(
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            "Microsoft.Support/*",
        ),
    ),
    RoleDefinition(
        "Storage Blob Data Contributor",
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        actions=(
            f"{_BLOB}/containers/delete",
            f"{_BLOB}/containers/read",
            f"{_BLOB}/containers/write",
            f"{_BLOB}/generateUserDelegationKey/action",
        ),
        data_actions=(
            f"{_BLOB}/containers/blobs/delete",
            f"{_BLOB}/containers/blobs/read",
            f"{_BLOB}/containers/blobs/write",
            f"{_BLOB}/containers/blobs/move/action",
            f"{_BLOB}/containers/blobs/add/action",
        ),
    ),
    RoleDefinition(
        "Storage Blob Data Reader",
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        actions=(f"{_BLOB}/containers/read", f"{_BLOB}/generateUserDelegationKey/action"),
        data_actions=(f"{_BLOB}/containers/blobs/read",),
    ),
    RoleDefinition(
        "Key Vault Crypto User",
        "12338af0-0e69-4776-bea7-57ae8d297424",
        data_actions=tuple(
            f"{_KEYS}/{action}"
            for action in (
                "read",
                "update/action",
                "backup/action",
                "encrypt/action",
                "decrypt/action",
                "wrap/action",
                "unwrap/action",
                "sign/action",
                "verify/action",
            )
        ),
    ),
    RoleDefinition(
        "Private DNS Zone Contributor",
        "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
        actions=(
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*",
            "Microsoft.Network/privateDnsZones/*",
            "Microsoft.Network/privateDnsOperationResults/*",
            "Microsoft.Network/privateDnsOperationStatuses/*",
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Network/virtualNetworks/join/action",
            "Microsoft.Authorization/*/read",
        ),
    ),
    RoleDefinition(
        "Network Contributor",
        "4d97b98b-1d4f-4787-a291-c67834d212e7",
        actions=(
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Network/*",
            "Microsoft.ResourceHealth/availabilityStatuses/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*",
        ),
    ),
)

# The roles the main program grants, as Learn defines them: the Foundry roles from "Role-based access control for
# Microsoft Foundry" (azure-ai-docs, ai-foundry/concepts/rbac-foundry.md, 2026; their delegation conditions, which
# allow assigning only Foundry User, are evaluated where a condition is given: offline/rights/conditions.py), Key
# Vault Secrets User and Monitoring Metrics Publisher from the built-in roles reference (security.md, monitor.md).
_FOUNDRY_READS = (
    "Microsoft.Insights/alertRules/read",
    "Microsoft.Insights/diagnosticSettings/read",
    "Microsoft.Insights/logDefinitions/read",
    "Microsoft.Insights/metricdefinitions/read",
    "Microsoft.Insights/metrics/read",
    "Microsoft.ResourceHealth/availabilityStatuses/read",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/operationresults/read",
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
)
_FOUNDRY_MANAGEMENT = (
    "Microsoft.Authorization/*/read",
    "Microsoft.CognitiveServices/*",
    "Microsoft.Features/features/read",
    "Microsoft.Features/providers/features/read",
    "Microsoft.Features/providers/features/register/action",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Insights/diagnosticSettings/*",
    "Microsoft.Insights/logDefinitions/read",
    "Microsoft.Insights/metricdefinitions/read",
    "Microsoft.Insights/metrics/read",
    "Microsoft.ResourceHealth/availabilityStatuses/read",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/deployments/operations/read",
    "Microsoft.Resources/subscriptions/operationresults/read",
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/resourcegroups/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
)
_ROLE_ASSIGNMENTS = ("Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete")
GRANTED_ROLES: tuple[RoleDefinition, ...] = (
    RoleDefinition(
        "Foundry User",
        "53ca6127-db72-4b80-b1b0-d745d6d5456d",
        actions=(
            "Microsoft.CognitiveServices/*/read",
            "Microsoft.CognitiveServices/accounts/listkeys/action",
            *_FOUNDRY_READS,
        ),
        data_actions=("Microsoft.CognitiveServices/*",),
    ),
    RoleDefinition(
        "Foundry Project Manager",
        "eadc314b-1a2d-4efa-be10-5d325db5065e",
        actions=(
            *_ROLE_ASSIGNMENTS,
            "Microsoft.CognitiveServices/accounts/*/read",
            "Microsoft.CognitiveServices/accounts/projects/*",
            "Microsoft.CognitiveServices/locations/*/read",
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ),
        data_actions=("Microsoft.CognitiveServices/*",),
    ),
    RoleDefinition(
        "Foundry Account Owner",
        "e47c6f54-e4a2-4754-9501-8e0985b135e1",
        actions=(*_ROLE_ASSIGNMENTS, *_FOUNDRY_MANAGEMENT),
    ),
    RoleDefinition(
        "Foundry Owner",
        "c883944f-8b7b-4483-af10-35834be79c4a",
        actions=_FOUNDRY_MANAGEMENT,
        data_actions=("Microsoft.CognitiveServices/*",),
    ),
    RoleDefinition(
        "Key Vault Secrets User",
        "4633458b-17de-408a-b874-0445c86b69e6",
        data_actions=(
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ),
    ),
    RoleDefinition(
        "Monitoring Metrics Publisher",
        "3913510d-42f4-4e42-8a64-420c390055eb",
        actions=(
            "Microsoft.Insights/Register/Action",
            "Microsoft.Support/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ),
        data_actions=("Microsoft.Insights/Metrics/Write", "Microsoft.Insights/Telemetry/Write"),
    ),
    # The standard agent setup's data-plane roles (Learn built-in roles: storage.md, ai-machine-learning.md,
    # databases.md, MicrosoftDocs/azure-docs 1b4e136, 2026-07-01). Storage Blob Data Contributor is above.
    RoleDefinition(
        "Storage Blob Data Owner",
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        actions=(
            "Microsoft.Storage/storageAccounts/blobServices/containers/*",
            "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
        ),
        data_actions=("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*",),
    ),
    RoleDefinition(
        "Search Index Data Contributor",
        "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
        data_actions=(
            "Microsoft.Search/searchServices/indexes/documents/*",
            "Microsoft.Search/searchServices/indexes/contentSecurity/elevatedOperations/read",
        ),
    ),
    RoleDefinition(
        "Search Service Contributor",
        "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
        actions=(
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.ResourceHealth/availabilityStatuses/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Search/searchServices/*",
            "Microsoft.Support/*",
        ),
    ),
    RoleDefinition(
        "Cosmos DB Operator",
        "230815da-be43-4aae-9cb4-875f7bd000aa",
        actions=(
            "Microsoft.DocumentDb/databaseAccounts/*",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Authorization/*/read",
            "Microsoft.ResourceHealth/availabilityStatuses/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*",
            "Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action",
        ),
        not_actions=(
            "Microsoft.DocumentDB/databaseAccounts/copyJobs/*",
            "Microsoft.DocumentDB/databaseAccounts/dataTransferJobs/*",
            "Microsoft.DocumentDB/databaseAccounts/readonlyKeys/*",
            "Microsoft.DocumentDB/databaseAccounts/regenerateKey/*",
            "Microsoft.DocumentDB/databaseAccounts/listKeys/*",
            "Microsoft.DocumentDB/databaseAccounts/listConnectionStrings/*",
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions/write",
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions/delete",
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments/write",
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments/delete",
            "Microsoft.DocumentDB/databaseAccounts/mongodbRoleDefinitions/write",
            "Microsoft.DocumentDB/databaseAccounts/mongodbRoleDefinitions/delete",
            "Microsoft.DocumentDB/databaseAccounts/mongodbUserDefinitions/write",
            "Microsoft.DocumentDB/databaseAccounts/mongodbUserDefinitions/delete",
            "Microsoft.DocumentDB/databaseAccounts/tableRoleAssignments/write",
            "Microsoft.DocumentDB/databaseAccounts/tableRoleAssignments/delete",
            "Microsoft.DocumentDB/databaseAccounts/tableRoleDefinitions/write",
            "Microsoft.DocumentDB/databaseAccounts/tableRoleDefinitions/delete",
            "Microsoft.DocumentDB/databaseAccounts/gremlinRoleAssignments/write",
            "Microsoft.DocumentDB/databaseAccounts/gremlinRoleAssignments/delete",
            "Microsoft.DocumentDB/databaseAccounts/gremlinRoleDefinitions/write",
            "Microsoft.DocumentDB/databaseAccounts/gremlinRoleDefinitions/delete",
            "Microsoft.DocumentDB/databaseAccounts/cassandraRoleAssignments/write",
            "Microsoft.DocumentDB/databaseAccounts/cassandraRoleAssignments/delete",
            "Microsoft.DocumentDB/databaseAccounts/cassandraRoleDefinitions/write",
            "Microsoft.DocumentDB/databaseAccounts/cassandraRoleDefinitions/delete",
            "Microsoft.DocumentDB/databaseAccounts/mongoMIRoleAssignments/write",
            "Microsoft.DocumentDB/databaseAccounts/mongoMIRoleAssignments/delete",
            "Microsoft.DocumentDB/databaseAccounts/mongoMIRoleDefinitions/write",
            "Microsoft.DocumentDB/databaseAccounts/mongoMIRoleDefinitions/delete",
        ),
    ),
)


def definition(guid: str) -> RoleDefinition | None:
    return next((r for r in (*BUILT_IN_ROLES, *GRANTED_ROLES) if r.guid == guid.lower()), None)


def definition_named(name: str) -> RoleDefinition:
    return next(r for r in BUILT_IN_ROLES if r.name == name)
