"""What Azure and Entra refuse, checked on a rendering: the mocks accept anything, these rules do not.

Each rule names a service behaviour and where it is documented or was seen failing; `check_rendering` runs them
on one rendering (the render harness does so by default and fails the render with `AzureRefusalError`), and
`check_global_names` runs across every stack a repository deploys.

- connection-name-per-account: project connection names are unique across all projects of a Foundry account
  (Azure/terraform-azurerm-avm-ptn-aiml-ai-foundry #73, microsoft-foundry/foundry-samples #263).
- one-write-at-a-time: a Foundry account takes one write to its children (and to its private endpoint
  connections) at a time, 409 RequestConflict otherwise (Azure/azure-dev #9398, terraform-provider-azurerm
  #22607, foundry-samples PR #560); a user-assigned identity and an app registration take one federated
  credential write at a time. Writes under such a parent must wait for each other. The azuread resources that
  write a part of an application (identifier URI, pre-authorized client, password) read the application, merge
  their part and write it back, without retries (terraform-provider-azuread internal/services/applications):
  side by side, one would write back a copy without the other's part, so they join the application's chain.
  Cosmos DB takes one SQL role assignment write per account at a time (412 "another user operation in progress
  which requires an exclusive lock", hashicorp/terraform-provider-azurerm #15842).
- capability-host-per-scope: one capability host per Foundry account and per project (a second name at the same
  scope is refused, 409: Learn, "Capability hosts"); none declared for an account that injects its agent runtime
  into a subnet, where the service makes its own (foundry-samples #312, PR #753); and a project's capability host
  waits for its account's (AVM Terraform pattern #21).
- entra-caller-keeps-ownership: the azuread provider creates an application or service principal with its
  caller as owner and removes the caller when `owners` does not list it (terraform-provider-azuread
  application_resource.go / service_principal_resource.go, `removeCallerOwner`); a group without owners gets
  the caller. A caller whose Graph rights reach only what it owns then gets 403 on the next write.
- name-unique-in-scope: an ARM id can be created once (azure-native checks for an existing resource before it
  creates: "cannot create already existing resource").
- name-format: a name outside the pattern the REST spec gives (a project connection: 3-33 characters).
- role-assignment-once: the same role for the same principal at the same scope under two names is refused
  (RoleAssignmentExists).
- federated-credentials-per-identity: at most 20 per application or user-assigned identity, issuer + subject
  and name unique per identity (Microsoft Graph, federatedIdentityCredential).
- entra-name-unique: with duplicate-name prevention, a second application or group of the same display name
  is refused at creation; an identifier URI is unique across the tenant (a multi-tenant API's, across Entra).
- firewall-subnet-has-endpoint: a storage account's or Key Vault's virtual network rule names a subnet that carries
  the service's endpoint (Microsoft.Storage or Microsoft.Storage.Global; Microsoft.KeyVault), or Azure refuses the
  rule (Learn, "Configure Azure Storage firewalls and virtual networks"; "Virtual network service endpoints for
  Azure Key Vault"); the account or vault waits for the network that gives the subnet its endpoint.
- global-name-unique: account (custom subdomain), Key Vault, web app and storage account names are DNS names,
  unique across Azure: two stacks of one repository must not share one.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.catalogue.resource_types import (
    ACCOUNT,
    ACCOUNT_CAPABILITY_HOST,
    CONNECTION,
    COSMOS_ACCOUNT,
    COSMOS_SQL_ROLE_ASSIGNMENT,
    ENTRA_APPLICATION,
    ENTRA_APPLICATION_PARTS,
    ENTRA_CREDENTIAL,
    ENTRA_GROUP,
    ENTRA_IDENTIFIER_URI,
    ENTRA_SERVICE_PRINCIPAL,
    IDENTITY_CREDENTIAL,
    PRIVATE_ENDPOINT,
    PROJECT_CAPABILITY_HOST,
    ROLE_ASSIGNMENT,
    USER_ASSIGNED_IDENTITY,
)
from offline.arm import ARM_TYPES, firewall_subnets, is_child_of
from offline.registrations import Caller, Registration, Rendering, direct_dependencies

MAX_CREDENTIALS_PER_IDENTITY = 20


@dataclass(frozen=True)
class Refusal:
    rule: str
    urn: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.urn.rsplit('::', 1)[-1]}: {self.message}"


class AzureRefusalError(Exception):
    """What the program declares would be refused by Azure or Entra; each refusal names its rule."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        lines = "\n".join(f"  - {refusal}" for refusal in self.refusals)
        super().__init__(f"Azure or Entra would refuse what this stack declares:\n{lines}")


