"""What the offline harness knows about each azure-native resource type the projects use: its ARM type, how its
ARM id is built from its inputs, and which inputs replace it when they change.

One table serves the mock Azure (realistic ids), the strict checks (what is a child of what), the replacement
rehearsal (what a change does), the deployer rights check (which ARM actions a write needs) and the resource
provider registration list (which namespaces a subscription must have). A type missing here fails the render:
adding a resource type to the program means saying here how Azure treats it.

Replacement: azure-native replaces a resource when a path parameter (its resource group and every name segment)
or a create-only top-level property changes (its generator, provider/pkg/gen/properties.go, and the hand-written
list provider/pkg/gen/replacement.go); nested create-only properties do not. Extension resources are named by
their scope, which is a path parameter too. The lists below were derived from the REST specs at the API versions
azure-native 3.29 uses and that provider's replacement list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ArmType:
    token: str
    arm_type: str  # namespace/type[/child...], e.g. Microsoft.CognitiveServices/accounts/projects
    # Inputs naming each level below the namespace; "=literal" for a fixed segment (e.g. "=default").
    name_inputs: tuple[str, ...]
    # Extension resources live under another resource (a scope), not under a resource group.
    scope_input: str = ""
    # Top-level inputs that replace the resource when they change, besides its group, scope and name segments.
    replace_inputs: tuple[str, ...] = ()
    # Its Azure name is globally unique (a DNS name), not just within its resource group or parent.
    global_name: bool = False
    # Inputs azure-native sends as an in-place update that Azure refuses ("*": every input): such a change fails.
    refused_updates: tuple[str, ...] = ()
    # Inputs azure-native sends as an update that Azure answers with success and does not apply ("*": every input):
    # such a change is reported as done and never happens.
    unapplied_updates: tuple[str, ...] = ()
    # (input path, how to apply it by hand) for the unapplied changes that have another way into Azure: such a change
    # is a step to take, not a stop.
    applied_by_hand: tuple[tuple[str, str], ...] = ()
    # (input, full-match pattern, what Azure allows) for the name Azure checks; a name outside it is refused.
    name_format: tuple[str, str, str] | None = None
    # The provider always generates the name (no input sets it); azure-native then replaces create-first.
    generated_name: bool = False
    # A subscription resource (a policy definition): no resource group in its id.
    subscription_level: bool = False
    # A generic resource (azure-native:resources:Resource) states its type in its inputs: (namespace input, type
    # input, parent path input). `arm_type` is then a placeholder; `for_inputs` gives the resource's own type.
    type_inputs: tuple[str, str, str] | None = None

    def for_inputs(self, inputs: Mapping[str, Any]) -> ArmType:
        """This type as a resource with these inputs has it: itself, or a generic resource's concrete type."""
        if self.type_inputs is None:
            return self
        namespace_input, type_input, parent_input = self.type_inputs
        namespace, kind = str(inputs.get(namespace_input) or ""), str(inputs.get(type_input) or "")
        if inputs.get(parent_input) or not namespace or not kind or "/" in kind:
            raise UnknownArmTypeError(
                f"{self.token} with {namespace_input}={namespace!r}, {type_input}={kind!r}, {parent_input}="
                f"{inputs.get(parent_input)!r}: the offline harness knows generic resources only as top-level "
                "resources of a resource group; extend offline/arm.py (ArmType.for_inputs) for this one"
            )
        return dataclasses.replace(self, arm_type=f"{namespace}/{kind}", type_inputs=None)

    @property
    def namespace(self) -> str:
        return self.arm_type.split("/", 1)[0]

    @property
    def path_inputs(self) -> tuple[str, ...]:
        """The inputs in its ARM id: changing any of them is a different resource."""
        named = tuple(n for n in self.name_inputs if not n.startswith("="))
        return (self.scope_input, *named) if self.scope_input else ("resourceGroupName", *named)

    def resource_id(self, subscription_id: str, inputs: Mapping[str, Any], auto_name: str = "") -> str:
        """Its ARM id; a name segment the inputs leave out is `auto_name` (azure-native names it itself then)."""
        if self.type_inputs is not None:
            return self.for_inputs(inputs).resource_id(subscription_id, inputs, auto_name)
        types = self.arm_type.split("/")[1:]
        names = [n[1:] if n.startswith("=") else str(inputs.get(n) or auto_name) for n in self.name_inputs]
        tail = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
        if self.scope_input:
            return f"{inputs.get(self.scope_input)}/providers/{self.namespace}/{tail}"
        if self.arm_type == "Microsoft.Resources/resourceGroups":
            return f"/subscriptions/{subscription_id}/resourceGroups/{names[0]}"
        if self.subscription_level:
            return f"/subscriptions/{subscription_id}/providers/{self.namespace}/{tail}"
        return f"/subscriptions/{subscription_id}/resourceGroups/{inputs.get('resourceGroupName')}/providers/{self.namespace}/{tail}"


