"""The main stack's side of the runner network (`network.runnerVnetId`): prod's VNet peered with the runners' VNet
both ways, and every private DNS zone it creates linked to the runners' VNet, so that the deploy job's smoke test
and agent deployments resolve and reach the private endpoints from there.

Expected values come from Learn ("Create, change, or delete a virtual network peering": a peering on each side;
Permissions: `virtualNetworkPeerings/write` here, `virtualNetworks/peer/action` on the remote network) and the
zone names from docs/networking.md (and, for the standard agent setup prod's stack file turns on, Learn's private
endpoint DNS zone values for blob, AI Search and Cosmos DB SQL; for the web app, reached through its own endpoint in
private mode, App Service's), written out rather than imported from the code under test.
"""

from __future__ import annotations

import pytest

from offline.render import FAKE_SUBSCRIPTION_ID, Registration, Rendering, render, render_pim_phase
from offline.rights.catalogue import ArmNeed
from offline.rights.check import environment_verdicts, resource_needs
from offline.rights.holders import pipeline_identity
from offline.rights.roles import BUILT_IN_ROLES
from tests.bootstrap.conftest import render_bootstrap
from tests.config_checks import refused_config_problem
from tests.conftest import settings_of

VNET = "azure-native:network:VirtualNetwork"
PEERING = "azure-native:network:VirtualNetworkPeering"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"

SUBSCRIPTION = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}"
NETWORKS = f"{SUBSCRIPTION}/resourceGroups/rg-fndry-prod/providers/Microsoft.Network/virtualNetworks"
PROD_VNET_ID = f"{NETWORKS}/vnet-fndry-prod"
RUNNER_VNET_ID = f"{NETWORKS}/vnet-fndry-prod-runners"
ZONES = {
    "privatelink.cognitiveservices.azure.com",
    "privatelink.openai.azure.com",
    "privatelink.services.ai.azure.com",
    "privatelink.vaultcore.azure.net",
    # The standard agent setup's stores: prod's stack file turns it on.
    "privatelink.blob.core.windows.net",
    "privatelink.search.windows.net",
    "privatelink.documents.azure.com",
    # The web app's: private mode reaches it through its own endpoint by default.
    "privatelink.azurewebsites.net",
}
PEER_ACTION = "Microsoft.Network/virtualNetworks/peer/action"


def with_runners(runner_vnet_id: str = RUNNER_VNET_ID, **network: object) -> dict[str, object]:
    # An override replaces prod's whole `network`: keep its agent subnet, which its standard agent setup needs.
    return {"network": {"agentSubnetInjection": True, "runnerVnetId": runner_vnet_id, **network}}


@pytest.fixture(scope="module")
def reached() -> Rendering:
    return render("prod", overrides=with_runners())


@pytest.fixture(scope="module")
def runners_bootstrap() -> Rendering:
    """Prod's bootstrap with its runner network, whose output is the main stack's network.runnerVnetId."""
    return render_bootstrap("prod", {"runnerNetwork": {"kind": "github-hosted", "githubDatabaseId": "123456"}})


def peering(rendering: Rendering, direction: str) -> Registration:
    return rendering.by_name(f"prod-network-peering-{direction}-runners")


def runner_links(rendering: Rendering) -> list[Registration]:
    return [link for link in rendering.of_type(LINK) if link.input("virtualNetwork")["id"] == RUNNER_VNET_ID]


def test_the_bootstraps_output_is_what_the_key_takes(runners_bootstrap: Rendering) -> None:
    assert runners_bootstrap.exports["runnerVnetId"] == RUNNER_VNET_ID


def test_the_vnets_are_peered_both_ways(reached: Rendering) -> None:
    assert len(reached.of_type(PEERING)) == 2
    to_runners, from_runners = peering(reached, "to"), peering(reached, "from")
    assert to_runners.id == f"{PROD_VNET_ID}/virtualNetworkPeerings/to-vnet-fndry-prod-runners"
    assert to_runners.input("remoteVirtualNetwork") == {"id": RUNNER_VNET_ID}
    assert from_runners.id == f"{RUNNER_VNET_ID}/virtualNetworkPeerings/to-vnet-fndry-prod"
    assert from_runners.input("remoteVirtualNetwork") == {"id": reached.one(VNET).id}
    assert reached.one(VNET).id == PROD_VNET_ID
    for side in (to_runners, from_runners):
        assert side.input("resourceGroupName") == "rg-fndry-prod"
        assert side.input("allowVirtualNetworkAccess") is True
        assert side.input("allowForwardedTraffic") is False
        assert side.input("allowGatewayTransit") is False
        assert side.input("useRemoteGateways") is False


def test_every_zone_is_linked_to_the_runner_vnet(reached: Rendering) -> None:
    links = runner_links(reached)
    zones = {zone.urn: zone for zone in reached.of_type(ZONE)}
    assert {zones[link.property_dependencies["privateZoneName"][0]].input("privateZoneName") for link in links} == ZONES
    for link in links:
        assert link.input("virtualNetworkLinkName") == "link-vnet-fndry-prod-runners"
        assert link.input("registrationEnabled") is False
        assert link.input("location") == "global"
    # The environment's own links are still there, one per zone.
    own = [link for link in reached.of_type(LINK) if link.input("virtualNetwork")["id"] == PROD_VNET_ID]
    assert len(own) == len(ZONES)


