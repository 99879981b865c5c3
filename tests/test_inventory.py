"""The access inventory: complete (every grant, eligibility, group and federated credential that was registered
appears, and nothing else), with principals, roles and scopes named the way a reviewer reads them."""

from __future__ import annotations

import pytest

from components.access import standing_roles
from components.settings.core import EnvironmentName
from offline.inventory import FROM_STACK_FILE, build_inventory, readable_scope
from offline.render import Rendering, render
from offline.report import Environment, StackReport
from offline.siblings import stack_settings
from tests.synthetic import (
    ADMINISTRATOR,
    FOUNDRY_ACCOUNT_OWNER,
    FOUNDRY_PROJECT_MANAGER,
    FOUNDRY_USER,
    OWNER,
    PERSON,
    READER,
    access_program,
)

# Written out here rather than imported, so the test states independently what "complete" covers.
GRANTS = {
    "azure-native:authorization:RoleAssignment",
    "azure-native:authorization:PimRoleEligibilitySchedule",
    # Cosmos DB's own data-role assignments: not Azure RBAC, but they let a principal read and write data.
    "azure-native:cosmosdb:SqlResourceSqlRoleAssignment",
}
GROUPS = {"azuread:index/group:Group"}
CREDENTIALS = {
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
    "azure-native:managedidentity:FederatedIdentityCredential",
}
SECRETS = {"azuread:index/applicationPassword:ApplicationPassword"}


@pytest.fixture(scope="module")
def synthetic() -> Rendering:
    return render("dev", program=access_program, caller=ADMINISTRATOR)


def urns_of(rendering: Rendering, types: set[str]) -> set[str]:
    return {r.urn for r in rendering.resources if r.type in types}


def assert_complete(rendering: Rendering) -> None:
    inventory = build_inventory(rendering)
    assert {e.urn for e in inventory.access} == urns_of(rendering, GRANTS)
    assert {g.urn for g in inventory.groups} == urns_of(rendering, GROUPS)
    assert {c.urn for c in inventory.credentials} == urns_of(rendering, CREDENTIALS)
    assert {s.urn for s in inventory.secrets} == urns_of(rendering, SECRETS)
    assert inventory.urns == urns_of(rendering, GRANTS | GROUPS | CREDENTIALS | SECRETS)
    entries = len(inventory.access) + len(inventory.groups) + len(inventory.credentials) + len(inventory.secrets)
    assert entries == len(inventory.urns)


def test_inventory_of_the_synthetic_program_is_complete(synthetic: Rendering) -> None:
    assert_complete(synthetic)
    assert len(urns_of(synthetic, GRANTS)) == 5 and len(urns_of(synthetic, CREDENTIALS)) == 2


@pytest.mark.parametrize("stack_name", ["dev", "staging", "prod"])
def test_inventory_of_each_environment_is_complete(environments: dict[str, Environment], stack_name: str) -> None:
    """The main stack and its PIM phase together: prod's eligibility is part of who can do what."""
    environment = environments[stack_name].combined
    assert_complete(environment)
    inventory = build_inventory(environment)
    # Every principal is one the program declares, found through its state: nothing left unnamed.
    assert all(e.principal.urn and e.principal.kind != "principal not declared here" for e in inventory.access)
    assert {e.access for e in inventory.access} == (
        {"standing", "PIM-eligible"} if stack_name == "prod" else {"standing"}
    )


@pytest.mark.parametrize("stack_name", ["dev", "staging", "prod"])
def test_inventory_of_each_bootstrap_is_complete(
    environments: dict[str, Environment], reports: dict[str, StackReport], stack_name: str
) -> None:
    """The bootstrap too: every grant and credential of the delivery identities and the state administrators."""
    bootstrap = environments[stack_name].bootstrap
    assert bootstrap is not None
    assert_complete(bootstrap)
    report = reports[stack_name]
    assert {e.urn for e in report.pipeline_access} == urns_of(bootstrap, GRANTS)
    assert {c.urn for c in report.pipeline_credentials} == urns_of(bootstrap, CREDENTIALS)
    # Principals the bootstrap does not create (the state administrators' group) are named by their grant.
    assert all(e.principal.display_name != e.principal.object_id for e in report.pipeline_access)


def test_principals_roles_and_scopes_are_named(synthetic: Rendering) -> None:
    rows = {
        (e.principal.display_name, e.principal.kind, e.role_name, e.role_guid, e.scope, e.access)
        for e in build_inventory(synthetic).access
    }
    account, project = "Foundry resource syn-dev-acct", "Foundry project syn-dev-acct/agents"
    assert rows == {
        ("id-syn-dev-app", "user-assigned managed identity", "Foundry User", FOUNDRY_USER, project, "standing"),
        (
            "project agents",
            "project managed identity (system-assigned)",
            "Foundry User",
            FOUNDRY_USER,
            account,
            "standing",
        ),
        (
            "sp-syn-dev-cicd",
            "service principal",
            "Foundry Project Manager",
            FOUNDRY_PROJECT_MANAGER,
            project,
            "standing",
        ),
        ("grp-syn-dev-developers", "Entra security group", "Reader", READER, account, "standing"),
        (
            "grp-syn-dev-developers",
            "Entra security group",
            "Foundry Account Owner",
            FOUNDRY_ACCOUNT_OWNER,
            account,
            "PIM-eligible",
        ),
    }


