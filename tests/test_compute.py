"""The web app runs as the user-assigned identity only, and exists only after that identity's roles do."""

from __future__ import annotations

import pytest

from offline.render import Rendering, render
from tests.config_checks import refused_config_problem
from tests.conftest import settings_of

WEB_APP = "azure-native:web:WebApp"


def app_settings(web_app_inputs: dict) -> dict[str, str]:
    return {s["name"]: s["value"] for s in web_app_inputs["siteConfig"]["appSettings"]}


def test_only_the_user_assigned_identity_is_attached(stack: Rendering) -> None:
    web_app = stack.one(WEB_APP)
    uami = stack.one("azure-native:managedidentity:UserAssignedIdentity")
    assert web_app.input("identity") == {"type": "UserAssigned", "userAssignedIdentities": [uami.id]}
    assert web_app.input("keyVaultReferenceIdentity") == uami.id


def test_default_azure_credential_picks_the_identity(stack: Rendering) -> None:
    settings = app_settings(stack.one(WEB_APP).inputs)
    assert (
        settings["AZURE_CLIENT_ID"] == stack.one("azure-native:managedidentity:UserAssignedIdentity").state["clientId"]
    )
    assert settings["FOUNDRY_PROJECT_ENDPOINT"] == stack.exports["projectEndpoints"]["agents"]


def test_https_only_and_no_basic_publishing_credentials(stack: Rendering) -> None:
    web_app = stack.one(WEB_APP)
    assert web_app.input("httpsOnly") is True
    assert web_app.input("siteConfig.ftpsState") == "Disabled"
    assert web_app.input("siteConfig.minTlsVersion") == "1.2"
    for policy in ("azure-native:web:WebAppFtpAllowed", "azure-native:web:WebAppScmAllowed"):
        switch = stack.one(policy)
        assert switch.input("allow") is False
        assert switch.input("name") == web_app.input("name")


def test_web_app_depends_on_every_role_assignment_of_its_identity(stack: Rendering) -> None:
    web_app = stack.one(WEB_APP)
    principal_id = stack.one("azure-native:managedidentity:UserAssignedIdentity").state["principalId"]
    grants = [
        r for r in stack.of_type("azure-native:authorization:RoleAssignment") if r.input("principalId") == principal_id
    ]
    # Foundry User on two projects, Key Vault Secrets User on the vault, Monitoring Metrics Publisher on App Insights
    assert len(grants) == 4
    for grant in grants:
        assert grant.urn in web_app.dependencies, grant.name


def test_compute_can_be_turned_off() -> None:
    rendering = render("dev", overrides={"compute": {"enabled": False}})
    assert not [r for r in rendering.resources if r.type.startswith("azure-native:web:")]
    assert "webAppName" not in rendering.exports


def test_private_mode_integrates_the_web_app_with_the_vnet(rendered: dict[str, Rendering]) -> None:
    prod = rendered["prod"]
    web_app = prod.one(WEB_APP)
    vnet = prod.one("azure-native:network:VirtualNetwork")
    subnet = next(s for s in vnet.input("subnets") if s["name"] == "snet-app-integration")
    assert [d["serviceName"] for d in subnet["delegations"]] == ["Microsoft.Web/serverFarms"]
    assert web_app.input("virtualNetworkSubnetId") == f"{vnet.id}/subnets/snet-app-integration"
    assert web_app.input("siteConfig.vnetRouteAllEnabled") is True


def test_public_mode_has_no_vnet_integration(rendered: dict[str, Rendering]) -> None:
    web_app = rendered["dev"].one(WEB_APP)
    assert "virtualNetworkSubnetId" not in web_app.inputs
    assert web_app.input("siteConfig.vnetRouteAllEnabled") is False


def test_the_plan_runs_the_configured_number_of_instances() -> None:
    rendering = render("dev", overrides={"compute": {"skuName": "S1", "instances": 4}})
    assert rendering.one("azure-native:web:AppServicePlan").inputs["sku"] == {"name": "S1", "capacity": 4}


