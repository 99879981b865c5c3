"""Project connections from config: Entra ID auth only, and never to another environment's resources."""

from __future__ import annotations

import re
from typing import Any

import pytest

from components.catalogue.resource_types import CONNECTION, PROJECT
from components.settings import ConfigError
from components.settings.core import other_environment_token
from offline.render import FAKE_SUBSCRIPTION_ID, RenderError, Rendering, render
from tests.config_checks import refused_config_problem
from tests.conftest import STACKS

SUB = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}"


def storage_id(group: str, name: str) -> str:
    return f"{SUB}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}"


def search_id(group: str, name: str) -> str:
    return f"{SUB}/resourceGroups/{group}/providers/Microsoft.Search/searchServices/{name}"


def cosmos_id(group: str, name: str) -> str:
    return f"{SUB}/resourceGroups/{group}/providers/Microsoft.DocumentDB/databaseAccounts/{name}"


def configured(rendering: Rendering) -> dict[tuple[str, str], Any]:
    return {
        (c.input("projectName"), c.input("connectionName")): c
        for c in rendering.of_type(CONNECTION)
        if c.input("properties.category") != "AppInsights"
    }


def test_stack_files_declare_no_data_connections(stack: Rendering) -> None:
    assert configured(stack) == {}
    assert stack.exports["projectConnections"] == {"agents": [], "evals": []}


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
        "Application Insights connection of project evals",
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
