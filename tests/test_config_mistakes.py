"""Mistakes an operator makes in a stack file that used to pass unnoticed: each is refused, with the key, the value
(never a secret's) and what is allowed, before a single resource is registered."""

from __future__ import annotations

from typing import Any

import pytest

from components.settings import ConfigError
from offline.render import BOOTSTRAP_DIR, BOOTSTRAP_PROJECT, PROJECT_NAME, RenderError, render, stack_config
from tests.config_checks import refused_config_problem

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
DEV_SUBJECT = "repo:contoso/foundry-agents:environment:dev"
HUB_SUBNETS = "/subscriptions/00000000-0000-4000-8000-00000000000a/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}"


def credential(
    subject: str = DEV_SUBJECT, issuer: str = GITHUB_ISSUER, name: str = "extra", identity: str = "app"
) -> dict[str, str]:
    return {"name": name, "identity": identity, "issuer": issuer, "subject": subject}


def deployment(model: str, version: str, sku: str, capacity: int = 10) -> list[dict[str, Any]]:
    return [{"name": "only", "model": {"name": model, "version": version}, "sku": sku, "capacity": capacity}]


def blocklist(*items: object) -> dict[str, Any]:
    return {"blocklists": [{"name": "words", "items": list(items)}]}


def existing_subnets(group: str, vnet: str) -> dict[str, Any]:
    """Prod's network on a hub's subnets. Prod's stack file turns on the standard agent setup, which needs the agent
    subnet; an override of `network` replaces the whole key, so this one keeps it."""
    uses = ("privateEndpoint", "appIntegration", "agent")
    ids = {use: HUB_SUBNETS.format(group=group, vnet=vnet, subnet=use) for use in uses}
    return {"useExistingSubnets": True, "agentSubnetInjection": True, "existingSubnetIds": ids}


