"""Project connections from config: Entra ID auth only, and never to another environment's resources."""

from __future__ import annotations

import re
from typing import Any

import pytest

from components.catalogue.resource_types import CONNECTION, PROJECT
from components.settings import ConfigError
from components.settings.core import other_environment_token
from offline.render import FAKE_SUBSCRIPTION_ID, Registration, RenderError, Rendering, render
from tests.config_checks import refused_config_problem
from tests.conftest import STACKS, settings_of

SUB = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}"


def storage_id(group: str, name: str) -> str:
    return f"{SUB}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}"


def search_id(group: str, name: str) -> str:
    return f"{SUB}/resourceGroups/{group}/providers/Microsoft.Search/searchServices/{name}"


def cosmos_id(group: str, name: str) -> str:
    return f"{SUB}/resourceGroups/{group}/providers/Microsoft.DocumentDB/databaseAccounts/{name}"


# The component that makes the connections a stack file declares under `connections`; the program makes others
# itself (each project's Application Insights connection, the standard agent setup's three per project).
DECLARED_BY = "foundry-platform:index:ProjectConnections"
# The standard agent setup's connection of each project to each store: `<project>-<purpose>`, by category.
AGENT_CONNECTIONS = {
    "agent-files": "AzureStorageAccount",
    "agent-vectors": "CognitiveSearch",
    "agent-threads": "CosmosDB",
}


def component_type(urn: str) -> str:
    """The type of the resource a URN names (its last `$`-separated type)."""
    return urn.split("::")[2].rsplit("$", 1)[-1]


def by_name(connections: list[Registration]) -> dict[tuple[str, str], Registration]:
    return {(c.input("projectName"), c.input("connectionName")): c for c in connections}


def configured(rendering: Rendering) -> dict[tuple[str, str], Registration]:
    """The connections the stack file declares (`connections`), told apart by the component that makes them."""
    return by_name([c for c in rendering.of_type(CONNECTION) if component_type(c.parent) == DECLARED_BY])


def test_stack_files_declare_no_data_connections(stack: Rendering) -> None:
    settings = settings_of(stack.stack)
    assert settings.connections == ()
    assert configured(stack) == {}
    assert stack.exports["projectConnections"] == {"agents": [], "evals": []}
    # What the program makes on its own: each project's Application Insights connection and, with the standard
    # agent setup on (prod), its three connections to the environment's agent data stores.
    projects = [project.name for project in settings.projects]
    made = by_name([c for c in stack.of_type(CONNECTION) if component_type(c.parent) != DECLARED_BY])
    agent_data = stack.exports.get("agentData")
    assert (agent_data is not None) == (settings.agent_setup is not None)
    expected = {(p, f"{p}-app-insights") for p in projects}
    if agent_data is not None:
        expected |= {(p, f"{p}-{purpose}") for p in projects for purpose in AGENT_CONNECTIONS}
    assert set(made) == expected
    assert {c.input("properties.category") for (_, name), c in made.items() if name.endswith("-app-insights")} == {
        "AppInsights"
    }
    group = settings.resource_group_name
    stores = {
        "agent-files": (storage_id, "storageAccountName", "https://{}.blob.core.windows.net/"),
        "agent-vectors": (search_id, "searchServiceName", "https://{}.search.windows.net"),
        "agent-threads": (cosmos_id, "cosmosAccountName", "https://{}.documents.azure.com:443/"),
    }
    for (project, name), connection in made.items():
        purpose = name.removeprefix(f"{project}-")
        if purpose not in AGENT_CONNECTIONS:
            continue
        resource_id, output, endpoint = stores[purpose]
        assert agent_data is not None
        store = agent_data[output]
        properties = connection.input("properties")
        assert (properties["authType"], properties["category"]) == ("AAD", AGENT_CONNECTIONS[purpose])
        assert "credentials" not in properties and connection.secret_inputs == set()
        assert properties["target"] == endpoint.format(store)
        assert properties["metadata"]["ResourceId"] == resource_id(group, store)
        assert properties["isSharedToAll"] is False  # each project its own


