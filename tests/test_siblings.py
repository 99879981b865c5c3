"""What one environment may not share with another, checked across the stack files (a `pulumi up` sees only its
own): none of it in the real stack files, and each kind of sharing named by both stacks when it is seeded."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from bootstrap.settings import PROJECT as BOOTSTRAP_PROJECT
from bootstrap.settings import BootstrapSettings
from components.settings.loading import parse
from offline import plan
from offline.render import BOOTSTRAP_DIR, FAKE_SUBSCRIPTION_ID, stack_config, stack_names
from offline.report import Environment
from offline.siblings import agreement_problems, bootstrap_settings, sibling_problems, stack_settings
from tests.conftest import STACKS

HUB = "/subscriptions/00000000-0000-4000-8000-00000000000a/resourceGroups"
HUB_SUBNET = HUB + "/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/{}"
SEARCH = HUB + "/rg-shared-data/providers/Microsoft.Search/searchServices/srch-shared"
SHARED_GROUP = {"existingResourceGroup": "rg-foundry-shared"}  # no environment in the name: only siblings see it
# Prod's stack file turns on the standard agent setup, which needs the agent subnet: an override of prod's
# `network` replaces the whole key, so it keeps that.
PROD_NETWORK = {"agentSubnetInjection": True}


def test_the_stack_files_share_nothing() -> None:
    assert sibling_problems({stack: stack_settings(stack) for stack in stack_names()}) == []


def private(address_space: str) -> dict[str, Any]:
    return {"networkAccess": "private", "network": {"addressSpace": address_space}}


# overrides of (staging, the other stack) -> the key that clashes, and the other stack
SHARED = {
    "one resource group": ((SHARED_GROUP, SHARED_GROUP), "existingResourceGroup", "dev"),
    "a VNet range overlapping prod's": ((private("10.40.2.0/24"), {}), "network.addressSpace", "prod"),
    "prod's deployer": (({"deployerObjectId": "5d1c7a3e-2b64-4f0e-9c1a-7e2b4d6f8a03"}, {}), "deployerObjectId", "prod"),
}


@pytest.mark.parametrize(("overrides", "key", "other"), SHARED.values(), ids=list(SHARED))
def test_sharing_with_another_environment_is_refused(
    overrides: tuple[dict[str, Any], dict[str, Any]], key: str, other: str
) -> None:
    stacks = {stack: stack_settings(stack) for stack in STACKS}
    stacks["staging"], stacks[other] = stack_settings("staging", overrides[0]), stack_settings(other, overrides[1])
    (problem,) = sibling_problems(stacks)
    assert f": {key}:" in problem and "stack staging" in problem and f"stack {other}" in problem


def hub_subnets(endpoint_subnet: str) -> dict[str, Any]:
    ids = {"privateEndpoint": HUB_SUBNET.format(endpoint_subnet), "appIntegration": HUB_SUBNET.format("app")}
    return {
        "networkAccess": "private",
        "network": {"useExistingSubnets": True, "existingSubnetIds": ids},
        "connectionResourceGroups": ["rg-shared-data"],
        "connections": [{"name": "search", "project": "agents", "resourceId": SEARCH}],
    }


def test_one_subnet_or_one_data_source_for_two_environments_is_refused() -> None:
    problems = sibling_problems(
        {"dev": stack_settings("dev", hub_subnets("pe-a")), "staging": stack_settings("staging", hub_subnets("pe-b"))}
    )
    assert [p.split(": ")[1] for p in problems] == [
        "network.existingSubnetIds.appIntegration",
        "connections[0].resourceId",
    ]
    assert all(p.startswith("stack staging: ") and "stack dev has" in p for p in problems)


def test_a_second_stack_of_an_environment_has_its_own_group_range_and_deployer() -> None:
    """A second prod stack (another region) is another instance of prod: it shares none of the three."""
    second: dict[str, object] = {"location": "westeurope", "existingResourceGroup": "rg-fndry-prod-weu"}
    copied = sibling_problems(
        {"prod": stack_settings("prod"), "prod-weu": stack_settings("prod-weu", second, file="prod")}
    )
    assert [p.split(": ")[1] for p in copied] == ["network.addressSpace", "deployerObjectId"]
    second |= {
        "network": {**PROD_NETWORK, "addressSpace": "10.43.0.0/22"},
        "deployerObjectId": "0a6f3c1e-5b2d-4c8e-9f7a-1d3e5b7c9a24",
    }
    stacks = {"prod": stack_settings("prod"), "prod-weu": stack_settings("prod-weu", second, file="prod")}
    assert stacks["prod-weu"].environment == "prod" and stacks["prod-weu"].instance == "prod-weu"
    assert sibling_problems(stacks) == []


def test_the_plan_exits_2_when_stacks_share(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], environments: dict[str, Environment]
) -> None:
    def sharing(stack: str, today: object = None) -> object:
        return stack_settings(stack, SHARED_GROUP if stack in ("dev", "staging") else None)

    monkeypatch.setattr(plan, "stack_settings", sharing)
    # The renderings themselves don't change: the session's (the clash is in the settings).
    monkeypatch.setattr(plan, "render_environment", lambda stack, today=None: environments[stack])
    monkeypatch.setattr(plan, "known_stacks", lambda: list(environments))
    assert plan.main(["--stack", "all", "--format", "json"]) == plan.Exit.INPUT
    assert "stacks clash: stack staging: existingResourceGroup: 'rg-foundry-shared'" in capsys.readouterr().err


def test_a_stack_and_its_bootstrap_agree_and_a_disagreement_is_named() -> None:
    for stack in stack_names():
        bootstrap = bootstrap_settings(stack)
        assert bootstrap is not None and agreement_problems(stack_settings(stack), bootstrap) == []
    renamed = stack_settings("dev", {"namePrefix": "acme", "existingResourceGroup": "rg-acme-dev"})
    problems = agreement_problems(renamed, bootstrap_settings("dev") or pytest.fail("no bootstrap"))
    assert [p.split(": ")[1] for p in problems] == ["namePrefix", "existingResourceGroup"]
    assert "bootstrap/Pulumi.dev.yaml has 'rg-fndry-dev'" in problems[1]


def test_the_agents_repository_may_not_be_the_platforms() -> None:
    bootstrap = bootstrap_settings("dev") or pytest.fail("no bootstrap")
    platform = bootstrap.github.model_dump(by_alias=True, exclude_none=True)
    # A stack without platformRepository (not deployed by the pipeline) is still compared with its bootstrap.
    trial = stack_settings(
        "dev", {"github": platform, "platformRepository": None, "existingResourceGroup": None, "deployerObjectId": None}
    )
    problems = [p for p in agreement_problems(trial, bootstrap) if p.startswith("stack dev: github:")]
    repository = f"{bootstrap.github.owner}/{bootstrap.github.repository}".lower()
    assert len(problems) == 1 and problems[0].startswith(
        f"stack dev: github: '{repository}' is not allowed; bootstrap/Pulumi.dev.yaml names"
    )
    assert "the agents' workflows could sign in as the deployer" in problems[0]


def test_the_smoke_tests_repository_is_the_bootstraps() -> None:
    bootstrap = bootstrap_settings("dev") or pytest.fail("no bootstrap")
    immutable = {
        **bootstrap.github.model_dump(by_alias=True),
        "subjectFormat": "immutable",
        "ownerId": "1",
        "repositoryId": "2",
    }
    (problem,) = agreement_problems(stack_settings("dev", {"platformRepository": immutable}), bootstrap)
    assert problem.startswith("stack dev: platformRepository: ")
    assert "the bootstrap's github, the repository whose deploy job signs in as the CI/CD identity" in problem


def bootstrap_with_runners(stack: str, runners: dict[str, object]) -> BootstrapSettings:
    config = {**stack_config(stack, BOOTSTRAP_DIR), f"{BOOTSTRAP_PROJECT}:runnerNetwork": json.dumps(runners)}
    return parse(BootstrapSettings, BOOTSTRAP_PROJECT, config, stack)[0]


def runner_vnet_id(bootstrap: BootstrapSettings) -> str:
    return (
        f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/resourceGroups/{bootstrap.resource_group_name}"
        f"/providers/Microsoft.Network/virtualNetworks/{bootstrap.runner_vnet_name}"
    )


def test_a_private_stack_peers_with_its_own_bootstraps_runners_and_apart_from_them() -> None:
    bootstrap = bootstrap_with_runners("prod", {"kind": "self-hosted"})
    own = runner_vnet_id(bootstrap)
    assert (
        agreement_problems(stack_settings("prod", {"network": {**PROD_NETWORK, "runnerVnetId": own}}), bootstrap) == []
    )
    # Prod's stack file sets runnerVnetId; its network without it (the key unset) is what is named.
    configured = stack_settings("prod").network
    assert configured is not None and configured.runner_vnet_id == own
    (missing,) = agreement_problems(stack_settings("prod", {"network": PROD_NETWORK}), bootstrap)
    assert missing.startswith("stack prod: network.runnerVnetId: (not set) is not allowed;")
    assert f"makes runners ({bootstrap.runner_vnet_name})" in missing
    elsewhere = own.replace(bootstrap.resource_group_name, "rg-fndry-prod-hub")
    (wrong,) = agreement_problems(
        stack_settings("prod", {"network": {**PROD_NETWORK, "runnerVnetId": elsewhere}}), bootstrap
    )
    assert wrong.startswith(f"stack prod: network.runnerVnetId: '{elsewhere}' is not allowed;")
    runners = bootstrap.runner_network
    assert runners is not None
    # The runners' own range as prod's: the default endpoint and app subnets fit in its first half; the agent
    # subnet's default (the /24 that starts 256 addresses in) falls outside it, so it takes the second half.
    second_half = str(list(ipaddress.IPv4Network(runners.address_space).subnets(prefixlen_diff=1))[1])
    network = {"addressSpace": runners.address_space, "subnets": {"agent": second_half}, "runnerVnetId": own}
    overlapping = stack_settings("prod", {"network": {**PROD_NETWORK, **network}})
    problems = agreement_problems(overlapping, bootstrap)
    assert any(
        p.startswith(f"stack prod: network.addressSpace: '{runners.address_space}' is not allowed;")
        and "peered VNets may not overlap" in p
        for p in problems
    )
