"""Who can call what: the access inventory of one rendering, built from what the program registered.

Nothing here knows the program's components. Every role assignment and PIM eligibility, every Entra group and
every federated credential that was registered becomes one entry; principals are named by finding the
resource whose state carries the assignment's principal id (a user-assigned identity's `principalId`, a
project's or account's `identity.principalId`, an Entra group's or service principal's `objectId`), and scopes
are turned from ARM ids into words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from components.catalogue.entra_apps import END_USERS_GROUP_SUFFIX
from components.catalogue.resource_types import (
    COSMOS_SQL_ROLE_ASSIGNMENT,
    ENTRA_APPLICATION,
    ENTRA_APPLICATION_PASSWORD,
    ENTRA_CREDENTIAL,
    ENTRA_FLEXIBLE_CREDENTIAL,
    ENTRA_GROUP,
    ENTRA_GROUP_MEMBER,
    ENTRA_SERVICE_PRINCIPAL,
    ENTRA_USER,
    IDENTITY_CREDENTIAL,
    PIM_ELIGIBILITY,
    ROLE_ASSIGNMENT,
    USER_ASSIGNED_IDENTITY,
    VAULT_SECRET,
)
from components.catalogue.roles import ASSIGNABLE_COSMOS_DATA_ROLES, role_by_guid
from offline.registrations import direct_dependencies
from offline.render import Registration, Rendering
from offline.rights.conditions import in_words
from offline.rights.roles import definition
from policy.rules import role_guid_of

# An object id the program does not create: a person or a group named in the stack file (groups.*.members/owners).
FROM_STACK_FILE = "a user or group named in the stack file"

# The registrations the inventory accounts for, one entry each.
# Azure role assignments and eligibilities, and Cosmos DB's own data-plane role assignments (not Azure RBAC, but
# grants all the same: they let a principal read and write the account's data).
GRANT_TYPES = (ROLE_ASSIGNMENT, PIM_ELIGIBILITY, COSMOS_SQL_ROLE_ASSIGNMENT)
CREDENTIAL_TYPES = (ENTRA_CREDENTIAL, ENTRA_FLEXIBLE_CREDENTIAL, IDENTITY_CREDENTIAL)
INVENTORIED_TYPES = (*GRANT_TYPES, ENTRA_GROUP, *CREDENTIAL_TYPES, ENTRA_APPLICATION_PASSWORD)

Access = Literal["standing", "PIM-eligible"]


@dataclass(frozen=True)
class PrincipalInfo:
    kind: str
    display_name: str
    object_id: str
    urn: str = ""  # the resource the principal belongs to; empty when it is not declared by this program


@dataclass(frozen=True)
class AccessEntry:
    urn: str
    principal: PrincipalInfo
    role_name: str
    role_guid: str
    scope: str  # readable
    scope_id: str
    access: Access
    description: str
    condition: str = ""  # an ABAC condition on the grant, in words (offline.rights.conditions.in_words)
    authentication: str = ""  # how the principal signs in (`authentication_of`)


@dataclass(frozen=True)
class GroupEntry:
    urn: str
    display_name: str
    object_id: str
    security_enabled: bool
    members: tuple[str, ...]
    owners: tuple[str, ...]


@dataclass(frozen=True)
class CredentialEntry:
    urn: str
    name: str
    identity: str  # display name of the identity the credential lets one sign in as
    identity_kind: str
    issuer: str
    subject: str
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class SecretEntry:
    """A client secret (an application password): who it signs in as, when it ends, where its value is kept."""

    urn: str
    name: str
    identity: str  # display name of the application it belongs to
    ends: str  # the end date as declared, or "not set" (Graph then gives two years)
    kept_in: str  # the Key Vault secret that receives its value, or "-"


@dataclass(frozen=True)
class Inventory:
    access: tuple[AccessEntry, ...]
    groups: tuple[GroupEntry, ...]
    credentials: tuple[CredentialEntry, ...]
    urns: frozenset[str] = field(default=frozenset())
    secrets: tuple[SecretEntry, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "access": [asdict(entry) for entry in self.access],
            "groups": [asdict(entry) for entry in self.groups],
            "federatedCredentials": [asdict(entry) for entry in self.credentials],
            "clientSecrets": [asdict(entry) for entry in self.secrets],
        }


# --- scopes ----------------------------------------------------------------------------------------------

_PROVIDER_NAMES: dict[tuple[str, ...], str] = {
    ("microsoft.cognitiveservices", "accounts"): "Foundry resource",
    ("microsoft.cognitiveservices", "accounts", "projects"): "Foundry project",
    ("microsoft.cognitiveservices", "accounts", "deployments"): "model deployment",
    ("microsoft.keyvault", "vaults"): "Key Vault",
    ("microsoft.managedidentity", "userassignedidentities"): "managed identity",
    ("microsoft.web", "sites"): "web app",
    ("microsoft.storage", "storageaccounts"): "storage account",
    ("microsoft.storage", "storageaccounts", "blobservices", "containers"): "blob container",
    ("microsoft.keyvault", "vaults", "keys"): "Key Vault key",
    ("microsoft.insights", "components"): "Application Insights",
    ("microsoft.search", "searchservices"): "AI Search service",
    ("microsoft.documentdb", "databaseaccounts"): "Cosmos DB account",
    ("microsoft.documentdb", "databaseaccounts", "dbs"): "Cosmos DB database",
}


def readable_scope(scope: Any) -> str:
    """An ARM id in words: 'Foundry project fndry-dev-1a2b3c/agents', 'resource group rg-x', ..."""
    if not isinstance(scope, str) or not scope.startswith("/"):
        return str(scope)
    parts = scope.strip("/").split("/")
    if len(parts) == 2 and parts[0].lower() == "subscriptions":
        return f"subscription {parts[1]}"
    if len(parts) == 4 and parts[0].lower() == "subscriptions" and parts[2].lower() == "resourcegroups":
        return f"resource group {parts[3]}"
    lowered = [p.lower() for p in parts]
    if "providers" in lowered:
        at = len(lowered) - 1 - lowered[::-1].index("providers")
        namespace, rest = parts[at + 1], parts[at + 2 :]
        types, names = rest[0::2], rest[1::2]
        if types and len(types) == len(names):
            key = (namespace.lower(), *(t.lower() for t in types))
            label = _PROVIDER_NAMES.get(key, f"{namespace}/{'/'.join(types)}")
            return f"{label} {'/'.join(names)}"
    return scope


# --- principals ------------------------------------------------------------------------------------------


def _system_identity_kind(resource: Registration) -> tuple[str, str]:
    type_name = resource.type.rsplit(":", 1)[-1]
    name = str(resource.state.get("name", resource.name))
    if type_name == "Project":
        return "project managed identity (system-assigned)", f"project {resource.inputs.get('projectName', name)}"
    if type_name == "Account":
        return "Foundry resource managed identity (system-assigned)", name
    if type_name == "WebApp":
        return WEB_APP_SYSTEM_IDENTITY, f"web app {name}"
    return f"{type_name} managed identity (system-assigned)", name


WEB_APP_SYSTEM_IDENTITY = "web app managed identity (system-assigned)"


def _principal_index(rendering: Rendering) -> dict[str, PrincipalInfo]:
    """Object id -> principal, for every principal whose id appears in some registration's state."""
    application_names = {
        r.state.get("clientId"): r.inputs.get("displayName", r.name) for r in rendering.of_type(ENTRA_APPLICATION)
    }
    index: dict[str, PrincipalInfo] = {}
    if rendering.caller is not None:  # whoever runs `pulumi up`: the groups' owner when the pipeline deploys
        caller = rendering.caller
        kind = "service principal" if caller.graph_rights_owned_only else "administrator"
        index[caller.object_id] = PrincipalInfo(kind, f"{caller.label}, {caller.object_id}", caller.object_id, "")
    for r in rendering.resources:
        state = r.state
        if r.type == USER_ASSIGNED_IDENTITY and isinstance(state.get("principalId"), str):
            index[state["principalId"]] = PrincipalInfo(
                "user-assigned managed identity", str(state.get("name", r.name)), state["principalId"], r.urn
            )
        identity = state.get("identity")
        if isinstance(identity, Mapping) and isinstance(identity.get("principalId"), str):
            kind, display = _system_identity_kind(r)
            index[identity["principalId"]] = PrincipalInfo(kind, display, identity["principalId"], r.urn)
        object_id = state.get("objectId")
        if not isinstance(object_id, str):
            continue
        if r.type == ENTRA_GROUP:
            kind = "Entra security group" if state.get("securityEnabled") else "Entra group"
            index[object_id] = PrincipalInfo(kind, str(state.get("displayName", r.name)), object_id, r.urn)
        elif r.type == ENTRA_SERVICE_PRINCIPAL:
            display = application_names.get(state.get("clientId")) or state.get("displayName") or r.name
            index[object_id] = PrincipalInfo("service principal", str(display), object_id, r.urn)
        elif r.type == ENTRA_USER:
            display = state.get("userPrincipalName") or state.get("displayName") or r.name
            index[object_id] = PrincipalInfo("user (person)", str(display), object_id, r.urn)
    return index


