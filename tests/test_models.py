"""Model deployments and guardrails: what each stack deploys, the one-at-a-time chain, and the RAI policy."""

from __future__ import annotations

from datetime import date

import pytest

from components.catalogue.models import DEPLOYMENT_SKUS
from components.catalogue.resource_types import ACCOUNT, DEPLOYMENT
from offline.render import Registration, Rendering, render
from tests.config_checks import refused_config_problem
from tests.conftest import STACKS

RAI_POLICY = "azure-native:cognitiveservices:RaiPolicy"
BLOCKLIST = "azure-native:cognitiveservices:RaiBlocklist"
BLOCKLIST_ITEM = "azure-native:cognitiveservices:RaiBlocklistItem"

# The defaults, written out independently of the code: a router and a tool-calling specialist that a new
# subscription can deploy and that retire last (Microsoft's retirement schedule, checked 2026-11-28).
DEFAULT_MODELS = {"router": ("gpt-5.6-luna", "2026-07-09"), "specialist": ("gpt-5.6-sol", "2026-07-09")}
CAPACITY = {"dev": 10, "staging": 10, "prod": 50}

THREE_DEPLOYMENTS = [
    {"name": "router", "model": {"name": "gpt-5.6-luna", "version": "2026-07-09"}, "capacity": 5},
    {
        "name": "specialist",
        "model": {"format": "OpenAI", "name": "gpt-5.5", "version": "2026-04-24"},
        "sku": "DataZoneStandard",
        "versionUpgradeOption": "NoAutoUpgrade",
    },
    {"name": "embeddings", "model": {"name": "text-embedding-3-large", "version": "1"}, "sku": "Standard"},
]


def deployment_chain(rendering: Rendering) -> list[Registration]:
    """The deployments in the order their recorded dependency edges put them (registration order may vary)."""
    remaining = rendering.of_type(DEPLOYMENT)
    chain: list[Registration] = []
    while remaining:
        ready = [
            d for d in remaining if not any(rendering.depends_on(d, other) for other in remaining if other is not d)
        ]
        assert len(ready) == 1, f"deployments are not one chain: {[d.name for d in ready]} could start together"
        chain.append(ready[0])
        remaining.remove(ready[0])
    return chain


def assert_one_chain(rendering: Rendering, names: list[str]) -> None:
    """The deployments follow each other in config order, the first right after the guardrail policy it names.

    (Where the deployments sit in the account's whole write chain is `tests/test_account_writes.py`.)
    """
    account = rendering.one(ACCOUNT)
    policy = rendering.one(RAI_POLICY)
    chain = deployment_chain(rendering)
    assert [d.input("deploymentName") for d in chain] == names
    for index, deployment in enumerate(chain):
        assert rendering.depends_on(deployment, account), deployment.name
        assert rendering.depends_on(deployment, policy), deployment.name
        if index > 0:
            assert rendering.depends_on(deployment, chain[index - 1]), deployment.name
        # Only the immediate predecessor: the chain is a line, not a fan-in.
        assert not any(rendering.depends_on(deployment, e) for e in chain[: max(index - 1, 0)]), deployment.name


def test_default_deployments_with_sku_capacity_model_and_policy(stack: Rendering) -> None:
    policy_name = stack.one(RAI_POLICY).input("raiPolicyName")
    deployments = {d.input("deploymentName"): d for d in deployment_chain(stack)}
    assert sorted(deployments) == sorted(DEFAULT_MODELS)
    for name, (model, version) in DEFAULT_MODELS.items():
        deployment = deployments[name]
        assert deployment.input("sku") == {"name": "GlobalStandard", "capacity": CAPACITY[stack.stack]}
        assert deployment.input("properties.model") == {"format": "OpenAI", "name": model, "version": version}
        assert deployment.input("properties.raiPolicyName") == policy_name == f"fndry-{stack.stack}-guardrails"
        assert deployment.input("properties.versionUpgradeOption") == "OnceCurrentVersionExpired"
        assert deployment.input("accountName") == stack.one(ACCOUNT).input("accountName")


def test_deployments_on_the_account_form_one_chain(stack: Rendering) -> None:
    assert_one_chain(stack, ["router", "specialist"])


