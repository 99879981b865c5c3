"""The design rules as plain functions: what a resource (or the whole stack) must look like to be allowed.

Nothing here depends on the Pulumi CLI or on `pulumi_policy`: a resource rule receives the type token, the
input properties with camelCase keys as the engine sees them, and the environment (dev, staging or prod), and
returns violation messages (empty: the resource passes). `policy/pack.py` adapts these functions to the
policy SDK for `pulumi preview --policy-pack policy`; `offline/plan.py` runs them over an offline rendering.

Property values may arrive wrapped in the policy SDK's read-only proxies (Mapping and Sequence, not dict and
list), so the rules only use the abstract collection types, and `.get` for optional keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from components.catalogue import federation
from components.catalogue.agent_data import AGENT_DATABASE
from components.catalogue.entra_apps import END_USERS_GROUP_SUFFIX
from components.catalogue.guardrails import BASE_POLICY_NAME, HARM_CATEGORIES
from components.catalogue.resource_types import (
    ACCOUNT,
    APP_INSIGHTS,
    COSMOS_ACCOUNT,
    COSMOS_SQL_ROLE_ASSIGNMENT,
    DEPLOYMENT,
    DIAGNOSTIC_SETTING,
    ENTRA_APPLICATION,
    ENTRA_APPLICATION_PASSWORD,
    ENTRA_CREDENTIAL,
    ENTRA_FLEXIBLE_CREDENTIAL,
    ENTRA_GROUP,
    ENTRA_SERVICE_PRINCIPAL,
    ENTRA_SERVICE_PRINCIPAL_PASSWORD,
    IDENTITY_CREDENTIAL,
    PIM_ELIGIBILITY,
    PRIVATE_DNS_ZONE_GROUP,
    PRIVATE_ENDPOINT,
    PROJECT,
    RAI_POLICY,
    ROLE_ASSIGNMENT,
    SEARCH_SERVICE,
    STORAGE_ACCOUNT,
    USER_ASSIGNED_IDENTITY,
    VAULT,
    WEB_APP,
    WEB_APP_FTP_ALLOWED,
    WEB_APP_SCM_ALLOWED,
    WORKSPACE,
)
from components.catalogue.roles import (
    ASSIGNABLE_COSMOS_DATA_ROLES,
    ASSIGNABLE_ROLES,
    DATA_PLANE_ROLES,
    FORBIDDEN_NAME_PREFIX,
    FORBIDDEN_ROLES,
    FOUNDRY_ACCOUNT_OWNER,
    FOUNDRY_OWNER,
    GUID_PATTERN,
    Role,
    role_by_guid,
)

# Type tokens the rules look at.

GRANT_TYPES = frozenset({ROLE_ASSIGNMENT, PIM_ELIGIBILITY})
FEDERATED_CREDENTIAL_TYPES = frozenset({IDENTITY_CREDENTIAL, ENTRA_CREDENTIAL, ENTRA_FLEXIBLE_CREDENTIAL})
# Identities an application runs as (or deploys with); system-assigned identities of projects are not among them.
# What an application signs in as: its user-assigned identity, a service principal, or a web app's own
# system-assigned identity (a grant to that names the web app as where its principal comes from).
AGENT_DATA_STORES = frozenset({STORAGE_ACCOUNT, SEARCH_SERVICE, COSMOS_ACCOUNT})
APPLICATION_IDENTITY_TYPES = frozenset({USER_ASSIGNED_IDENTITY, ENTRA_SERVICE_PRINCIPAL, WEB_APP})

GITHUB_ISSUER = federation.GITHUB_ACTIONS_ISSUER
TOKEN_EXCHANGE_AUDIENCE = federation.ENTRA_TOKEN_EXCHANGE_AUDIENCE
PROD = "prod"
TIERS = ("dev", "staging", PROD)

# A full role definition id: subscription-level (what the program writes) or tenant-level.
ROLE_DEFINITION_ID = re.compile(
    rf"^(?:/subscriptions/{GUID_PATTERN})?/providers/Microsoft\.Authorization/roleDefinitions/(?P<guid>{GUID_PATTERN})$",
    re.IGNORECASE,
)
# Scopes an application identity may hold roles on: a Foundry project, a Key Vault, or the Application Insights
# component it publishes telemetry to, or anything below them.
APP_IDENTITY_SCOPE_PATTERN = re.compile(
    r"/providers/Microsoft\.CognitiveServices/accounts/[^/]+/projects/[^/]+(?:/|$)"
    r"|/providers/Microsoft\.KeyVault/vaults/[^/]+(?:/|$)"
    r"|/providers/Microsoft\.Insights/components/[^/]+(?:/|$)",
    re.IGNORECASE,
)
APP_IDENTITY_SCOPE_TYPES = frozenset({PROJECT, VAULT, APP_INSIGHTS})


Check = Callable[[str, Mapping[str, Any], str], list[str]]


@dataclass(frozen=True)
class ResourceRule:
    """A named policy that judges one resource from its inputs."""

    name: str
    description: str
    types: frozenset[str]
    check: Check

    def evaluate(self, type_token: str, props: Mapping[str, Any], environment: str) -> list[str]:
        if type_token not in self.types:
            return []
        return self.check(type_token, props, environment)


@dataclass(frozen=True)
class ResourceView:
    """One resource as a stack rule sees it: its properties, which resources each property came from, and whether
    it is protected."""

    urn: str
    type: str
    props: Mapping[str, Any]
    property_dependencies: Mapping[str, Sequence[str]]
    protect: bool = False


@dataclass(frozen=True)
class Violation:
    policy: str
    urn: str
    message: str


@dataclass(frozen=True)
class StackRule:
    """A named policy that needs to see several resources at once."""

    name: str
    description: str
    check: Callable[[Sequence[ResourceView]], list[Violation]]


# --- helpers ---------------------------------------------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _properties(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(props.get("properties"))


def _nonempty_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _strings(value: Any) -> list[Any]:
    """A list from a Sequence that is not a string (proxied lists are Sequences, not lists)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value] if value is not None else []


