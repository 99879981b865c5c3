"""The web app runs as the user-assigned identity only, and exists only after that identity's roles do."""

from __future__ import annotations

from offline.render import Rendering, render
from tests.config_checks import refused_config_problem

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
