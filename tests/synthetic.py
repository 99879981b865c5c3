"""Small programs that declare access resources directly, for the inventory, plan and policy tests.

Both are run by an administrator (`ADMINISTRATOR`): their Entra objects are not owned by the caller.
`access_program` follows every design rule and has one of each thing the inventory must account for: role
assignments to a user-assigned identity, a project's own identity, a service principal and a group; a PIM
eligibility; a group with members (inline and through GroupMember) and owners; an app registration's GitHub
credential and a managed identity's credential. `violating_program` breaks every policy at least once.
Role GUIDs are Microsoft Learn's (shared/reference/foundry-facts.md), written out here on purpose.
"""

from __future__ import annotations

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import (
    applicationinsights,
    authorization,
    cognitiveservices,
    cosmosdb,
    keyvault,
    managedidentity,
    network,
    resources,
    storage,
    web,
)

from offline.render import FAKE_ADMIN_OBJECT_ID, FAKE_SUBSCRIPTION_ID, FAKE_TENANT_ID, Caller

FOUNDRY_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
FOUNDRY_PROJECT_MANAGER = "eadc314b-1a2d-4efa-be10-5d325db5065e"
FOUNDRY_ACCOUNT_OWNER = "e47c6f54-e4a2-4754-9501-8e0985b135e1"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
COGNITIVE_SERVICES_OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "api://AzureADTokenExchange"
PERSON = "11111111-2222-4333-8444-555555555555"  # a person's object id, only ever a group member or owner
OWNER = "66666666-7777-4888-9999-000000000000"
ADMINISTRATOR = Caller(FAKE_ADMIN_OBJECT_ID, False, "an administrator")


def role_id(guid: str) -> str:
    return f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def _core(environment: str, private: bool) -> dict[str, pulumi.Resource]:
    tags = {"environment": environment}
    group = resources.ResourceGroup("syn-rg", resource_group_name=f"rg-syn-{environment}", tags=tags)
    account = cognitiveservices.Account(
        "syn-account",
        account_name=f"syn-{environment}-acct",
        resource_group_name=group.name,
        kind="AIServices",
        sku={"name": "S0"},
        identity={"type": cognitiveservices.ResourceIdentityType.SYSTEM_ASSIGNED},
        properties={
            "custom_sub_domain_name": f"syn-{environment}-acct",
            "disable_local_auth": True,
            "public_network_access": "Disabled" if private else "Enabled",
            "network_acls": {"default_action": "Deny" if private else "Allow"},
        },
        tags=tags,
    )
    project = cognitiveservices.Project(
        "syn-project",
        account_name=account.name,
        project_name="agents",
        resource_group_name=group.name,
        identity={"type": cognitiveservices.ResourceIdentityType.SYSTEM_ASSIGNED},
        tags=tags,
    )
    identity = managedidentity.UserAssignedIdentity(
        "syn-uami", resource_name_=f"id-syn-{environment}-app", resource_group_name=group.name, tags=tags
    )
    return {"group": group, "account": account, "project": project, "identity": identity}


