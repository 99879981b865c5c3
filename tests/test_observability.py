"""Observability: workspace, workspace-based App Insights, diagnostic settings, and a tracing connection per project.

Also the rule that no key is ever readable: the App Insights connection string only travels as a secret.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.catalogue.resource_types import ACCOUNT, APP_INSIGHTS, CONNECTION, PROJECT, SEARCH_SERVICE, VAULT
from components.settings import ConfigError
from offline.render import Registration, RenderError, Rendering, render
from tests.conftest import settings_of

WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"


def test_one_workspace_per_environment(stack: Rendering) -> None:
    workspace = stack.one(WORKSPACE)
    assert workspace.input("workspaceName") == f"log-fndry-{stack.stack}"
    assert workspace.input("sku") == {"name": "PerGB2018"}
    assert workspace.input("retentionInDays") == (90 if stack.stack == "prod" else 30)
    assert workspace.input("features.disableLocalAuth") is True
    assert stack.exports["logAnalyticsWorkspaceId"] == workspace.id


def test_app_insights_is_workspace_based_with_local_auth_disabled(stack: Rendering) -> None:
    component = stack.one(APP_INSIGHTS)
    workspace = stack.one(WORKSPACE)
    assert component.input("resourceName") == f"appi-fndry-{stack.stack}"
    assert component.input("workspaceResourceId") == workspace.id
    assert stack.depends_on(component, workspace)
    assert component.input("ingestionMode") == "LogAnalytics"
    assert component.input("disableLocalAuth") is True
    assert component.input("applicationType") == "web"
    assert stack.exports["appInsightsId"] == component.id
    assert component.id.endswith(
        f"/resourceGroups/rg-fndry-{stack.stack}/providers/Microsoft.Insights/components/appi-fndry-{stack.stack}"
    )


def diagnostic_setting_for(stack: Rendering, target: Registration) -> Registration:
    found = [d for d in stack.of_type(DIAGNOSTIC_SETTING) if d.input("resourceUri") == target.id]
    assert len(found) == 1, target.name
    return found[0]


@pytest.mark.parametrize(
    ("target_type", "log_categories"),
    [(ACCOUNT, ["Audit", "RequestResponse", "AzureOpenAIRequestUsage"]), (VAULT, ["AuditEvent"])],
    ids=["foundry-account", "key-vault"],
)
def test_diagnostic_settings_send_logs_and_metrics_to_this_environments_workspace(
    stack: Rendering, target_type: str, log_categories: list[str]
) -> None:
    target = stack.one(target_type)
    setting = diagnostic_setting_for(stack, target)
    workspace = stack.one(WORKSPACE)
    assert setting.input("workspaceId") == workspace.id
    assert f"/resourceGroups/rg-fndry-{stack.stack}/" in setting.input("workspaceId")
    assert stack.depends_on(setting, workspace) and stack.depends_on(setting, target)
    assert setting.input("logs") == [{"category": c, "enabled": True} for c in log_categories]
    assert setting.input("metrics") == [{"category": "AllMetrics", "enabled": True}]


def test_the_account_the_vault_and_the_agents_search_service_have_diagnostic_settings(stack: Rendering) -> None:
    """What Azure Policy audits (1b4d1c4e: AI services and AI Search; cf820ca0: Key Vault) has its logs collected."""
    targets = sorted(d.input("resourceUri") for d in stack.of_type(DIAGNOSTIC_SETTING))
    searches = [s.id for s in stack.of_type(SEARCH_SERVICE)]
    assert len(searches) == (1 if settings_of(stack.stack).agent_setup is not None else 0)
    assert targets == sorted([stack.one(ACCOUNT).id, stack.one(VAULT).id, *searches])


def test_the_search_services_operation_logs_reach_the_workspace(rendered: dict[str, Rendering]) -> None:
    prod = rendered["prod"]  # the example prod stack has the standard agent setup
    setting = diagnostic_setting_for(prod, prod.one(SEARCH_SERVICE))
    assert setting.input("workspaceId") == prod.one(WORKSPACE).id
    assert setting.input("logs") == [{"category": "OperationLogs", "enabled": True}]
    assert prod.depends_on(setting, prod.one(SEARCH_SERVICE))


def app_insights_connections(stack: Rendering) -> dict[str, Registration]:
    return {
        c.input("projectName"): c for c in stack.of_type(CONNECTION) if c.input("properties.category") == "AppInsights"
    }


def test_every_project_has_an_app_insights_connection(stack: Rendering) -> None:
    component = stack.one(APP_INSIGHTS)
    projects = {p.input("projectName"): p for p in stack.of_type(PROJECT)}
    connections = app_insights_connections(stack)
    assert sorted(connections) == sorted(projects) == ["agents", "evals"]
    for project_name, connection in connections.items():
        assert connection.input("accountName") == stack.one(ACCOUNT).input("accountName")
        # Connection names are unique per account, not per project: each carries its project's name.
        assert connection.input("connectionName") == f"{project_name}-app-insights"
        assert connection.input("properties.target") == component.id
        assert connection.input("properties.metadata") == {"ApiType": "Azure", "ResourceId": component.id}
        assert connection.input("properties.authType") == "ApiKey"
        assert connection.input("properties.credentials.key") == component.state["connectionString"]
        assert stack.depends_on(connection, projects[project_name])
        assert stack.depends_on(connection, component)


def test_a_long_project_name_still_gives_a_connection_name_azure_accepts() -> None:
    """Connection names carry the project's name and Azure allows 33 characters: a long one is shortened with a
    hash of the project name, so two long projects that share a beginning still differ."""
    projects = [{"name": "customer-support-agents-west"}, {"name": "customer-support-agents-east"}]
    names = sorted(
        c.input("connectionName")
        for c in app_insights_connections(render("dev", overrides={"projects": projects})).values()
    )
    assert all(len(name) <= 33 and name.endswith("-app-insights") for name in names), names
    assert names[0] != names[1] and all(name.startswith("customer-supp-") for name in names)


def test_app_insights_connection_follows_configured_projects() -> None:
    rendering = render("dev", overrides={"projects": [{"name": "agents"}, {"name": "research"}, {"name": "evals"}]})
    assert sorted(app_insights_connections(rendering)) == ["agents", "evals", "research"]


def test_the_connection_string_is_a_secret_input(stack: Rendering) -> None:
    for connection in app_insights_connections(stack).values():
        # The SDK marks the whole property bag secret because one value in it is; either way the key is covered.
        assert under_secret("properties.credentials.key", connection.secret_inputs)
        assert "properties" in connection.additional_secret_outputs


def test_app_insights_keys_are_secret_outputs_in_state(stack: Rendering) -> None:
    component = stack.one(APP_INSIGHTS)
    assert {"connectionString", "instrumentationKey"} <= set(component.additional_secret_outputs)


def paths_containing(value: Any, needle: str, path: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in paths_containing(v, needle, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in paths_containing(v, needle, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and needle in value else []


def under_secret(path: str, secret_paths: set[str]) -> bool:
    return any(path == s or path.startswith(s + ".") or path.startswith(s + "[") for s in secret_paths)


def test_no_key_is_readable_in_inputs_state_or_outputs(stack: Rendering) -> None:
    key = stack.one(APP_INSIGHTS).state["instrumentationKey"]
    assert key  # the mock hands out a key, so the search below can find it
    seen_in_inputs = 0
    for resource in stack.resources:
        for path in paths_containing(resource.inputs, key):
            seen_in_inputs += 1
            assert under_secret(path, resource.secret_inputs), (
                f"{resource.name}: input {path} holds a key in plain text"
            )
        for path in paths_containing(resource.state, key):
            top = path.split(".")[0].split("[")[0]
            assert top in resource.additional_secret_outputs or under_secret(path, resource.secret_inputs), (
                f"{resource.name}: state {path} would hold a key in plain text"
            )
    assert seen_in_inputs == len(stack.of_type(PROJECT))  # exactly the per-project connections carry it
    assert not paths_containing(stack.exports, key)
    assert "InstrumentationKey=" not in repr(stack.exports)


@pytest.mark.parametrize(("value", "shown"), [("7", "'7'"), ("1000", "'1000'"), ("month", "'month'")])
def test_bad_retention_fails_naming_the_key(value: str, shown: str) -> None:
    with pytest.raises(RenderError) as failure:
        render("dev", overrides={"logRetentionDays": value})
    assert isinstance(failure.value.cause, ConfigError)
    problem = next(p for p in failure.value.cause.problems if p.startswith("logRetentionDays:"))
    assert shown in problem and "allowed" in problem
    assert failure.value.registrations == []


def test_retention_is_configurable() -> None:
    assert render("staging", overrides={"logRetentionDays": 180}).one(WORKSPACE).input("retentionInDays") == 180