_COGNITIVE = "Microsoft.CognitiveServices/accounts"
# Learn, "Naming rules and restrictions for Azure resources", Microsoft.Network (MicrosoftDocs/azure-docs
# articles/azure-resource-manager/management/resource-name-rules.md): network security groups, public IP addresses,
# virtual network peerings and the like take 1-80 alphanumerics, '_', '.' and '-', starting with an alphanumeric and
# ending with an alphanumeric or '_'; virtual networks the same in 2-64.
_NETWORK_NAME = r"[a-zA-Z0-9](?:[a-zA-Z0-9_.-]{0,78}[a-zA-Z0-9_])?"
_NETWORK_RULE = "1-80 letters, digits, '_', '.' and '-', starting with a letter or digit, ending with one or '_'"


def _network_name(name_input: str) -> tuple[str, str, str]:
    return (name_input, _NETWORK_NAME, _NETWORK_RULE)


ARM_TYPES: dict[str, ArmType] = {
    t.token: t
    for t in (
        ArmType(
            "azure-native:resources:ResourceGroup",
            "Microsoft.Resources/resourceGroups",
            ("resourceGroupName",),
            replace_inputs=("location",),
        ),
        # The account's and a project's identity cannot be changed once made (foundry-samples bicep 17: "Select
        # 'UserAssigned' or 'SystemAssigned,UserAssigned' during creation as this cannot be updated").
        ArmType(
            "azure-native:cognitiveservices:Account",
            _COGNITIVE,
            ("accountName",),
            replace_inputs=("location",),
            refused_updates=("identity",),
            global_name=True,  # also its custom subdomain, <name>.cognitiveservices.azure.com
        ),
        ArmType(
            "azure-native:cognitiveservices:Project",
            f"{_COGNITIVE}/projects",
            ("accountName", "projectName"),
            replace_inputs=("location",),
            refused_updates=("identity",),
        ),
        ArmType(
            "azure-native:cognitiveservices:Deployment", f"{_COGNITIVE}/deployments", ("accountName", "deploymentName")
        ),
        ArmType(
            "azure-native:cognitiveservices:RaiPolicy", f"{_COGNITIVE}/raiPolicies", ("accountName", "raiPolicyName")
        ),
        ArmType(
            "azure-native:cognitiveservices:RaiBlocklist",
            f"{_COGNITIVE}/raiBlocklists",
            ("accountName", "raiBlocklistName"),
        ),
        ArmType(
            "azure-native:cognitiveservices:RaiBlocklistItem",
            f"{_COGNITIVE}/raiBlocklists/raiBlocklistItems",
            ("accountName", "raiBlocklistName", "raiBlocklistItemName"),
        ),
        ArmType(
            "azure-native:cognitiveservices:ProjectConnection",
            f"{_COGNITIVE}/projects/connections",
            ("accountName", "projectName", "connectionName"),
            # REST spec 2025-06-01, parameter `connectionName`: ^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$
            name_format=("connectionName", r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}", "3-33 letters, digits, '_' and '-'"),
        ),
        # Capability hosts (REST spec 2025-06-01): no property is create-only there, but Azure refuses to update one
        # (Learn, "Capability hosts"): the program replaces them on any change (replace_on_changes), deleting first.
        ArmType(
            "azure-native:cognitiveservices:AccountCapabilityHost",
            f"{_COGNITIVE}/capabilityHosts",
            ("accountName", "capabilityHostName"),
            refused_updates=("*",),
            name_format=("capabilityHostName", r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}", "1-255 letters, digits, '_', '-'"),
        ),
        ArmType(
            "azure-native:cognitiveservices:ProjectCapabilityHost",
            f"{_COGNITIVE}/projects/capabilityHosts",
            ("accountName", "projectName", "capabilityHostName"),
            refused_updates=("*",),
            name_format=("capabilityHostName", r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}", "1-255 letters, digits, '_', '-'"),
        ),
        # A policy assignment is an extension resource of its scope; its name is at most 64 characters there.
        ArmType(
            "azure-native:authorization:PolicyAssignment",
            "Microsoft.Authorization/policyAssignments",
            ("policyAssignmentName",),
            scope_input="scope",
            name_format=("policyAssignmentName", r"[^<>*%&:\\?.+/]{1,64}", "1-64 characters, none of <>*%&:\\?.+/"),
        ),
        ArmType(
            "azure-native:authorization:PolicyDefinition",
            "Microsoft.Authorization/policyDefinitions",
            ("policyDefinitionName",),
            subscription_level=True,
            # REST spec (policyDefinitions.json, 2025-01-01): none of <>*%&:\?.+/ and no trailing space; Learn's
            # resource name rules: 1-64 characters.
            name_format=(
                "policyDefinitionName",
                r"[^<>*%&:\\?.+/]{0,63}[^<>*%&:\\?.+/ ]",
                "1-64 characters, none of <>*%&:\\?.+/, not ending in a space",
            ),
        ),
        # A lock is an extension resource of what it locks (Learn, "Lock your resources").
        ArmType(
            "azure-native:authorization:ManagementLockByScope",
            "Microsoft.Authorization/locks",
            ("lockName",),
            scope_input="scope",
        ),
        ArmType(
            "azure-native:authorization:RoleAssignment",
            "Microsoft.Authorization/roleAssignments",
            ("roleAssignmentName",),
            scope_input="scope",
            # Azure refuses to change an existing assignment (RoleAssignmentUpdateNotPermitted). azure-native replaces
            # it for a new principal, but sends a new role as an update, which fails: role changes need a new name.
            replace_inputs=("principalId",),
            refused_updates=("roleDefinitionId", "principalType", "condition", "conditionVersion"),
        ),
        ArmType(
            "azure-native:authorization:PimRoleEligibilitySchedule",
            "Microsoft.Authorization/roleEligibilityScheduleRequests",
            ("roleEligibilityScheduleRequestName",),  # not an input: the provider generates a GUID
            scope_input="scope",
            generated_name=True,
            # The custom resource has no update. Its schema marks every input replace-on-change, but the 3.29 Python
            # SDK sends no such option (none in pim_role_eligibility_schedule.py), so without the program's own
            # `replace_on_changes` a changed input would be sent as an update and fail.
            refused_updates=("*",),
        ),
        ArmType(
            "azure-native:managedidentity:UserAssignedIdentity",
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            ("resourceName",),
            replace_inputs=("location",),
        ),
        ArmType(
            "azure-native:managedidentity:FederatedIdentityCredential",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
            ("resourceName", "federatedIdentityCredentialResourceName"),
        ),
        ArmType(
            "azure-native:keyvault:Vault",
            "Microsoft.KeyVault/vaults",
            ("vaultName",),
            global_name=True,
            # REST spec: ^[a-zA-Z0-9-]{3,24}$ (and Key Vault's naming rules: a letter first, no '--')
            name_format=("vaultName", r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]", "3-24 letters, digits, '-'"),
        ),
        ArmType(
            "azure-native:keyvault:Key",
            "Microsoft.KeyVault/vaults/keys",
            ("vaultName", "keyName"),
            # Keys_CreateIfNotExist: "If it already exists, then the existing key is returned without any write
            # operations being performed ... does not create subsequent versions, and does not update existing keys"
            # (azure-rest-api-specs keyvault/resource-manager 2024-11-01 keys.json). azure-native replaces a key for
            # none of its inputs but its name, so a change of type, size, expiry or rotation policy is a silent no-op.
            unapplied_updates=("*",),
            # The rotation policy has its own data-plane endpoint (Learn, "Configure cryptographic key auto-rotation").
            applied_by_hand=(
                (
                    "properties.rotationPolicy",
                    "apply the new rotation policy by hand, from an admitted address: `az keyvault key rotation-policy "
                    "update --vault-name <vault> --name <key> --value <policy.json>` (docs/delivery.md, 'The secrets key')",
                ),
            ),
            name_format=("keyName", r"[a-zA-Z0-9-]{1,127}", "1-127 letters, digits and '-'"),
        ),
        ArmType(
            "azure-native:keyvault:Secret",
            "Microsoft.KeyVault/vaults/secrets",
            ("vaultName", "secretName"),
            # Key Vault object names: 1-127 letters, digits and '-' (REST spec, secrets: ^[a-zA-Z0-9-]{1,127}$).
            name_format=("secretName", r"[a-zA-Z0-9-]{1,127}", "1-127 letters, digits and '-'"),
        ),
        ArmType(
            "azure-native:web:AppServicePlan",
            "Microsoft.Web/serverfarms",
            ("name",),
            replace_inputs=("reserved", "isXenon", "hyperV", "hostingEnvironmentProfile"),
        ),
        ArmType(
            "azure-native:web:WebApp",
            "Microsoft.Web/sites",
            ("name",),
            replace_inputs=("location", "kind", "reserved", "isXenon", "hyperV", "hostingEnvironmentProfile"),
            global_name=True,  # <name>.azurewebsites.net
        ),
        ArmType(
            "azure-native:web:WebAppFtpAllowed",
            "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
            ("name", "=ftp"),
        ),
        ArmType(
            "azure-native:web:WebAppScmAllowed",
            "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
            ("name", "=scm"),
        ),
        ArmType(
            "azure-native:network:VirtualNetwork",
            "Microsoft.Network/virtualNetworks",
            ("virtualNetworkName",),
            replace_inputs=("location",),
            name_format=(
                "virtualNetworkName",
                r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_]",
                "2-64 letters, digits, '_', '.' and '-', starting with a letter or digit, ending with one or '_'",
            ),
        ),
        ArmType(
            # Both sides of a peering: one on each VNet, each naming the other as its remote network.
            "azure-native:network:VirtualNetworkPeering",
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            ("virtualNetworkName", "virtualNetworkPeeringName"),
            name_format=_network_name("virtualNetworkPeeringName"),
        ),
        ArmType(
            "azure-native:network:NetworkSecurityGroup",
            "Microsoft.Network/networkSecurityGroups",
            ("networkSecurityGroupName",),
            replace_inputs=("location",),
            name_format=_network_name("networkSecurityGroupName"),
        ),
        ArmType(
            "azure-native:network:PublicIPAddress",
            "Microsoft.Network/publicIPAddresses",
            ("publicIpAddressName",),
            replace_inputs=("location",),
            name_format=_network_name("publicIpAddressName"),
        ),
        ArmType(
            "azure-native:network:BastionHost",
            "Microsoft.Network/bastionHosts",
            ("bastionHostName",),
            replace_inputs=("location",),
            name_format=_network_name("bastionHostName"),
        ),
        ArmType(
            # The generic resource, for types azure-native has no typed resource for (GitHub.Network/networkSettings).
            # Every segment of its REST path is a path parameter (PUT /subscriptions/{}/resourcegroups/{}/providers/
            # {resourceProviderNamespace}/{parentResourcePath}/{resourceType}/{resourceName}; Pulumi registry,
            # azure-native resources.Resource, Import), so changing any of them is another resource.
            "azure-native:resources:Resource",
            "<resourceProviderNamespace>/<resourceType>",
            ("resourceName",),
            replace_inputs=("resourceProviderNamespace", "parentResourcePath", "resourceType", "location"),
            type_inputs=("resourceProviderNamespace", "resourceType", "parentResourcePath"),
        ),
        ArmType(
            "azure-native:network:PrivateEndpoint",
            "Microsoft.Network/privateEndpoints",
            ("privateEndpointName",),
            replace_inputs=("location", "subnet"),
        ),
        ArmType(
            "azure-native:network:PrivateDnsZoneGroup",
            "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            ("privateEndpointName", "privateDnsZoneGroupName"),
        ),
        ArmType(
            "azure-native:privatedns:PrivateZone",
            "Microsoft.Network/privateDnsZones",
            ("privateZoneName",),
            replace_inputs=("location",),
        ),
        ArmType(
            "azure-native:privatedns:VirtualNetworkLink",
            "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            ("privateZoneName", "virtualNetworkLinkName"),
            replace_inputs=("location",),
        ),
        ArmType(
            "azure-native:operationalinsights:Workspace",
            "Microsoft.OperationalInsights/workspaces",
            ("workspaceName",),
            replace_inputs=("location",),
        ),
        ArmType(
            "azure-native:applicationinsights:Component",
            "Microsoft.Insights/components",
            ("resourceName",),
            replace_inputs=("location", "applicationType"),
        ),
        ArmType(
            "azure-native:monitor:DiagnosticSetting",
            "Microsoft.Insights/diagnosticSettings",
            ("name",),
            scope_input="resourceUri",
        ),
        ArmType(
            "azure-native:storage:StorageAccount",
            "Microsoft.Storage/storageAccounts",
            ("accountName",),
            replace_inputs=("location", "isHnsEnabled"),
            global_name=True,  # <name>.blob.core.windows.net
            # REST spec 2024-01-01: ^[a-z0-9]+$, 3-24
            name_format=("accountName", r"[a-z0-9]{3,24}", "3-24 lowercase letters and digits"),
        ),
        ArmType(
            "azure-native:search:Service",
            "Microsoft.Search/searchServices",
            ("searchServiceName",),
            replace_inputs=("location",),
            global_name=True,  # <name>.search.windows.net
            # REST spec 2025-05-01: ^(?=.{2,60}$)[a-z0-9][a-z0-9]+(-[a-z0-9]+)*$
            name_format=(
                "searchServiceName",
                r"(?=.{2,60}$)[a-z0-9][a-z0-9]+(-[a-z0-9]+)*",
                "2-60 lowercase letters, digits and single inner '-'",
            ),
        ),
        ArmType(
            "azure-native:cosmosdb:DatabaseAccount",
            "Microsoft.DocumentDB/databaseAccounts",
            ("accountName",),
            # `kind` "can only be set at database account creation" (REST spec 2025-10-15, its description); a
            # zone-redundant location cannot be turned on or off in place (Learn, Cosmos DB high availability).
            replace_inputs=("location",),
            refused_updates=("kind",),
            global_name=True,  # <name>.documents.azure.com
            # Learn, resource name rules: 3-44 lowercase letters, digits and '-'
            name_format=("accountName", r"[a-z0-9]+(-[a-z0-9]+)*", "3-44 lowercase letters, digits and inner '-'"),
        ),
        ArmType(
            "azure-native:cosmosdb:SqlResourceSqlRoleAssignment",
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
            ("accountName", "roleAssignmentId"),
            replace_inputs=("principalId", "scope"),  # pulumi-azure-native replacement.go
            name_format=(
                "roleAssignmentId",
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "a GUID",
            ),
        ),
        ArmType(
            "azure-native:storage:BlobServiceProperties",
            "Microsoft.Storage/storageAccounts/blobServices",
            ("accountName", "blobServicesName"),
        ),
        ArmType(
            "azure-native:storage:BlobContainer",
            "Microsoft.Storage/storageAccounts/blobServices/containers",
            ("accountName", "=default", "containerName"),
        ),
    )
}