def _resolve_principal(grant: Registration, index: Mapping[str, PrincipalInfo], rendering: Rendering) -> PrincipalInfo:
    principal_id = grant.inputs.get("principalId")
    if isinstance(principal_id, str) and principal_id in index:
        return index[principal_id]
    # Not found by value (e.g. unknown in a preview): name the resource the id was taken from, if any.
    for urn in grant.property_dependencies.get("principalId", []):
        source = next((r for r in rendering.resources if r.urn == urn), None)
        if source is not None:
            return PrincipalInfo(f"principal of {source.type}", source.name, str(principal_id or ""), source.urn)
    principal_type = grant.inputs.get("principalType")
    if principal_type == "User":
        return PrincipalInfo("user (person)", str(principal_id), str(principal_id), "")
    # An object id from the stack file (e.g. the state administrators' group): named by the assignment's description,
    # which the program writes as "<role> for <principal> (<project>)" (components/rbac.py).
    named = re.fullmatch(r".+? for (?P<name>.+) \([^)]*\)", str(grant.inputs.get("description", "")))
    kind = f"{'Entra group' if principal_type == 'Group' else 'principal'} named in the stack file"
    display = f"{named['name']}, {principal_id}" if named else str(principal_id)
    return PrincipalInfo(kind, display, str(principal_id), "")


