"""Network isolation: prod reaches Foundry, the vault, (with the standard agent setup its stack file turns on) the
agent data stores and its web app only through private endpoints that resolve privately.

Expected values (zone names, group ids, delegations) are written out here from the Foundry facts sheet and
Azure's documentation, not imported from the catalogue under test.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.catalogue.resource_types import (
    ACCOUNT,
    COSMOS_ACCOUNT,
    PRIVATE_ENDPOINT,
    SEARCH_SERVICE,
    STORAGE_ACCOUNT,
    VAULT,
    WEB_APP,
)
from components.environment import FoundryEnvironment, FoundryEnvironmentArgs
from components.naming import private_endpoint_name
from components.settings import load_settings
from offline.render import FAKE_SUBSCRIPTION_ID, Registration, Rendering, render
from tests.config_checks import refused_config_problem
from tests.conftest import settings_of

VNET = "azure-native:network:VirtualNetwork"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"

ACCOUNT_ZONES = {
    "privatelink.cognitiveservices.azure.com",
    "privatelink.openai.azure.com",
    "privatelink.services.ai.azure.com",
}
VAULT_ZONE = "privatelink.vaultcore.azure.net"
# The standard agent setup's stores (Learn, "Azure Private Endpoint private DNS zone values"): blob, search, Cosmos SQL.
BLOB_ZONE = "privatelink.blob.core.windows.net"
SEARCH_ZONE = "privatelink.search.windows.net"
COSMOS_ZONE = "privatelink.documents.azure.com"
AGENT_DATA_ZONES = {BLOB_ZONE, SEARCH_ZONE, COSMOS_ZONE}
# The web app's, reached through its own endpoint in private mode (Learn, "Azure Private Endpoint private DNS zone
# values": Microsoft.Web/sites, group id `sites`).
WEB_APP_ZONE = "privatelink.azurewebsites.net"
ALL_ZONES = {*ACCOUNT_ZONES, VAULT_ZONE, *AGENT_DATA_ZONES, WEB_APP_ZONE}
# Each agent data store's endpoint: group id -> (the store's type, its zone, the endpoint's name in prod).
STORE_ENDPOINTS = {
    "blob": (STORAGE_ACCOUNT, BLOB_ZONE, "pe-stagfndryprdfd048b-blob"),
    "searchService": (SEARCH_SERVICE, SEARCH_ZONE, "pe-srch-fndry-prod-fd048b-searchService"),
    "Sql": (COSMOS_ACCOUNT, COSMOS_ZONE, "pe-cosmos-fndry-prod-fd048b-Sql"),
}
# The web app's endpoint (private mode's default inbound): its group id and its name in prod.
WEB_APP_GROUP_ID = "sites"
WEB_APP_ENDPOINT_NAME = "pe-app-fndry-prod-fd048b-sites"
# Prod's stack file turns on the standard agent setup, which needs the agent subnet: an override of `network`
# replaces the whole key, so each one here keeps that.
AGENT_SUBNET = {"agentSubnetInjection": True}

HUB = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones"
HUB_ZONE_IDS = {
    "cognitiveServices": f"{HUB}/privatelink.cognitiveservices.azure.com",
    "openAi": f"{HUB}/privatelink.openai.azure.com",
    "aiServices": f"{HUB}/privatelink.services.ai.azure.com",
    "keyVault": f"{HUB}/privatelink.vaultcore.azure.net",
}
SPOKE = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke"
SPOKE_SUBNETS = {"privateEndpoint": f"{SPOKE}/subnets/endpoints", "appIntegration": f"{SPOKE}/subnets/app"}
SPOKE_AGENT_SUBNET = f"{SPOKE}/subnets/agents"


def endpoint_for(rendering: Rendering, group_id: str) -> Registration:
    found = [
        e
        for e in rendering.of_type(PRIVATE_ENDPOINT)
        if e.input("privateLinkServiceConnections")[0]["groupIds"] == [group_id]
    ]
    assert len(found) == 1, group_id
    return found[0]


def zone_group_for(rendering: Rendering, endpoint: Registration) -> Registration:
    found = [g for g in rendering.of_type(ZONE_GROUP) if g.input("privateEndpointName") == endpoint.state["name"]]
    assert len(found) == 1
    return found[0]


def zone_ids_of(group: Registration) -> list[str]:
    return [config["privateDnsZoneId"] for config in group.input("privateDnsZoneConfigs")]


def zone_name_of(zone_id: str) -> str:
    prefix, _, name = zone_id.rpartition("/")
    assert prefix.endswith("/providers/Microsoft.Network/privateDnsZones"), zone_id
    return name


# -- prod's real stack file --------------------------------------------------------------------------------
def test_prod_has_one_endpoint_each_for_account_vault_agent_data_stores_and_web_app(
    rendered: dict[str, Rendering],
) -> None:
    prod = rendered["prod"]
    assert len(prod.of_type(PRIVATE_ENDPOINT)) == 6  # account, vault, three stores, web app
    account, vault, app = prod.one(ACCOUNT), prod.one(VAULT), prod.one(WEB_APP)
    vnet = prod.one(VNET)
    stores = [(group_id, prod.one(store_type)) for group_id, (store_type, _, _) in STORE_ENDPOINTS.items()]
    for group_id, target in (("account", account), ("vault", vault), *stores, (WEB_APP_GROUP_ID, app)):
        endpoint = endpoint_for(prod, group_id)
        connection = endpoint.input("privateLinkServiceConnections")[0]
        assert connection["privateLinkServiceId"] == target.id
        assert endpoint.input("subnet") == {"id": f"{vnet.id}/subnets/snet-private-endpoints"}
        assert endpoint.input("location") == account.input("location")
        assert "manualPrivateLinkServiceConnections" not in endpoint.inputs  # auto-approved, same tenant
    assert endpoint_for(prod, "account").input("privateEndpointName") == "pe-fndry-prod-fd048b-account"
    assert endpoint_for(prod, "vault").input("privateEndpointName") == "pe-kv-fndry-prd-fd048b-vault"
    for group_id, (_, _, endpoint_name) in STORE_ENDPOINTS.items():
        assert endpoint_for(prod, group_id).input("privateEndpointName") == endpoint_name
    assert endpoint_for(prod, WEB_APP_GROUP_ID).input("privateEndpointName") == WEB_APP_ENDPOINT_NAME
    assert app.input("name") == "app-fndry-prod-fd048b"  # the endpoint is named after the app


def test_prod_zone_groups_name_the_eight_zones(rendered: dict[str, Rendering]) -> None:
    prod = rendered["prod"]
    created = {zone.input("privateZoneName"): zone.id for zone in prod.of_type(ZONE)}
    assert set(created) == ALL_ZONES

    account_group = zone_group_for(prod, endpoint_for(prod, "account"))
    assert sorted(zone_ids_of(account_group)) == sorted(created[zone] for zone in ACCOUNT_ZONES)
    assert {zone_name_of(i) for i in zone_ids_of(account_group)} == ACCOUNT_ZONES

    vault_group = zone_group_for(prod, endpoint_for(prod, "vault"))
    assert zone_ids_of(vault_group) == [created[VAULT_ZONE]]
    for group_id, (_, zone, _) in STORE_ENDPOINTS.items():
        assert zone_ids_of(zone_group_for(prod, endpoint_for(prod, group_id))) == [created[zone]]
    assert zone_ids_of(zone_group_for(prod, endpoint_for(prod, WEB_APP_GROUP_ID))) == [created[WEB_APP_ZONE]]
    assert len(prod.of_type(ZONE_GROUP)) == 6


def test_prod_zones_are_global_and_linked_to_the_vnet_without_auto_registration(
    rendered: dict[str, Rendering],
) -> None:
    prod = rendered["prod"]
    vnet = prod.one(VNET)
    zones = prod.of_type(ZONE)
    links = prod.of_type(LINK)
    # Prod's stack file peers with its bootstrap's runner network (network.runnerVnetId): each zone is linked to
    # prod's VNet and to the runners' (tests/test_runner_reach.py), so the deploy job resolves the endpoints too.
    network = settings_of("prod").network
    assert network is not None and network.runner_vnet_id is not None
    runners = network.runner_vnet_id
    assert len(zones) == 8 and len(links) == 2 * len(zones)
    for zone in zones:
        assert zone.input("location") == "global"
        linked = {
            link.input("virtualNetwork")["id"]: link
            for link in links
            if link.input("privateZoneName") == zone.input("privateZoneName")
        }
        assert set(linked) == {vnet.id, runners}
        for link in linked.values():
            assert link.input("registrationEnabled") is False
            assert link.input("location") == "global"
            assert prod.depends_on(link, zone)
        assert prod.depends_on(linked[vnet.id], vnet)


def test_prod_vnet_has_endpoint_subnet_and_delegated_app_and_agent_subnets(rendered: dict[str, Rendering]) -> None:
    vnet = rendered["prod"].one(VNET)
    assert vnet.input("virtualNetworkName") == "vnet-fndry-prod"
    assert vnet.input("addressSpace") == {"addressPrefixes": ["10.40.0.0/22"]}
    subnets = {s["name"]: s for s in vnet.input("subnets")}
    # The agent subnet: prod's stack file turns agentSubnetInjection on (the standard agent setup needs it).
    assert set(subnets) == {"snet-private-endpoints", "snet-app-integration", "snet-agents"}
    assert subnets["snet-private-endpoints"]["addressPrefix"] == "10.40.0.0/26"
    assert "delegations" not in subnets["snet-private-endpoints"]
    assert subnets["snet-app-integration"]["addressPrefix"] == "10.40.0.64/26"
    assert [d["serviceName"] for d in subnets["snet-app-integration"]["delegations"]] == ["Microsoft.Web/serverFarms"]
    assert subnets["snet-agents"]["addressPrefix"] == "10.40.1.0/24"
    assert [d["serviceName"] for d in subnets["snet-agents"]["delegations"]] == ["Microsoft.App/environments"]


def test_prod_closes_public_access_on_account_vault_agent_data_stores_and_web_app(
    rendered: dict[str, Rendering],
) -> None:
    prod = rendered["prod"]
    vnet = prod.one(VNET)
    account = prod.one(ACCOUNT).input("properties")
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkAcls"]["defaultAction"] == "Deny"
    assert account["networkAcls"]["ipRules"] == [] and account["networkAcls"]["virtualNetworkRules"] == []
    # No trusted-service exception unless configured: stated, not left to the service's default.
    assert account["networkAcls"]["bypass"] == "None"
    # The agent runtime runs in prod's own agent subnet (its stack file turns injection on), not Microsoft's network.
    assert account["networkInjections"] == [
        {"scenario": "agent", "subnetArmId": f"{vnet.id}/subnets/snet-agents", "useMicrosoftManagedNetwork": False}
    ]
    vault = prod.one(VAULT).input("properties")
    assert vault["publicNetworkAccess"] == "Disabled"
    assert vault["networkAcls"]["defaultAction"] == "Deny"
    assert vault["networkAcls"]["bypass"] == "None"
    for store_type in (STORAGE_ACCOUNT, SEARCH_SERVICE, COSMOS_ACCOUNT):
        assert prod.one(store_type).input("publicNetworkAccess") == "Disabled", store_type
    assert prod.one(STORAGE_ACCOUNT).input("networkRuleSet")["defaultAction"] == "Deny"
    # The web app is reached only through its own endpoint.
    assert prod.one(WEB_APP).input("publicNetworkAccess") == "Disabled"


def test_account_endpoint_waits_for_the_account_and_zone_groups_for_the_links(
    rendered: dict[str, Rendering],
) -> None:
    prod = rendered["prod"]
    account_endpoint = endpoint_for(prod, "account")
    assert prod.one(ACCOUNT).urn in account_endpoint.dependencies  # explicit, not only through the id input
    vault_endpoint = endpoint_for(prod, "vault")
    assert prod.depends_on(vault_endpoint, prod.one(VAULT))
    store_endpoints = []
    for group_id, (store_type, _, _) in STORE_ENDPOINTS.items():
        store_endpoints.append(endpoint_for(prod, group_id))
        assert prod.depends_on(store_endpoints[-1], prod.one(store_type))
    app_endpoint = endpoint_for(prod, WEB_APP_GROUP_ID)
    assert prod.depends_on(app_endpoint, prod.one(WEB_APP))
    for endpoint in (account_endpoint, vault_endpoint, *store_endpoints, app_endpoint):
        group = zone_group_for(prod, endpoint)
        assert prod.depends_on(group, endpoint)
        for link in prod.of_type(LINK):
            assert prod.depends_on(group, link)


def test_network_resources_are_children_of_the_network_components(rendered: dict[str, Rendering]) -> None:
    prod = rendered["prod"]
    network = prod.one("foundry-platform:index:PrivateNetwork")
    endpoints = prod.one("foundry-platform:index:PrivateEndpoints")
    stores = prod.one("foundry-platform:index:AgentDataStores")  # the stores' endpoints are made with the stores
    compute = prod.one("foundry-platform:index:AppCompute")  # and the web app's with the web app
    for type_token in (VNET, ZONE, LINK):
        assert all(r.parent == network.urn for r in prod.of_type(type_token)), type_token
    for group_id, parent in (
        ("account", endpoints),
        ("vault", endpoints),
        *((g, stores) for g in STORE_ENDPOINTS),
        (WEB_APP_GROUP_ID, compute),
    ):
        endpoint = endpoint_for(prod, group_id)
        assert endpoint.parent == parent.urn, group_id
        assert zone_group_for(prod, endpoint).parent == parent.urn, group_id
    assert len(prod.of_type(PRIVATE_ENDPOINT)) == len(prod.of_type(ZONE_GROUP)) == 6


# -- dev and staging (public) --------------------------------------------------------------------------------
@pytest.mark.parametrize("stack_name", ["dev", "staging"])
def test_public_stacks_create_no_network_resources(rendered: dict[str, Rendering], stack_name: str) -> None:
    rendering = rendered[stack_name]
    network_types = [
        r.type
        for r in rendering.resources
        if r.type.startswith(("azure-native:network:", "azure-native:privatedns:"))
        or r.type in ("foundry-platform:index:PrivateNetwork", "foundry-platform:index:PrivateEndpoints")
    ]
    assert network_types == []
    assert "networkInjections" not in rendering.one(ACCOUNT).input("properties")


# -- the web app's integration subnet ------------------------------------------------------------------------
def _export_integration_subnet() -> None:
    environment = FoundryEnvironment("env", FoundryEnvironmentArgs(load_settings()))
    pulumi.export("appIntegrationSubnetId", environment.app_integration_subnet_id)


def test_environment_exposes_the_delegated_app_subnet_for_vnet_integration() -> None:
    prod = render("prod", program=_export_integration_subnet)
    vnet = prod.one(VNET)
    assert prod.exports["appIntegrationSubnetId"] == f"{vnet.id}/subnets/snet-app-integration"
    dev = render("dev", program=_export_integration_subnet)
    assert dev.exports.get("appIntegrationSubnetId") is None


# -- existing zones (hub-managed DNS) ------------------------------------------------------------------------
def test_existing_zone_ids_are_used_and_only_the_zones_not_given_are_created() -> None:
    prod = render("prod", overrides={"network": {**AGENT_SUBNET, "existingDnsZoneIds": HUB_ZONE_IDS}})
    # HUB_ZONE_IDS names neither the agent data stores' zones nor the web app's: those are still created and linked.
    assert {zone.input("privateZoneName") for zone in prod.of_type(ZONE)} == {*AGENT_DATA_ZONES, WEB_APP_ZONE}
    assert {link.input("privateZoneName") for link in prod.of_type(LINK)} == {*AGENT_DATA_ZONES, WEB_APP_ZONE}
    assert len(prod.of_type(LINK)) == 4
    account_group = zone_group_for(prod, endpoint_for(prod, "account"))
    assert sorted(zone_ids_of(account_group)) == sorted(
        HUB_ZONE_IDS[key] for key in ("cognitiveServices", "openAi", "aiServices")
    )
    assert zone_ids_of(zone_group_for(prod, endpoint_for(prod, "vault"))) == [HUB_ZONE_IDS["keyVault"]]
    assert len(prod.of_type(VNET)) == 1  # the VNet is still this environment's own


def test_some_existing_zones_only_the_rest_are_created() -> None:
    network = {**AGENT_SUBNET, "existingDnsZoneIds": {"openAi": HUB_ZONE_IDS["openAi"]}}
    prod = render("prod", overrides={"network": network})
    created = {zone.input("privateZoneName"): zone.id for zone in prod.of_type(ZONE)}
    assert set(created) == ALL_ZONES - {"privatelink.openai.azure.com"}
    assert len(prod.of_type(LINK)) == 7
    account_group = zone_group_for(prod, endpoint_for(prod, "account"))
    assert HUB_ZONE_IDS["openAi"] in zone_ids_of(account_group)
    assert created["privatelink.cognitiveservices.azure.com"] in zone_ids_of(account_group)


# -- bring-your-own hub: existing subnets ----------------------------------------------------------------------
def test_existing_subnets_create_no_vnet_and_endpoints_use_them() -> None:
    overrides: dict[str, Any] = {
        "network": {
            **AGENT_SUBNET,
            "useExistingSubnets": True,
            "existingSubnetIds": {**SPOKE_SUBNETS, "agent": SPOKE_AGENT_SUBNET},
            "existingDnsZoneIds": HUB_ZONE_IDS,
        }
    }
    prod = render("prod", overrides=overrides, program=_export_integration_subnet)
    assert prod.of_type(VNET) == []
    # Only the zones HUB_ZONE_IDS does not name (the agent data stores' and the web app's) are created: linked to
    # the spoke.
    assert {zone.input("privateZoneName") for zone in prod.of_type(ZONE)} == {*AGENT_DATA_ZONES, WEB_APP_ZONE}
    assert [link.input("virtualNetwork") for link in prod.of_type(LINK)] == [{"id": SPOKE}] * 4
    for group_id in ("account", "vault", *STORE_ENDPOINTS, WEB_APP_GROUP_ID):
        assert endpoint_for(prod, group_id).input("subnet") == {"id": SPOKE_SUBNETS["privateEndpoint"]}
    assert len(prod.of_type(PRIVATE_ENDPOINT)) == 6
    assert prod.exports["appIntegrationSubnetId"] == SPOKE_SUBNETS["appIntegration"]
    assert prod.one(ACCOUNT).input("properties.networkInjections")[0]["subnetArmId"] == SPOKE_AGENT_SUBNET


def test_existing_subnets_with_created_zones_link_them_to_the_subnets_vnet() -> None:
    existing = {**SPOKE_SUBNETS, "agent": SPOKE_AGENT_SUBNET}
    network = {**AGENT_SUBNET, "useExistingSubnets": True, "existingSubnetIds": existing}
    prod = render("prod", overrides={"network": network})
    links = prod.of_type(LINK)
    assert {zone.input("privateZoneName") for zone in prod.of_type(ZONE)} == ALL_ZONES
    assert {link.input("privateZoneName") for link in links} == ALL_ZONES and len(links) == 8
    assert all(link.input("virtualNetwork") == {"id": SPOKE} for link in links)
    assert {link.input("virtualNetworkLinkName") for link in links} == {"link-vnet-spoke"}


# -- agent subnet injection ---------------------------------------------------------------------------------
def test_agent_subnet_injection_adds_a_delegated_subnet_and_account_network_injection() -> None:
    prod = render("prod", overrides={"network": {"agentSubnetInjection": True}})
    vnet = prod.one(VNET)
    subnets = {s["name"]: s for s in vnet.input("subnets")}
    assert subnets["snet-agents"]["addressPrefix"] == "10.40.1.0/24"
    assert [d["serviceName"] for d in subnets["snet-agents"]["delegations"]] == ["Microsoft.App/environments"]
    account = prod.one(ACCOUNT)
    assert account.input("properties.networkInjections") == [
        {"scenario": "agent", "subnetArmId": f"{vnet.id}/subnets/snet-agents", "useMicrosoftManagedNetwork": False}
    ]
    assert prod.depends_on(account, vnet)


def test_agent_subnet_injection_with_existing_subnet() -> None:
    overrides = {
        "network": {
            "useExistingSubnets": True,
            "agentSubnetInjection": True,
            "existingSubnetIds": {**SPOKE_SUBNETS, "agent": SPOKE_AGENT_SUBNET},
        }
    }
    account = render("prod", overrides=overrides).one(ACCOUNT)
    assert account.input("properties.networkInjections")[0]["subnetArmId"] == SPOKE_AGENT_SUBNET


def test_trusted_azure_services_may_be_let_past_the_private_account_on_request() -> None:
    account = render("prod", overrides={"network": {**AGENT_SUBNET, "trustedAzureServices": True}}).one(ACCOUNT)
    assert account.input("properties.networkAcls") == {
        "defaultAction": "Deny",
        "bypass": "AzureServices",
        "ipRules": [],
        "virtualNetworkRules": [],
    }
    assert account.input("properties.publicNetworkAccess") == "Disabled"


def test_private_endpoint_names_stay_within_azure_limits() -> None:
    long_name = private_endpoint_name("a" * 64, "account")
    assert len(long_name) == 64 and long_name.startswith("pe-a") and long_name.endswith("-account")
    assert long_name != private_endpoint_name("a" * 63 + "b", "account")


# -- invalid network configuration --------------------------------------------------------------------------
PUBLIC_DNS_ZONE = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-hub-dns/providers/Microsoft.Network/dnsZones/privatelink.openai.azure.com"
BAD_NETWORK = [
    # (stack, network value, the key the message must name, a fragment the message must show)
    ("prod", {"addressSpace": "10.40.0.0/33"}, "network.addressSpace", "'10.40.0.0/33'"),
    ("prod", {"addressSpace": "10.40.0.1/22"}, "network.addressSpace", "no host bits"),
    ("prod", {"addressSpace": "ten-forty"}, "network.addressSpace", "CIDR"),
    ("prod", {"trustedAzureServices": "yes"}, "network.trustedAzureServices", "true or false"),
    ("prod", {"addressSpace": "8.8.0.0/16"}, "network.addressSpace", "RFC 1918"),
    ("prod", {"addressSpace": ["10.40.0.0/22", "10.40.2.0/24"]}, "network.addressSpace[1]", "overlaps '10.40.0.0/22'"),
    (
        "prod",
        {"subnets": {"privateEndpoint": "10.40.0.0/24", "appIntegration": "10.40.0.128/26"}},
        "network.subnets.appIntegration",
        "overlaps network.subnets.privateEndpoint",
    ),
    (
        "prod",
        {"subnets": {"appIntegration": "10.50.0.0/26"}},
        "network.subnets.appIntegration",
        "inside network.addressSpace",
    ),
    ("prod", {"subnets": {"appIntegration": "10.40.0.64/29"}}, "network.subnets.appIntegration", "/28 or larger"),
    ("prod", {"subnets": {"privateEndpoint": "10.40.0.0/26x"}}, "network.subnets.privateEndpoint", "CIDR"),
    (
        "prod",
        {"addressSpace": "10.40.0.0/24", "agentSubnetInjection": True},
        "network.subnets.agent",
        "default derived",
    ),
    ("prod", {"subnets": {"agent": "10.40.1.0/24"}}, "network.subnets.agent", "agentSubnetInjection: true"),
    ("prod", {"useExistingSubnets": True}, "network.existingSubnetIds.privateEndpoint", "required"),
    ("prod", {"useExistingSubnets": True}, "network.existingSubnetIds.appIntegration", "required"),
    (
        "prod",
        {"useExistingSubnets": True, "agentSubnetInjection": True, "existingSubnetIds": SPOKE_SUBNETS},
        "network.existingSubnetIds.agent",
        "required",
    ),
    (
        "prod",
        {"useExistingSubnets": True, "existingSubnetIds": {**SPOKE_SUBNETS, "privateEndpoint": SPOKE}},
        "network.existingSubnetIds.privateEndpoint",
        "subnet's ARM id",
    ),
    (
        "prod",
        {"useExistingSubnets": True, "existingSubnetIds": SPOKE_SUBNETS, "addressSpace": "10.40.0.0/22"},
        "network.addressSpace",
        "remove it",
    ),
    ("prod", {"existingSubnetIds": SPOKE_SUBNETS}, "network.existingSubnetIds", "useExistingSubnets: true"),
    (
        "prod",
        {"existingDnsZoneIds": {"openAi": PUBLIC_DNS_ZONE}},
        "network.existingDnsZoneIds.openAi",
        "private DNS zone",
    ),
    (
        "prod",
        {"existingDnsZoneIds": {"openAi": HUB_ZONE_IDS["cognitiveServices"]}},
        "network.existingDnsZoneIds.openAi",
        "not 'privatelink.openai.azure.com'",
    ),
    (
        "prod",
        {"existingDnsZoneIds": {"openAi": "privatelink.openai.azure.com"}},
        "network.existingDnsZoneIds.openAi",
        "ARM id",
    ),
    (
        "prod",
        {"existingDnsZoneIds": {"blob": f"{HUB}/privatelink.blob.core.windows.net"}},
        "network.existingDnsZoneIds.blob",
        "unknown field",
    ),
    ("prod", {"agentSubnetInjection": "yes"}, "network.agentSubnetInjection", "true or false"),
    ("prod", {"vnetName": "x"}, "network.vnetName", "unknown field"),
    ("dev", {"addressSpace": "10.42.0.0/22"}, "network", "networkAccess is 'private'"),
]


@pytest.mark.parametrize(
    ("stack", "network", "key", "fragment"), BAD_NETWORK, ids=[f"{c[0]}:{c[2]}:{i}" for i, c in enumerate(BAD_NETWORK)]
)
def test_bad_network_config_fails_naming_the_key_with_nothing_registered(
    stack: str, network: dict[str, Any], key: str, fragment: str
) -> None:
    problem = refused_config_problem(lambda: render(stack, overrides={"network": network}), key)
    assert fragment in problem, problem


def test_staging_may_go_private_with_its_own_default_range() -> None:
    staging = render("staging", overrides={"networkAccess": "private"})
    assert staging.one(VNET).input("addressSpace") == {"addressPrefixes": ["10.41.0.0/22"]}
    # The account's, the vault's and (its compute on by default) the web app's: no standard agent setup here.
    assert sorted(e.input("privateEndpointName") for e in staging.of_type(PRIVATE_ENDPOINT)) == [
        "pe-app-fndry-staging-995b9a-sites",
        "pe-fndry-staging-995b9a-account",
        "pe-kv-fndry-stg-995b9a-vault",
    ]
    assert {zone.input("privateZoneName") for zone in staging.of_type(ZONE)} == {
        *ACCOUNT_ZONES,
        VAULT_ZONE,
        WEB_APP_ZONE,
    }
    assert staging.one(WEB_APP).input("publicNetworkAccess") == "Disabled"