@pytest.mark.parametrize("stack_name", STACKS)
def test_connections_use_entra_id_and_point_at_this_environments_resources(stack_name: str) -> None:
    group = f"rg-fndry-{stack_name}"
    connections = [
        {"name": "docs-storage", "project": "agents", "resourceId": storage_id(group, f"stfndry{stack_name}docs")},
        {"name": "docs-index", "project": "agents", "resourceId": search_id(group, f"srch-fndry-{stack_name}")},
        {"name": "eval-store", "project": "evals", "resourceId": cosmos_id(group, f"cosmos-fndry-{stack_name}")},
    ]
    rendering = render(stack_name, overrides={"connections": connections})
    found = configured(rendering)
    assert sorted(found) == [("agents", "docs-index"), ("agents", "docs-storage"), ("evals", "eval-store")]
    expected = {
        ("agents", "docs-storage"): ("AzureStorageAccount", f"https://stfndry{stack_name}docs.blob.core.windows.net/"),
        ("agents", "docs-index"): ("CognitiveSearch", f"https://srch-fndry-{stack_name}.search.windows.net"),
        ("evals", "eval-store"): ("CosmosDB", f"https://cosmos-fndry-{stack_name}.documents.azure.com:443/"),
    }
    projects = {p.input("projectName"): p for p in rendering.of_type(PROJECT)}
    by_name = {c["name"]: c for c in connections}
    for (project, name), connection in found.items():
        category, target = expected[(project, name)]
        properties = connection.input("properties")
        assert properties["authType"] == "AAD"
        assert "credentials" not in properties
        assert properties["category"] == category
        assert properties["target"] == target
        assert properties["metadata"] == {"ApiType": "Azure", "ResourceId": by_name[name]["resourceId"]}
        assert connection.secret_inputs == set()
        assert rendering.depends_on(connection, projects[project])
    assert rendering.exports["projectConnections"] == {
        "agents": ["docs-storage", "docs-index"],
        "evals": ["eval-store"],
    }


def test_a_listed_resource_group_of_this_environment_is_allowed() -> None:
    rendering = render(
        "prod",
        overrides={
            "connectionResourceGroups": ["rg-data-prod"],
            "connections": [
                {"name": "lake", "project": "agents", "resourceId": storage_id("rg-data-prod", "stdataprod")}
            ],
        },
    )
    assert list(configured(rendering)) == [("agents", "lake")]


SNAKE_CASE_KEY = re.compile(r"[a-z0-9]+(_[a-z0-9]+)+")