def _role(grant: Registration) -> tuple[str, str]:
    role_definition_id = grant.inputs.get("roleDefinitionId")
    if grant.type == COSMOS_SQL_ROLE_ASSIGNMENT:
        role_id = str(role_definition_id).rsplit("/", 1)[-1]
        cosmos = next((r for r in ASSIGNABLE_COSMOS_DATA_ROLES if r.id == role_id), None)
        return (
            f"{cosmos.name} (Cosmos DB data role)" if cosmos else "Cosmos DB data role not in the catalogue"
        ), role_id
    guid = role_guid_of(role_definition_id)
    if guid is None:
        return f"not a role definition id: {role_definition_id!r}", ""
    known = role_by_guid(guid) or definition(guid)  # the program's catalogue, then every built-in role known here
    return (known.name if known else "role not in the catalogue"), guid


# --- the inventory ---------------------------------------------------------------------------------------


def _names(object_ids: Iterable[Any], index: Mapping[str, PrincipalInfo]) -> tuple[str, ...]:
    return tuple(
        f"{index[oid].display_name} ({index[oid].kind})" if oid in index else f"{oid} ({FROM_STACK_FILE})"
        for oid in object_ids
    )


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def authentication_of(
    principal: PrincipalInfo, credentials: Sequence[CredentialEntry], secrets: Sequence[SecretEntry] = ()
) -> str:
    """How a principal signs in: the federated credentials it trusts (issuer and exact subject), its client secrets
    (with their end; the policy pack refuses them in prod), else by its kind."""
    trusted = [c for c in credentials if c.identity == principal.display_name]
    if trusted:
        return "federated: " + "; ".join(f"{c.subject} from {c.issuer}" for c in trusted)
    held = [s for s in secrets if s.identity == principal.display_name]
    if held:
        return "client secret: " + "; ".join(f"ends {s.ends}, value kept in {s.kept_in}" for s in held)
    if principal.kind == WEB_APP_SYSTEM_IDENTITY:
        return (
            "managed identity of the web app (nothing to hold or rotate); deleted with the app, and every grant to it "
            "with it; granted only after the app exists, so the app may start before its grants have propagated"
        )
    if "system-assigned" in principal.kind:
        return "managed identity of its resource (nothing to hold or rotate); deleted with it"
    if principal.kind == "user-assigned managed identity":
        return "managed identity, on the compute it is attached to"
    if "group" in principal.kind and principal.display_name.endswith(END_USERS_GROUP_SUFFIX):
        return (
            "its members, each with their own Entra sign-in: on behalf of them through the On-Behalf-Of API (their "
            "Conditional Access applies), or directly with a token of their own"
        )
    if "group" in principal.kind:
        return "its members, each with their own Entra sign-in"
    if principal.kind == "user (person)":
        return "their own Entra sign-in"
    return "no credential declared here"