def _name(resource: Registration) -> str:
    return resource.urn.rsplit("::", 1)[-1]


class _Closure:
    """Transitive dependencies, computed once per resource."""

    def __init__(self, resources: Sequence[Registration]) -> None:
        self._by_urn = {r.urn: r for r in resources}
        self._memo: dict[str, frozenset[str]] = {}

    def of(self, urn: str) -> frozenset[str]:
        if urn in self._memo:
            return self._memo[urn]
        resource = self._by_urn.get(urn)
        found: set[str] = set()
        if resource is not None:
            for dependency in direct_dependencies(resource):
                found.add(dependency)
                found |= self.of(dependency)
        self._memo[urn] = frozenset(found)
        return self._memo[urn]


# --- the rules ----------------------------------------------------------------------------------------------


def connection_names_per_account(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    seen: dict[tuple[str, str], Registration] = {}
    refusals: list[Refusal] = []
    for connection in (r for r in resources if r.type == CONNECTION):
        account = str(connection.inputs.get("accountName"))
        name = str(connection.inputs.get("connectionName"))
        key = (account.lower(), name.lower())
        first = seen.setdefault(key, connection)
        if first is not connection:
            refusals.append(
                Refusal(
                    "connection-name-per-account",
                    connection.urn,
                    f"connection '{name}' of project '{connection.inputs.get('projectName')}' has the name of "
                    f"{_name(first)}'s connection on project '{first.inputs.get('projectName')}': names are unique "
                    f"across all projects of account '{account}'",
                )
            )
    return refusals


def serial_parents(resources: Sequence[Registration]) -> dict[str, tuple[str, list[Registration]]]:
    """Parent id -> (what it is, the writes under it that Azure takes one at a time), in registration order."""
    accounts = {r.id: r for r in resources if r.type == ACCOUNT}
    identities = {r.id: r for r in resources if r.type == USER_ASSIGNED_IDENTITY}
    cosmos_accounts = {r.id: r for r in resources if r.type == COSMOS_ACCOUNT}
    applications = {str(r.state.get("id")): r for r in resources if r.type == ENTRA_APPLICATION}
    groups: dict[str, tuple[str, list[Registration]]] = {}
    for resource in resources:
        parent: str | None = None
        if resource.type in ARM_TYPES and not ARM_TYPES[resource.type].scope_input:
            parent = next((a for a in accounts if is_child_of(resource.id, a)), None)
            if parent is None and resource.type == IDENTITY_CREDENTIAL:
                parent = next((i for i in identities if is_child_of(resource.id, i)), None)
            if parent is None and resource.type == COSMOS_SQL_ROLE_ASSIGNMENT:
                parent = next((c for c in cosmos_accounts if is_child_of(resource.id, c)), None)
        if resource.type == PRIVATE_ENDPOINT:
            targets = {
                str(c.get("privateLinkServiceId")) for c in resource.inputs.get("privateLinkServiceConnections", [])
            }
            parent = next((a for a in accounts if a in targets), None)
        if resource.type in ENTRA_APPLICATION_PARTS:
            parent = str(resource.inputs.get("applicationId"))
            if parent not in applications:
                parent = None
        if parent is None:
            continue
        owner = accounts.get(parent) or identities.get(parent) or cosmos_accounts.get(parent) or applications[parent]
        groups.setdefault(parent, (_name(owner), []))[1].append(resource)
    return groups


def capability_host_per_scope(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    closure = _Closure(resources)
    accounts = {r.id.lower(): r for r in resources if r.type == ACCOUNT}
    account_hosts = [r for r in resources if r.type == ACCOUNT_CAPABILITY_HOST]
    refusals = _duplicates(
        [r for r in resources if r.type in (ACCOUNT_CAPABILITY_HOST, PROJECT_CAPABILITY_HOST)],
        lambda r: r.id.lower().rsplit("/capabilityhosts/", 1)[0],
        lambda r, first: Refusal(
            "capability-host-per-scope",
            r.urn,
            f"a second capability host where {_name(first)} is: one per account and per project (409)",
        ),
    )
    for host in account_hosts:
        account = accounts.get(host.id.lower().rsplit("/capabilityhosts/", 1)[0])
        injections = (account.inputs.get("properties") or {}).get("networkInjections") if account else None
        if injections:
            refusals.append(
                Refusal(
                    "capability-host-per-scope",
                    host.urn,
                    "the account injects its agent runtime into a subnet, so the service makes the account's capability "
                    "host itself; another one is refused (409)",
                )
            )
    for host in (r for r in resources if r.type == PROJECT_CAPABILITY_HOST):
        account_id = host.id.lower().split("/projects/", 1)[0]
        account = accounts.get(account_id)
        injected = bool(account and (account.inputs.get("properties") or {}).get("networkInjections"))
        own = [a for a in account_hosts if a.id.lower().startswith(f"{account_id}/capabilityhosts/")]
        if not injected and not any(a.urn in closure.of(host.urn) for a in own):
            refusals.append(
                Refusal(
                    "capability-host-per-scope",
                    host.urn,
                    "its account has no capability host it waits for (none made by the service either: no agent subnet "
                    "injection); declare the account's first",
                )
            )
    return refusals


def one_write_at_a_time(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    closure = _Closure(resources)
    refusals: list[Refusal] = []
    for parent_name, members in serial_parents(resources).values():
        # Registration order is a topological order: each member must wait for the one registered before it.
        for previous, current in itertools.pairwise(members):
            if previous.urn not in closure.of(current.urn):
                refusals.append(
                    Refusal(
                        "one-write-at-a-time",
                        current.urn,
                        f"written at the same time as {_name(previous)} under {parent_name}, which takes one write at "
                        "a time (409 RequestConflict / AnotherOperationInProgress); make it wait for the previous one",
                    )
                )
    return refusals


def entra_caller_keeps_ownership(resources: Sequence[Registration], caller: Caller | None) -> list[Refusal]:
    if caller is None or not caller.graph_rights_owned_only:
        return []
    refusals: list[Refusal] = []
    for resource in (r for r in resources if r.type in (ENTRA_APPLICATION, ENTRA_SERVICE_PRINCIPAL, ENTRA_GROUP)):
        owners = [str(o).lower() for o in resource.inputs.get("owners", [])]
        if resource.type == ENTRA_GROUP and not owners:
            continue  # a group created without owners gets its creator as owner
        if caller.object_id.lower() not in owners:
            refusals.append(
                Refusal(
                    "entra-caller-keeps-ownership",
                    resource.urn,
                    f"`owners` does not list {caller.label} ({caller.object_id}), which runs `pulumi up` and manages "
                    "Entra objects only while it owns them: the azuread provider leaves it without access, so the "
                    "next write (service principal, federated credential, any update) fails with 403",
                )
            )
    return refusals


def name_unique_in_scope(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    counts = Counter(r.id.lower() for r in resources if r.custom and r.type in ARM_TYPES)
    return [
        Refusal(
            "name-unique-in-scope",
            r.urn,
            f"{r.id} is declared more than once: Azure has one resource per id, and the second create is refused",
        )
        for r in resources
        if r.custom and r.type in ARM_TYPES and counts[r.id.lower()] > 1
    ]


def name_format(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    refusals: list[Refusal] = []
    for resource in resources:
        rule = ARM_TYPES[resource.type].name_format if resource.type in ARM_TYPES else None
        if rule is None:
            continue
        name_input, pattern, allowed = rule
        name = str(resource.inputs.get(name_input, ""))
        if re.fullmatch(pattern, name) is None:
            refusals.append(
                Refusal(
                    "name-format",
                    resource.urn,
                    f"{name_input} {name!r} ({len(name)} characters): Azure allows {allowed}",
                )
            )
    return refusals


def role_assignment_once(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    seen: dict[tuple[str, str, str], Registration] = {}
    refusals: list[Refusal] = []
    for grant in (r for r in resources if r.type == ROLE_ASSIGNMENT):
        key = (
            str(grant.inputs.get("scope")).lower(),
            str(grant.inputs.get("principalId")).lower(),
            str(grant.inputs.get("roleDefinitionId")).rsplit("/", 1)[-1].lower(),
        )
        first = seen.setdefault(key, grant)
        if first is not grant and first.id.lower() != grant.id.lower():
            refusals.append(
                Refusal(
                    "role-assignment-once",
                    grant.urn,
                    f"the same role for the same principal at the same scope as {_name(first)}, under another name: "
                    "Azure answers RoleAssignmentExists",
                )
            )
    return refusals


# The service endpoint a firewall's subnet rule needs, per resource type (any one of them).
FIREWALL_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "azure-native:storage:StorageAccount": ("Microsoft.Storage", "Microsoft.Storage.Global"),
    "azure-native:keyvault:Vault": ("Microsoft.KeyVault",),
}


def firewall_subnet_has_endpoint(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    # Subnets declared inline in a VNet of this rendering; a subnet from elsewhere is not known here.
    declared = {
        f"{vnet.id}/subnets/{subnet.get('name')}".lower(): (vnet, subnet)
        for vnet in resources
        if vnet.type == "azure-native:network:VirtualNetwork"
        for subnet in vnet.inputs.get("subnets") or []
    }
    closure = _Closure(resources)
    refusals: list[Refusal] = []
    for resource in (r for r in resources if r.type in FIREWALL_ENDPOINTS):
        wanted = FIREWALL_ENDPOINTS[resource.type]
        for subnet_id in firewall_subnets(resource.type, resource.inputs):
            found = declared.get(subnet_id.lower())
            if found is None:
                continue
            vnet, subnet = found
            endpoints = {str(e.get("service")) for e in subnet.get("serviceEndpoints") or []}
            if not endpoints & set(wanted):
                refusals.append(
                    Refusal(
                        "firewall-subnet-has-endpoint",
                        resource.urn,
                        f"its firewall admits subnet {subnet.get('name')!r}, which has no {' or '.join(wanted)} "
                        "service endpoint: Azure refuses the rule",
                    )
                )
            elif vnet.urn not in closure.of(resource.urn):
                refusals.append(
                    Refusal(
                        "firewall-subnet-has-endpoint",
                        resource.urn,
                        f"its firewall admits subnet {subnet.get('name')!r} but does not wait for {_name(vnet)}, which "
                        "gives the subnet its service endpoint: created side by side, the rule can come first and fail",
                    )
                )
    return refusals


def _credential_identity(credential: Registration) -> str:
    if credential.type == ENTRA_CREDENTIAL:
        return f"application {credential.inputs.get('applicationId')}"
    return f"identity {credential.inputs.get('resourceGroupName')}/{credential.inputs.get('resourceName')}"


def federated_credentials_per_identity(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    by_identity: dict[str, list[Registration]] = defaultdict(list)
    for credential in (r for r in resources if r.type in (ENTRA_CREDENTIAL, IDENTITY_CREDENTIAL)):
        by_identity[_credential_identity(credential)].append(credential)
    refusals: list[Refusal] = []
    for identity, credentials in by_identity.items():
        if len(credentials) > MAX_CREDENTIALS_PER_IDENTITY:
            refusals.append(
                Refusal(
                    "federated-credentials-per-identity",
                    credentials[MAX_CREDENTIALS_PER_IDENTITY].urn,
                    f"{len(credentials)} federated credentials on {identity}: Entra allows {MAX_CREDENTIALS_PER_IDENTITY}",
                )
            )
        for label, key in (
            ("issuer and subject", lambda c: (c.inputs.get("issuer"), c.inputs.get("subject"))),
            (
                "name",
                lambda c: str(
                    c.inputs.get("displayName") or c.inputs.get("federatedIdentityCredentialResourceName")
                ).lower(),
            ),
        ):
            refusals += _duplicates(
                credentials,
                key,
                lambda c, first, label=label, identity=identity: Refusal(
                    "federated-credentials-per-identity",
                    c.urn,
                    f"same {label} as {_name(first)} on {identity}: unique per identity",
                ),
            )
    return refusals


def entra_name_unique(resources: Sequence[Registration], _caller: Caller | None) -> list[Refusal]:
    refusals: list[Refusal] = _duplicates(
        [r for r in resources if r.type == ENTRA_IDENTIFIER_URI],
        lambda r: str(r.inputs.get("identifierUri")).lower(),
        lambda r, first: Refusal(
            "entra-name-unique",
            r.urn,
            f"identifier URI {r.inputs.get('identifierUri')!r} is also {_name(first)}'s: Entra refuses a second "
            "application with it",
        ),
    )
    for kind in (ENTRA_APPLICATION, ENTRA_GROUP):
        guarded = [r for r in resources if r.type == kind and r.inputs.get("preventDuplicateNames")]
        refusals += _duplicates(
            guarded,
            lambda r: str(r.inputs.get("displayName")).lower(),
            lambda r, first: Refusal(
                "entra-name-unique",
                r.urn,
                f"display name '{r.inputs.get('displayName')}' is also {_name(first)}'s, and duplicate-name "
                "prevention refuses the second",
            ),
        )
    return refusals


def _duplicates(
    items: Iterable[Registration],
    key: Callable[[Registration], Any],
    refusal: Callable[[Registration, Registration], Refusal],
) -> list[Refusal]:
    seen: dict[Any, Registration] = {}
    found: list[Refusal] = []
    for item in items:
        first = seen.setdefault(key(item), item)
        if first is not item:
            found.append(refusal(item, first))
    return found


# Each rule by the name its refusals carry; `global-name-unique` spans several stacks (`check_global_names`).
RULES: dict[str, Callable[[Sequence[Registration], Caller | None], list[Refusal]]] = {
    "connection-name-per-account": connection_names_per_account,
    "one-write-at-a-time": one_write_at_a_time,
    "entra-caller-keeps-ownership": entra_caller_keeps_ownership,
    "name-unique-in-scope": name_unique_in_scope,
    "name-format": name_format,
    "role-assignment-once": role_assignment_once,
    "federated-credentials-per-identity": federated_credentials_per_identity,
    "entra-name-unique": entra_name_unique,
    "capability-host-per-scope": capability_host_per_scope,
    "firewall-subnet-has-endpoint": firewall_subnet_has_endpoint,
}
GLOBAL_NAME_RULE = "global-name-unique"
RULE_NAMES: tuple[str, ...] = (*RULES, GLOBAL_NAME_RULE)


def check_resources(resources: Sequence[Registration], caller: Caller | None) -> list[Refusal]:
    return [refusal for rule in RULES.values() for refusal in rule(resources, caller)]


def check_rendering(rendering: Rendering) -> list[Refusal]:
    return check_resources(rendering.resources, rendering.caller)


def global_names(rendering: Rendering) -> dict[str, Registration]:
    """Lower-cased globally unique Azure name (with its type) -> the resource that takes it."""
    return {
        f"{ARM_TYPES[r.type].arm_type} {r.id.rsplit('/', 1)[-1].lower()}": r
        for r in rendering.resources
        if r.type in ARM_TYPES and ARM_TYPES[r.type].global_name
    }


def check_global_names(renderings: Mapping[str, Rendering]) -> list[Refusal]:
    """Names that are DNS names must differ between every stack the repository deploys (label -> rendering)."""
    owners: dict[str, tuple[str, Registration]] = {}
    refusals: list[Refusal] = []
    for label, rendering in renderings.items():
        for name, resource in global_names(rendering).items():
            first = owners.setdefault(name, (label, resource))
            if first[1] is not resource:
                refusals.append(
                    Refusal(
                        GLOBAL_NAME_RULE,
                        resource.urn,
                        f"{name.split(' ', 1)[1]} is also taken by {first[0]} ({_name(first[1])}): it is a DNS name, "
                        "unique across Azure, so the second stack cannot create it",
                    )
                )
    return refusals