def test_configured_deployments_keep_their_order_settings_and_chain() -> None:
    rendering = render("staging", overrides={"modelDeployments": THREE_DEPLOYMENTS, "modelCapacity": 7})
    chain = deployment_chain(rendering)
    assert [d.input("deploymentName") for d in chain] == ["router", "specialist", "embeddings"]
    assert [d.input("sku") for d in chain] == [
        {"name": "GlobalStandard", "capacity": 5},
        {"name": "DataZoneStandard", "capacity": 7},
        {"name": "Standard", "capacity": 7},
    ]
    assert chain[1].input("properties.versionUpgradeOption") == "NoAutoUpgrade"
    assert chain[2].input("properties.model") == {"format": "OpenAI", "name": "text-embedding-3-large", "version": "1"}
    assert {d.input("properties.raiPolicyName") for d in chain} == {"fndry-staging-guardrails"}
    assert_one_chain(rendering, ["router", "specialist", "embeddings"])
    assert rendering.exports["modelDeployments"]["embeddings"]["model"] == "text-embedding-3-large"


def test_prod_capacity_is_its_own_setting() -> None:
    rendering = render("prod", overrides={"modelCapacity": 120})
    assert {d.input("sku")["capacity"] for d in deployment_chain(rendering)} == {120}


# A model the catalogue records as offered with each SKU, in the region and with a capacity Azure sells.
SKU_EXAMPLES = {
    "GlobalStandard": ("gpt-5.6-sol", "2026-07-09", "swedencentral", 10),
    "DataZoneStandard": ("gpt-5.4", "2026-03-05", "swedencentral", 10),
    "Standard": ("text-embedding-3-large", "1", "swedencentral", 10),
    "ProvisionedManaged": ("gpt-5.2", "2025-12-11", "swedencentral", 50),
    "GlobalProvisionedManaged": ("gpt-5.4", "2026-03-05", "swedencentral", 15),
    "DataZoneProvisionedManaged": ("gpt-5.5", "2026-04-24", "swedencentral", 20),
}


@pytest.mark.parametrize("sku", DEPLOYMENT_SKUS)
def test_every_sku_is_deployable_where_the_catalogue_offers_it(sku: str) -> None:
    name, version, location, capacity = SKU_EXAMPLES[sku]
    deployments = [{"name": "only", "model": {"name": name, "version": version}, "sku": sku, "capacity": capacity}]
    rendering = render("dev", overrides={"modelDeployments": deployments, "location": location})
    assert rendering.one(DEPLOYMENT).input("sku") == {"name": sku, "capacity": capacity}


def filters_by_name_and_source(policy: Registration) -> dict[tuple[str, str], dict[str, object]]:
    return {(f["name"], f["source"]): f for f in policy.input("properties.contentFilters")}


def test_rai_policy_is_custom_per_environment_based_on_default_v2(stack: Rendering) -> None:
    policy = stack.one(RAI_POLICY)
    assert policy.input("raiPolicyName") == f"fndry-{stack.stack}-guardrails"
    assert policy.input("properties.basePolicyName") == "Microsoft.DefaultV2"
    assert policy.input("accountName") == stack.one(ACCOUNT).input("accountName")
    assert stack.depends_on(policy, stack.one(ACCOUNT))
    filters = filters_by_name_and_source(policy)
    for category in ("Hate", "Sexual", "Violence", "Selfharm"):
        for source in ("Prompt", "Completion"):
            assert filters[(category, source)] == {
                "name": category,
                "source": source,
                "severityThreshold": "Medium",
                "enabled": True,
                "blocking": True,
            }
    assert filters[("Jailbreak", "Prompt")] == {
        "name": "Jailbreak",
        "source": "Prompt",
        "enabled": True,
        "blocking": True,
    }
    for name in ("Protected Material Text", "Protected Material Code"):
        assert filters[(name, "Completion")] == {
            "name": name,
            "source": "Completion",
            "enabled": True,
            "blocking": True,
        }
    assert len(filters) == 11
    assert policy.input("properties.customBlocklists") == []
    assert stack.exports["raiPolicyName"] == policy.input("raiPolicyName")