def stack_of_urn(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<type>::<name>` -> `<stack>`."""
    head = urn.split("::", 1)[0]
    return head.rsplit(":", 1)[-1]


def environment_of(props: Mapping[str, Any], stack: str) -> str:
    """The `environment` tag (the tier) the program sets on every Azure resource; the stack's name where there is
    none (Entra objects and federated credentials carry no tags): what their GitHub environment is named after."""
    tag = _mapping(props.get("tags")).get("environment")
    return tag if isinstance(tag, str) and tag else stack


def held_to_prod_rules(environment: str) -> bool:
    """Prod's rules apply in prod, and wherever the tier is not known (an untagged resource of a stack not named
    after a tier, e.g. `prod-weu`): fail safe."""
    return environment == PROD or environment not in TIERS


def role_guid_of(role_definition_id: Any) -> str | None:
    """The GUID of a full role definition id, or None when the value is not one."""
    if not isinstance(role_definition_id, str):
        return None
    match = ROLE_DEFINITION_ID.match(role_definition_id)
    return match.group("guid").lower() if match else None


def is_forbidden(role: Role) -> bool:
    return role in FORBIDDEN_ROLES or role.name.startswith(FORBIDDEN_NAME_PREFIX)


def is_github_credential(props: Mapping[str, Any]) -> bool:
    issuer = props.get("issuer")
    subject = props.get("subject")
    return (isinstance(issuer, str) and "githubusercontent" in issuer.lower()) or (
        isinstance(subject, str) and subject.startswith("repo:")
    )


# --- resource rules --------------------------------------------------------------------------------------


def local_auth_disabled(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    value = _properties(props).get("disableLocalAuth")
    if value is True:
        return []
    return [
        f"properties.disableLocalAuth must be true (Entra tokens only; Foundry User can list keys), found {value!r}"
    ]


def custom_subdomain_set(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    value = _properties(props).get("customSubDomainName")
    if _nonempty_text(value):
        return []
    return [f"properties.customSubDomainName must be set (Entra authentication needs it), found {value!r}"]


def prod_public_network_access_disabled(type_token: str, props: Mapping[str, Any], environment: str) -> list[str]:
    if not held_to_prod_rules(environment):
        return []
    if type_token in AGENT_DATA_STORES:  # their network settings are top-level inputs
        problems = []
        if props.get("publicNetworkAccess") != "Disabled":
            problems.append(f"prod: publicNetworkAccess must be 'Disabled', found {props.get('publicNetworkAccess')!r}")
        if type_token == STORAGE_ACCOUNT:
            default_action = _mapping(props.get("networkRuleSet")).get("defaultAction")
            if default_action != "Deny":
                problems.append(f"prod: networkRuleSet.defaultAction must be 'Deny', found {default_action!r}")
        return problems
    properties = _properties(props)
    problems = []
    access = properties.get("publicNetworkAccess")
    if access != "Disabled":
        problems.append(f"prod: properties.publicNetworkAccess must be 'Disabled', found {access!r}")
    default_action = _mapping(properties.get("networkAcls")).get("defaultAction")
    if default_action != "Deny":
        problems.append(f"prod: properties.networkAcls.defaultAction must be 'Deny', found {default_action!r}")
    return problems


def agent_data_entra_only(type_token: str, props: Mapping[str, Any], _env: str) -> list[str]:
    """The agent data stores take Entra tokens only, over TLS 1.2 or later. An absent key fails too: Azure's
    default for each of these is the permissive one (shared keys, local auth, older TLS)."""
    expected: dict[str, tuple[tuple[str, object], ...]] = {
        STORAGE_ACCOUNT: (
            ("allowSharedKeyAccess", False),
            ("allowBlobPublicAccess", False),
            ("minimumTlsVersion", "TLS1_2"),
        ),
        SEARCH_SERVICE: (("disableLocalAuth", True),),
        COSMOS_ACCOUNT: (("disableLocalAuth", True), ("minimalTlsVersion", "Tls12")),
    }
    return [
        f"{key} must be {want!r}, found {props.get(key)!r}"
        for key, want in expected.get(type_token, ())
        if props.get(key) != want
    ]


def cosmos_data_role_scoped(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    """Cosmos DB's own data-role assignments, which Azure RBAC (and the deployer's condition) does not govern: only a
    catalogued data role, only on the agent database."""
    problems = []
    role_id = str(props.get("roleDefinitionId") or "").rsplit("/", 1)[-1]
    allowed = {role.id: role.name for role in ASSIGNABLE_COSMOS_DATA_ROLES}
    if "/sqlRoleDefinitions/" not in str(props.get("roleDefinitionId") or "") or role_id not in allowed:
        names = ", ".join(f"{name} ({guid})" for guid, name in allowed.items())
        problems.append(
            f"roleDefinitionId {props.get('roleDefinitionId')!r} is not an assignable Cosmos data role: {names}"
        )
    scope = str(props.get("scope") or "")
    if not scope.lower().endswith(f"/dbs/{AGENT_DATABASE}".lower()):
        problems.append(f"scope must be the agent database (.../dbs/{AGENT_DATABASE}), found {scope!r}")
    return problems


HARM_CATEGORY_FILTERS = frozenset(HARM_CATEGORIES.values())

# Roles that administer the Foundry resource: in prod only ever a PIM eligibility, never standing.
ELEVATED_ROLES = (FOUNDRY_ACCOUNT_OWNER, FOUNDRY_OWNER)


def monitoring_local_auth_disabled(type_token: str, props: Mapping[str, Any], _env: str) -> list[str]:
    """Application Insights and the Log Analytics workspace take Entra tokens only (absent means keys work)."""
    if type_token == WORKSPACE:
        value = _mapping(props.get("features")).get("disableLocalAuth")
        return [] if value is True else [f"features.disableLocalAuth must be true, found {value!r}"]
    value = props.get("disableLocalAuth")
    return [] if value is True else [f"disableLocalAuth must be true, found {value!r}"]


# TLS versions App Service accepts as a minimum, strongest last; 1.2 and up are allowed.
STRONG_TLS = ("1.2", "1.3")


def web_app_hardened(type_token: str, props: Mapping[str, Any], _env: str) -> list[str]:
    """HTTPS only, TLS 1.2 or later for the site and its SCM site, no FTP; and no basic (user name and password)
    publishing credentials for FTP or the SCM site."""
    if type_token in (WEB_APP_FTP_ALLOWED, WEB_APP_SCM_ALLOWED):
        allow = props.get("allow")
        return [] if allow is False else [f"allow must be false (no basic publishing credentials), found {allow!r}"]
    problems = []
    if props.get("httpsOnly") is not True:
        problems.append(f"httpsOnly must be true, found {props.get('httpsOnly')!r}")
    site = _mapping(props.get("siteConfig"))
    for key in ("minTlsVersion", "scmMinTlsVersion"):
        if site.get(key) not in STRONG_TLS:
            problems.append(f"siteConfig.{key} must be one of {', '.join(STRONG_TLS)}, found {site.get(key)!r}")
    if site.get("ftpsState") != "Disabled":
        problems.append(f"siteConfig.ftpsState must be 'Disabled', found {site.get('ftpsState')!r}")
    return problems


def guardrails_strong(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    """The guardrail policy builds on Microsoft's default, enables every filter, and blocks every harm category."""
    properties = _properties(props)
    problems = []
    if properties.get("basePolicyName") != BASE_POLICY_NAME:
        problems.append(
            f"properties.basePolicyName must be {BASE_POLICY_NAME!r}, found {properties.get('basePolicyName')!r}"
        )
    filters = [_mapping(f) for f in properties.get("contentFilters") or []]
    if not filters:
        problems.append("properties.contentFilters must list the policy's filters, found none")
    for content_filter in filters:
        label = f"{content_filter.get('name')} ({content_filter.get('source')})"
        if content_filter.get("enabled") is not True:
            problems.append(f"content filter {label} must be enabled")
        if content_filter.get("name") in HARM_CATEGORY_FILTERS and content_filter.get("blocking") is not True:
            problems.append(f"content filter {label} must block")
    return problems


def key_vault_rbac_authorization(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    properties = _properties(props)
    problems = []
    if properties.get("enableRbacAuthorization") is not True:
        problems.append(
            f"properties.enableRbacAuthorization must be true, found {properties.get('enableRbacAuthorization')!r}"
        )
    if _strings(properties.get("accessPolicies")):
        problems.append("properties.accessPolicies must be empty: access is granted by Azure RBAC only")
    return problems


def key_vault_soft_delete(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    value = _properties(props).get("enableSoftDelete")
    return [] if value is True else [f"properties.enableSoftDelete must be true, found {value!r}"]


def key_vault_purge_protection(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    value = _properties(props).get("enablePurgeProtection")
    return [] if value is True else [f"properties.enablePurgeProtection must be true, found {value!r}"]


def no_forbidden_role(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    guid = role_guid_of(props.get("roleDefinitionId"))
    role = role_by_guid(guid) if guid else None
    if guid is None:
        return []  # not a role definition id at all: the role-by-guid rule reports that
    if role is not None and is_forbidden(role):
        return [f"role '{role.name}' ({role.guid}) must never be granted for Foundry work"]
    if not any(allowed.guid == guid for allowed in ASSIGNABLE_ROLES):
        # An allow-list, so a Cognitive Services role this catalogue does not know by GUID is refused too.
        label = f"'{role.name}' ({guid})" if role else guid
        allowed_names = ", ".join(r.name for r in ASSIGNABLE_ROLES)
        return [f"role {label} is not one the program may grant; allowed: {allowed_names}"]
    return []


def role_by_full_guid_id(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    value = props.get("roleDefinitionId")
    if role_guid_of(value) is not None:
        return []
    return [
        "roleDefinitionId must be a full id ending in /providers/Microsoft.Authorization/roleDefinitions/<guid>, "
        f"found {value!r}"
    ]


def no_direct_human_assignment(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    value = props.get("principalType")
    if not _nonempty_text(value):
        return ["principalType must be set explicitly (the SDK's default is 'User'); use 'ServicePrincipal' or 'Group'"]
    if value == "User":
        return ["principalType 'User': people get access through Entra groups, never directly"]
    return []


def federated_credential_issuer(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    issuer = props.get("issuer")
    if is_github_credential(props):
        if issuer != GITHUB_ISSUER:
            return [f"GitHub credential: issuer must be exactly {GITHUB_ISSUER!r}, found {issuer!r}"]
        return []
    if not (isinstance(issuer, str) and issuer.startswith("https://")):
        return [f"issuer must be an https:// URL, found {issuer!r}"]
    return []


def federated_credential_audience(type_token: str, props: Mapping[str, Any], _env: str) -> list[str]:
    if type_token == ENTRA_FLEXIBLE_CREDENTIAL:
        audience = props.get("audience")
        if audience == TOKEN_EXCHANGE_AUDIENCE:
            return []
        return [f"audience must be {TOKEN_EXCHANGE_AUDIENCE!r}, found {audience!r}"]
    audiences = _strings(props.get("audiences"))
    if audiences == [TOKEN_EXCHANGE_AUDIENCE]:
        return []
    return [f"audiences must be exactly [{TOKEN_EXCHANGE_AUDIENCE!r}], found {audiences!r}"]


def federated_credential_environment_subject(type_token: str, props: Mapping[str, Any], environment: str) -> list[str]:
    if type_token == ENTRA_FLEXIBLE_CREDENTIAL:
        issuer = props.get("issuer")
        if isinstance(issuer, str) and "githubusercontent" in issuer.lower():
            return [
                "GitHub credential: a flexible (wildcard) credential cannot pin one environment; use an exact subject"
            ]
        return []
    if not is_github_credential(props):
        return []
    subject = props.get("subject")
    suffix = f":environment:{environment}"
    if isinstance(subject, str) and subject.startswith("repo:") and subject.endswith(suffix) and "*" not in subject:
        return []
    return [f"GitHub credential in {environment}: subject must be 'repo:<owner>/<repo>{suffix}', found {subject!r}"]


def no_client_secrets_in_prod(type_token: str, props: Mapping[str, Any], environment: str) -> list[str]:
    if not held_to_prod_rules(environment):
        return []
    if type_token in (ENTRA_APPLICATION_PASSWORD, ENTRA_SERVICE_PRINCIPAL_PASSWORD):
        return [f"prod: {type_token.rsplit(':', 1)[-1]} is a client secret; use a federated credential instead"]
    if type_token == ENTRA_APPLICATION and props.get("password"):
        return ["prod: the application declares a password; use a federated credential instead"]
    return []


# Design source 1.5: a client secret (outside prod) ends at most this many days ahead.
MAX_SECRET_DAYS = 90


def client_secret_short_lived(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    """Judged when the secret is made or kept: an end at most 90 days from now then was at most 90 days from its
    creation. No end date means Entra's default of two years; `endDateRelative` is ignored by the provider."""
    end = props.get("endDate")
    if not _nonempty_text(end):
        relative = " (endDateRelative is ignored by the azuread provider)" if props.get("endDateRelative") else ""
        return [f"endDate must be set{relative}: without it Entra makes the secret valid for two years"]
    try:
        ends = datetime.fromisoformat(str(end).replace("Z", "+00:00"))
    except ValueError:
        return [f"endDate {end!r} is not an ISO 8601 timestamp"]
    if ends.tzinfo is None:
        ends = ends.replace(tzinfo=UTC)
    days = (ends - datetime.now(UTC)).total_seconds() / 86400
    if days > MAX_SECRET_DAYS:
        return [f"endDate {end} is {days:.0f} days ahead; at most {MAX_SECRET_DAYS} (rotate with a new end date)"]
    return []


def deployment_has_rai_policy(_type: str, props: Mapping[str, Any], _env: str) -> list[str]:
    value = _properties(props).get("raiPolicyName")
    if _nonempty_text(value):
        return []
    return [f"properties.raiPolicyName must name a RAI policy (guardrails), found {value!r}"]


RESOURCE_RULES: tuple[ResourceRule, ...] = (
    ResourceRule(
        "foundry-local-auth-disabled",
        "The Foundry resource accepts Entra tokens only: disableLocalAuth is true.",
        frozenset({ACCOUNT}),
        local_auth_disabled,
    ),
    ResourceRule(
        "foundry-custom-subdomain",
        "The Foundry resource has a custom subdomain (required for Entra authentication).",
        frozenset({ACCOUNT}),
        custom_subdomain_set,
    ),
    ResourceRule(
        "monitoring-local-auth-disabled",
        "Application Insights and the Log Analytics workspace take Entra tokens only: local auth disabled.",
        frozenset({APP_INSIGHTS, WORKSPACE}),
        monitoring_local_auth_disabled,
    ),
    ResourceRule(
        "web-app-hardened",
        "The web app is HTTPS only with TLS 1.2 or later (site and SCM), FTP off, and no basic publishing credentials.",
        frozenset({WEB_APP, WEB_APP_FTP_ALLOWED, WEB_APP_SCM_ALLOWED}),
        web_app_hardened,
    ),
    ResourceRule(
        "guardrails-strong",
        "The guardrail policy builds on Microsoft.DefaultV2, enables every content filter and blocks every harm "
        "category.",
        frozenset({RAI_POLICY}),
        guardrails_strong,
    ),
    ResourceRule(
        "agent-data-entra-only",
        "The agent data stores take Entra tokens only: Storage without shared keys or public blobs, AI Search and "
        "Cosmos DB with local auth off; TLS 1.2 at least.",
        AGENT_DATA_STORES,
        agent_data_entra_only,
    ),
    ResourceRule(
        "cosmos-data-role-scoped",
        "A Cosmos DB data-role assignment (not Azure RBAC: no condition limits it) grants only a catalogued data role, "
        "only on the agent database.",
        frozenset({COSMOS_SQL_ROLE_ASSIGNMENT}),
        cosmos_data_role_scoped,
    ),
    ResourceRule(
        "prod-public-network-access-disabled",
        "In prod the Foundry resource, the Key Vault and the agent data stores (Storage, AI Search, Cosmos DB) refuse "
        "public network access (and default to Deny).",
        frozenset({ACCOUNT, VAULT, *AGENT_DATA_STORES}),
        prod_public_network_access_disabled,
    ),
    ResourceRule(
        "key-vault-rbac-authorization",
        "Key Vaults use Azure RBAC, never access policies.",
        frozenset({VAULT}),
        key_vault_rbac_authorization,
    ),
    ResourceRule(
        "key-vault-soft-delete",
        "Key Vaults have soft delete on.",
        frozenset({VAULT}),
        key_vault_soft_delete,
    ),
    ResourceRule(
        "key-vault-purge-protection",
        "Key Vaults have purge protection on.",
        frozenset({VAULT}),
        key_vault_purge_protection,
    ),
    ResourceRule(
        "no-forbidden-role",
        "Only the catalogue's assignable roles are granted (standing or eligible), judged by role GUID: never a "
        "Cognitive Services * role, Azure AI Developer, Owner, Contributor, User Access Administrator or RBAC "
        "Administrator, nor any role the catalogue does not list.",
        GRANT_TYPES,
        no_forbidden_role,
    ),
    ResourceRule(
        "role-by-guid",
        "Roles are named by a full role definition id ending in the role's GUID.",
        GRANT_TYPES,
        role_by_full_guid_id,
    ),
    ResourceRule(
        "no-direct-human-assignment",
        "Every role assignment sets principalType, and never to User: people are reached through groups.",
        frozenset({ROLE_ASSIGNMENT}),
        no_direct_human_assignment,
    ),
    ResourceRule(
        "federated-credential-issuer",
        "GitHub federated credentials use exactly the GitHub Actions issuer; others an https issuer.",
        FEDERATED_CREDENTIAL_TYPES,
        federated_credential_issuer,
    ),
    ResourceRule(
        "federated-credential-audience",
        "Federated credentials have exactly the audience api://AzureADTokenExchange.",
        FEDERATED_CREDENTIAL_TYPES,
        federated_credential_audience,
    ),
    ResourceRule(
        "federated-credential-environment-subject",
        "GitHub federated credentials trust one GitHub environment, the stack's own: subject ends with "
        ":environment:<env>.",
        FEDERATED_CREDENTIAL_TYPES,
        federated_credential_environment_subject,
    ),
    ResourceRule(
        "no-client-secrets-in-prod",
        "No client secret exists in prod: no application or service principal password.",
        frozenset({ENTRA_APPLICATION, ENTRA_APPLICATION_PASSWORD, ENTRA_SERVICE_PRINCIPAL_PASSWORD}),
        no_client_secrets_in_prod,
    ),
    ResourceRule(
        "client-secret-short-lived",
        "A client secret (outside prod only) has an end date at most 90 days ahead.",
        frozenset({ENTRA_APPLICATION_PASSWORD, ENTRA_SERVICE_PRINCIPAL_PASSWORD}),
        client_secret_short_lived,
    ),
    ResourceRule(
        "deployment-has-rai-policy",
        "Every model deployment names a RAI policy (raiPolicyName).",
        frozenset({DEPLOYMENT}),
        deployment_has_rai_policy,
    ),
)


# --- stack rules ------------------------------------------------------------------------------------------


def _known(props: Mapping[str, Any], key: str) -> Any:
    """`props[key]`, or None when absent or not known yet (the policy SDK raises on values unknown in a preview)."""
    try:
        return props.get(key)
    except Exception:  # the SDK's UnknownValueError; this module does not import the SDK
        return None


def _principal_value(resource: ResourceView) -> Any:
    if resource.type == WEB_APP:
        identity = _known(resource.props, "identity")
        return identity.get("principalId") if isinstance(identity, Mapping) else None
    return _known(resource.props, "principalId" if resource.type == USER_ASSIGNED_IDENTITY else "objectId")


def app_identities_within_project_scope(resources: Sequence[ResourceView]) -> list[Violation]:
    """Application identities (user-assigned managed identities and service principals the stack creates) hold
    roles only on a Foundry project, a Key Vault or an Application Insights component (to publish telemetry),
    never on the Foundry resource, a resource group or above.

    Which principal a grant is for, and what its scope is, are read from the grant's property dependencies
    (known at preview, before any id exists); a grant whose principal or scope is a literal is judged by value.
    A project's own identity (system-assigned, or the user-assigned one it runs as) is not an application identity:
    Learn requires Foundry User on the Foundry resource for it, and the standard agent setup grants it roles on the
    agent data stores.
    """
    by_urn = {r.urn: r for r in resources}
    # A user-assigned identity a Foundry account or project runs as is that resource's identity, not an application's.
    foundry_identities = {
        urn for r in resources if r.type in (ACCOUNT, PROJECT) for urn in r.property_dependencies.get("identity", ())
    }
    app_urns = {r.urn for r in resources if r.type in APPLICATION_IDENTITY_TYPES and r.urn not in foundry_identities}
    violations: list[Violation] = []
    app_ids: dict[str, str] | None = None  # principal/object id -> urn, computed only when needed
    for grant in (r for r in resources if r.type in GRANT_TYPES):
        principal_deps = list(grant.property_dependencies.get("principalId", ()))
        if principal_deps:
            holders = [urn for urn in principal_deps if urn in app_urns]
        else:
            if app_ids is None:
                app_ids = {
                    value: r.urn
                    for r in resources
                    if r.urn in app_urns and isinstance(value := _principal_value(r), str)
                }
            principal_id = _known(grant.props, "principalId")
            holders = [app_ids[principal_id]] if isinstance(principal_id, str) and principal_id in app_ids else []
        if not holders:
            continue
        scope_deps = list(grant.property_dependencies.get("scope", ()))
        if scope_deps and all(u in by_urn and by_urn[u].type in APP_IDENTITY_SCOPE_TYPES for u in scope_deps):
            continue
        scope = _known(grant.props, "scope")
        if isinstance(scope, str) and APP_IDENTITY_SCOPE_PATTERN.search(scope):
            continue
        if scope is None and scope_deps:  # not known yet (preview): name where the scope comes from
            scope = " + ".join(
                f"id of {u.rsplit('::', 1)[-1]} ({by_urn[u].type if u in by_urn else u})" for u in scope_deps
            )
        holder = holders[0].rsplit("::", 1)[-1]
        violations.append(
            Violation(
                APP_IDENTITY_SCOPE,
                grant.urn,
                f"application identity '{holder}' is granted a role above project scope ({scope}); "
                "grant it on a Foundry project, a Key Vault or an Application Insights component",
            )
        )
    return violations


APP_IDENTITY_SCOPE = "app-identity-within-project-scope"


def _tier_of(grant: ResourceView, by_urn: Mapping[str, ResourceView]) -> str:
    """The tier of the environment a grant is in: the `environment` tag of what it is granted on, else the stack."""
    for urn in grant.property_dependencies.get("scope", ()):
        if urn in by_urn:
            tag = _mapping(_known(by_urn[urn].props, "tags")).get("environment")
            if isinstance(tag, str) and tag:
                return tag
    return stack_of_urn(grant.urn)


def prod_people_reach_data_only_as_end_users(resources: Sequence[ResourceView]) -> list[Violation]:
    """In prod, the only group holding a Foundry data-plane role is the On-Behalf-Of API's end-users group (made by
    the stack, named `...-end-users`): developers read, admins administer, and nobody else calls models or reads
    agents' data. A group named by a literal id is not one the stack made, so it is refused too."""
    by_urn = {r.urn: r for r in resources}
    data_plane = {role.guid: role.name for role in DATA_PLANE_ROLES}
    violations: list[Violation] = []
    for grant in (r for r in resources if r.type in GRANT_TYPES):
        role = role_guid_of(_known(grant.props, "roleDefinitionId"))
        if role not in data_plane or _known(grant.props, "principalType") != "Group":
            continue
        if not held_to_prod_rules(_tier_of(grant, by_urn)):
            continue
        groups = [by_urn[u] for u in grant.property_dependencies.get("principalId", ()) if u in by_urn]
        names = [str(_known(g.props, "displayName")) for g in groups if g.type == ENTRA_GROUP]
        if names and all(name.endswith(END_USERS_GROUP_SUFFIX) for name in names):
            continue
        holder = ", ".join(names) or f"group {_known(grant.props, 'principalId')} (not made by this stack)"
        violations.append(
            Violation(
                PROD_DATA_PLANE_PEOPLE,
                grant.urn,
                f"prod: {holder} holds {data_plane[role]}, a Foundry data-plane role; in prod only the On-Behalf-Of "
                f"API's end-users group (*{END_USERS_GROUP_SUFFIX}) holds one",
            )
        )
    return violations


PROD_DATA_PLANE_PEOPLE = "prod-people-reach-data-only-as-end-users"

# Stateful resources: their loss is data or identity loss. In prod each is protected (`protect`), so `pulumi up`
# refuses to delete or replace it.
STATEFUL_TYPES = frozenset(
    {ACCOUNT, PROJECT, VAULT, USER_ASSIGNED_IDENTITY, STORAGE_ACCOUNT, SEARCH_SERVICE, COSMOS_ACCOUNT}
)


def prod_stateful_protected(resources: Sequence[ResourceView]) -> list[Violation]:
    return [
        Violation(
            PROD_PROTECTED,
            r.urn,
            f"prod: {r.type.rsplit(':', 1)[-1]} {r.urn.rsplit('::', 1)[-1]} holds data or an identity and must be "
            "protected (protect=True), so that no `pulumi up` deletes or replaces it",
        )
        for r in resources
        if r.type in STATEFUL_TYPES
        and held_to_prod_rules(environment_of(r.props, stack_of_urn(r.urn)))
        and not r.protect
    ]


PROD_PROTECTED = "prod-stateful-protected"


def no_standing_elevated_role_in_prod(resources: Sequence[ResourceView]) -> list[Violation]:
    """A role assignment carries no tags: its tier is that of what it is granted on (`_tier_of`), so a sandbox stack
    of the dev tier may hold Foundry Account Owner standing and prod may not."""
    by_urn = {r.urn: r for r in resources}
    violations = []
    for grant in (r for r in resources if r.type == ROLE_ASSIGNMENT):
        guid = role_guid_of(_known(grant.props, "roleDefinitionId"))
        elevated = next((role for role in ELEVATED_ROLES if role.guid == guid), None)
        if elevated is not None and held_to_prod_rules(_tier_of(grant, by_urn)):
            violations.append(
                Violation(
                    STANDING_ELEVATED,
                    grant.urn,
                    f"prod: {elevated.name} ({elevated.guid}) is held only as a PIM eligibility (pim/), never standing",
                )
            )
    return violations


STANDING_ELEVATED = "no-standing-elevated-role-in-prod"


def private_endpoints_registered(resources: Sequence[ResourceView]) -> list[Violation]:
    """Every private endpoint has a DNS zone group (its `privateEndpointName` from the endpoint): without one the
    service's name keeps resolving to its public address, and with public access off every call fails."""
    grouped = {
        urn
        for r in resources
        if r.type == PRIVATE_DNS_ZONE_GROUP
        for urn in r.property_dependencies.get("privateEndpointName", ())
    }
    named = {_known(r.props, "privateEndpointName") for r in resources if r.type == PRIVATE_DNS_ZONE_GROUP}
    return [
        Violation(
            ZONE_GROUPS,
            r.urn,
            f"private endpoint {r.urn.rsplit('::', 1)[-1]} has no DNS zone group: its service's name would still "
            "resolve to the public address",
        )
        for r in resources
        if r.type == PRIVATE_ENDPOINT and r.urn not in grouped and _known(r.props, "privateEndpointName") not in named
    ]


ZONE_GROUPS = "private-endpoint-has-dns-zone-group"

# What Azure Policy audits for resource logs (policy/azure_policy.py): AI services accounts and AI Search services
# (1b4d1c4e), Key Vaults (cf820ca0).
LOGGED_TYPES = frozenset({ACCOUNT, VAULT, SEARCH_SERVICE})


def diagnostic_settings_present(resources: Sequence[ResourceView]) -> list[Violation]:
    """Every Foundry account, Key Vault and AI Search service has a diagnostic setting (found by the resource its
    `resourceUri` came from) that sends at least one enabled log category to a Log Analytics workspace: without
    one, who called the model or read the secret is recorded nowhere."""
    logged: set[str] = set()
    for setting in (r for r in resources if r.type == DIAGNOSTIC_SETTING):
        logs = _known(setting.props, "logs")
        enabled = isinstance(logs, list) and any(_mapping(entry).get("enabled") is True for entry in logs)
        # In a first preview the workspace's id is not known yet; that it comes from a workspace is.
        to_workspace = _known(setting.props, "workspaceId") is not None or setting.property_dependencies.get(
            "workspaceId"
        )
        if enabled and to_workspace:
            logged.update(setting.property_dependencies.get("resourceUri", ()))
    return [
        Violation(
            DIAGNOSTICS,
            r.urn,
            f"{r.type.rsplit(':', 1)[-1]} {r.urn.rsplit('::', 1)[-1]} has no diagnostic setting sending its logs to a "
            "Log Analytics workspace: its accesses would be recorded nowhere",
        )
        for r in resources
        if r.type in LOGGED_TYPES and r.urn not in logged
    ]


DIAGNOSTICS = "diagnostic-settings-present"

STACK_RULES: tuple[StackRule, ...] = (
    StackRule(
        APP_IDENTITY_SCOPE,
        "User-assigned managed identities and service principals hold roles only on a Foundry project, a Key Vault "
        "or an Application Insights component (project identities may hold Foundry User on the Foundry resource, "
        "by design).",
        app_identities_within_project_scope,
    ),
    StackRule(
        PROD_DATA_PLANE_PEOPLE,
        "In prod, no group of people holds a Foundry data-plane role (Foundry User, Foundry Project Manager, Foundry "
        "Owner) except the On-Behalf-Of API's end-users group, which the stack makes only where that pattern is on.",
        prod_people_reach_data_only_as_end_users,
    ),
    StackRule(
        STANDING_ELEVATED,
        "In prod, Foundry Account Owner and Foundry Owner are never standing role assignments (PIM eligibility only).",
        no_standing_elevated_role_in_prod,
    ),
    StackRule(
        PROD_PROTECTED,
        "In prod every stateful resource (Foundry account and projects, Key Vault, user-assigned identities, the agent "
        "data stores) is protected, so no `pulumi up` deletes or replaces it.",
        prod_stateful_protected,
    ),
    StackRule(
        ZONE_GROUPS,
        "Every private endpoint registers in its private DNS zones through a DNS zone group.",
        private_endpoints_registered,
    ),
    StackRule(
        DIAGNOSTICS,
        "Every Foundry account, Key Vault and AI Search service sends its resource logs to a Log Analytics workspace "
        "through a diagnostic setting.",
        diagnostic_settings_present,
    ),
)

POLICY_NAMES: tuple[str, ...] = tuple(r.name for r in RESOURCE_RULES) + tuple(r.name for r in STACK_RULES)


# --- running every rule over a set of resources ---------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """What the offline evaluation needs of one recorded resource: inputs for resource rules, outputs (state)
    for stack rules, like the engine gives them."""

    urn: str
    type: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    property_dependencies: Mapping[str, Sequence[str]]
    protect: bool = False


@dataclass(frozen=True)
class Verdict:
    policy: str
    description: str
    checked: int  # resources of the types the policy looks at
    violations: tuple[Violation, ...]

    @property
    def passed(self) -> bool:
        return not self.violations


def evaluate(resources: Sequence[Resource], stack: str) -> list[Verdict]:
    """Every policy over `resources`, in POLICY_NAMES order."""
    verdicts: list[Verdict] = []
    for rule in RESOURCE_RULES:
        relevant = [r for r in resources if r.type in rule.types]
        found = tuple(
            Violation(rule.name, r.urn, message)
            for r in relevant
            for message in rule.evaluate(r.type, r.inputs, environment_of(r.inputs, stack))
        )
        verdicts.append(Verdict(rule.name, rule.description, len(relevant), found))
    views = [ResourceView(r.urn, r.type, r.outputs, r.property_dependencies, r.protect) for r in resources]
    for stack_rule in STACK_RULES:
        grants = sum(1 for r in resources if r.type in GRANT_TYPES)
        verdicts.append(Verdict(stack_rule.name, stack_rule.description, grants, tuple(stack_rule.check(views))))
    return verdicts
