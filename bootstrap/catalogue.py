"""Fixed values of the delivery bootstrap: the roles it may grant, the ABAC condition, Microsoft Graph ids, and the
runner network's GitHub and Bastion facts.

Role GUIDs reuse the main program's catalogue (`components.catalogue.roles`) wherever the role is already
there; the storage and key roles only the bootstrap needs are added here with the same `Role` type.

The bootstrap's guard is deliberately different from the main program's: it may grant Contributor and
Role Based Access Control Administrator, because the deployer must create resources in its environment's
resource group and hand out the roles the main program assigns. The RBAC Administrator grant is only ever
made together with `assignable_roles_condition(environment)`, which limits it to exactly the roles the main
program assigns as standing assignments in that environment. Owner and User Access Administrator are never granted by anything in this repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.access import standing_roles
from components.catalogue import roles
from components.catalogue.roles import (
    CONTRIBUTOR,
    RBAC_ADMINISTRATOR,
    READER,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    Role,
)
from components.settings.core import EnvironmentName

STORAGE_BLOB_DATA_READER = Role("Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")
KEY_VAULT_CRYPTO_USER = Role("Key Vault Crypto User", "12338af0-0e69-4776-bea7-57ae8d297424")

# What the bootstrap may grant, and nothing else.
BOOTSTRAP_ASSIGNABLE_ROLES: tuple[Role, ...] = (
    CONTRIBUTOR,  # deployer: create and change the environment's resources, in its resource group only
    RBAC_ADMINISTRATOR,  # deployer: only with the ABAC condition below
    READER,  # preview identity: read the environment's resources
    STORAGE_BLOB_DATA_CONTRIBUTOR,  # deployer: read and write the stack state (and its lock files)
    STORAGE_BLOB_DATA_READER,  # preview identity: read the stack state
    KEY_VAULT_CRYPTO_USER,  # both: encrypt/decrypt with the stack's secrets key
)
# Roles the bootstrap refuses even if someone adds them above: each can grant itself anything.
NEVER_GRANTED: tuple[Role, ...] = (roles.OWNER, roles.USER_ACCESS_ADMINISTRATOR)
# Roles that need a condition to be granted at all.
CONDITION_REQUIRED: tuple[Role, ...] = (RBAC_ADMINISTRATOR,)

# Roles whose holder could lift its own limits; they must never be in the condition's list.
SELF_ELEVATING_ROLES: tuple[Role, ...] = (roles.OWNER, roles.USER_ACCESS_ADMINISTRATOR, RBAC_ADMINISTRATOR)

# The principal types the main program assigns roles to: managed identities and service principals
# (ServicePrincipal) and Entra groups (Group). People are never assigned roles directly.
DELEGATED_PRINCIPAL_TYPES: tuple[str, ...] = ("ServicePrincipal", "Group")

# Microsoft Graph: its well-known application id, and the application permissions (app roles) the deployer
# holds because the main program creates Entra groups and an app registration. Ids from Microsoft's Graph
# permissions reference; what each call needs from the Graph API reference pages named below.
MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@dataclass(frozen=True)
class GraphPermission:
    name: str
    app_role_id: str
    why: str


DEPLOYER_GRAPH_PERMISSIONS: tuple[GraphPermission, ...] = (
    GraphPermission(
        "Application.ReadWrite.OwnedBy",
        "18a4783c-866b-4cc7-a460-3d5e5662c884",
        "creates the app registrations (POST /applications) - the CI/CD one, and where a stack turns them on the "
        "On-Behalf-Of API and headless scripts' - their service principals (POST /servicePrincipals), federated "
        "credentials, identifier URIs, pre-authorized clients and passwords, and manages them later: only objects "
        "it owns, and it is listed as owner of each; it also lets the duplicate-name check list applications",
    ),
    GraphPermission(
        "Group.Create",
        "bf7b1a76-6e77-406b-b258-bf5c7720e98f",
        "creates the people groups (POST /groups) with itself as an owner, which is what lets it manage their "
        "members and owners on later runs",
    ),
    GraphPermission(
        "Directory.Read.All",
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        "read only: the provider resolves each configured group owner (GET /directoryObjects/{id}, documented "
        "with this permission only), binding users as group owners or members needs a read permission on them, "
        "and the duplicate-name check lists groups by display name (GET /groups?$filter)",
    ),
)


# The preview reader runs `pulumi preview`, during which the azuread provider already looks up by display name
# any app registration the stack would create (duplicate-name prevention runs in its plan-time diff).
PREVIEW_GRAPH_PERMISSIONS: tuple[GraphPermission, ...] = (
    GraphPermission(
        "Application.Read.All",
        "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        "read only: `pulumi preview` of a stack that creates an app registration lists applications by display "
        "name (GET /applications?$filter), which a service principal without any Graph permission is refused",
    ),
)


# The drift auditor (`python -m offline.drift` on a schedule): reads the declared app registrations' credentials and
# the declared groups' owners, nothing else in the directory.
AUDITOR_GRAPH_PERMISSIONS: tuple[GraphPermission, ...] = (
    GraphPermission(
        "Application.Read.All",
        "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        "read only: the drift audit lists the declared app registrations with their client secrets and federated "
        "credentials (GET /applications?$filter, GET /applications/{id}/federatedIdentityCredentials)",
    ),
    GraphPermission(
        "GroupMember.Read.All",
        "98830695-27a2-44f7-8c18-0c3ebc9698f6",
        "read only: the drift audit finds the declared groups and lists their owners (GET /groups?$filter, GET "
        "/groups/{id}/owners)",
    ),
)


# -- the runner network (key runnerNetwork, bootstrap/runners.py) ----------------------------------------------------
# Regions whose subnets GitHub-hosted runners can use through Azure private networking, as Azure spells region names
# (GitHub docs, "Troubleshooting Azure private network configurations for GitHub-hosted runners in your
# organization", Supported regions, GitHub.com: https://docs.github.com/en/organizations/managing-organization-settings/
# troubleshooting-azure-private-network-configurations-for-github-hosted-runners-in-your-organization). GHE.com with
# data residency has other regions; this list is GitHub.com's.
GITHUB_HOSTED_RUNNER_REGIONS: tuple[str, ...] = (
    "australiaeast", "brazilsouth", "canadacentral", "canadaeast", "centralus", "eastasia", "eastus", "eastus2",
    "francecentral", "germanywestcentral", "japaneast", "koreacentral", "northcentralus", "northeurope", "norwayeast",
    "southcentralus", "southeastasia", "southindia", "swedencentral", "switzerlandnorth", "uksouth", "westus",
    "westus2", "westus3",
)  # fmt: skip

# The Azure resource that hands a delegated subnet to GitHub Actions: type, API version and properties as GitHub's
# own set-up script creates it (`az resource create --resource-type GitHub.Network/networkSettings --api-version
# 2024-04-02 --properties {subnetId, businessId}`; GitHub docs, "Configuring private networking for GitHub-hosted
# runners in your organization"). The resource provider adds the tag `GitHubId` on creation: the id the
# organization's network configuration in GitHub asks for (same page: "The GitHubId hash value returned in the
# payload ... is the network settings resource ID").
GITHUB_NETWORK_NAMESPACE = "GitHub.Network"
GITHUB_NETWORK_SETTINGS_TYPE = "networkSettings"
GITHUB_NETWORK_SETTINGS_API_VERSION = "2024-04-02"
GITHUB_ID_TAG = "GitHubId"

# Azure Bastion for administrators. Basic: a dedicated host (two instances) reaching VMs in its VNet and in peered
# VNets, sessions in the Azure portal only; Standard adds native-client sessions, tunnelling and IP-based
# connections, which this access path does not need, and a Basic host can be upgraded in place later but a Standard
# one not downgraded; the Developer tier has no VNet peering (Learn, "About Azure Bastion configuration settings",
# SKUs and Upgrade a SKU; MicrosoftDocs/azure-docs articles/bastion/configuration-settings.md, upgrade-sku.md).
BASTION_SKU = "Basic"
# Bastion's public IP: Standard SKU, static (same page, Public IP address).
BASTION_PUBLIC_IP_SKU = "Standard"


@dataclass(frozen=True)
class Administrator:
    """What a person needs to run an admin project, activated for the run (PIM) rather than held standing."""

    label: str
    azure_roles: tuple[tuple[str, str], ...]  # (built-in role, where: "subscription" / "environment resource group")
    directory_roles: tuple[str, ...]
    why: str
    # A member of `stateAdministratorsGroup`: the state and the secrets key (Owner has no data access to either).
    state_administrator: bool = True


ADMINISTRATORS: dict[str, Administrator] = {
    "bootstrap": Administrator(
        "the bootstrap administrator",
        (("Owner", "subscription"),),
        ("Cloud Application Administrator", "Privileged Role Administrator"),
        "Owner: resource groups, the state account and vault, role assignments with conditions, and the role "
        "guard's policy definition (at the subscription) and assignment. Cloud "
        "Application Administrator: the deployer's and preview reader's app registrations, service principals and "
        "federated credentials, which nobody owns (an owner could add a secret and act as the deployer). "
        "Privileged Role Administrator: granting Microsoft Graph permissions, which application administrators "
        "may not grant. A state administrator: the bootstrap's own state and the secrets key, once moved to Azure.",
    ),
    "pim": Administrator(
        "the PIM administrator",
        (("User Access Administrator", "environment resource group"),),
        (),
        "User Access Administrator on the environment's resource group: eligibility schedule requests "
        "(Microsoft.Authorization/roleEligibilityScheduleRequests/write), which the deployer's roles lack. A state "
        "administrator: it reads the main stack's state and keeps its own beside it.",
    ),
}


class BootstrapRoleError(ValueError):
    """A grant the bootstrap refuses to make."""


def require_bootstrap_assignable(role: Role, condition: str | None) -> Role:
    """Return the catalogue's `role` if the bootstrap may grant it (with `condition`); raise otherwise."""
    label = f"'{role.name}' ({role.guid})"
    if any(role.guid == never.guid for never in NEVER_GRANTED):
        raise BootstrapRoleError(f"role {label} is never granted: its holder can grant itself any role")
    known = next((r for r in BOOTSTRAP_ASSIGNABLE_ROLES if r.guid == role.guid.lower()), None)
    if known is None:
        allowed = ", ".join(r.name for r in BOOTSTRAP_ASSIGNABLE_ROLES)
        raise BootstrapRoleError(f"role {label} is not one the bootstrap grants; allowed: {allowed}")
    if known.name != role.name:
        raise BootstrapRoleError(f"role {label} does not match the catalogue, where {role.guid} is '{known.name}'")
    if known in CONDITION_REQUIRED and not condition:
        raise BootstrapRoleError(f"role {label} is only granted with a condition that limits what it can assign")
    return known