# (stack, overrides, the key the problem names, a fragment of what it says)
MISTAKES: dict[str, list[tuple[str, dict[str, Any], str, str]]] = {
    "another environment's resources": [
        ("dev", {"existingResourceGroup": "rg-fndry-prod"}, "existingResourceGroup", "another environment ('prod')"),
        ("staging", {"customSubdomain": "fndry-prd-ai"}, "customSubdomain", "another environment ('prd')"),
        ("dev", {"keyVault": {"name": "kv-fndry-stg-01"}}, "keyVault.name", "another environment ('stg')"),
        ("dev", {"connectionResourceGroups": ["rg-data-prod"]}, "connectionResourceGroups[0]", "('prod')"),
        (
            "prod",
            {"network": existing_subnets("rg-hub", "vnet-spoke-dev")},
            "network.existingSubnetIds.privateEndpoint",
            "another environment ('dev')",
        ),
    ],
    "what Azure refuses at deploy time": [
        ("dev", {"location": "westus2"}, "location", "offers Foundry projects and Agent Service"),
        ("dev", {"location": "centralindia"}, "location", "swedencentral"),  # projects, but no Agent Service
        (
            "dev",
            {"modelDeployments": deployment("gpt-5.4-nano", "2026-03-17", "DataZoneStandard")},
            "modelDeployments[0].sku",
            "not offered as DataZoneStandard in swedencentral",
        ),
        (
            "dev",
            {"modelDeployments": deployment("gpt-5.6-sol", "2026-07-09", "Standard")},
            "modelDeployments[0].sku",
            "not offered as Standard in swedencentral",
        ),
        (
            "dev",
            {"location": "uksouth", "modelDeployments": deployment("gpt-5.4", "2026-03-05", "ProvisionedManaged", 25)},
            "modelDeployments[0].capacity",
            "at least 50 PTUs, in steps of 50",
        ),
        (
            "dev",
            {"modelDeployments": deployment("gpt-5.4", "2026-03-05", "GlobalProvisionedManaged", 17)},
            "modelDeployments[0].capacity",
            "at least 15 PTUs, in steps of 5",
        ),
        (
            "dev",
            {"guardrails": blocklist({"pattern": "([a-z]+", "isRegex": True})},
            "guardrails.blocklists[0].items[0].pattern",
            "not a valid regular expression",
        ),
        (
            "dev",
            {"guardrails": blocklist("fine", {"pattern": "*secret*", "isRegex": True})},
            "guardrails.blocklists[0].items[1].pattern",
            "nothing to repeat",
        ),
    ],
    "names the program uses itself, or twice": [
        ("dev", {"tags": {"environment": "prod"}}, "tags.environment", "the program sets the tag 'environment'"),
        ("dev", {"tags": {"Managed-By": "me"}}, "tags.Managed-By", "the program sets the tag 'managed-by'"),
        (
            "dev",
            {"federatedCredentials": [credential("x", "https://oidc.example", "GitHub-Dev")]},
            "federatedCredentials[0].name",
            "the program names its GitHub credentials so",
        ),
        (
            "dev",
            {
                "federatedCredentials": [
                    credential("a", "https://oidc.example", "aks"),
                    credential("b", "https://oidc.example", "AKS"),
                ]
            },
            "federatedCredentials[].name",
            "names must be unique",
        ),
        (
            "dev",
            {
                "modelDeployments": [
                    *deployment("gpt-5.6-sol", "2026-07-09", "GlobalStandard"),
                    {"name": "ONLY", "model": {"name": "gpt-5.6-luna", "version": "2026-07-09"}},
                ]
            },
            "modelDeployments[].name",
            "unique",
        ),
        (
            "dev",
            {"guardrails": {"blocklists": [{"name": "words", "items": ["a"]}, {"name": "Words", "items": ["b"]}]}},
            "guardrails.blocklists[].name",
            "unique",
        ),
    ],
    "federation that sidesteps the rules": [
        (
            "dev",
            {"federatedCredentials": [credential(issuer=GITHUB_ISSUER + "/")]},
            "federatedCredentials[0].issuer",
            "exactly",
        ),
        (
            "dev",
            {"federatedCredentials": [credential(issuer="https://TOKEN.actions.githubusercontent.com")]},
            "federatedCredentials[0].issuer",
            "exactly",
        ),
        (
            "dev",
            {"federatedCredentials": [credential(issuer="http://token.actions.githubusercontent.com")]},
            "federatedCredentials[0].issuer",
            "https://",
        ),
        (
            "dev",
            {"federatedCredentials": [credential("repo:contoso/other-repo:environment:dev")]},
            "federatedCredentials[0].subject",
            "names the repository 'contoso/other-repo'",
        ),
        (
            "dev",
            {"federatedCredentials": [credential("repo:contoso/foundry-agents:pull_request")]},
            "federatedCredentials[0].subject",
            "must name this stack's GitHub environment",
        ),
        (
            "dev",
            {"federatedCredentials": [credential("repo:Contoso/Foundry-Agents:environment:dev")]},
            "federatedCredentials[0].subject",
            "letter case",
        ),
        (
            "dev",
            {"federatedCredentials": [credential(identity="cicd")]},
            "federatedCredentials[0].subject",
            "already trusts",
        ),
        (
            "dev",
            {
                "federatedCredentials": [
                    credential(
                        issuer=GITHUB_ISSUER + "/contoso-enterprise", subject="repo:contoso/elsewhere:environment:dev"
                    )
                ]
            },
            "federatedCredentials[0].subject",
            "names the repository",
        ),
    ],
    "numbers in other digits": [
        ("dev", {"modelCapacity": "\uff15\uff10"}, "modelCapacity", "written with the digits 0-9"),  # fullwidth 50
        (
            "dev",
            {"logRetentionDays": "\u0669\u0660"},
            "logRetentionDays",
            "written with the digits 0-9",
        ),  # Arabic-Indic 90
        ("dev", {"keyVault": {"softDeleteRetentionDays": "\u0669\u0660"}}, "keyVault.softDeleteRetentionDays", "0-9"),
        ("dev", {"modelCapacity": "50.5"}, "modelCapacity", "a whole number"),
        ("dev", {"modelCapacity": "true"}, "modelCapacity", "a whole number"),
    ],
}
CASES = [(kind, *case) for kind, cases in MISTAKES.items() for case in cases]


@pytest.mark.parametrize(("kind", "stack", "overrides", "key", "says"), CASES, ids=[f"{c[0]}:{c[3]}" for c in CASES])
def test_a_mistake_is_refused_naming_key_and_reason(
    kind: str, stack: str, overrides: dict[str, Any], key: str, says: str
) -> None:
    problem = refused_config_problem(lambda: render(stack, overrides=overrides), key)
    assert says in problem


ACCEPTED: dict[str, tuple[str, dict[str, Any]]] = {
    "an enterprise's own GitHub issuer with this stack's subject": (
        "dev",
        {"federatedCredentials": [credential(issuer=GITHUB_ISSUER + "/contoso-enterprise")]},
    ),
    "a valid regular expression, and the same text as a plain term": (
        "dev",
        {"guardrails": blocklist({"pattern": "[0-9]{4}-[0-9]{4}", "isRegex": True}, "([a-z]+")},
    ),
    "a hub's subnets whose names carry no environment": (
        "prod",
        {"network": existing_subnets("rg-hub", "vnet-spoke-prd-weu")},
    ),
}


@pytest.mark.parametrize(("stack", "overrides"), ACCEPTED.values(), ids=list(ACCEPTED))
def test_what_is_right_is_still_accepted(stack: str, overrides: dict[str, Any]) -> None:
    render(stack, overrides=overrides)


