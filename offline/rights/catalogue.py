"""What each resource needs from whoever deploys it: ARM actions (with their scopes, including the linked checks
ARM makes on other resources) and Microsoft Graph operations, for writing it and for deleting it.

ARM: writing a resource is `<ARM type>/write` on its id and deleting it `<ARM type>/delete`; extension resources
(role assignments, diagnostic settings, PIM requests) are checked on their scope. ARM also checks actions on the
resources a write refers to (403 LinkedAuthorizationFailed otherwise), from Learn:
- private endpoint: `virtualNetworks/subnets/join/action` on its subnet, and on the target the provider's
  `privateEndpointConnectionsApproval/action`, without which an automatic connection is refused ("Azure RBAC
  permissions for Azure Private Link"; Key Vault's action is documented, Cognitive Services' follows its pattern);
- DNS zone group: `privateDnsZones/join/action` on each zone; zone virtual network link:
  `virtualNetworks/join/action` on the network ("Private DNS zone contributor" role and its description);
- web app: `userAssignedIdentities/assign/action` on each identity it uses, `subnets/join/action` on its
  integration subnet ("App Service virtual network integration", Permissions);
- diagnostic setting: `workspaces/sharedKeys/action` (and read) on the Log Analytics workspace it sends to
  ("Manage access to Log Analytics workspaces", example 3);
- virtual network peering: `virtualNetworks/peer/action` on the remote network, besides `virtualNetworkPeerings/write`
  on its own ("Create, change, or delete a virtual network peering", Permissions);
- virtual network whose subnets name a network security group: `networkSecurityGroups/join/action` on it ("Create,
  change, or delete a network security group", Permissions: associate it to a subnet);
- Bastion host: `subnets/join/action` on AzureBastionSubnet and `publicIPAddresses/join/action` on its public IP
  ("Create, change, or delete a public IP address", Permissions: associate it to a resource);
- GitHub.Network/networkSettings: `subnets/join/action` on the delegated subnet it puts its service association link
  on (inferred: GitHub's instructions ask for Network Contributor to delegate the subnet, without naming actions);
- Foundry account injecting its agent runtime into a subnet: `subnets/join/action` (inferred: every subnet
  injection is checked so; not documented for this one);
- storage account or Key Vault whose firewall admits a subnet: `subnets/joinViaServiceEndpoint/action` on it
  ("Configure Azure Storage firewalls and virtual networks", required permissions; for Key Vault inferred from the
  same service-endpoint mechanism);
- a role assignment is checked with the request's role and principal type, which a condition may limit.

Graph: operations, each satisfied by application permissions or directory roles (`offline.rights.holders`).
What the azuread provider calls comes from its source (terraform-provider-azuread v3.9.0), what each call needs
from the Microsoft Graph API reference. An operation on an object "owned" needs no tenant-wide permission when
the caller is among its owners (Application.ReadWrite.OwnedBy, Group.Create).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from components.catalogue.resource_types import (
    ENTRA_APP_ROLE_ASSIGNMENT,
    ENTRA_APPLICATION,
    ENTRA_APPLICATION_PARTS,
    ENTRA_APPLICATION_PASSWORD,
    ENTRA_CREDENTIAL,
    ENTRA_GROUP,
    ENTRA_GROUP_MEMBER,
    ENTRA_IDENTIFIER_URI,
    ENTRA_PRE_AUTHORIZED,
    ENTRA_SERVICE_PRINCIPAL,
    PIM_ELIGIBILITY,
    RESOURCE_GROUP,
    ROLE_ASSIGNMENT,
)
from offline.arm import ARM_TYPES, arm_type_for, firewall_subnets
from offline.registrations import Registration

Operation = Literal["write", "delete"]
GRAPH_SERVICE_PRINCIPAL_APP_ID = "00000003-0000-0000-c000-000000000000"


@dataclass(frozen=True)
class ArmNeed:
    action: str
    scope: str  # the ARM id the action is checked at
    why: str
    data: bool = False  # a data action (blob contents, key operations), granted by a role's DataActions
    request: Mapping[str, str] = field(default_factory=dict)  # attributes a condition sees on the request
    resource: Mapping[str, str] = field(default_factory=dict)  # ... and on the existing resource
    documented: bool = True  # False: inferred from how Azure treats similar resources

    def __str__(self) -> str:
        return f"{self.action} on {self.scope}"


@dataclass(frozen=True)
class GraphNeed:
    operation: str  # a key of GRAPH_OPERATIONS
    target: str  # the object concerned, as a reviewer reads it
    owned: bool = False  # the caller is among the object's owners
    why: str = ""

    def __str__(self) -> str:
        return f"Microsoft Graph {self.operation} ({self.target})"


Need = ArmNeed | GraphNeed

# The Graph calls the azuread provider makes for the resources the projects declare.
GRAPH_OPERATIONS: dict[str, str] = {
    "applications.create": "POST /applications",
    "applications.manage": "PATCH, DELETE /applications/{id}, its owners and federated credentials",
    "applications.list": "GET /applications?$filter=displayName eq '...' (duplicate-name prevention; also during preview)",
    "servicePrincipals.create": "POST /servicePrincipals for an application",
    "servicePrincipals.manage": "PATCH, DELETE /servicePrincipals/{id} and its owners",
    "servicePrincipals.read": "GET /servicePrincipals?$filter=appId eq '...'",
    "groups.create": "POST /groups",
    "groups.manage": "PATCH, DELETE /groups/{id}, its members and owners",
    "groups.list": "GET /groups?$filter=displayName eq '...' (duplicate-name prevention; the drift audit)",
    "groups.readOwners": "GET /groups/{id}/owners (the drift audit)",
    "directoryObjects.read": "GET /directoryObjects/{id} (the provider resolves each configured owner)",
    "users.read": "binding users as owners or members of a group",
    "appRoleAssignments.grantGraph": "POST /servicePrincipals/{Microsoft Graph}/appRoleAssignedTo",
}


# What each part of an application is, as the need names it: all are PATCHes of the application (or its
# addPassword/removePassword actions), which Application.ReadWrite.OwnedBy allows on an application it owns.
APPLICATION_PARTS: dict[str, str] = {
    ENTRA_CREDENTIAL: "a federated credential",
    ENTRA_IDENTIFIER_URI: "an identifier URI",
    ENTRA_PRE_AUTHORIZED: "a pre-authorized client",
    ENTRA_APPLICATION_PASSWORD: "a password (addPassword, removePassword)",
}

SUBNET_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action"
SUBNET_SERVICE_ENDPOINT_JOIN = "Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action"
VNET_PEER = "Microsoft.Network/virtualNetworks/peer/action"
NSG_JOIN = "Microsoft.Network/networkSecurityGroups/join/action"
PUBLIC_IP_JOIN = "Microsoft.Network/publicIPAddresses/join/action"
GITHUB_NETWORK_SETTINGS = "GitHub.Network/networkSettings"
ASSIGN_IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"


def _role_guid(definition_id: Any) -> str:
    return str(definition_id).rsplit("/", 1)[-1].lower()


def _arm_needs(resource: Registration, operation: Operation, subscription_scope: str) -> list[ArmNeed]:
    arm = arm_type_for(resource.type, resource.inputs)
    inputs = resource.inputs
    verb = "write" if operation == "write" else "delete"
    scope = str(inputs.get(arm.scope_input)) if arm.scope_input else resource.id
    if resource.type == RESOURCE_GROUP:
        # Resource groups are subscription resources: their actions carry `subscriptions/`, and creating one is
        # checked at the subscription (the group does not exist yet to hold a role assignment).
        action = f"Microsoft.Resources/subscriptions/resourceGroups/{verb}"
        where = subscription_scope if operation == "write" else resource.id
        return [ArmNeed(action, where, f"{verb} the resource group")]
    if resource.type == ROLE_ASSIGNMENT:
        role = _role_guid(inputs.get("roleDefinitionId"))
        attributes = {"RoleDefinitionId": role, "PrincipalType": str(inputs.get("principalType", "User"))}
        return [
            ArmNeed(
                f"Microsoft.Authorization/roleAssignments/{verb}",
                scope,
                f"{verb} a role assignment",
                request=attributes if operation == "write" else {},
                resource={"RoleDefinitionId": role} if operation == "delete" else {},
            )
        ]
    if resource.type == PIM_ELIGIBILITY:
        # Creating and removing an eligibility are both requests (AdminAssign, AdminRemove).
        return [
            ArmNeed(
                "Microsoft.Authorization/roleEligibilityScheduleRequests/write",
                scope,
                "a PIM eligibility is made and removed through eligibility schedule requests",
            )
        ]
    needs = [ArmNeed(f"{arm.arm_type}/{verb}", scope, f"{verb} the {arm.arm_type.rsplit('/', 1)[-1]}")]
    if operation == "write":
        needs += _linked_needs(resource)
    return needs


def _linked_needs(resource: Registration) -> list[ArmNeed]:
    """The actions ARM checks on other resources a write refers to."""
    inputs = resource.inputs
    kind = resource.type
    needs: list[ArmNeed] = []
    if kind == "azure-native:network:PrivateEndpoint":
        needs.append(ArmNeed(SUBNET_JOIN, str(inputs.get("subnet", {}).get("id")), "the endpoint joins this subnet"))
        for connection in inputs.get("privateLinkServiceConnections", []):
            target = str(connection.get("privateLinkServiceId"))
            provider_type = _provider_type(target)
            needs.append(
                ArmNeed(
                    f"{provider_type}/privateEndpointConnectionsApproval/action",
                    target,
                    "an automatically approved endpoint connection is approved by its creator",
                    documented=provider_type == "Microsoft.KeyVault/vaults",
                )
            )
    elif kind == "azure-native:network:PrivateDnsZoneGroup":
        for config in inputs.get("privateDnsZoneConfigs", []):
            needs.append(
                ArmNeed(
                    "Microsoft.Network/privateDnsZones/join/action",
                    str(config.get("privateDnsZoneId")),
                    "the endpoint's records are written into this zone",
                )
            )
    elif kind == "azure-native:privatedns:VirtualNetworkLink":
        needs.append(
            ArmNeed(
                "Microsoft.Network/virtualNetworks/join/action",
                str(inputs.get("virtualNetwork", {}).get("id")),
                "the zone is linked to this network",
            )
        )
    elif kind == "azure-native:web:WebApp":
        identities = list(inputs.get("identity", {}).get("userAssignedIdentities", []))
        reference = inputs.get("keyVaultReferenceIdentity")
        # "SystemAssigned" names the app's own identity, which needs no assign action; an id names a user-assigned one.
        referenced = [reference] if isinstance(reference, str) and reference.startswith("/") else []
        for identity in dict.fromkeys([*identities, *referenced]):
            needs.append(ArmNeed(ASSIGN_IDENTITY, str(identity), "the app runs as this user-assigned identity"))
        subnet = inputs.get("virtualNetworkSubnetId")
        if subnet:
            needs.append(ArmNeed(SUBNET_JOIN, str(subnet), "the app's outbound traffic enters this subnet"))
    if kind in ("azure-native:cognitiveservices:Account", "azure-native:cognitiveservices:Project"):
        for identity in (inputs.get("identity") or {}).get("userAssignedIdentities") or []:
            needs.append(ArmNeed(ASSIGN_IDENTITY, str(identity), "the account or project runs as this identity"))
    if kind == "azure-native:cognitiveservices:Account":
        for injection in inputs.get("properties", {}).get("networkInjections") or []:
            needs.append(
                ArmNeed(
                    SUBNET_JOIN,
                    str(injection.get("subnetArmId")),
                    "the agent runtime is injected into this subnet",
                    documented=False,
                )
            )
    elif kind in ("azure-native:storage:StorageAccount", "azure-native:keyvault:Vault"):
        for subnet in firewall_subnets(kind, inputs):
            needs.append(
                ArmNeed(
                    SUBNET_SERVICE_ENDPOINT_JOIN,
                    subnet,
                    "its firewall admits this subnet",
                    # Documented for Storage; for Key Vault inferred from the same service-endpoint mechanism.
                    documented=kind == "azure-native:storage:StorageAccount",
                )
            )
    elif kind == "azure-native:network:VirtualNetworkPeering":
        remote = str(inputs.get("remoteVirtualNetwork", {}).get("id"))
        needs.append(ArmNeed(VNET_PEER, remote, "this network is peered with that one"))
    elif kind == "azure-native:network:VirtualNetwork":
        groups = [
            str(subnet["networkSecurityGroup"]["id"])
            for subnet in inputs.get("subnets", [])
            if isinstance(subnet.get("networkSecurityGroup"), dict)
        ]
        for group in dict.fromkeys(groups):
            needs.append(ArmNeed(NSG_JOIN, group, "a subnet of this network is associated with this security group"))
    elif kind == "azure-native:network:BastionHost":
        for configuration in inputs.get("ipConfigurations", []):
            needs.append(
                ArmNeed(SUBNET_JOIN, str(configuration.get("subnet", {}).get("id")), "Bastion joins this subnet")
            )
            needs.append(
                ArmNeed(
                    PUBLIC_IP_JOIN,
                    str(configuration.get("publicIPAddress", {}).get("id")),
                    "Bastion is reached through this public IP",
                )
            )
    elif arm_type_for(kind, inputs).arm_type == GITHUB_NETWORK_SETTINGS:
        needs.append(
            ArmNeed(
                SUBNET_JOIN,
                str(inputs.get("properties", {}).get("subnetId")),
                "GitHub Actions' runners are placed in this delegated subnet (its service association link)",
                documented=False,
            )
        )
    elif kind == "azure-native:monitor:DiagnosticSetting" and inputs.get("workspaceId"):
        workspace = str(inputs.get("workspaceId"))
        needs.append(
            ArmNeed(
                "Microsoft.OperationalInsights/workspaces/sharedKeys/action",
                workspace,
                "logs are sent to this workspace",
            )
        )
    return needs


def _provider_type(resource_id: str) -> str:
    """`Microsoft.X/type` of a top-level resource id."""
    tail = resource_id.split("/providers/", 1)[-1].split("/")
    return "/".join(tail[:2])


def _owned(resource: Registration | None, holder_object_id: str | None) -> bool:
    if resource is None or holder_object_id is None:
        return False
    owners = [str(o).lower() for o in resource.inputs.get("owners", [])]
    if resource.type == ENTRA_GROUP and not owners:
        return True  # created without owners, a group is owned by its creator
    return holder_object_id.lower() in owners


def _graph_needs(
    resource: Registration, operation: Operation, holder_object_id: str | None, others: Sequence[Registration]
) -> list[GraphNeed]:
    inputs = resource.inputs
    label = str(inputs.get("displayName") or resource.name)
    owned = _owned(resource, holder_object_id)
    if resource.type == ENTRA_APPLICATION:
        needs = [GraphNeed("applications.manage", label, owned, "update it, its owners and credentials later")]
        if operation == "write":
            needs.insert(0, GraphNeed("applications.create", label))
            if inputs.get("preventDuplicateNames"):
                needs.append(GraphNeed("applications.list", label, why="duplicate-name prevention"))
        return needs
    if resource.type == ENTRA_SERVICE_PRINCIPAL:
        application = next(
            (o for o in others if o.type == ENTRA_APPLICATION and o.state.get("clientId") == inputs.get("clientId")),
            None,
        )
        needs = [GraphNeed("servicePrincipals.manage", label, owned)]
        if operation == "write":
            app_label = str(application.inputs.get("displayName")) if application else str(inputs.get("clientId"))
            needs.insert(
                0,
                GraphNeed(
                    "servicePrincipals.create",
                    app_label,
                    _owned(application, holder_object_id),
                    "a service principal for this application",
                ),
            )
        return needs
    if resource.type in ENTRA_APPLICATION_PARTS:
        application = next(
            (o for o in others if o.type == ENTRA_APPLICATION and o.state.get("id") == inputs.get("applicationId")),
            None,
        )
        app_label = str(application.inputs.get("displayName")) if application else str(inputs.get("applicationId"))
        part = APPLICATION_PARTS[resource.type]
        return [GraphNeed("applications.manage", app_label, _owned(application, holder_object_id), part)]
    if resource.type == ENTRA_GROUP:
        needs = [GraphNeed("groups.manage", label, owned, "its members and owners, later updates")]
        if operation == "write":
            needs.insert(0, GraphNeed("groups.create", label))
            owners = [str(o).lower() for o in inputs.get("owners", [])]
            if owners:
                needs.append(GraphNeed("directoryObjects.read", label, why="the provider resolves the owners"))
            if [o for o in owners if o != str(holder_object_id).lower()] or inputs.get("members"):
                needs.append(GraphNeed("users.read", label, why="binding people as owners or members"))
            if inputs.get("preventDuplicateNames"):
                needs.append(GraphNeed("groups.list", label, why="duplicate-name prevention"))
        return needs
    if resource.type == ENTRA_GROUP_MEMBER:
        return [GraphNeed("groups.manage", str(inputs.get("groupObjectId")), False, "a member")]
    if resource.type == ENTRA_APP_ROLE_ASSIGNMENT:
        return [
            GraphNeed(
                "appRoleAssignments.grantGraph", str(inputs.get("appRoleId")), why="a Microsoft Graph permission"
            ),
            GraphNeed(
                "servicePrincipals.read", "Microsoft Graph", why="the provider reads the resource service principal"
            ),
        ]
    # An Entra resource nobody taught this catalogue would pass the rights check unexamined.
    raise ValueError(f"no Microsoft Graph needs known for {resource.type}: add them to offline/rights/catalogue.py")


def needs_of(
    resource: Registration,
    operation: Operation,
    holder_object_id: str | None,
    others: Sequence[Registration],
    subscription_scope: str,
) -> list[Need]:
    """What writing or deleting `resource` needs from a caller whose object id is `holder_object_id`."""
    if not resource.custom:
        return []
    if resource.type in ARM_TYPES:
        return list(_arm_needs(resource, operation, subscription_scope))
    return list(_graph_needs(resource, operation, holder_object_id, others))


def audit_needs(resource: Registration) -> list[Need]:
    """What the drift audit (`offline.drift`) reads of a resource the stack declares."""
    kind = resource.type
    if kind == ROLE_ASSIGNMENT:
        return [
            ArmNeed(
                "Microsoft.Authorization/roleAssignments/read",
                str(resource.inputs.get("scope")),
                "list the role assignments at and below the environment's group",
            )
        ]
    if kind == PIM_ELIGIBILITY:
        return [
            ArmNeed(
                "Microsoft.Authorization/roleEligibilitySchedules/read",
                str(resource.inputs.get("scope")),
                "list the PIM eligibilities at and below the environment's group",
            )
        ]
    if kind == "azure-native:cognitiveservices:Account":
        return [ArmNeed("Microsoft.CognitiveServices/accounts/read", resource.id, "read local auth and network access")]
    if kind == "azure-native:managedidentity:UserAssignedIdentity":
        return [
            ArmNeed(
                "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
                resource.id,
                "list the identity's federated credentials",
            )
        ]
    if kind == ENTRA_APPLICATION:
        label = str(resource.inputs.get("displayName"))
        return [GraphNeed("applications.list", label, why="its client secrets and federated credentials")]
    if kind == ENTRA_GROUP:
        label = str(resource.inputs.get("displayName"))
        return [GraphNeed("groups.list", label, why="find the group"), GraphNeed("groups.readOwners", label)]
    return []


def preview_needs(resource: Registration) -> list[Need]:
    """What `pulumi preview` needs for a resource it would create: the azuread provider looks applications up by
    name at plan time when duplicate-name prevention is on (its CustomizeDiff, for new or renamed ones)."""
    if resource.type == ENTRA_APPLICATION and resource.inputs.get("preventDuplicateNames"):
        label = str(resource.inputs.get("displayName"))
        return [GraphNeed("applications.list", label, why="duplicate-name prevention runs during preview")]
    return []


def backend_needs(state_container: str, secrets_key: str, writes: bool) -> list[ArmNeed]:
    """Using the stack's state and secrets: blobs in the state container, the key that wraps the stack's data key."""
    blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
    key = "Microsoft.KeyVault/vaults/keys"
    needs = [
        ArmNeed(f"{blob}/read", state_container, "read the stack's state", data=True),
        ArmNeed(f"{key}/decrypt/action", secrets_key, "decrypt the stack's secrets", data=True),
    ]
    if writes:
        needs += [
            ArmNeed(f"{blob}/write", state_container, "save the stack's state and its lock", data=True),
            ArmNeed(f"{blob}/delete", state_container, "release the lock", data=True),
            ArmNeed(f"{key}/encrypt/action", secrets_key, "encrypt new secrets", data=True),
        ]
    return needs