def delegable_roles(environment: EnvironmentName) -> tuple[Role, ...]:
    """The roles the main program assigns as standing assignments in `environment`.

    The main program's whole catalogue is checked to hold no self-elevating role first. A role the environment
    grants only as a PIM eligibility (Foundry Account Owner in prod) is not delegated: the deployer must not
    be able to make it standing.
    """
    for role in roles.ASSIGNABLE_ROLES:
        if any(role.guid == elevating.guid for elevating in SELF_ELEVATING_ROLES):
            raise BootstrapRoleError(
                f"the main program's assignable roles include '{role.name}' ({role.guid}); delegating it would let "
                "the deployer grant itself anything"
            )
    return standing_roles(environment)


def assignable_roles_condition(environment: EnvironmentName) -> str:
    """The ABAC condition (version 2.0) for the deployer's RBAC Administrator grant.

    Role assignments may be created only for the listed roles and only for service principals and groups;
    they may be deleted only for the listed roles. Every other action of the role is unaffected.
    """
    guids = ", ".join(role.guid for role in delegable_roles(environment))
    principal_types = ", ".join(f"'{kind}'" for kind in DELEGATED_PRINCIPAL_TYPES)
    write = "Microsoft.Authorization/roleAssignments/write"
    delete = "Microsoft.Authorization/roleAssignments/delete"
    attribute = "Microsoft.Authorization/roleAssignments"
    return (
        "("
        f" ( !(ActionMatches{{'{write}'}}) )"
        " OR"
        f" ( @Request[{attribute}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{guids}}}"
        f" AND @Request[{attribute}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{{principal_types}}} )"
        " )"
        " AND"
        " ("
        f" ( !(ActionMatches{{'{delete}'}}) )"
        " OR"
        f" ( @Resource[{attribute}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{guids}}} )"
        " )"
    )
