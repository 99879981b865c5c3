"""The Foundry resource and its projects: Entra-only, project management on, network mode per environment."""

from __future__ import annotations

from components.catalogue.resource_types import ACCOUNT, PROJECT
from offline.render import Rendering


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