def test_principal_ids_match_the_declaring_resources_state(synthetic: Rendering) -> None:
    inventory = build_inventory(synthetic)
    identity = synthetic.one("azure-native:managedidentity:UserAssignedIdentity")
    app_grant = next(e for e in inventory.access if e.principal.kind == "user-assigned managed identity")
    assert app_grant.principal.object_id == identity.state["principalId"] and app_grant.principal.urn == identity.urn
    project = synthetic.one("azure-native:cognitiveservices:Project")
    project_grant = next(e for e in inventory.access if e.principal.urn == project.urn)
    assert project_grant.principal.object_id == project.state["identity"]["principalId"]
    assert project_grant.description == "synthetic grant syn-project-foundry-user"


def test_groups_list_members_and_owners(synthetic: Rendering) -> None:
    (group,) = build_inventory(synthetic).groups
    assert group.display_name == "grp-syn-dev-developers" and group.security_enabled
    # Object ids the program does not create are said to come from the stack file, never shown bare.
    assert group.members == (f"{PERSON} ({FROM_STACK_FILE})", "id-syn-dev-app (user-assigned managed identity)")
    assert group.owners == (f"{OWNER} ({FROM_STACK_FILE})",)


def test_the_deploying_principal_is_named_as_such(environments: dict[str, Environment]) -> None:
    for stack, environment in environments.items():
        deployer = stack_settings(stack).deployer_object_id
        assert deployer is not None, stack
        owners = {owner for group in build_inventory(environment.combined).groups for owner in group.owners}
        assert owners == {f"the pipeline deployer, {deployer} (service principal)"}, stack


def test_federated_credentials_name_their_identity(synthetic: Rendering) -> None:
    credentials = {c.name: c for c in build_inventory(synthetic).credentials}
    github = credentials["github-dev"]
    assert (github.identity, github.identity_kind) == ("sp-syn-dev-cicd", "app registration")
    assert github.issuer == "https://token.actions.githubusercontent.com"
    assert github.subject == "repo:contoso/agents:environment:dev"
    assert github.audiences == ("api://AzureADTokenExchange",)
    aks = credentials["aks-runtime"]
    assert (aks.identity, aks.identity_kind) == ("id-syn-dev-app", "user-assigned managed identity")


def test_an_undeclared_person_is_shown_as_such() -> None:
    def program() -> None:
        from pulumi_azure_native import authorization

        from tests.synthetic import role_id

        authorization.RoleAssignment(
            "person",
            principal_id=PERSON,
            principal_type="User",
            role_definition_id=role_id(READER),
            scope="/subscriptions/s",
        )

    (entry,) = build_inventory(render("dev", program=program)).access
    assert (entry.principal.kind, entry.principal.object_id, entry.scope) == ("user (person)", PERSON, "subscription s")


@pytest.mark.parametrize(
    ("scope", "readable"),
    [
        ("/subscriptions/abc", "subscription abc"),
        ("/subscriptions/abc/resourceGroups/rg-x", "resource group rg-x"),
        (
            "/subscriptions/abc/resourceGroups/rg-x/providers/Microsoft.CognitiveServices/accounts/a1",
            "Foundry resource a1",
        ),
        (
            "/subscriptions/abc/resourceGroups/rg-x/providers/Microsoft.CognitiveServices/accounts/a1/projects/p1",
            "Foundry project a1/p1",
        ),
        ("/subscriptions/abc/resourceGroups/rg-x/providers/Microsoft.KeyVault/vaults/kv1", "Key Vault kv1"),
        (
            "/subscriptions/abc/resourceGroups/rg-x/providers/Microsoft.Storage/storageAccounts/st1",
            "storage account st1",
        ),
        ("/subscriptions/abc/resourceGroups/rg-x/providers/Microsoft.Foo/bars/b1", "Microsoft.Foo/bars b1"),
    ],
)
def test_scopes_read_as_words(scope: str, readable: str) -> None:
    assert readable_scope(scope) == readable


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_deployers_delegation_reads_as_what_it_allows(
    stack: EnvironmentName, environments: dict[str, Environment]
) -> None:
    bootstrap = environments[stack].bootstrap
    assert bootstrap is not None
    (delegation,) = [e for e in build_inventory(bootstrap).access if e.condition]
    assign, to, remove = (part.split(": ", 1)[1].split(", ") for part in delegation.condition.split("; "))
    roles = sorted(role.name for role in standing_roles(stack))
    assert delegation.role_name == "Role Based Access Control Administrator"
    assert (sorted(assign), to, sorted(remove)) == (roles, ["ServicePrincipal", "Group"], roles)
    # Prod's deployer may not hand out Foundry Account Owner: in prod it is only ever PIM-eligible.
    assert ("Foundry Account Owner" in delegation.condition) == (stack != "prod")


def test_each_principal_says_how_it_signs_in(reports: dict[str, StackReport]) -> None:
    report = reports["prod"]
    signs_in = {e.principal.display_name: e.authentication for _, e in report.all_grants}
    settings = stack_settings("prod")
    platform = settings.platform_repository
    assert platform is not None
    issuer = "https://token.actions.githubusercontent.com"
    # Federated identities: exactly the subjects their credentials trust, nothing to hold or rotate.
    assert signs_in["sp-fndry-foundry-prod-cicd"] == (
        f"federated: {settings.github.environment_subject('prod')} from {issuer}; "
        f"{platform.environment_subject('prod')} from {issuer}"
    )
    assert signs_in["sp-fndry-platform-prod-preview"] == (
        f"federated: {platform.environment_subject('prod-preview')} from {issuer}"
    )
    assert signs_in["project agents"] == "managed identity of its resource (nothing to hold or rotate); deleted with it"
    assert signs_in["grp-fndry-foundry-prod-readers"] == "its members, each with their own Entra sign-in"
    assert not [who for who, how in signs_in.items() if "secret" in how or how == "no credential declared here"]
