"""The web app on its own system-assigned identity (design source 1.1), opt-in per environment: it runs as that
identity instead of the shared user-assigned one, its grants are the app identity's and follow the app (the
principal exists only once the app does), and the plan says what that costs."""

from __future__ import annotations

import pytest

from components.catalogue.resource_types import (
    APP_INSIGHTS,
    PROJECT,
    ROLE_ASSIGNMENT,
    USER_ASSIGNED_IDENTITY,
    VAULT,
    WEB_APP,
)
from offline.inventory import build_inventory
from offline.render import Rendering, render
from tests.config_checks import plan_findings
from tests.test_compute import app_settings

# Learn, built-in roles: Foundry User, Key Vault Secrets User, Monitoring Metrics Publisher.
FOUNDRY_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"


@pytest.fixture(scope="module")
def on() -> Rendering:
    return render("dev", overrides={"compute": {"identity": "system-assigned"}})


def grants_to(rendering: Rendering, principal: str) -> set[tuple[str, str]]:
    return {
        (r.input("roleDefinitionId").rsplit("/", 1)[-1], r.input("scope"))
        for r in rendering.of_type(ROLE_ASSIGNMENT)
        if r.input("principalId") == principal
    }


def test_the_app_runs_as_its_own_identity_only(on: Rendering) -> None:
    app = on.one(WEB_APP)
    assert app.input("identity") == {"type": "SystemAssigned"}
    assert app.input("keyVaultReferenceIdentity") == "SystemAssigned"
    settings = app_settings(app.inputs)
    # DefaultAzureCredential takes the system-assigned identity when no client id names another one.
    assert "AZURE_CLIENT_ID" not in settings
    assert settings["FOUNDRY_PROJECT_ENDPOINT"] == on.exports["projectEndpoints"]["agents"]


def test_its_identity_gets_the_app_identitys_grants_after_the_app_exists(on: Rendering) -> None:
    app = on.one(WEB_APP)
    principal = app.state["identity"]["principalId"]
    projects = {p.input("projectName"): p.id for p in on.of_type(PROJECT)}
    expected = {(FOUNDRY_USER, projects["agents"]), (FOUNDRY_USER, projects["evals"])}
    expected |= {(KEY_VAULT_SECRETS_USER, on.one(VAULT).id), (MONITORING_METRICS_PUBLISHER, on.one(APP_INSIGHTS).id)}
    assert grants_to(on, principal) == expected
    for grant in (r for r in on.of_type(ROLE_ASSIGNMENT) if r.input("principalId") == principal):
        assert grant.input("principalType") == "ServicePrincipal"
        assert on.depends_on(grant, app), grant.name
    # The inverted order: the app waits for no grant, since its own can only come after it.
    assert not {r.urn for r in on.of_type(ROLE_ASSIGNMENT)} & set(app.dependencies)


def test_the_shared_identity_stays_with_its_own_grants(on: Rendering) -> None:
    """Other workloads (AKS, a function) still run as the user-assigned identity; the web app no longer does."""
    uami = on.one(USER_ASSIGNED_IDENTITY)
    assert len(grants_to(on, uami.state["principalId"])) == len(on.of_type(PROJECT)) + 2
    assert uami.id not in str(on.one(WEB_APP).inputs)


def test_the_inventory_says_it_dies_with_the_app_and_may_start_before_its_grants(on: Rendering) -> None:
    principal = on.one(WEB_APP).state["identity"]["principalId"]
    entries = [e for e in build_inventory(on).access if e.principal.object_id == principal]
    assert len(entries) == 4
    for entry in entries:
        assert entry.principal.kind == "web app managed identity (system-assigned)"
        assert "deleted with the app, and every grant to it" in entry.authentication
        assert "may start before its grants have propagated" in entry.authentication


def test_turned_on_the_plan_passes(on: Rendering, bootstrapped: dict[str, Rendering]) -> None:
    """The policy pack, the deployer's rights (the grants' roles for a service principal are within its
    condition; the app needs no identity-assign right for its own identity), and Azure's rules."""
    assert plan_findings(on, bootstrapped["dev"]) == []


def test_off_by_default(rendered: dict[str, Rendering]) -> None:
    for rendering in rendered.values():
        identity = rendering.one(WEB_APP).input("identity")
        assert identity["type"] == "UserAssigned", rendering.stack