def test_rai_policy_carries_the_configured_thresholds() -> None:
    guardrails = {
        "hate": "Low",
        "violence": {"prompt": "High", "completion": "Low"},
        "selfharm": {"completion": "High"},
        "protectedMaterialCode": False,
    }
    filters = filters_by_name_and_source(render("dev", overrides={"guardrails": guardrails}).one(RAI_POLICY))
    thresholds = {key: f.get("severityThreshold") for key, f in filters.items()}
    assert thresholds[("Hate", "Prompt")] == thresholds[("Hate", "Completion")] == "Low"
    assert thresholds[("Violence", "Prompt")] == "High"
    assert thresholds[("Violence", "Completion")] == "Low"
    assert thresholds[("Selfharm", "Prompt")] == "Medium"
    assert thresholds[("Selfharm", "Completion")] == "High"
    assert thresholds[("Sexual", "Prompt")] == thresholds[("Sexual", "Completion")] == "Medium"
    assert all(f["blocking"] is True for key, f in filters.items() if key[0] != "Protected Material Code")
    # Turning a shield off keeps detection and only stops blocking.
    assert filters[("Protected Material Code", "Completion")]["blocking"] is False
    assert filters[("Protected Material Code", "Completion")]["enabled"] is True


def test_blocklists_are_created_before_the_policy_that_blocks_with_them() -> None:
    guardrails = {
        "blocklists": [
            {"name": "competitors", "items": ["Contoso Rival", {"pattern": "rival-[0-9]+", "isRegex": True}]},
        ]
    }
    rendering = render("prod", overrides={"guardrails": guardrails})
    blocklist = rendering.one(BLOCKLIST)
    assert blocklist.input("raiBlocklistName") == "competitors"
    items = sorted(rendering.of_type(BLOCKLIST_ITEM), key=lambda i: i.input("raiBlocklistItemName"))
    assert [i.input("raiBlocklistItemName") for i in items] == ["competitors-0", "competitors-1"]
    assert [i.input("properties") for i in items] == [
        {"pattern": "Contoso Rival", "isRegex": False},
        {"pattern": "rival-[0-9]+", "isRegex": True},
    ]
    assert all(rendering.depends_on(item, blocklist) for item in items)
    policy = rendering.one(RAI_POLICY)
    assert rendering.waits_for(policy, blocklist) and all(rendering.waits_for(policy, item) for item in items)
    assert policy.input("properties.customBlocklists") == [
        {"blocklistName": "competitors", "source": "Prompt", "blocking": True},
        {"blocklistName": "competitors", "source": "Completion", "blocking": True},
    ]
    assert_one_chain(rendering, ["router", "specialist"])


BAD_MODEL_CONFIG = [
    # (overrides, the key the message must name, the bad value it must show)
    (
        {"modelDeployments": [{"name": "r", "model": {"name": "gpt-5.6-sol", "version": "2026-07-09"}}]},
        "modelDeployments[0].name",
        "'r'",
    ),
    (
        {
            "modelDeployments": [
                {"name": "router", "model": {"name": "gpt-5.6-sol", "version": "2026-07-09"}, "sku": "Premium"}
            ]
        },
        "modelDeployments[0].sku",
        "'Premium'",
    ),
    (
        {
            "modelDeployments": [
                {"name": "router", "model": {"name": "gpt-5.6-sol", "version": "2026-07-09"}, "capacity": 0}
            ]
        },
        "modelDeployments[0].capacity",
        "0",
    ),
    (
        {
            "modelDeployments": [
                {"name": "router", "model": {"name": "gpt-5.6-sol", "version": "2026-07-09"}, "capacity": -5}
            ]
        },
        "modelDeployments[0].capacity",
        "-5",
    ),
    (
        {
            "modelDeployments": [
                {"name": "router", "model": {"name": "gpt-5.6-sol", "version": "2026-07-09"}},
                {"name": "Router", "model": {"name": "gpt-5.6-luna", "version": "2026-07-09"}},
            ]
        },
        "modelDeployments[].name",
        "'Router'",
    ),
    (
        {
            "modelDeployments": [
                {
                    "name": "router",
                    "model": {"name": "gpt-5.6-sol", "version": "2026-07-09"},
                    "versionUpgradeOption": "Always",
                }
            ]
        },
        "modelDeployments[0].versionUpgradeOption",
        "'Always'",
    ),
    ({"modelDeployments": [{"name": "router"}]}, "modelDeployments[0].model", "(not set)"),
    (
        {"modelDeployments": [{"name": "router", "model": {"name": "gpt-5.6-sol"}}]},
        "modelDeployments[0].model.version",
        "(not set)",
    ),
    (
        {
            "modelDeployments": [
                {"name": "router", "model": {"name": "gpt-5.6-sol", "version": "2026-07-09"}, "region": "x"}
            ]
        },
        "modelDeployments[0].region",
        "'x'",
    ),
    ({"modelDeployments": []}, "modelDeployments", "[]"),
    ({"modelCapacity": "0"}, "modelCapacity", "'0'"),
    ({"modelCapacity": "-10"}, "modelCapacity", "'-10'"),
    ({"guardrails": {"hate": "Off"}}, "guardrails.hate", "'Off'"),
    ({"guardrails": {"violence": {"prompt": "Severe"}}}, "guardrails.violence.prompt", "'Severe'"),
    ({"guardrails": {"jailbreak": "maybe"}}, "guardrails.jailbreak", "'maybe'"),
    ({"guardrails": {"profanity": "Low"}}, "guardrails.profanity", "'Low'"),
    ({"guardrails": {"blocklists": [{"name": "words", "items": []}]}}, "guardrails.blocklists[0].items", "[]"),
]


