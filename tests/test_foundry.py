"""The Foundry resource and its projects: Entra-only, project management on, network mode per environment."""

from __future__ import annotations

from components.catalogue.resource_types import ACCOUNT, PROJECT
from offline.rehearsal import rehearse_change
from offline.render import Rendering, render
from tests.config_checks import plan_findings
from tests.conftest import settings_of


def test_exactly_one_aiservices_account_per_stack(stack: Rendering) -> None:
    account = stack.one(ACCOUNT)
    assert account.input("kind") == "AIServices"
    assert account.input("sku") == {"name": "S0"}
    assert account.input("identity") == {"type": "SystemAssigned"}


def test_account_is_entra_only_with_project_management(stack: Rendering) -> None:
    properties = stack.one(ACCOUNT).input("properties")
    assert properties["disableLocalAuth"] is True
    assert properties["allowProjectManagement"] is True


def test_custom_subdomain_is_the_account_name_and_names_the_environment(stack: Rendering) -> None:
    account = stack.one(ACCOUNT)
    subdomain = account.input("properties.customSubDomainName")
    assert subdomain == account.input("accountName")
    assert f"-{stack.stack}-" in subdomain


def test_network_mode_matches_environment(stack: Rendering) -> None:
    properties = stack.one(ACCOUNT).input("properties")
    if stack.stack == "prod":
        assert properties["publicNetworkAccess"] == "Disabled"
        assert properties["networkAcls"]["defaultAction"] == "Deny"
    else:
        assert properties["publicNetworkAccess"] == "Enabled"


def test_default_projects_runtime_and_evaluations(stack: Rendering) -> None:
    projects = stack.of_type(PROJECT)
    assert sorted(p.input("projectName") for p in projects) == ["agents", "evals"]
    for project in projects:
        assert project.input("identity") == {"type": "SystemAssigned"}
        assert project.input("properties.displayName")
        assert project.input("properties.description")


def test_projects_belong_to_this_environments_account(stack: Rendering) -> None:
    account = stack.one(ACCOUNT)
    for project in stack.of_type(PROJECT):
        assert project.input("accountName") == account.input("accountName")
        assert stack.depends_on(project, account)
        assert project.parent == account.parent  # both children of the FoundryAccount component


def test_project_endpoints_are_exported_in_foundry_form(stack: Rendering) -> None:
    subdomain = stack.one(ACCOUNT).input("properties.customSubDomainName")
    assert stack.exports["projectEndpoints"] == {
        name: f"https://{subdomain}.services.ai.azure.com/api/projects/{name}" for name in ("agents", "evals")
    }
    assert stack.exports["accountName"] == subdomain


# -- the account's and projects' identity (foundryIdentity) ---------------------------------------------------
USER_ASSIGNED_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
COSMOS_DATA_ROLE_ASSIGNMENT = "azure-native:cosmosdb:SqlResourceSqlRoleAssignment"


def test_user_assigned_gives_the_account_and_each_project_their_own_identity() -> None:
    prod = render("prod", overrides={"foundryIdentity": "user-assigned"})
    settings = settings_of("prod")
    identities = {i.input("resourceName"): i for i in prod.of_type(USER_ASSIGNED_IDENTITY)}
    account = prod.one(ACCOUNT)
    foundry = identities[f"id-{settings.name_prefix}-prod-foundry"]
    assert account.input("identity") == {"type": "UserAssigned", "userAssignedIdentities": [foundry.id]}
    for project in prod.of_type(PROJECT):
        own = identities[f"id-{settings.name_prefix}-prod-project-{project.input('projectName')}"]
        assert project.input("identity") == {"type": "UserAssigned", "userAssignedIdentities": [own.id]}
        assert own.protect  # it holds the project's grants and outlives nothing by accident
        # Every grant of the project identity, Azure's and Cosmos's, goes to the user-assigned principal.
        principal = own.state["principalId"]
        azure = [g for g in prod.of_type(ROLE_ASSIGNMENT) if g.input("principalId") == principal]
        cosmos = [g for g in prod.of_type(COSMOS_DATA_ROLE_ASSIGNMENT) if g.input("principalId") == principal]
        # Foundry User on the account, Monitoring Metrics Publisher, and the standard agent setup's five roles.
        assert (len(azure), len(cosmos)) == (7, 1)


def test_the_identity_cannot_change_once_deployed(rendered: dict[str, Rendering]) -> None:
    """Azure does not change an account's or project's identity: the rehearsal refuses the change."""
    rehearsal = rehearse_change("dev", [("foundryIdentity", "user-assigned")], main=rendered["dev"])
    blocked = {step.name: step.blocked for step in rehearsal.blocked}
    assert {"dev-foundry-account", "dev-foundry-project-agents", "dev-foundry-project-evals"} <= set(blocked)
    assert all("identity" in reasons[0] for reasons in blocked.values() if reasons)


def test_user_assigned_passes_the_plan(bootstrapped: dict[str, Rendering]) -> None:
    prod = render("prod", overrides={"foundryIdentity": "user-assigned"})
    assert plan_findings(prod, bootstrapped["prod"]) == []