def build_inventory(rendering: Rendering) -> Inventory:
    index = _principal_index(rendering)
    access: list[AccessEntry] = []
    for grant in (r for r in rendering.resources if r.type in GRANT_TYPES):
        role_name, role_guid = _role(grant)
        scope_id = str(grant.inputs.get("scope", ""))
        access.append(
            AccessEntry(
                urn=grant.urn,
                principal=_resolve_principal(grant, index, rendering),
                role_name=role_name,
                role_guid=role_guid,
                scope=readable_scope(scope_id),
                scope_id=scope_id,
                access="PIM-eligible" if grant.type == PIM_ELIGIBILITY else "standing",
                description=str(grant.inputs.get("description") or grant.inputs.get("justification") or ""),
                condition=in_words(grant.inputs.get("condition")),
            )
        )

    extra_members: dict[str, list[str]] = {}
    for membership in rendering.of_type(ENTRA_GROUP_MEMBER):
        extra_members.setdefault(str(membership.inputs.get("groupObjectId")), []).append(
            str(membership.inputs.get("memberObjectId"))
        )
    groups = [
        GroupEntry(
            urn=g.urn,
            display_name=str(g.inputs.get("displayName", g.name)),
            object_id=str(g.state.get("objectId", "")),
            security_enabled=bool(g.inputs.get("securityEnabled")),
            members=_names(
                [*_list(g.inputs.get("members")), *extra_members.get(str(g.state.get("objectId")), [])], index
            ),
            owners=_names(_list(g.inputs.get("owners")), index),
        )
        for g in rendering.of_type(ENTRA_GROUP)
    ]

    applications = {r.state.get("id"): r for r in rendering.of_type(ENTRA_APPLICATION)}
    identities = rendering.of_type(USER_ASSIGNED_IDENTITY)
    credentials: list[CredentialEntry] = []
    for c in (r for r in rendering.resources if r.type in CREDENTIAL_TYPES):
        if c.type == IDENTITY_CREDENTIAL:
            owner = next((i for i in identities if i.state.get("name") == c.inputs.get("resourceName")), None)
            identity = str(c.inputs.get("resourceName"))
            kind = "user-assigned managed identity"
            name = str(c.inputs.get("federatedIdentityCredentialResourceName", c.name))
        else:
            app = applications.get(c.inputs.get("applicationId"))
            owner = app
            identity = str(app.inputs.get("displayName", app.name)) if app else str(c.inputs.get("applicationId"))
            kind = "app registration"
            name = str(c.inputs.get("displayName", c.name))
        if owner is None:
            kind += " (not declared here)"
        if c.type == ENTRA_FLEXIBLE_CREDENTIAL:
            expression = c.inputs.get("claimsMatchingExpression")
            subject = str(expression.get("value") if isinstance(expression, Mapping) else expression)
            audiences = tuple(str(a) for a in [c.inputs.get("audience")] if a)
        else:
            subject = str(c.inputs.get("subject", ""))
            audiences = tuple(str(a) for a in _list(c.inputs.get("audiences")))
        credentials.append(
            CredentialEntry(c.urn, name, identity, kind, str(c.inputs.get("issuer", "")), subject, audiences)
        )

    secrets = _client_secrets(rendering, applications)
    access = [replace(e, authentication=authentication_of(e.principal, credentials, secrets)) for e in access]
    access.sort(key=lambda e: (e.principal.kind, e.principal.display_name, e.role_name, e.scope))
    groups.sort(key=lambda g: g.display_name)
    credentials.sort(key=lambda c: (c.identity, c.name))
    urns = frozenset(e.urn for e in access) | {g.urn for g in groups} | {c.urn for c in credentials}
    urns |= {s.urn for s in secrets}
    return Inventory(tuple(access), tuple(groups), tuple(credentials), urns, tuple(secrets))


def _client_secrets(rendering: Rendering, applications: Mapping[Any, Registration]) -> list[SecretEntry]:
    """Every application password, with the Key Vault secret its value is written to (the secret whose value input
    comes from the password)."""
    vault_secrets = rendering.of_type(VAULT_SECRET)
    entries: list[SecretEntry] = []
    for password in rendering.of_type(ENTRA_APPLICATION_PASSWORD):
        app = applications.get(password.inputs.get("applicationId"))
        keeper = next((v for v in vault_secrets if password.urn in direct_dependencies(v)), None)
        kept_in = (
            f"Key Vault {keeper.inputs.get('vaultName')}, secret {keeper.inputs.get('secretName')}" if keeper else "-"
        )
        entries.append(
            SecretEntry(
                password.urn,
                str(password.inputs.get("displayName") or password.name),
                str(app.inputs.get("displayName", app.name)) if app else str(password.inputs.get("applicationId")),
                str(password.inputs.get("endDate") or "not set (Entra's default: two years)"),
                kept_in,
            )
        )
    return sorted(entries, key=lambda e: (e.identity, e.name))