def snake_case_keys(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key in ("tags", "metadata"):  # free-form maps: their keys are data, not ARM property names
                continue
            if SNAKE_CASE_KEY.fullmatch(key):
                found.append(f"{path}.{key}" if path else key)
            found += snake_case_keys(item, f"{path}.{key}" if path else key)
        return found
    if isinstance(value, list):
        return [p for item in value for p in snake_case_keys(item, path)]
    return []


def test_every_property_reaches_arm_in_camel_case() -> None:
    """Union-typed inputs (connection properties) keep snake_case keys when given as plain dicts."""
    rendering = render(
        "dev",
        overrides={
            "connections": [{"name": "docs", "project": "agents", "resourceId": search_id("rg-fndry-dev", "s")}]
        },
    )
    for resource in rendering.resources:
        if resource.custom:
            assert snake_case_keys(resource.inputs) == [], resource.name


BAD_CONNECTIONS = [
    # (stack, overrides, key the message must name, text the message must contain)
    (
        "dev",
        {"connections": [{"name": "docs", "project": "agents", "resourceId": storage_id("rg-fndry-prod", "stdocs")}]},
        "connections[0].resourceId",
        "another environment",
    ),
    (
        "prod",
        {"connections": [{"name": "docs", "project": "agents", "resourceId": search_id("rg-fndry-dev", "srch")}]},
        "connections[0].resourceId",
        "another environment",
    ),
    (
        "prod",
        {
            "connections": [
                {"name": "docs", "project": "agents", "resourceId": search_id("rg-fndry-prod", "srch-stg-docs")}
            ]
        },
        "connections[0].resourceId",
        "'stg'",
    ),
    (
        "staging",
        {"connections": [{"name": "docs", "project": "agents", "resourceId": storage_id("rg-shared-data", "st")}]},
        "connections[0].resourceId",
        "not one of staging's",
    ),
    (
        "staging",
        {"connectionResourceGroups": ["rg-data-prod"]},
        "connectionResourceGroups[0]",
        "another environment",
    ),
    (
        "dev",
        {
            "connections": [
                {
                    "name": "docs",
                    "project": "agents",
                    "resourceId": f"{SUB}/resourceGroups/rg-fndry-dev/providers/Microsoft.Web/sites/app",
                }
            ]
        },
        "connections[0].resourceId",
        "Microsoft.Storage/storageAccounts",
    ),
    (
        "dev",
        {"connections": [{"name": "docs", "project": "ops", "resourceId": storage_id("rg-fndry-dev", "st")}]},
        "connections[0].project",
        "'ops'",
    ),
    (
        "dev",
        {
            "connections": [
                {"name": "docs", "project": "agents", "resourceId": storage_id("rg-fndry-dev", "st1")},
                {"name": "docs", "project": "agents", "resourceId": storage_id("rg-fndry-dev", "st2")},
            ]
        },
        "connections[].name",
        "unique",
    ),
    # The REST spec allows 3-33 characters for a connection name.
    (
        "dev",
        {
            "connections": [
                {
                    "name": "customer-support-docs-storage-eu1",
                    "project": "agents",
                    "resourceId": storage_id("rg-fndry-dev", "st1"),
                },
                {
                    "name": "customer-support-docs-storage-eu12",
                    "project": "agents",
                    "resourceId": storage_id("rg-fndry-dev", "st2"),
                },
            ]
        },
        "connections[1].name",
        "(3 to 33 characters)",
    ),
    # Connection names are unique per Foundry account: the same name in two projects is refused too ...
    (
        "staging",
        {
            "connections": [
                {"name": "docs", "project": "agents", "resourceId": storage_id("rg-fndry-staging", "st1")},
                {"name": "Docs", "project": "evals", "resourceId": storage_id("rg-fndry-staging", "st2")},
            ]
        },
        "connections[].name",
        "across all projects of the Foundry account",
    ),
    # ... and so is a name the program already gives another project's Application Insights connection.
    (
        "prod",
        {
            "connections": [
                {"name": "evals-app-insights", "project": "agents", "resourceId": storage_id("rg-fndry-prod", "st")}
            ]
        },
        "connections[].name",
        "a connection of project evals (Application Insights",
    ),
    # ... or its standard agent setup's connection to a store, reserved even where the setup is off (dev).
    (
        "dev",
        {
            "connections": [
                {"name": "agents-agent-files", "project": "evals", "resourceId": storage_id("rg-fndry-dev", "st")}
            ]
        },
        "connections[].name",
        "a connection of project agents (Application Insights or the standard agent setup's stores)",
    ),
    (
        "dev",
        {
            "connections": [
                {"name": "docs", "project": "agents", "resourceId": storage_id("rg-fndry-dev", "st"), "apiKey": "x"}
            ]
        },
        "connections[0].apiKey",
        "unknown field",
    ),
]


@pytest.mark.parametrize(
    ("stack_name", "overrides", "key", "text"), BAD_CONNECTIONS, ids=[f"{c[0]}:{c[2]}:{c[3]}" for c in BAD_CONNECTIONS]
)
def test_bad_connection_config_fails_naming_the_key_with_nothing_registered(
    stack_name: str, overrides: dict[str, object], key: str, text: str
) -> None:
    problem = refused_config_problem(lambda: render(stack_name, overrides=overrides), key)
    assert text in problem


def test_a_listed_group_cannot_smuggle_in_another_environment() -> None:
    """Even when listed, a group that names prod is refused in staging; its connection fails too."""
    with pytest.raises(RenderError) as failure:
        render(
            "staging",
            overrides={
                "connectionResourceGroups": ["rg-fndry-prod"],
                "connections": [{"name": "docs", "project": "agents", "resourceId": storage_id("rg-fndry-prod", "st")}],
            },
        )
    assert isinstance(failure.value.cause, ConfigError)
    keys = {p.split(":")[0] for p in failure.value.cause.problems}
    assert {"connectionResourceGroups[0]", "connections[0].resourceId"} <= keys


@pytest.mark.parametrize(
    ("name", "environment", "expected"),
    [
        ("rg-fndry-prod", "dev", "prod"),
        ("rg-fndry-prod", "prod", None),
        ("rg_data_prd", "staging", "prd"),
        ("rg-fndry-stg", "dev", "stg"),
        ("rg-fndry-dev", "staging", "dev"),
        ("rg-product-data", "dev", None),  # "product" is not the segment "prod"
        ("rg-devices", "prod", None),
    ],
)
def test_other_environment_rule(name: str, environment: str, expected: str | None) -> None:
    assert other_environment_token(name, environment) == expected
