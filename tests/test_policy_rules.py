"""Each design rule, without the CLI: a resource that follows it passes, one that breaks it fails with a reason.

Inputs are written the way the engine sees them (camelCase, as Azure names them). Role GUIDs come from
Microsoft Learn's built-in roles list (shared/reference/foundry-facts.md), not from the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from components.catalogue.resource_types import (
    ACCOUNT,
    DEPLOYMENT,
    ENTRA_APPLICATION,
    ENTRA_APPLICATION_PASSWORD,
    ENTRA_CREDENTIAL,
    ENTRA_SERVICE_PRINCIPAL,
    ENTRA_SERVICE_PRINCIPAL_PASSWORD,
    IDENTITY_CREDENTIAL,
    PIM_ELIGIBILITY,
    PROJECT,
    ROLE_ASSIGNMENT,
    USER_ASSIGNED_IDENTITY,
    VAULT,
)
from policy.rules import (
    POLICY_NAMES,
    RESOURCE_RULES,
    STACK_RULES,
    ResourceRule,
    ResourceView,
    environment_of,
    stack_of_urn,
)

SUB = "/subscriptions/00000000-0000-4000-8000-000000000001"
GROUP_PATH = f"{SUB}/resourceGroups/rg-x-prod"
ACCOUNT_ID = f"{GROUP_PATH}/providers/Microsoft.CognitiveServices/accounts/x-prod-abc123"
PROJECT_ID = f"{ACCOUNT_ID}/projects/agents"
VAULT_ID = f"{GROUP_PATH}/providers/Microsoft.KeyVault/vaults/kv-x-prd-abc123"
FOUNDRY_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
FOUNDRY_PROJECT_MANAGER = "eadc314b-1a2d-4efa-be10-5d325db5065e"
FOUNDRY_ACCOUNT_OWNER = "e47c6f54-e4a2-4754-9501-8e0985b135e1"
APP_INSIGHTS_TYPE = "azure-native:applicationinsights:Component"
WORKSPACE_TYPE = "azure-native:operationalinsights:Workspace"
WEB_APP_TYPE = "azure-native:web:WebApp"
COSMOS_ID = f"{GROUP_PATH}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-x-prod-abc123"
COSMOS_DATABASE = f"{COSMOS_ID}/dbs/enterprise_memory"
# Cosmos DB for NoSQL built-in data roles (Learn, reference-data-plane-roles).
COSMOS_DATA_READER = "00000000-0000-0000-0000-000000000001"
COSMOS_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"
FOUNDRY_OWNER = "c883944f-8b7b-4483-af10-35834be79c4a"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
AZURE_AI_DEVELOPER = "64702f94-c441-49e6-a78b-ef80e0188fee"
COGNITIVE_SERVICES_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR = "a001fd3d-188f-4b5d-821b-7da978bf7442"
GITHUB = "https://token.actions.githubusercontent.com"
AUDIENCE = "api://AzureADTokenExchange"


def role(guid: str) -> str:
    return f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


GOOD_ACCOUNT = {
    "properties": {
        "customSubDomainName": "x-prod-abc123",
        "disableLocalAuth": True,
        "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny"},
    },
    "tags": {"environment": "prod"},
}
GOOD_VAULT = {
    "properties": {
        "enableRbacAuthorization": True,
        "enableSoftDelete": True,
        "enablePurgeProtection": True,
        "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny", "bypass": "None"},
    }
}
GOOD_ASSIGNMENT = {"principalType": "ServicePrincipal", "roleDefinitionId": role(FOUNDRY_USER), "scope": PROJECT_ID}
GOOD_GITHUB = {"issuer": GITHUB, "subject": "repo:contoso/agents:environment:prod", "audiences": [AUDIENCE]}


def with_properties(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, "properties": {**base["properties"], **changes}}


# (policy, type, environment, passing inputs, failing inputs, a phrase the failure must contain)
def days_ahead(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


CASES: list[tuple[str, str, str, dict[str, Any], dict[str, Any], str]] = [
    (
        "foundry-local-auth-disabled",
        ACCOUNT,
        "dev",
        GOOD_ACCOUNT,
        with_properties(GOOD_ACCOUNT, disableLocalAuth=False),
        "disableLocalAuth must be true",
    ),
    (
        "foundry-custom-subdomain",
        ACCOUNT,
        "dev",
        GOOD_ACCOUNT,
        with_properties(GOOD_ACCOUNT, customSubDomainName=""),
        "customSubDomainName must be set",
    ),
    (
        "prod-public-network-access-disabled",
        ACCOUNT,
        "prod",
        GOOD_ACCOUNT,
        with_properties(GOOD_ACCOUNT, publicNetworkAccess="Enabled"),
        "publicNetworkAccess must be 'Disabled'",
    ),
    (
        "prod-public-network-access-disabled",
        VAULT,
        "prod",
        GOOD_VAULT,
        with_properties(GOOD_VAULT, networkAcls={"defaultAction": "Allow"}),
        "defaultAction must be 'Deny'",
    ),
    (
        "key-vault-rbac-authorization",
        VAULT,
        "dev",
        GOOD_VAULT,
        with_properties(GOOD_VAULT, enableRbacAuthorization=False),
        "enableRbacAuthorization must be true",
    ),
    (
        "key-vault-rbac-authorization",
        VAULT,
        "dev",
        with_properties(GOOD_VAULT, accessPolicies=[]),
        with_properties(GOOD_VAULT, accessPolicies=[{"objectId": "x", "permissions": {"secrets": ["get"]}}]),
        "accessPolicies must be empty",
    ),
    (
        "key-vault-soft-delete",
        VAULT,
        "dev",
        GOOD_VAULT,
        with_properties(GOOD_VAULT, enableSoftDelete=False),
        "enableSoftDelete must be true",
    ),
    (
        "key-vault-purge-protection",
        VAULT,
        "staging",
        GOOD_VAULT,
        {"properties": {"enableRbacAuthorization": True, "enableSoftDelete": True}},
        "enablePurgeProtection must be true",
    ),
    *[
        (
            "no-forbidden-role",
            kind,
            "dev",
            {**GOOD_ASSIGNMENT, "roleDefinitionId": role(READER)},
            {**GOOD_ASSIGNMENT, "roleDefinitionId": role(guid)},
            name,
        )
        for kind in (ROLE_ASSIGNMENT, PIM_ELIGIBILITY)
        for guid, name in (
            (OWNER, "'Owner'"),
            (CONTRIBUTOR, "'Contributor'"),
            (USER_ACCESS_ADMINISTRATOR, "'User Access Administrator'"),
            (AZURE_AI_DEVELOPER, "'Azure AI Developer'"),
            (COGNITIVE_SERVICES_USER, "'Cognitive Services User'"),
            (COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR.upper(), "'Cognitive Services OpenAI Contributor'"),
            # Every built-in Cognitive Services role is in the catalogue by GUID (the role guard lists them too).
            ("b59867f0-fa02-499b-be73-45a86b5b3e1c", "'Cognitive Services Data Reader (Preview)'"),
            # Search Index Data Reader: real, unknown to the catalogue by GUID, refused by the allow-list.
            (
                "1407120a-92aa-4202-b7e9-c0e197c71c8f",
                "1407120a-92aa-4202-b7e9-c0e197c71c8f is not one the program may grant",
            ),
        )
    ],
    (
        "role-by-guid",
        ROLE_ASSIGNMENT,
        "dev",
        GOOD_ASSIGNMENT,
        {**GOOD_ASSIGNMENT, "roleDefinitionId": "Foundry User"},
        "must be a full id",
    ),
    (
        "role-by-guid",
        PIM_ELIGIBILITY,
        "prod",
        {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{FOUNDRY_USER}"},
        {"roleDefinitionId": FOUNDRY_USER},
        "must be a full id",
    ),
    (
        "no-direct-human-assignment",
        ROLE_ASSIGNMENT,
        "dev",
        {**GOOD_ASSIGNMENT, "principalType": "Group"},
        {**GOOD_ASSIGNMENT, "principalType": "User"},
        "through Entra groups",
    ),
    (
        "no-direct-human-assignment",
        ROLE_ASSIGNMENT,
        "dev",
        GOOD_ASSIGNMENT,
        {k: v for k, v in GOOD_ASSIGNMENT.items() if k != "principalType"},
        "principalType must be set",
    ),
    (
        "federated-credential-issuer",
        ENTRA_CREDENTIAL,
        "prod",
        GOOD_GITHUB,
        {**GOOD_GITHUB, "issuer": GITHUB + "/"},
        "issuer must be exactly",
    ),
    (
        "federated-credential-issuer",
        IDENTITY_CREDENTIAL,
        "dev",
        {"issuer": "https://oidc.aks.example/x/", "subject": "system:serviceaccount:a:b", "audiences": [AUDIENCE]},
        {"issuer": "http://oidc.aks.example/x/", "subject": "system:serviceaccount:a:b", "audiences": [AUDIENCE]},
        "https:// URL",
    ),
    (
        "federated-credential-audience",
        ENTRA_CREDENTIAL,
        "prod",
        GOOD_GITHUB,
        {**GOOD_GITHUB, "audiences": [AUDIENCE, "api://other"]},
        "audiences must be exactly",
    ),
    (
        "federated-credential-audience",
        IDENTITY_CREDENTIAL,
        "dev",
        {"issuer": "https://oidc.aks.example/x/", "subject": "s", "audiences": [AUDIENCE]},
        {"issuer": "https://oidc.aks.example/x/", "subject": "s"},
        "audiences must be exactly",
    ),
    (
        "federated-credential-environment-subject",
        ENTRA_CREDENTIAL,
        "prod",
        {**GOOD_GITHUB, "subject": "repo:contoso@123/agents@456:environment:prod"},
        {**GOOD_GITHUB, "subject": "repo:contoso/agents:environment:dev"},
        "subject must be 'repo:<owner>/<repo>:environment:prod'",
    ),
    (
        "federated-credential-environment-subject",
        IDENTITY_CREDENTIAL,
        "staging",
        {**GOOD_GITHUB, "subject": "repo:contoso/agents:environment:staging"},
        {**GOOD_GITHUB, "subject": "repo:contoso/agents:ref:refs/heads/main"},
        "environment:staging",
    ),
    (
        "no-client-secrets-in-prod",
        ENTRA_APPLICATION,
        "prod",
        {"displayName": "sp-x-prod-cicd"},
        {"displayName": "sp-x-prod-cicd", "password": {"displayName": "bootstrap"}},
        "declares a password",
    ),
    ("no-client-secrets-in-prod", ENTRA_APPLICATION_PASSWORD, "dev", {"applicationId": "/applications/x"}, {}, ""),
    (
        "no-client-secrets-in-prod",
        ENTRA_SERVICE_PRINCIPAL_PASSWORD,
        "staging",
        {"servicePrincipalId": "/servicePrincipals/x"},
        {},
        "",
    ),
    (
        "client-secret-short-lived",
        ENTRA_APPLICATION_PASSWORD,
        "dev",
        {"endDate": days_ahead(89)},
        {"endDate": days_ahead(92)},
        "at most 90",
    ),
    (
        "client-secret-short-lived",
        ENTRA_SERVICE_PRINCIPAL_PASSWORD,
        "staging",
        {"endDate": days_ahead(30)},
        # Near miss: a relative end looks bounded, but the provider ignores it and Entra gives two years.
        {"endDateRelative": "720h"},
        "endDateRelative is ignored",
    ),
    # Local auth absent rather than false: Azure's default keeps the keys working.
    (
        "monitoring-local-auth-disabled",
        APP_INSIGHTS_TYPE,
        "dev",
        {"disableLocalAuth": True},
        {"kind": "web"},
        "found None",
    ),
    (
        "monitoring-local-auth-disabled",
        WORKSPACE_TYPE,
        "staging",
        {"features": {"disableLocalAuth": True}},
        {"features": {"enableLogAccessUsingOnlyResourcePermissions": True}},
        "features.disableLocalAuth",
    ),
    (
        "web-app-hardened",
        WEB_APP_TYPE,
        "dev",
        {"httpsOnly": True, "siteConfig": {"minTlsVersion": "1.2", "scmMinTlsVersion": "1.2", "ftpsState": "Disabled"}},
        # Near miss: the site is strict, its SCM (deployment) site left at the default.
        {"httpsOnly": True, "siteConfig": {"minTlsVersion": "1.2", "ftpsState": "Disabled"}},
        "siteConfig.scmMinTlsVersion",
    ),
    (
        "web-app-hardened",
        "azure-native:web:WebAppScmAllowed",
        "dev",
        {"allow": False},
        {"name": "app"},
        "allow must be false",
    ),
    (
        "guardrails-strong",
        "azure-native:cognitiveservices:RaiPolicy",
        "dev",
        {
            "properties": {
                "basePolicyName": "Microsoft.DefaultV2",
                "contentFilters": [{"name": "Hate", "source": "Prompt", "enabled": True, "blocking": True}],
            }
        },
        # Near miss: the filter is on (annotates) but does not block.
        {
            "properties": {
                "basePolicyName": "Microsoft.DefaultV2",
                "contentFilters": [{"name": "Hate", "source": "Prompt", "enabled": True, "blocking": False}],
            }
        },
        "must block",
    ),
    # Near misses for the agent data stores: a key left out (Azure's default is the permissive one), a weaker TLS.
    (
        "agent-data-entra-only",
        "azure-native:storage:StorageAccount",
        "dev",
        {"allowSharedKeyAccess": False, "allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2"},
        {"allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2"},
        "allowSharedKeyAccess must be False",
    ),
    (
        "agent-data-entra-only",
        "azure-native:search:Service",
        "staging",
        {"disableLocalAuth": True},
        {"authOptions": {"aadOrApiKey": {"aadAuthFailureMode": "http401WithBearerChallenge"}}},
        "disableLocalAuth must be True",
    ),
    (
        "agent-data-entra-only",
        "azure-native:cosmosdb:DatabaseAccount",
        "prod",
        {"disableLocalAuth": True, "minimalTlsVersion": "Tls12"},
        {"disableLocalAuth": True, "minimalTlsVersion": "Tls11"},
        "minimalTlsVersion must be 'Tls12'",
    ),
    (
        "prod-public-network-access-disabled",
        "azure-native:storage:StorageAccount",
        "prod",
        {"publicNetworkAccess": "Disabled", "networkRuleSet": {"defaultAction": "Deny"}},
        {"publicNetworkAccess": "Disabled", "networkRuleSet": {"defaultAction": "Allow"}},
        "networkRuleSet.defaultAction must be 'Deny'",
    ),
    (
        "cosmos-data-role-scoped",
        "azure-native:cosmosdb:SqlResourceSqlRoleAssignment",
        "dev",
        {"roleDefinitionId": f"{COSMOS_ID}/sqlRoleDefinitions/{COSMOS_DATA_CONTRIBUTOR}", "scope": COSMOS_DATABASE},
        # A real built-in data role, but not the one the model grants, at the whole account.
        {"roleDefinitionId": f"{COSMOS_ID}/sqlRoleDefinitions/{COSMOS_DATA_READER}", "scope": COSMOS_ID},
        "not an assignable Cosmos data role",
    ),
    (
        "deployment-has-rai-policy",
        DEPLOYMENT,
        "dev",
        {"properties": {"raiPolicyName": "Microsoft.DefaultV2"}},
        {"properties": {"model": {"name": "gpt-4.1-mini"}}},
        "raiPolicyName must name a RAI policy",
    ),
]


def rule(name: str) -> ResourceRule:
    return next(r for r in RESOURCE_RULES if r.name == name)


def case_id(case: tuple[str, str, str, dict[str, Any], dict[str, Any], str]) -> str:
    return f"{case[0]}-{case[1].rsplit(':', 1)[-1]}-{case[2]}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule_passes_good_and_fails_bad(case: tuple[str, str, str, dict[str, Any], dict[str, Any], str]) -> None:
    name, type_token, environment, good, bad, phrase = case
    assert rule(name).evaluate(type_token, good, environment) == []
    if not bad:  # the secret-resource cases: the type alone is the violation, in prod
        assert rule(name).evaluate(type_token, {"x": 1}, "prod")
        return
    messages = rule(name).evaluate(type_token, bad, environment)
    assert messages and any(phrase in m for m in messages), messages


def test_every_policy_has_a_passing_and_a_failing_case() -> None:
    covered = {c[0] for c in CASES} | {r.name for r in STACK_RULES}  # stack rule: tests below
    assert covered == set(POLICY_NAMES)
    assert len(POLICY_NAMES) == len(set(POLICY_NAMES)) == 26


def test_prod_only_rules_do_not_apply_elsewhere() -> None:
    open_account = with_properties(GOOD_ACCOUNT, publicNetworkAccess="Enabled", networkAcls={"defaultAction": "Allow"})
    assert rule("prod-public-network-access-disabled").evaluate(ACCOUNT, open_account, "dev") == []
    assert rule("no-client-secrets-in-prod").evaluate(ENTRA_APPLICATION_PASSWORD, {}, "staging") == []


def test_rules_ignore_other_types() -> None:
    assert rule("foundry-local-auth-disabled").evaluate(VAULT, {"properties": {}}, "prod") == []
    assert rule("deployment-has-rai-policy").evaluate(ACCOUNT, {"properties": {}}, "prod") == []


def test_non_github_credentials_need_no_environment_subject() -> None:
    aks = {"issuer": "https://oidc.aks.example/x/", "subject": "system:serviceaccount:a:b", "audiences": [AUDIENCE]}
    assert rule("federated-credential-environment-subject").evaluate(IDENTITY_CREDENTIAL, aks, "prod") == []


def test_environment_comes_from_the_tag_then_the_stack() -> None:
    assert environment_of({"tags": {"environment": "prod"}}, "my-stack") == "prod"
    assert environment_of({"displayName": "sp"}, "staging") == "staging"
    # An untagged resource of a stack not named after a tier: prod's rules, and the stack's own GitHub environment.
    assert environment_of({"displayName": "sp"}, "sandbox") == "sandbox"
    assert rule("no-client-secrets-in-prod").evaluate(ENTRA_APPLICATION_PASSWORD, {}, "sandbox")
    assert rule("no-client-secrets-in-prod").evaluate(ENTRA_APPLICATION_PASSWORD, {}, "dev") == []
    sandbox = {"issuer": GITHUB, "subject": "repo:contoso/foundry-agents:environment:sandbox", "audiences": [AUDIENCE]}
    assert rule("federated-credential-environment-subject").evaluate(ENTRA_CREDENTIAL, sandbox, "sandbox") == []
    assert rule("federated-credential-environment-subject").evaluate(ENTRA_CREDENTIAL, sandbox, "dev")
    assert stack_of_urn("urn:pulumi:prod::foundry-platform::azuread:index/group:Group::prod-groups-readers") == "prod"


def test_rules_read_policy_sdk_proxies_and_surface_unknowns() -> None:
    """The engine hands Mapping/Sequence proxies, not dicts and lists; an unknown value raises (the SDK then
    skips that check during preview) instead of passing silently."""
    proxied = unknown_checking_proxy(GOOD_GITHUB | {"audiences": [AUDIENCE]})
    assert rule("federated-credential-audience").evaluate(ENTRA_CREDENTIAL, proxied, "prod") == []
    assert rule("federated-credential-environment-subject").evaluate(ENTRA_CREDENTIAL, proxied, "prod") == []
    unknown = unknown_checking_proxy({**GOOD_GITHUB, "subject": UNKNOWN_STRING_VALUE})
    with pytest.raises(UnknownValueError):
        rule("federated-credential-environment-subject").evaluate(ENTRA_CREDENTIAL, unknown, "prod")


# --- the stack rule: application identities not above project scope ---------------------------------------

STACK = "urn:pulumi:prod::foundry-platform::"
UAMI_URN = f"{STACK}azure-native:managedidentity:UserAssignedIdentity::app"
SP_URN = f"{STACK}azuread:index/servicePrincipal:ServicePrincipal::cicd"
PROJECT_URN = f"{STACK}azure-native:cognitiveservices:Project::agents"
PROJECT_IDENTITY_PRINCIPAL = "9d1f6c1e-0000-4000-8000-00000000000a"
ACCOUNT_URN = f"{STACK}azure-native:cognitiveservices:Account::account"
VAULT_URN = f"{STACK}azure-native:keyvault:Vault::kv"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
APP_INSIGHTS_URN = f"{STACK}azure-native:applicationinsights:Component::appi"
APP_INSIGHTS_ID = f"{GROUP_PATH}/providers/Microsoft.Insights/components/appi-x-prod"


def resources_with(*grants: ResourceView) -> list[ResourceView]:
    return [
        ResourceView(UAMI_URN, USER_ASSIGNED_IDENTITY, {"principalId": "uami-principal"}, {}),
        ResourceView(SP_URN, ENTRA_SERVICE_PRINCIPAL, {"objectId": "sp-object"}, {}),
        ResourceView(PROJECT_URN, PROJECT, {"identity": {"principalId": PROJECT_IDENTITY_PRINCIPAL}}, {}),
        ResourceView(ACCOUNT_URN, ACCOUNT, {}, {}),
        ResourceView(VAULT_URN, VAULT, {}, {}),
        ResourceView(APP_INSIGHTS_URN, "azure-native:applicationinsights:Component", {}, {}),
        *grants,
    ]


def grant(name: str, principal_from: str, scope_from: str, scope: str, kind: str = ROLE_ASSIGNMENT) -> ResourceView:
    return ResourceView(
        f"{STACK}{kind}::{name}",
        kind,
        {"scope": scope, "principalId": "not-known-yet"},
        {"principalId": [principal_from], "scope": [scope_from]},
    )


def app_scope_violations(resources: list[ResourceView]) -> list[str]:
    stack_rule = next(r for r in STACK_RULES if r.name == "app-identity-within-project-scope")
    return [v.urn.rsplit("::", 1)[-1] for v in stack_rule.check(resources)]


def test_app_identities_on_projects_and_vaults_pass() -> None:
    resources = resources_with(
        grant("app-user-agents", UAMI_URN, PROJECT_URN, PROJECT_ID),
        grant("app-secrets-user", UAMI_URN, VAULT_URN, VAULT_ID),
        grant("app-publishes-telemetry", UAMI_URN, APP_INSIGHTS_URN, APP_INSIGHTS_ID),
        grant("cicd-manager-agents", SP_URN, PROJECT_URN, PROJECT_ID),
        # A project's own identity holds Foundry User on the resource by design: not an application identity.
        grant("project-on-account", PROJECT_URN, ACCOUNT_URN, ACCOUNT_ID),
    )
    assert app_scope_violations(resources) == []


def test_app_identities_above_project_scope_fail() -> None:
    resources = resources_with(
        grant("app-user-on-account", UAMI_URN, ACCOUNT_URN, ACCOUNT_ID),
        grant("cicd-eligible-on-account", SP_URN, ACCOUNT_URN, ACCOUNT_ID, kind=PIM_ELIGIBILITY),
    )
    assert sorted(app_scope_violations(resources)) == ["app-user-on-account", "cicd-eligible-on-account"]


def test_app_identity_grant_with_literal_values_is_judged_by_value() -> None:
    """No property dependencies (ids written as literals): the principal id and scope string decide."""
    on_group = ResourceView(
        f"{STACK}{ROLE_ASSIGNMENT}::literal-rg",
        ROLE_ASSIGNMENT,
        {"principalId": "uami-principal", "scope": GROUP_PATH},
        {},
    )
    on_project = ResourceView(
        f"{STACK}{ROLE_ASSIGNMENT}::literal-project",
        ROLE_ASSIGNMENT,
        {"principalId": "sp-object", "scope": f"{PROJECT_ID}/"},
        {},
    )
    someone_else = ResourceView(
        f"{STACK}{ROLE_ASSIGNMENT}::other", ROLE_ASSIGNMENT, {"principalId": "a-group", "scope": GROUP_PATH}, {}
    )
    on_app_insights = ResourceView(
        f"{STACK}{ROLE_ASSIGNMENT}::literal-appi",
        ROLE_ASSIGNMENT,
        {"principalId": "uami-principal", "scope": APP_INSIGHTS_ID},
        {},
    )
    assert app_scope_violations(resources_with(on_group, on_project, someone_else, on_app_insights)) == ["literal-rg"]


def test_a_web_apps_own_identity_is_held_to_project_scope_too() -> None:
    """A web app running as its system-assigned identity is an application identity: its grants name the web app as
    where the principal comes from (or its `identity.principalId` by value), and the account is above its scope."""
    web_app_urn = f"{STACK}azure-native:web:WebApp::app"
    web_app = ResourceView(web_app_urn, "azure-native:web:WebApp", {"identity": {"principalId": "app-principal"}}, {})
    by_value = ResourceView(
        f"{STACK}{ROLE_ASSIGNMENT}::web-app-literal-account",
        ROLE_ASSIGNMENT,
        {"principalId": "app-principal", "scope": ACCOUNT_ID},
        {},
    )
    resources = [
        *resources_with(
            grant("web-app-user-agents", web_app_urn, PROJECT_URN, PROJECT_ID),
            grant("web-app-user-on-account", web_app_urn, ACCOUNT_URN, ACCOUNT_ID),
            by_value,
        ),
        web_app,
    ]
    assert sorted(app_scope_violations(resources)) == ["web-app-literal-account", "web-app-user-on-account"]


# --- the stack rule: in prod, people reach the data plane only as the OBO API's end users ----------------------

END_USERS_URN = f"{STACK}azuread:index/group:Group::end-users"
DEVELOPERS_URN = f"{STACK}azuread:index/group:Group::developers"
GROUPS = [
    ResourceView(END_USERS_URN, "azuread:index/group:Group", {"displayName": "grp-x-foundry-prod-end-users"}, {}),
    ResourceView(DEVELOPERS_URN, "azuread:index/group:Group", {"displayName": "grp-x-foundry-prod-developers"}, {}),
]


def group_grant(name: str, group_urn: str | None, role_guid: str, stack: str = STACK) -> ResourceView:
    return ResourceView(
        f"{stack}{ROLE_ASSIGNMENT}::{name}",
        ROLE_ASSIGNMENT,
        {
            "principalId": "a-group" if group_urn is None else "not-known-yet",
            "principalType": "Group",
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}",
            "scope": PROJECT_ID,
        },
        {"principalId": [group_urn] if group_urn else [], "scope": [PROJECT_URN]},
    )


def prod_people_violations(resources: list[ResourceView]) -> list[str]:
    stack_rule = next(r for r in STACK_RULES if r.name == "prod-people-reach-data-only-as-end-users")
    return sorted(v.urn.rsplit("::", 1)[-1] for v in stack_rule.check(resources))


def test_in_prod_only_the_end_users_group_holds_a_data_plane_role() -> None:
    grants = [
        group_grant("end-users-user", END_USERS_URN, FOUNDRY_USER),
        group_grant("developers-reader", DEVELOPERS_URN, READER),
        # Near misses: a real, assignable role that reaches the data plane, given to the wrong group; the data-plane
        # role the model never gives people; a group the stack did not make (a literal id).
        group_grant("developers-user", DEVELOPERS_URN, FOUNDRY_USER),
        group_grant("developers-manager", DEVELOPERS_URN, FOUNDRY_PROJECT_MANAGER),
        group_grant("outsiders-owner", None, FOUNDRY_OWNER),
    ]
    assert prod_people_violations([*resources_with(*grants), *GROUPS]) == [
        "developers-manager",
        "developers-user",
        "outsiders-owner",
    ]


def test_outside_prod_groups_may_hold_data_plane_roles() -> None:
    dev = "urn:pulumi:dev::foundry-platform::"
    grants = [group_grant("developers-manager", DEVELOPERS_URN, FOUNDRY_PROJECT_MANAGER, stack=dev)]
    assert prod_people_violations([*resources_with(*grants), *GROUPS]) == []


def test_a_user_assigned_identity_a_project_runs_as_is_the_projects_not_an_applications() -> None:
    """foundryIdentity user-assigned: the project's own identity holds Foundry User on the account (as Learn requires)
    and roles on the agent data stores; another user-assigned identity with the same grant is still refused."""
    project_identity = f"{STACK}{USER_ASSIGNED_IDENTITY}::project-agents-identity"
    project = ResourceView(f"{STACK}{PROJECT}::agents-uami", PROJECT, {}, {"identity": [project_identity]})
    resources = [
        *resources_with(
            grant("project-uami-on-account", project_identity, ACCOUNT_URN, ACCOUNT_ID),
            grant("app-user-on-account", UAMI_URN, ACCOUNT_URN, ACCOUNT_ID),
        ),
        ResourceView(project_identity, USER_ASSIGNED_IDENTITY, {"principalId": "project-principal"}, {}),
        project,
    ]
    assert app_scope_violations(resources) == ["app-user-on-account"]


# --- the stack rules: prod's stateful resources protected; every private endpoint in its zones ---------------


def stack_rule_violations(name: str, resources: list[ResourceView]) -> list[str]:
    stack_rule = next(r for r in STACK_RULES if r.name == name)
    return sorted(v.urn.rsplit("::", 1)[-1] for v in stack_rule.check(resources))


def test_in_prod_every_stateful_resource_is_protected() -> None:
    vault_tags = {"tags": {"environment": "prod"}}
    resources = [
        ResourceView(VAULT_URN, VAULT, vault_tags, {}, protect=True),
        ResourceView(f"{STACK}{VAULT}::unprotected-kv", VAULT, vault_tags, {}),
        # Untagged (an identity tagged by nobody) in a stack named prod: prod's rules apply.
        ResourceView(UAMI_URN, USER_ASSIGNED_IDENTITY, {}, {}),
        # Not stateful: a role assignment needs no protection.
        ResourceView(f"{STACK}{ROLE_ASSIGNMENT}::grant", ROLE_ASSIGNMENT, {}, {}),
    ]
    assert stack_rule_violations("prod-stateful-protected", resources) == ["app", "unprotected-kv"]
    dev = "urn:pulumi:dev::foundry-platform::"
    assert (
        stack_rule_violations(
            "prod-stateful-protected", [ResourceView(f"{dev}{VAULT}::kv", VAULT, {"tags": {"environment": "dev"}}, {})]
        )
        == []
    )


def test_every_private_endpoint_has_a_dns_zone_group() -> None:
    endpoint = f"{STACK}azure-native:network:PrivateEndpoint::pe-account"
    lonely = f"{STACK}azure-native:network:PrivateEndpoint::pe-lonely"
    resources = [
        ResourceView(endpoint, "azure-native:network:PrivateEndpoint", {"privateEndpointName": "pe-account"}, {}),
        ResourceView(lonely, "azure-native:network:PrivateEndpoint", {"privateEndpointName": "pe-lonely"}, {}),
        ResourceView(
            f"{STACK}azure-native:network:PrivateDnsZoneGroup::pe-account-dns",
            "azure-native:network:PrivateDnsZoneGroup",
            {"privateEndpointName": "pe-account"},
            {"privateEndpointName": [endpoint]},
        ),
    ]
    assert stack_rule_violations("private-endpoint-has-dns-zone-group", resources) == ["pe-lonely"]


def test_every_account_vault_and_search_service_sends_its_logs_to_a_workspace() -> None:
    """Near misses: a setting whose logs are all off, and one on another resource; the absent workspace id of a
    first preview still counts when it comes from a workspace."""
    workspace = f"{STACK}azure-native:operationalinsights:Workspace::logs"
    search = f"{STACK}azure-native:search:Service::srch"

    def setting(name: str, target: str, logs_on: bool, workspace_id: str | None = "/ws") -> ResourceView:
        props: dict[str, Any] = {"logs": [{"category": "Audit", "enabled": logs_on}]}
        if workspace_id is not None:
            props["workspaceId"] = workspace_id
        return ResourceView(
            f"{STACK}{DIAGNOSTIC}::{name}", DIAGNOSTIC, props, {"resourceUri": [target], "workspaceId": [workspace]}
        )

    resources = [
        ResourceView(ACCOUNT_URN, ACCOUNT, {}, {}),
        ResourceView(VAULT_URN, VAULT, {}, {}),
        ResourceView(search, "azure-native:search:Service", {}, {}),
        setting("diag-account", ACCOUNT_URN, logs_on=True, workspace_id=None),  # a first preview: id not known yet
        setting("diag-vault", VAULT_URN, logs_on=False),  # collects nothing
        setting("diag-elsewhere", workspace, logs_on=True),  # on another resource
    ]
    vault_name, search_name = VAULT_URN.rsplit("::", 1)[-1], "srch"
    assert stack_rule_violations("diagnostic-settings-present", resources) == sorted([vault_name, search_name])
    resources += [setting("diag-vault-on", VAULT_URN, True), setting("diag-search", search, True)]
    assert stack_rule_violations("diagnostic-settings-present", resources) == []


def test_in_prod_no_administrator_role_is_standing() -> None:
    """Foundry Account Owner is real and assignable (standing outside prod), Foundry Owner real but never granted:
    in prod neither may be standing. The tier is read from what the grant is on (a role assignment has no tags)."""
    account = ResourceView(ACCOUNT_URN, ACCOUNT, {"tags": {"environment": "prod"}}, {})

    def standing(name: str, role_guid: str, stack: str = STACK) -> ResourceView:
        return ResourceView(
            f"{stack}{ROLE_ASSIGNMENT}::{name}",
            ROLE_ASSIGNMENT,
            {"roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"},
            {"scope": [ACCOUNT_URN]},
        )

    resources = [
        account,
        standing("admins-account-owner", FOUNDRY_ACCOUNT_OWNER),
        standing("admins-foundry-owner", FOUNDRY_OWNER),
        standing("readers-reader", READER),
    ]
    assert stack_rule_violations("no-standing-elevated-role-in-prod", resources) == [
        "admins-account-owner",
        "admins-foundry-owner",
    ]
    # The same grant in a sandbox stack whose account is tagged dev: allowed.
    sandbox = "urn:pulumi:sandbox::foundry-platform::"
    dev_account = ResourceView(ACCOUNT_URN, ACCOUNT, {"tags": {"environment": "dev"}}, {})
    assert (
        stack_rule_violations(
            "no-standing-elevated-role-in-prod", [dev_account, standing("owner", FOUNDRY_ACCOUNT_OWNER, sandbox)]
        )
        == []
    )
