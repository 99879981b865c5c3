"""The bootstrap's runner network (`runnerNetwork`): where the pipeline's runners sit so that they reach private prod.

Expected values are written out here from their sources, not imported from the code under test: the delegation,
resource type, API version and regions from GitHub's docs ("Configuring private networking for GitHub-hosted
runners in your organization" and its troubleshooting page), Bastion's subnet and public IP from Learn ("About Azure
Bastion configuration settings"), the main stack's default ranges from docs/networking.md.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from bootstrap.providers import REQUIRED_PROVIDERS
from offline.arm import ARM_TYPES, UnknownArmTypeError, arm_type_for
from offline.render import FAKE_SUBSCRIPTION_ID, Registration, Rendering
from offline.rights.check import bootstrap_verdict
from tests.bootstrap.conftest import bootstrap_settings_of, render_bootstrap
from tests.config_checks import refused_config_problem

VNET = "azure-native:network:VirtualNetwork"
NSG = "azure-native:network:NetworkSecurityGroup"
GENERIC = "azure-native:resources:Resource"
BASTION = "azure-native:network:BastionHost"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
COMPONENT = "foundry-platform:index:RunnerNetwork"
RUNNER_TYPES = (VNET, NSG, GENERIC, BASTION, PUBLIC_IP)

GROUP = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-fndry-prod"
RUNNER_VNET_ID = f"{GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-fndry-prod-runners"
RUNNER_SUBNET_ID = f"{RUNNER_VNET_ID}/subnets/snet-runners"
DATABASE_ID = "123456789"
# GitHub docs, troubleshooting page, "Supported regions" on GitHub.com (westeurope is not among them).
GITHUB_REGIONS = {
    "australiaeast", "brazilsouth", "canadacentral", "canadaeast", "centralus", "eastasia", "eastus", "eastus2",
    "francecentral", "germanywestcentral", "japaneast", "koreacentral", "northcentralus", "northeurope", "norwayeast",
    "southcentralus", "southeastasia", "southindia", "swedencentral", "switzerlandnorth", "uksouth", "westus",
    "westus2", "westus3",
}  # fmt: skip
# The main stacks' default network.addressSpace per tier (docs/networking.md, docs/config.md).
MAIN_DEFAULTS = {"prod": "10.40.0.0/22", "staging": "10.41.0.0/22", "dev": "10.42.0.0/22"}


def runner_overrides(**runner: Any) -> dict[str, object]:
    return {"runnerNetwork": runner}


@pytest.fixture(scope="module")
def hosted() -> Rendering:
    """Prod with GitHub-hosted runners and Bastion."""
    return render_bootstrap(
        "prod", runner_overrides(kind="github-hosted", githubDatabaseId=int(DATABASE_ID), bastion=True)
    )


@pytest.fixture(scope="module")
def self_hosted() -> Rendering:
    return render_bootstrap("prod", runner_overrides(kind="self-hosted"))


def runner_subnet(rendering: Rendering) -> dict[str, Any]:
    vnet = rendering.one(VNET)
    return next(s for s in vnet.input("subnets") if s["name"] == "snet-runners")


def network_settings(rendering: Rendering) -> Registration:
    return rendering.one(GENERIC)


# -- what is created, and where ------------------------------------------------------------------------------
def test_github_hosted_runners_get_their_network_in_the_environments_group(hosted: Rendering) -> None:
    assert hosted.one(VNET).id == RUNNER_VNET_ID
    assert hosted.one(NSG).id == f"{GROUP}/providers/Microsoft.Network/networkSecurityGroups/nsg-fndry-prod-runners"
    assert network_settings(hosted).id == f"{GROUP}/providers/GitHub.Network/networkSettings/ghns-fndry-prod"
    assert hosted.one(BASTION).id == f"{GROUP}/providers/Microsoft.Network/bastionHosts/bas-fndry-prod"
    assert hosted.one(PUBLIC_IP).id == f"{GROUP}/providers/Microsoft.Network/publicIPAddresses/pip-fndry-prod-bastion"
    # In the environment's group (the deployer is Contributor there and peers it), never the delivery group.
    for resource in (hosted.one(t) for t in RUNNER_TYPES):
        assert resource.input("resourceGroupName") == "rg-fndry-prod", resource.name
        assert resource.input("location") == "swedencentral", resource.name
        assert resource.input("tags")["environment"] == "prod", resource.name
    component = hosted.one(COMPONENT)
    assert component.name == "prod-runners"
    assert all(hosted.one(t).parent == component.urn for t in RUNNER_TYPES)


def test_the_runner_subnet_is_delegated_to_github_and_behind_the_nsg(hosted: Rendering) -> None:
    vnet = hosted.one(VNET)
    assert vnet.input("addressSpace") == {"addressPrefixes": ["10.40.4.0/24"]}
    subnet = runner_subnet(hosted)
    assert subnet["addressPrefix"] == "10.40.4.0/25"
    assert [d["serviceName"] for d in subnet["delegations"]] == ["GitHub.Network/networkSettings"]
    assert subnet["networkSecurityGroup"] == {"id": hosted.one(NSG).id}
    assert subnet["defaultOutboundAccess"] is True


def test_the_network_settings_resource_hands_the_subnet_to_the_organization(hosted: Rendering) -> None:
    settings = network_settings(hosted)
    assert settings.input("resourceProviderNamespace") == "GitHub.Network"
    assert settings.input("resourceType") == "networkSettings"
    assert settings.input("parentResourcePath") == ""
    assert settings.input("apiVersion") == "2024-04-02"
    assert settings.input("resourceName") == "ghns-fndry-prod"
    assert settings.input("properties") == {"subnetId": RUNNER_SUBNET_ID, "businessId": DATABASE_ID}
    vnet = hosted.one(VNET)
    assert vnet.urn in settings.dependencies  # after the VNet and its delegated subnet exist


def test_the_outputs_name_the_vnet_and_the_github_id_for_the_network_configuration(hosted: Rendering) -> None:
    assert hosted.exports["runnerVnetId"] == RUNNER_VNET_ID
    assert hosted.exports["runnerSubnetId"] == RUNNER_SUBNET_ID
    assert hosted.exports["runnerNetworkKind"] == "github-hosted"
    assert hosted.exports["runnerNetworkSettingsId"] == network_settings(hosted).id
    assert hosted.exports["runnerBastionName"] == "bas-fndry-prod"
    # Azure adds the GitHubId tag at creation; the output reads it from the resource's tags. Under the mocks a
    # resource answers with its inputs, so a tag given in config stands in for the one Azure adds.
    tagged = render_bootstrap(
        "prod",
        {
            **runner_overrides(kind="github-hosted", githubDatabaseId=DATABASE_ID),
            "tags": {"GitHubId": "C0FFEE1234"},
        },
    )
    assert tagged.exports["runnerNetworkSettingsGitHubId"] == "C0FFEE1234"


def test_self_hosted_runners_get_a_plain_subnet_and_no_github_resource(self_hosted: Rendering) -> None:
    subnet = runner_subnet(self_hosted)
    assert subnet["addressPrefix"] == "10.40.4.0/25"
    assert "delegations" not in subnet
    assert subnet["networkSecurityGroup"] == {"id": self_hosted.one(NSG).id}
    assert self_hosted.of_type(GENERIC) == []
    assert self_hosted.exports["runnerVnetId"] == RUNNER_VNET_ID
    assert "runnerNetworkSettingsId" not in self_hosted.exports


def test_the_nsg_lets_out_https_only(hosted: Rendering) -> None:
    rules = {rule["name"]: rule for rule in hosted.one(NSG).input("securityRules")}
    assert {rule["direction"] for rule in rules.values()} == {"Outbound"}
    allowed = {
        (r["destinationAddressPrefix"], r["destinationPortRange"]) for r in rules.values() if r["access"] == "Allow"
    }
    assert allowed == {("VirtualNetwork", "443"), ("Internet", "443")}
    denied = [r for r in rules.values() if r["access"] == "Deny"]
    assert [(r["destinationAddressPrefix"], r["destinationPortRange"]) for r in denied] == [("Internet", "*")]
    assert all(r["priority"] > a["priority"] for r in denied for a in rules.values() if a["access"] == "Allow")


# -- Bastion ----------------------------------------------------------------------------------------------------
def test_bastion_takes_the_ranges_last_26_and_a_standard_static_ip(hosted: Rendering) -> None:
    vnet = hosted.one(VNET)
    bastion_subnet = next(s for s in vnet.input("subnets") if s["name"] == "AzureBastionSubnet")
    assert bastion_subnet["addressPrefix"] == "10.40.4.192/26"
    assert "networkSecurityGroup" not in bastion_subnet
    ip = hosted.one(PUBLIC_IP)
    assert ip.input("sku") == {"name": "Standard", "tier": "Regional"}
    assert ip.input("publicIPAllocationMethod") == "Static"
    bastion = hosted.one(BASTION)
    assert bastion.input("sku") == {"name": "Basic"}
    [configuration] = bastion.input("ipConfigurations")
    assert configuration["subnet"] == {"id": f"{RUNNER_VNET_ID}/subnets/AzureBastionSubnet"}
    assert configuration["publicIPAddress"] == {"id": ip.id}
    # One change at a time on the VNet: the network settings resource links the runner subnet first.
    assert network_settings(hosted).urn in bastion.dependencies


def test_no_bastion_unless_asked(self_hosted: Rendering) -> None:
    assert self_hosted.of_type(BASTION) == [] and self_hosted.of_type(PUBLIC_IP) == []
    assert [s["name"] for s in self_hosted.one(VNET).input("subnets")] == ["snet-runners"]
    assert "runnerBastionName" not in self_hosted.exports


def test_nothing_when_the_key_is_unset(bootstrapped: dict[str, Rendering]) -> None:
    # Prod's stack file sets runnerNetwork (its restricted state admits only the runner subnet); the others don't.
    unset = [stack for stack in bootstrapped if bootstrap_settings_of(stack).runner_network is None]
    assert unset == ["dev", "staging"]
    for stack in unset:
        rendering = bootstrapped[stack]
        assert [r.name for r in rendering.resources if r.type in (*RUNNER_TYPES, COMPONENT)] == [], stack
        assert not [key for key in rendering.exports if key.startswith("runner")], stack


# -- defaults and refusals ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("stack", "expected"), [("dev", "10.42.4.0/24"), ("staging", "10.41.4.0/24")])
def test_each_tier_defaults_to_its_own_range(stack: str, expected: str) -> None:
    rendering = render_bootstrap(stack, runner_overrides(kind="self-hosted"))
    assert rendering.one(VNET).input("addressSpace") == {"addressPrefixes": [expected]}


def test_the_default_ranges_overlap_no_main_stack_default() -> None:
    for runner in ("10.40.4.0/24", "10.41.4.0/24", "10.42.4.0/24"):
        for main in MAIN_DEFAULTS.values():
            assert not ipaddress.IPv4Network(runner).overlaps(ipaddress.IPv4Network(main)), (runner, main)


def test_github_hosted_is_refused_where_github_has_no_private_networking() -> None:
    overrides = {
        "location": "westeurope",
        **runner_overrides(kind="github-hosted", githubDatabaseId=DATABASE_ID),
    }
    problem = refused_config_problem(lambda: render_bootstrap("prod", overrides), "runnerNetwork.kind")
    assert "'github-hosted'" in problem and "'westeurope'" in problem and "'self-hosted'" in problem
    assert all(region in problem for region in GITHUB_REGIONS)
    # Self-hosted runners have no such limit.
    westeurope = render_bootstrap("prod", {"location": "westeurope", **runner_overrides(kind="self-hosted")})
    assert westeurope.one(VNET).input("location") == "westeurope"


def test_a_range_overlapping_the_tiers_network_is_refused() -> None:
    problem = refused_config_problem(
        lambda: render_bootstrap("prod", runner_overrides(kind="self-hosted", addressSpace="10.40.2.0/24")),
        "runnerNetwork.addressSpace",
    )
    assert "'10.40.2.0/24'" in problem and "'10.40.0.0/22'" in problem and "10.40.4.0/24" in problem


@pytest.mark.parametrize(
    ("address_space", "allowed"),
    [("10.50.0.0/26", "/25 or larger"), ("20.1.0.0/24", "private (RFC 1918)"), ("10.50.0.1/24", "no host bits")],
)
def test_a_range_too_small_or_not_private_is_refused(address_space: str, allowed: str) -> None:
    problem = refused_config_problem(
        lambda: render_bootstrap("prod", runner_overrides(kind="self-hosted", addressSpace=address_space)),
        "runnerNetwork.addressSpace",
    )
    assert allowed in problem


def test_the_database_id_goes_with_github_hosted_only() -> None:
    missing = refused_config_problem(
        lambda: render_bootstrap("prod", runner_overrides(kind="github-hosted")), "runnerNetwork.githubDatabaseId"
    )
    assert "required with kind 'github-hosted'" in missing and "databaseId" in missing
    extra = refused_config_problem(
        lambda: render_bootstrap("prod", runner_overrides(kind="self-hosted", githubDatabaseId=DATABASE_ID)),
        "runnerNetwork.githubDatabaseId",
    )
    assert "only used with kind 'github-hosted'" in extra


def test_an_unknown_kind_is_refused() -> None:
    problem = refused_config_problem(
        lambda: render_bootstrap("prod", runner_overrides(kind="azure-hosted")), "runnerNetwork.kind"
    )
    assert "github-hosted" in problem and "self-hosted" in problem


# -- the offline harness -----------------------------------------------------------------------------------------
def test_the_administrator_holds_every_right_the_runner_network_needs(hosted: Rendering) -> None:
    verdict = bootstrap_verdict(hosted)
    assert verdict.passed, verdict.missing


def test_the_generic_resource_is_known_by_the_type_its_inputs_give(hosted: Rendering) -> None:
    settings = network_settings(hosted)
    concrete = arm_type_for(settings.type, settings.inputs)
    assert concrete.arm_type == "GitHub.Network/networkSettings"
    assert concrete.namespace in REQUIRED_PROVIDERS
    assert {"resourceProviderNamespace", "resourceType", "parentResourcePath", "location"} <= set(
        ARM_TYPES[GENERIC].replace_inputs
    )
    # A generic child resource is not something the harness can place yet: it says so rather than guessing.
    with pytest.raises(UnknownArmTypeError, match="parentResourcePath"):
        arm_type_for(GENERIC, {**settings.inputs, "parentResourcePath": "virtualNetworks/x"})


def test_the_delegations_namespace_is_registered_by_the_admin_step(hosted: Rendering) -> None:
    delegations = {d["serviceName"].split("/")[0] for d in runner_subnet(hosted)["delegations"]}
    assert delegations == {"GitHub.Network"} and delegations <= set(REQUIRED_PROVIDERS)


@pytest.mark.parametrize(
    ("token", "name_input", "name", "accepted"),
    [
        ("azure-native:network:VirtualNetworkPeering", "virtualNetworkPeeringName", "to-vnet-fndry-prod", True),
        ("azure-native:network:VirtualNetworkPeering", "virtualNetworkPeeringName", "to-vnet-", False),
        ("azure-native:network:NetworkSecurityGroup", "networkSecurityGroupName", "x" * 81, False),
        ("azure-native:network:BastionHost", "bastionHostName", "bas-fndry-prod", True),
        ("azure-native:network:VirtualNetwork", "virtualNetworkName", "v", False),
    ],
)
def test_names_azure_refuses_are_known_to_the_harness(token: str, name_input: str, name: str, accepted: bool) -> None:
    import re

    rule = ARM_TYPES[token].name_format
    assert rule is not None and rule[0] == name_input
    assert (re.fullmatch(rule[1], name) is not None) == accepted
