"""Stack configuration: defaults, and every bad value refused before a single resource is declared."""

from __future__ import annotations

import pytest

from components.settings import ConfigError, parse_settings
from offline.render import render
from tests.config_checks import refused_config_problem

# The least a stack must configure (structured values arrive as JSON, as the Pulumi engine passes them).
REQUIRED = {
    "namePrefix": "contoso",
    "github": '{"owner": "contoso", "repository": "foundry-agents", "subjectFormat": "classic"}',
}
PROD_REQUIRED = REQUIRED

BAD_CONFIG = [
    # (stack, overrides, the key the message must name, the bad value it must show)
    ("dev", {"enviroment": "dev"}, "enviroment", "'dev'"),
    ("dev", {"environment": "qa"}, "environment", "'qa'"),
    ("dev", {"environment": "prod"}, "environment", "'prod'"),
    ("prod", {"environment": "dev", "networkAccess": "public"}, "environment", "'dev'"),
    ("dev", {"namePrefix": None}, "namePrefix", "(not set)"),
    ("dev", {"namePrefix": "Contoso"}, "namePrefix", "'Contoso'"),
    ("dev", {"namePrefix": "contosoplatform"}, "namePrefix", "'contosoplatform'"),
    ("dev", {"location": "Sweden Central"}, "location", "'Sweden Central'"),
    ("dev", {"projects": []}, "projects", "[]"),
    ("dev", {"projects": [{"name": "agents"}, {"name": "agents"}]}, "projects[].name", "'agents'"),
    ("dev", {"projects": [{"name": "my_project"}]}, "projects[0].name", "'my_project'"),
    ("dev", {"projects": [{"name": "agents", "owner": "me"}]}, "projects[0].owner", "'me'"),
    ("dev", {"networkAccess": "vpn"}, "networkAccess", "'vpn'"),
    # A stack deployed by the pipeline (into the bootstrap's group) must name the deployer that owns its Entra objects.
    ("staging", {"deployerObjectId": None}, "deployerObjectId", "(not set)"),
    (
        "prod",
        {"deployerObjectId": "sp-fndry-platform-prod-deployer"},
        "deployerObjectId",
        "'sp-fndry-platform-prod-deployer'",
    ),
    ("dev", {"keyVault": {"name": "kv"}}, "keyVault.name", "'kv'"),
    ("dev", {"keyVault": {"name": "1vault"}}, "keyVault.name", "'1vault'"),
    ("dev", {"keyVault": {"name": "kv-this-name-is-far-too-long"}}, "keyVault.name", "'kv-this-name-is-far-too-long'"),
    ("dev", {"keyVault": {"name": "kv--double"}}, "keyVault.name", "'kv--double'"),
    ("dev", {"keyVault": {"softDeleteRetentionDays": 3}}, "keyVault.softDeleteRetentionDays", "3"),
    ("dev", {"keyVault": {"sku": "free"}}, "keyVault.sku", "'free'"),
    ("dev", {"customSubdomain": "-starts-with-hyphen"}, "customSubdomain", "'-starts-with-hyphen'"),
    ("dev", {"customSubdomain": "Upper"}, "customSubdomain", "'Upper'"),
    ("dev", {"tags": {"a/b": "x"}}, "tags.a/b", "'a/b'"),
    ("dev", {"tags": "owner=me"}, "tags", "'owner=me'"),
    ("dev", {"existingResourceGroup": "rg-ends-with-dot."}, "existingResourceGroup", "'rg-ends-with-dot.'"),
    ("dev", {"github": None}, "github", "(not set)"),
    (
        "dev",
        {"github": {"owner": "contoso", "repository": "bad repo", "subjectFormat": "classic"}},
        "github.repository",
        "'bad repo'",
    ),
    ("dev", {"github": {"owner": "contoso", "repository": "agents"}}, "github.subjectFormat", "(not set)"),
    (
        "dev",
        {"platformRepository": {"owner": "Contoso", "repository": "Foundry-Agents", "subjectFormat": "classic"}},
        "platformRepository",
        '"repository": "Foundry-Agents"',
    ),
    ("dev", {"platformRepository": None}, "platformRepository", "(not set)"),
    (
        "dev",
        {"github": {"owner": "contoso", "repository": "r", "subjectFormat": "immutable"}},
        "github.ownerId",
        "(not set)",
    ),
    (
        "dev",
        {"groups": {"developers": {"members": ["alice@contoso.com"]}}},
        "groups.developers.members[0]",
        "'alice@contoso.com'",
    ),
    ("dev", {"groups": {"admins": {}}}, "groups.admins", "{}"),
    # The eligibility window moved to the PIM phase: the main program refuses it, naming where it went.
    (
        "prod",
        {"platformAdminEligibility": {"justification": "x"}},
        "platformAdminEligibility",
        "pim/Pulumi.<stack>.yaml",
    ),
    (
        "dev",
        {
            "federatedCredentials": [
                {
                    "name": "aks",
                    "identity": "app",
                    "issuer": "https://oidc.example",
                    "subject": "system:serviceaccount:*",
                }
            ]
        },
        "federatedCredentials[0].subject",
        "'system:serviceaccount:*'",
    ),
    (
        "dev",
        {
            "federatedCredentials": [
                {"name": f"c{i:02}", "identity": "cicd", "issuer": "https://oidc.example", "subject": f"s{i}"}
                for i in range(19)  # with the program's two (the agents' and the platform's GitHub jobs): 21
            ]
        },
        "federatedCredentials",
        "21 credentials",
    ),
    (
        "prod",
        {
            "federatedCredentials": [
                {
                    "name": "main-branch",
                    "identity": "cicd",
                    "issuer": "https://token.actions.githubusercontent.com",
                    "subject": "repo:contoso/foundry-agents:ref:refs/heads/main",
                }
            ]
        },
        "federatedCredentials[0].subject",
        "'repo:contoso/foundry-agents:ref:refs/heads/main'",
    ),
    (
        "prod",
        {
            "federatedCredentials": [
                {
                    "name": "dev-env",
                    "identity": "cicd",
                    "issuer": "https://token.actions.githubusercontent.com",
                    "subject": "repo:contoso/foundry-agents:environment:dev",
                }
            ]
        },
        "federatedCredentials[0].subject",
        "'repo:contoso/foundry-agents:environment:dev'",
    ),
    ("dev", {"compute": {"skuName": "F1"}}, "compute.skuName", "'F1'"),
    ("dev", {"compute": {"enabled": "sometimes"}}, "compute.enabled", "'sometimes'"),
    ("prod", {"networkAccess": "public"}, "networkAccess", "'public'"),
    ("prod", {"keyVault": {"softDeleteRetentionDays": 30}}, "keyVault.softDeleteRetentionDays", "30"),
    ("prod", {"protectStatefulResources": "false"}, "protectStatefulResources", "'false'"),
]