def test_order_vnet_then_peering_then_way_back_then_runner_links(reached: Rendering) -> None:
    vnet = reached.one(VNET)
    to_runners, from_runners = peering(reached, "to"), peering(reached, "from")
    own_links = [link for link in reached.of_type(LINK) if link not in runner_links(reached)]
    assert vnet.urn in to_runners.dependencies
    assert {link.urn for link in own_links} <= set(to_runners.dependencies)  # no other write on the VNet meanwhile
    assert to_runners.urn in from_runners.dependencies
    assert vnet.urn in from_runners.property_dependencies["remoteVirtualNetwork"]
    for link in runner_links(reached):
        assert from_runners.urn in link.dependencies
        assert link.property_dependencies["privateZoneName"]  # after its zone
    # The endpoints' records are written once every link, the runners' included, exists.
    runner_link_urns = {link.urn for link in runner_links(reached)}
    for group in reached.of_type(ZONE_GROUP):
        assert runner_link_urns <= set(group.dependencies), group.name


def test_the_prod_stack_file_peers_with_its_bootstraps_runners(
    rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]
) -> None:
    network = settings_of("prod").network
    assert network is not None
    assert network.runner_vnet_id == bootstrapped["prod"].exports["runnerVnetId"] == RUNNER_VNET_ID
    assert len(rendered["prod"].of_type(PEERING)) == 2
    assert len(runner_links(rendered["prod"])) == len(ZONES)


def test_nothing_of_this_without_the_key() -> None:
    # Prod's stack file sets the key: its network without it.
    prod = render("prod", overrides={"network": {"agentSubnetInjection": True}})
    assert prod.of_type(PEERING) == []
    assert len(prod.of_type(LINK)) == len(ZONES)
    assert all(link.input("virtualNetwork")["id"] == PROD_VNET_ID for link in prod.of_type(LINK))


# -- refusals ----------------------------------------------------------------------------------------------------
SPOKE = f"{SUBSCRIPTION}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke"


def test_refused_with_existing_subnets() -> None:
    existing = {
        "privateEndpoint": f"{SPOKE}/subnets/endpoints",
        "appIntegration": f"{SPOKE}/subnets/app",
        "agent": f"{SPOKE}/subnets/agents",
    }
    problem = refused_config_problem(
        lambda: render("prod", overrides=with_runners(useExistingSubnets=True, existingSubnetIds=existing)),
        "network.runnerVnetId",
    )
    assert "useExistingSubnets" in problem and RUNNER_VNET_ID in problem


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        (f"{RUNNER_VNET_ID}/subnets/snet-runners", "a virtual network's ARM id"),
        (f"{SUBSCRIPTION}/resourceGroups/rg-fndry-dev/providers/Microsoft.Network/virtualNetworks/vnet-fndry-dev-runners", "another environment ('dev')"),
    ],
)  # fmt: skip
def test_refused_when_not_a_vnet_of_this_environment(value: str, allowed: str) -> None:
    problem = refused_config_problem(lambda: render("prod", overrides=with_runners(value)), "network.runnerVnetId")
    assert allowed in problem


def test_zones_managed_elsewhere_are_not_linked_and_the_plan_says_so() -> None:
    hub = f"{SUBSCRIPTION}/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones"
    rendering = render(
        "prod", overrides=with_runners(existingDnsZoneIds={"keyVault": f"{hub}/privatelink.vaultcore.azure.net"})
    )
    assert len(runner_links(rendering)) == len(ZONES) - 1
    assert any(w.startswith("network.runnerVnetId:") and "existingDnsZoneIds" in w for w in rendering.warnings)


# -- who may do it -----------------------------------------------------------------------------------------------
def test_contributor_holds_the_peer_action() -> None:
    contributor = next(role for role in BUILT_IN_ROLES if role.name == "Contributor")
    assert contributor.allows(PEER_ACTION)
    assert contributor.allows("Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write")


def test_the_deployer_can_peer_and_link(reached: Rendering, runners_bootstrap: Rendering) -> None:
    verdicts = environment_verdicts(reached, runners_bootstrap, render_pim_phase(reached))
    assert [(v.task, v.missing) for v in verdicts if not v.passed] == []
    deployer = pipeline_identity(runners_bootstrap, "deployerClientId", "the pipeline deployer", None)
    needs = [need for _, need in resource_needs(reached, deployer) if isinstance(need, ArmNeed)]
    assert ArmNeed(PEER_ACTION, RUNNER_VNET_ID, "this network is peered with that one") in needs
    assert ArmNeed(PEER_ACTION, PROD_VNET_ID, "this network is peered with that one") in needs


def test_a_runner_vnet_outside_the_environments_group_is_beyond_the_deployer(runners_bootstrap: Rendering) -> None:
    elsewhere = f"{SUBSCRIPTION}/resourceGroups/rg-runners/providers/Microsoft.Network/virtualNetworks/vnet-runners"
    rendering = render("prod", overrides=with_runners(elsewhere))
    deployer = environment_verdicts(rendering, runners_bootstrap)[0]
    missing = {str(m.need) for m in deployer.missing}
    assert f"{PEER_ACTION} on {elsewhere}" in missing
    assert (
        f"Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write on {elsewhere}/virtualNetworkPeerings/to-vnet-fndry-prod"
        in missing
    )
    assert f"Microsoft.Network/virtualNetworks/join/action on {elsewhere}" in missing  # the zone links