def access_program(environment: str = "dev") -> None:
    private = environment == "prod"
    core = _core(environment, private)
    group, account, project = core["group"], core["account"], core["project"]
    identity = core["identity"]
    assert isinstance(account, cognitiveservices.Account) and isinstance(project, cognitiveservices.Project)
    assert isinstance(identity, managedidentity.UserAssignedIdentity)
    assert isinstance(group, resources.ResourceGroup)
    tags = {"environment": environment}
    keyvault.Vault(
        "syn-kv",
        vault_name=f"kv-syn-{environment}",
        resource_group_name=group.name,
        properties={
            "tenant_id": FAKE_TENANT_ID,
            "sku": {"family": keyvault.SkuFamily.A, "name": keyvault.SkuName.STANDARD},
            "enable_rbac_authorization": True,
            "enable_soft_delete": True,
            "enable_purge_protection": True,
            "public_network_access": "Disabled" if private else "Enabled",
            "network_acls": {"default_action": "Deny" if private else "Allow"},
        },
        tags=tags,
    )
    cognitiveservices.Deployment(
        "syn-deployment",
        account_name=account.name,
        deployment_name="router",
        resource_group_name=group.name,
        properties={
            "model": {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"},
            "rai_policy_name": "Microsoft.DefaultV2",
        },
        sku={"name": "GlobalStandard", "capacity": 10},
        opts=pulumi.ResourceOptions(depends_on=[project]),  # one write at a time under the account
    )
    developers = azuread.Group(
        "syn-developers",
        display_name=f"grp-syn-{environment}-developers",
        security_enabled=True,
        members=[PERSON],
        owners=[OWNER],
    )
    azuread.GroupMember(
        "syn-developers-app", group_object_id=developers.object_id, member_object_id=identity.principal_id
    )
    application = azuread.Application("syn-cicd-app", display_name=f"sp-syn-{environment}-cicd")
    service_principal = azuread.ServicePrincipal("syn-cicd-sp", client_id=application.client_id)
    azuread.ApplicationFederatedIdentityCredential(
        "syn-cicd-github",
        application_id=application.id,
        display_name=f"github-{environment}",
        issuer=GITHUB_ISSUER,
        subject=f"repo:contoso/agents:environment:{environment}",
        audiences=[AUDIENCE],
    )
    managedidentity.FederatedIdentityCredential(
        "syn-uami-aks",
        federated_identity_credential_resource_name="aks-runtime",
        resource_name_=identity.name,
        resource_group_name=group.name,
        issuer="https://oidc.aks.example.net/tenant/cluster/",
        subject="system:serviceaccount:agents:runtime",
        audiences=[AUDIENCE],
    )
    project_principal = project.identity.apply(lambda i: i.principal_id if i else "")
    for name, principal_id, principal_type, role, scope in (
        ("syn-app-foundry-user", identity.principal_id, "ServicePrincipal", FOUNDRY_USER, project.id),
        ("syn-project-foundry-user", project_principal, "ServicePrincipal", FOUNDRY_USER, account.id),
        ("syn-cicd-manager", service_principal.object_id, "ServicePrincipal", FOUNDRY_PROJECT_MANAGER, project.id),
        ("syn-developers-reader", developers.object_id, "Group", READER, account.id),
    ):
        authorization.RoleAssignment(
            name,
            principal_id=principal_id,
            principal_type=principal_type,
            role_definition_id=role_id(role),
            scope=scope,
            description=f"synthetic grant {name}",
        )
    authorization.PimRoleEligibilitySchedule(
        "syn-developers-owner-eligible",
        principal_id=developers.object_id,
        role_definition_id=role_id(FOUNDRY_ACCOUNT_OWNER),
        scope=account.id,
        justification="break-glass administration",
    )


def violating_program() -> None:
    """Rendered as stack 'prod': breaks each policy at least once."""
    environment = "prod"
    tags = {"environment": environment}
    group = resources.ResourceGroup("bad-rg", resource_group_name="rg-bad-prod", tags=tags)
    account = cognitiveservices.Account(
        "bad-account",
        account_name="bad-prod-acct",
        resource_group_name=group.name,
        kind="AIServices",
        sku={"name": "S0"},
        properties={"disable_local_auth": False, "public_network_access": "Enabled"},
        tags=tags,
    )
    project = cognitiveservices.Project(
        "bad-project", account_name=account.name, project_name="agents", resource_group_name=group.name, tags=tags
    )
    identity = managedidentity.UserAssignedIdentity(
        "bad-uami", resource_name_="id-bad-prod-app", resource_group_name=group.name, tags=tags
    )
    keyvault.Vault(
        "bad-kv",
        vault_name="kv-bad-prod",
        resource_group_name=group.name,
        properties={
            "tenant_id": FAKE_TENANT_ID,
            "sku": {"family": keyvault.SkuFamily.A, "name": keyvault.SkuName.STANDARD},
            "enable_rbac_authorization": False,
            "enable_soft_delete": False,
            "access_policies": [
                {"tenant_id": FAKE_TENANT_ID, "object_id": PERSON, "permissions": {"secrets": ["get"]}}
            ],
        },
        tags=tags,
    )
    deployment = cognitiveservices.Deployment(
        "bad-deployment",
        account_name=account.name,
        deployment_name="router",
        resource_group_name=group.name,
        properties={"model": {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"}},
        sku={"name": "GlobalStandard", "capacity": 10},
        opts=pulumi.ResourceOptions(depends_on=[project]),  # breaks the design rules, not Azure's
    )
    application = azuread.Application("bad-app", display_name="sp-bad-prod")
    secret = azuread.ApplicationPassword("bad-app-secret", application_id=application.id)
    azuread.ApplicationFederatedIdentityCredential(
        "bad-github",
        application_id=application.id,
        display_name="github-any-branch",
        issuer=GITHUB_ISSUER + "/",
        subject="repo:contoso/agents:ref:refs/heads/main",
        audiences=[AUDIENCE, "api://other"],
        opts=pulumi.ResourceOptions(depends_on=[secret]),  # breaks the design rules, not Azure's
    )
    # Developers calling prod's models: a data-plane role for a group other than the OBO API's end users.
    developers = azuread.Group("bad-developers", display_name="grp-bad-prod-developers", security_enabled=True)
    authorization.RoleAssignment(
        "bad-developers-foundry-user",
        principal_id=developers.object_id,
        principal_type="Group",
        role_definition_id=role_id(FOUNDRY_USER),
        scope=project.id,
    )
    authorization.RoleAssignment(
        "bad-person-contributor",
        principal_id=PERSON,
        principal_type="User",
        role_definition_id=role_id(CONTRIBUTOR),
        scope=group.id,
    )
    authorization.RoleAssignment(
        "bad-app-on-account",
        principal_id=identity.principal_id,
        principal_type="ServicePrincipal",
        role_definition_id="Cognitive Services OpenAI User",
        scope=account.id,
    )
    authorization.PimRoleEligibilitySchedule(
        "bad-openai-user-eligible",
        principal_id=PERSON,
        role_definition_id=role_id(COGNITIVE_SERVICES_OPENAI_USER),
        scope=project.id,
    )
    # Agent data kept with keys: a storage account open to shared keys and the internet in prod, and a Cosmos data
    # role granted at the whole account.
    storage.StorageAccount(
        "bad-agent-files",
        account_name="stbadprod",
        resource_group_name=group.name,
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        allow_shared_key_access=True,
        public_network_access="Enabled",
        tags=tags,
    )
    cosmos = cosmosdb.DatabaseAccount(
        "bad-agent-threads",
        account_name="cosmos-bad-prod",
        resource_group_name=group.name,
        database_account_offer_type=cosmosdb.DatabaseAccountOfferType.STANDARD,
        locations=[{"location_name": "swedencentral", "failover_priority": 0}],
        disable_local_auth=True,
        minimal_tls_version="Tls12",
        public_network_access="Disabled",
        tags=tags,
    )
    cosmosdb.SqlResourceSqlRoleAssignment(
        "bad-cosmos-data-owner",
        account_name=cosmos.name,
        resource_group_name=group.name,
        role_assignment_id="6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        role_definition_id=cosmos.id.apply(lambda i: f"{i}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002"),
        scope=cosmos.id,
        principal_id=identity.principal_id,
    )
    # A standing Foundry Account Owner in prod (only ever a PIM eligibility there).
    authorization.RoleAssignment(
        "bad-standing-account-owner",
        principal_id=developers.object_id,
        principal_type="Group",
        role_definition_id=role_id(FOUNDRY_ACCOUNT_OWNER),
        scope=account.id,
    )
    # Telemetry that accepts keys, a web app that accepts plain HTTP and TLS 1.0, weak guardrails, and a private
    # endpoint that registers in no zone.
    applicationinsights.Component(
        "bad-appi", resource_name_="appi-bad-prod", resource_group_name=group.name, kind="web", application_type="web"
    )
    web.WebApp(
        "bad-web",
        name="app-bad-prod",
        resource_group_name=group.name,
        https_only=False,
        site_config={"min_tls_version": "1.0", "ftps_state": "AllAllowed"},
    )
    guardrails = cognitiveservices.RaiPolicy(
        "bad-guardrails",
        account_name=account.name,
        resource_group_name=group.name,
        rai_policy_name="weak",
        properties={
            "base_policy_name": "Microsoft.Default",
            "content_filters": [{"name": "Hate", "source": "Prompt", "enabled": True, "blocking": False}],
        },
        opts=pulumi.ResourceOptions(depends_on=[deployment]),  # breaks the design rules, not Azure's
    )
    network.PrivateEndpoint(
        "bad-endpoint",
        private_endpoint_name="pe-bad",
        resource_group_name=group.name,
        subnet={"id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pe"},
        private_link_service_connections=[
            {"name": "pe-bad", "private_link_service_id": account.id, "group_ids": ["account"]}
        ],
        opts=pulumi.ResourceOptions(depends_on=[guardrails]),
    )