def test_more_instances_than_the_tier_allows_are_refused_before_anything_is_made() -> None:
    # App Service limits: Basic plans scale to 3 instances, Standard to 10, Premium v3 to 30.
    problem = refused_config_problem(
        lambda: render("dev", overrides={"compute": {"skuName": "B1", "instances": 4}}), "compute.instances"
    )
    assert (
        problem
        == "compute.instances: 4 is not allowed; allowed with skuName B1: from 1 to 3 (that tier's most instances)"
    )
    render("dev", overrides={"compute": {"skuName": "P1v3", "instances": 30}})


# -- prod's web app: resilient, and reached deliberately --------------------------------------------------------
def test_prod_runs_two_zone_redundant_instances_probed_by_a_health_check(rendered: dict[str, Rendering]) -> None:
    prod = rendered["prod"]
    plan = prod.one("azure-native:web:AppServicePlan")
    settings = settings_of("prod")
    assert plan.input("sku") == {"name": settings.compute.sku_name, "capacity": 2}
    assert settings.compute.sku_name.startswith("P")  # zone redundancy needs Premium v3
    assert plan.input("zoneRedundant") is True
    site = prod.one(WEB_APP).input("siteConfig")
    assert site["healthCheckPath"] == "/healthz"
    assert (site["http20Enabled"], site["minTlsVersion"], site["scmMinTlsVersion"]) == (True, "1.2", "1.2")


def test_in_private_mode_the_app_is_reached_only_through_its_private_endpoint(rendered: dict[str, Rendering]) -> None:
    prod = rendered["prod"]
    app = prod.one(WEB_APP)
    assert app.input("publicNetworkAccess") == "Disabled"
    (endpoint,) = [
        e
        for e in prod.of_type("azure-native:network:PrivateEndpoint")
        if e.input("privateLinkServiceConnections")[0]["privateLinkServiceId"] == app.id
    ]
    assert endpoint.input("privateLinkServiceConnections")[0]["groupIds"] == ["sites"]
    assert endpoint.input("privateEndpointName") == f"pe-{app.input('name')}-sites"
    zone_group = next(
        g
        for g in prod.of_type("azure-native:network:PrivateDnsZoneGroup")
        if g.input("privateEndpointName") == endpoint.input("privateEndpointName")
    )
    zones = [c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in zone_group.input("privateDnsZoneConfigs")]
    assert zones == ["privatelink.azurewebsites.net"]


def test_dev_is_one_public_instance_without_zones(rendered: dict[str, Rendering]) -> None:
    dev = rendered["dev"]
    plan = dev.one("azure-native:web:AppServicePlan")
    assert plan.input("sku")["capacity"] == 1 and plan.input("zoneRedundant") is False
    assert dev.one(WEB_APP).input("publicNetworkAccess") == "Enabled"


def test_public_in_private_mode_is_a_stated_choice_outside_prod_only() -> None:
    staging = render("staging", overrides={"networkAccess": "private", "compute": {"inbound": "public"}})
    assert staging.one(WEB_APP).input("publicNetworkAccess") == "Enabled"
    assert not [
        e for e in staging.of_type("azure-native:network:PrivateEndpoint") if "-sites" in e.input("privateEndpointName")
    ]


@pytest.mark.parametrize(
    ("stack", "compute", "key", "says"),
    [
        ("prod", {"instances": 1}, "compute.instances", "prod allows 2 or more"),
        ("prod", {"inbound": "public"}, "compute.inbound", "prod allows only 'private-endpoint'"),
        ("dev", {"inbound": "private-endpoint"}, "compute.inbound", "only in private mode"),
        ("dev", {"zoneRedundant": True}, "compute.zoneRedundant", "Premium v3"),
        ("dev", {"skuName": "P1v3", "zoneRedundant": True}, "compute.zoneRedundant", "instances 2 or more"),
        ("dev", {"healthCheckPath": "healthz"}, "compute.healthCheckPath", "starting with '/'"),
    ],
)
def test_bad_web_app_settings_are_refused_before_anything_is_made(
    stack: str, compute: dict[str, object], key: str, says: str
) -> None:
    problem = refused_config_problem(lambda: render(stack, overrides={"compute": compute}), key)
    assert says in problem, problem