# -- namespaces and secrets: checked on the whole stack file ------------------------------------------------------
def refused_with_config(stack: str, extra: dict[str, str], key: str, secret_keys: tuple[str, ...] = ()) -> str:
    config = {**stack_config(stack), **extra}
    return refused_config_problem(lambda: render(stack, config=config, secret_keys=secret_keys), key)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("foundry-platfrom:namePrefix", "did you mean 'foundry-platform'?"),
        ("azure-nativ:location", "did you mean 'azure-native'?"),
        ("foundry-platform-bootstrap:stateContainer", "no program would read it"),
    ],
)
def test_a_key_under_an_unknown_namespace_is_refused(key: str, suggestion: str) -> None:
    problem = refused_with_config("dev", {key: "x"}, key)
    assert suggestion in problem


def test_the_bootstrap_refuses_the_main_programs_namespace() -> None:
    config = {**stack_config("dev", BOOTSTRAP_DIR), f"{PROJECT_NAME}:namePrefix": "fndry"}
    problem = refused_config_problem(
        lambda: render("dev", config=config, project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT),
        f"{PROJECT_NAME}:namePrefix",
    )
    assert "did you mean 'foundry-platform-bootstrap'?" in problem


def test_a_providers_own_key_is_accepted() -> None:
    render("dev", config={**stack_config("dev"), "azure-native:location": "swedencentral"})


STORAGE_KEY = "Zm9v" * 21 + "Zg=="  # 86 base64 characters and '==', the shape of a storage account key
SECRETS = {
    "a storage connection string": (
        "tags",
        {"note": f"DefaultEndpointsProtocol=https;AccountName=st;AccountKey={STORAGE_KEY}"},
        "tags.note",
    ),
    "a GitHub token": ("tags", {"ci": "ghp_" + "A1b2C3d4E5" * 4}, "tags.ci"),
    "a JSON Web Token": ("tags", {"t": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl"}, "tags.t"),
    "an Entra client secret": ("tags", {"sp": "abc8Q~" + "x" * 34}, "tags.sp"),
    "a key in a project's description": (
        "projects",
        [{"name": "agents", "description": f"AccountKey={STORAGE_KEY}"}],
        "projects[0].description",
    ),
}


@pytest.mark.parametrize(("key", "value", "path"), SECRETS.values(), ids=list(SECRETS))
def test_a_secret_in_plain_config_is_refused_and_never_printed(key: str, value: object, path: str) -> None:
    import json

    with pytest.raises(RenderError) as failure:
        render("dev", config={**stack_config("dev"), f"{PROJECT_NAME}:{key}": json.dumps(value)})
    cause = failure.value.cause
    assert isinstance(cause, ConfigError) and failure.value.registrations == []
    (problem,) = (p for p in cause.problems if p.startswith(f"{path}:"))
    assert "(secret value hidden)" in problem and "pulumi config set --secret" in problem
    secret = json.dumps(value)
    assert all(part not in str(cause) for part in (STORAGE_KEY, "ghp_A1b2", "eyJhbGci", "abc8Q~")), secret


def test_a_provider_credential_must_be_a_secret_and_prod_has_none() -> None:
    secret = {"azure-native:clientSecret": "not-shown-anywhere"}
    problem = refused_with_config("dev", secret, "azure-native:clientSecret")
    assert "pulumi config set --secret azure-native:clientSecret" in problem and "not-shown" not in problem
    render("dev", config={**stack_config("dev"), **secret}, secret_keys=("azure-native:clientSecret",))
    problem = refused_with_config("prod", secret, "azure-native:clientSecret", ("azure-native:clientSecret",))
    assert "OIDC federation only" in problem and "not-shown" not in problem


def test_a_secret_value_is_hidden_even_where_it_is_wrong() -> None:
    problem = refused_with_config(
        "dev",
        {f"{PROJECT_NAME}:deployerObjectId": "sp-deployer-name"},
        "deployerObjectId",
        (f"{PROJECT_NAME}:deployerObjectId",),
    )
    assert "(secret value hidden)" in problem and "sp-deployer-name" not in problem


def test_an_encrypted_value_in_a_stack_file_is_a_secret() -> None:
    """Offline there is no key to decrypt it: the program sees a secret it cannot use, and says so without it."""
    encrypted = '{"secure": "v1:AAABBBCCC"}'
    problem = refused_with_config("dev", {f"{PROJECT_NAME}:deployerObjectId": encrypted}, "deployerObjectId")
    assert "(secret value hidden)" in problem and "AAABBB" not in problem


def test_a_secret_structured_value_is_hidden_in_rules_across_its_fields() -> None:
    """A rule over several fields reports by its own key path: still hidden when the key is a Pulumi secret."""
    import json

    # agentSubnetInjection: prod's standard agent setup needs it (the whole `network` key is replaced here).
    subnets = {"privateEndpoint": "10.40.0.0/24", "appIntegration": "10.40.0.128/26"}
    network = {"agentSubnetInjection": True, "subnets": subnets}
    problem = refused_with_config(
        "prod",
        {f"{PROJECT_NAME}:network": json.dumps(network)},
        "network.subnets.appIntegration",
        (f"{PROJECT_NAME}:network",),
    )
    assert "(secret value hidden)" in problem and "10.40.0." not in problem