@pytest.mark.parametrize(("stack", "overrides", "key", "value"), BAD_CONFIG, ids=[f"{c[0]}:{c[2]}" for c in BAD_CONFIG])
def test_bad_config_fails_naming_key_and_value_with_nothing_registered(
    stack: str, overrides: dict[str, object], key: str, value: str
) -> None:
    problem = refused_config_problem(lambda: render(stack, overrides=overrides), key)
    assert value in problem
    assert "allowed" in problem or "unknown" in problem or "required" in problem or "moved" in problem


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as failure:
        parse_settings({**REQUIRED, "environment": "qa", "namePrefix": "X", "networkAccess": "vpn"}, "dev")
    keys = [problem.split(":")[0] for problem in failure.value.problems]
    assert keys == ["environment", "namePrefix", "networkAccess"]


def test_defaults() -> None:
    settings = parse_settings(REQUIRED, "staging")
    assert settings.environment == "staging"
    assert settings.location == "swedencentral"
    assert [p.name for p in settings.projects] == ["agents", "evals"]
    assert settings.network_access == "public"
    assert settings.key_vault.soft_delete_retention_days == 90
    assert settings.create_resource_group and settings.resource_group_name == "rg-contoso-staging"
    assert not settings.protect_stateful_resources


def test_prod_defaults_to_private_and_protected() -> None:
    settings = parse_settings(PROD_REQUIRED, "prod")
    assert settings.network_access == "private"
    assert settings.protect_stateful_resources


def test_stack_not_named_after_an_environment_must_say_which_it_is() -> None:
    with pytest.raises(ConfigError) as failure:
        parse_settings(PROD_REQUIRED, "prod-westeurope")
    assert failure.value.problems[0].startswith("environment:")
    assert parse_settings({**PROD_REQUIRED, "environment": "prod"}, "prod-westeurope").environment == "prod"


def test_existing_resource_group_is_used_not_created() -> None:
    rendering = render("dev", overrides={"existingResourceGroup": "rg-shared-landing-zone"})
    assert rendering.of_type("azure-native:resources:ResourceGroup") == []
    account = rendering.one("azure-native:cognitiveservices:Account")
    assert account.input("resourceGroupName") == "rg-shared-landing-zone"


def test_custom_projects_are_created_as_configured() -> None:
    projects = [{"name": "support-bot", "displayName": "Support bot", "description": "Customer support agents."}]
    rendering = render("dev", overrides={"projects": projects})
    (project,) = rendering.of_type("azure-native:cognitiveservices:Project")
    assert project.input("projectName") == "support-bot"
    assert project.input("properties") == {"displayName": "Support bot", "description": "Customer support agents."}


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        (
            {"groups": {"readers": {"members": ["alice@contoso.com"]}}},
            "groups.readers.members[0]",
            "az ad user show --id",
        ),
        ({"deployerObjectId": "deployer"}, "deployerObjectId", "pulumi stack output deployerObjectId"),
        ({"modelCapacity": 0}, "modelCapacity", "from 1 to 100,000"),
        ({"namePrefix": "a"}, "namePrefix", "(2 to 10 characters)"),
    ],
)
def test_a_problem_says_where_to_find_the_right_value(overrides: dict[str, object], key: str, says: str) -> None:
    assert says in refused_config_problem(lambda: render("dev", overrides=overrides), key)


def test_an_unquoted_version_is_refused_with_the_quotes_to_add() -> None:
    deployment = {"name": "embeddings", "model": {"name": "text-embedding-3-large", "version": 1}, "sku": "Standard"}
    problem = refused_config_problem(
        lambda: render("dev", overrides={"modelDeployments": [deployment]}), "modelDeployments[0].model.version"
    )
    assert problem.startswith("modelDeployments[0].model.version: 1 is not allowed;")
    assert problem.endswith('as text: write it in quotes, "1" (unquoted it is not text)')