@pytest.mark.parametrize("stack_name", STACKS)
@pytest.mark.parametrize(
    ("overrides", "key", "value"), BAD_MODEL_CONFIG, ids=[f"{i}:{c[1]}" for i, c in enumerate(BAD_MODEL_CONFIG)]
)
def test_bad_model_config_fails_naming_the_key_with_nothing_registered(
    stack_name: str, overrides: dict[str, object], key: str, value: str
) -> None:
    problem = refused_config_problem(lambda: render(stack_name, overrides=overrides), key)
    assert value in problem
    assert "allowed" in problem or "unknown" in problem or "required" in problem


# -- model lifecycle: the catalogue refuses retired and unknown versions and warns ahead of time ---------------
def deployments_of(name: str, version: str) -> dict[str, object]:
    return {"modelDeployments": [{"name": "chat", "model": {"name": name, "version": version}}]}


def test_a_retired_version_is_refused_with_its_date_and_nothing_registered() -> None:
    # o3 2025-04-16 retired on 2026-10-21 (Microsoft's retirement schedule); the tests run as of 2026-11-28.
    problem = refused_config_problem(
        lambda: render("staging", overrides=deployments_of("o3", "2025-04-16")), "modelDeployments[0].model.version"
    )
    assert "'2025-04-16'" in problem and "retired on 2026-10-21" in problem and "410 Gone" in problem
    assert "gpt-5.6-sol 2026-07-09" in problem  # what can be deployed instead


def test_a_version_missing_from_the_catalogue_is_refused_with_the_known_ones() -> None:
    problem = refused_config_problem(
        lambda: render("dev", overrides=deployments_of("gpt-5.6-sol", "2030-01-01")), "modelDeployments[0].model"
    )
    assert "'gpt-5.6-sol 2030-01-01'" in problem and "known versions of gpt-5.6-sol: 2026-07-09" in problem


def test_a_version_closed_to_new_subscriptions_is_deployed_with_a_warning() -> None:
    rendering = render("dev", overrides=deployments_of("gpt-4.1", "2025-04-14"))
    assert rendering.one(DEPLOYMENT).input("properties.model")["version"] == "2025-04-14"
    closed, unplaced = rendering.warnings
    assert closed.startswith(
        "modelDeployments[0]: gpt-4.1 2025-04-14 has been closed to new subscriptions since 2026-04-14"
    )
    # The catalogue records regions for the deployable models only; for the others it says it does not know.
    assert unplaced.startswith(
        "modelDeployments[0]: the model catalogue does not record where gpt-4.1 is offered as GlobalStandard"
    )


def test_the_defaults_deploy_today_without_warnings(stack: Rendering) -> None:
    assert stack.warnings == []


def test_retirement_is_announced_ninety_days_ahead_and_refused_on_the_day() -> None:
    # The defaults close to new subscriptions on 2027-07-09 and retire on 2028-01-11: quiet before, a warning once
    # closed and again inside the last 90 days, refused from the retirement day on.
    assert render("prod", today=date(2027, 6, 1)).warnings == []
    closing = render("prod", today=date(2027, 8, 1)).warnings
    assert any("gpt-5.6-luna 2026-07-09 has been closed to new subscriptions since 2027-07-09" in w for w in closing)
    late = render("prod", today=date(2027, 12, 1)).warnings
    assert any("gpt-5.6-sol 2026-07-09 retires on 2028-01-11, in 41 days" in w for w in late), late
    problem = refused_config_problem(
        lambda: render("prod", today=date(2028, 1, 11)), "modelDeployments[0] (default).model.version"
    )
    assert "gpt-5.6-luna 2026-07-09 retired on 2028-01-11" in problem