class UnknownArmTypeError(KeyError):
    """A resource type the harness has not been told about (see this module's docstring)."""


def arm_type_of(token: str) -> ArmType:
    found = ARM_TYPES.get(token)
    if found is None:
        raise UnknownArmTypeError(
            f"{token}: the offline harness does not know how Azure treats this resource type; add it to offline/arm.py "
            "(ARM type, name inputs, replacing inputs) and to the rights catalogue before using it"
        )
    return found


def arm_type_for(token: str, inputs: Mapping[str, Any]) -> ArmType:
    """The ARM type of a resource with these inputs: a generic resource's own (see `ArmType.for_inputs`)."""
    return arm_type_of(token).for_inputs(inputs)


def is_child_of(child_id: str, parent_id: str) -> bool:
    """A resource below `parent_id` in its own provider (an extension resource, e.g. a role assignment, is not)."""
    prefix = parent_id.lower() + "/"
    lowered = child_id.lower()
    return lowered.startswith(prefix) and "/providers/" not in lowered[len(prefix) :]


def firewall_subnets(resource_type: str, inputs: Mapping[str, Any]) -> list[str]:
    """The subnets a storage account's or Key Vault's firewall admits by virtual network rule (none for other types)."""
    if resource_type == "azure-native:storage:StorageAccount":
        rules = (inputs.get("networkRuleSet") or {}).get("virtualNetworkRules") or []
        return [str(rule.get("virtualNetworkResourceId")) for rule in rules]
    if resource_type == "azure-native:keyvault:Vault":
        rules = ((inputs.get("properties") or {}).get("networkAcls") or {}).get("virtualNetworkRules") or []
        return [str(rule.get("id")) for rule in rules]
    return []
