"""The deployer rights check: what each task needs against what the bootstrap gives each identity.

The real stacks pass; then each of the ways this program used to be (or a team's edit could make it) beyond its
deployer's rights fails, naming the missing action or Graph operation and where.
"""

from __future__ import annotations

import runpy

import pytest
from pulumi_azure_native import authorization

from bootstrap.catalogue import ADMINISTRATORS, DEPLOYER_GRAPH_PERMISSIONS
from offline.render import (
    BOOTSTRAP_DIR,
    BOOTSTRAP_PROJECT,
    FAKE_SUBSCRIPTION_ID,
    PROJECT_DIR,
    Rendering,
    render,
    render_pim_phase,
)
from offline.rights.catalogue import ArmNeed, GraphNeed, preview_needs
from offline.rights.check import RightsVerdict, bootstrap_verdict, check, environment_verdicts, resource_needs
from offline.rights.holders import AzureGrant, Holder, administrator, pipeline_identity
from offline.rights.roles import definition_named

SUBSCRIPTION = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}"
FOUNDRY_ACCOUNT_OWNER = "e47c6f54-e4a2-4754-9501-8e0985b135e1"


def run_main_program() -> None:
    runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")


def verdict_of(main: Rendering, bootstrap: Rendering) -> RightsVerdict:
    """The deployer's verdict on `pulumi up` of `main`."""
    return environment_verdicts(main, bootstrap, render_pim_phase(main))[0]


def missing(verdict: RightsVerdict) -> list[str]:
    return [str(m.need) for m in verdict.missing]


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_each_identity_can_do_its_task_on_the_real_stacks(
    stack_name: str, rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]
) -> None:
    main = rendered[stack_name]
    verdicts = environment_verdicts(main, bootstrapped[stack_name], render_pim_phase(main))
    assert [(v.task, v.missing) for v in verdicts if not v.passed] == []
    tasks = [v.task for v in verdicts]
    assert tasks[:2] == [f"pulumi up --stack {stack_name}", f"pulumi preview --stack {stack_name}"]
    # Both have the administrator's phase: prod's (eligibility, locks, Azure Policy) and dev's (Azure Policy, audit).
    assert f"pulumi up --stack {stack_name} (PIM phase)" in tasks
    assert bootstrap_verdict(bootstrapped[stack_name]).passed


def test_the_deployer_may_not_create_a_pim_eligibility(
    rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]
) -> None:
    """The main program used to make prod's eligibility itself: its deployer has no roleEligibilityScheduleRequests."""

    def program() -> None:
        run_main_program()
        authorization.PimRoleEligibilitySchedule(
            "old-eligibility",
            principal_id="11111111-2222-4333-8444-555555555555",
            role_definition_id=f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{FOUNDRY_ACCOUNT_OWNER}",
            scope=rendered["prod"].exports["accountId"],
        )

    verdict = verdict_of(render("prod", program=program), bootstrapped["prod"])
    assert (
        missing(verdict)
        == [f"Microsoft.Authorization/roleEligibilityScheduleRequests/write on {rendered['prod'].exports['accountId']}"]
        * 2
    )  # made and removed through requests


def test_the_prod_deployer_may_not_make_a_standing_account_owner(
    rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]
) -> None:
    """Its RBAC Administrator grant carries a condition that leaves out Foundry Account Owner in prod."""

    def program() -> None:
        run_main_program()
        authorization.RoleAssignment(
            "standing-owner",
            role_assignment_name="00000000-0000-4000-8000-00000000dddd",
            principal_id="11111111-2222-4333-8444-555555555555",
            principal_type="Group",
            role_definition_id=f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{FOUNDRY_ACCOUNT_OWNER}",
            scope=rendered["prod"].exports["accountId"],
        )

    verdict = verdict_of(render("prod", program=program), bootstrapped["prod"])
    account = rendered["prod"].exports["accountId"]
    assert [(m.resource, str(m.need)) for m in verdict.missing] == [
        ("standing-owner", f"Microsoft.Authorization/roleAssignments/write on {account}"),
        ("standing-owner", f"Microsoft.Authorization/roleAssignments/delete on {account}"),
    ]


def deployer_without(bootstrap: Rendering, owner: str, permission: str) -> Holder:
    holder = pipeline_identity(bootstrap, "deployerClientId", "deployer", owner)
    return Holder(
        holder.label, holder.object_id, holder.azure, tuple(p for p in holder.graph_permissions if p != permission)
    )


def test_group_owner_and_duplicate_lookups_need_directory_read(
    rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]
) -> None:
    """Group.Create and Application.ReadWrite.OwnedBy alone (the old grant) cannot resolve owners or list groups."""
    people = {"groups": {"developers": {"owners": ["6f1c2a4e-0d5b-4d0e-9a7c-2b9d8e1f3a10"]}}}
    main = render("dev", overrides=people)
    owner = main.caller.object_id if main.caller else None
    holder = deployer_without(bootstrapped["dev"], owner or "", "Directory.Read.All")
    verdict = check(holder, "up", resource_needs(main, holder))
    operations = {m.need.operation for m in verdict.missing if isinstance(m.need, GraphNeed)}
    assert operations == {"groups.list", "directoryObjects.read", "users.read"}
    assert {p.name for p in DEPLOYER_GRAPH_PERMISSIONS} == {
        "Application.ReadWrite.OwnedBy",
        "Group.Create",
        "Directory.Read.All",
    }


def test_an_app_registration_the_deployer_does_not_own_is_out_of_its_reach(
    rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]
) -> None:
    """Owned-only Graph rights: listing someone else as owner leaves the deployer unable to manage the app."""
    main = rendered["dev"]
    holder = pipeline_identity(
        bootstrapped["dev"], "deployerClientId", "deployer", "99999999-0000-4000-8000-000000000000"
    )
    verdict = check(holder, "up", resource_needs(main, holder))
    assert {(m.need.operation, m.need.owned) for m in verdict.missing if isinstance(m.need, GraphNeed)} == {
        ("applications.manage", False),
        ("servicePrincipals.create", False),
        ("servicePrincipals.manage", False),
        ("groups.manage", False),
    }


HUB = f"{SUBSCRIPTION}/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones"
SPOKE = f"{SUBSCRIPTION}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets"


def test_a_bring_your_own_hub_needs_rights_outside_the_resource_group(bootstrapped: dict[str, Rendering]) -> None:
    zones = {
        "cognitiveServices": f"{HUB}/privatelink.cognitiveservices.azure.com",
        "openAi": f"{HUB}/privatelink.openai.azure.com",
        "aiServices": f"{HUB}/privatelink.services.ai.azure.com",
        "keyVault": f"{HUB}/privatelink.vaultcore.azure.net",
        # The web app's: private mode reaches it through its own endpoint by default.
        "webApps": f"{HUB}/privatelink.azurewebsites.net",
    }
    subnets = {
        "privateEndpoint": f"{SPOKE}/snet-pe",
        "appIntegration": f"{SPOKE}/snet-app",
        "agent": f"{SPOKE}/snet-agents",
    }
    network = {
        # Prod's stack file turns on the standard agent setup: its agent runtime goes into the hub's agent subnet.
        "agentSubnetInjection": True,
        "useExistingSubnets": True,
        "existingSubnetIds": subnets,
        "existingDnsZoneIds": zones,
    }
    verdict = verdict_of(render("prod", overrides={"network": network}), bootstrapped["prod"])
    arm = [(m.resource, m.need) for m in verdict.missing if isinstance(m.need, ArmNeed)]
    found = {(need.action, need.scope) for _, need in arm}
    join = "Microsoft.Network/virtualNetworks/subnets/join/action"
    spoke_vnet = SPOKE.removesuffix("/subnets")
    assert found == {
        (join, f"{SPOKE}/snet-pe"),  # every endpoint: the account's, the vault's, the three stores' and the app's
        (join, f"{SPOKE}/snet-app"),  # the web app's integration
        (join, f"{SPOKE}/snet-agents"),  # the account's agent subnet injection
        *(("Microsoft.Network/privateDnsZones/join/action", zone) for zone in zones.values()),
        # The agent data stores' zones (existingDnsZoneIds names none of them) are created in the environment's
        # group and linked to the spoke VNet.
        ("Microsoft.Network/virtualNetworks/join/action", spoke_vnet),
    }
    endpoints = [resource for resource, need in arm if need.scope == f"{SPOKE}/snet-pe"]
    assert sorted(endpoints) == [
        "prod-agent-data-cosmos-endpoint",
        "prod-agent-data-search-endpoint",
        "prod-agent-data-storage-endpoint",
        "prod-compute-endpoint",
        "prod-endpoints-account",
        "prod-endpoints-vault",
    ]
    # The endpoints whose zones the hub gives register in them: the account's, the vault's and the web app's.
    zone_join = "Microsoft.Network/privateDnsZones/join/action"
    assert sorted((resource, need.scope) for resource, need in arm if need.action == zone_join) == [
        ("prod-compute-endpoint-dns", zones["webApps"]),
        ("prod-endpoints-account-dns", zones["cognitiveServices"]),
        ("prod-endpoints-account-dns", zones["openAi"]),
        ("prod-endpoints-account-dns", zones["aiServices"]),
        ("prod-endpoints-vault-dns", zones["keyVault"]),
    ]
    links = [resource for resource, need in arm if need.scope == spoke_vnet]
    assert sorted(links) == [
        "prod-network-link-cosmos-vnet-spoke",
        "prod-network-link-search-vnet-spoke",
        "prod-network-link-storageBlob-vnet-spoke",
    ]
    remedies = {m.remedy for m in verdict.missing}
    assert remedies == {"grant Private DNS Zone Contributor on that scope", "grant Network Contributor on that scope"}


def test_a_stack_that_creates_its_resource_group_is_beyond_the_deployer(bootstrapped: dict[str, Rendering]) -> None:
    verdict = verdict_of(render("dev", overrides={"existingResourceGroup": None}), bootstrapped["dev"])
    assert ("Microsoft.Resources/subscriptions/resourceGroups/write", SUBSCRIPTION) in {
        (m.need.action, m.need.scope) for m in verdict.missing if isinstance(m.need, ArmNeed)
    }


def test_a_stack_pointed_at_another_resource_group_than_the_bootstraps_fails(
    bootstrapped: dict[str, Rendering],
) -> None:
    verdict = verdict_of(render("dev", overrides={"existingResourceGroup": "rg-elsewhere"}), bootstrapped["dev"])
    assert verdict.missing and all(
        "/resourceGroups/rg-elsewhere" in m.need.scope for m in verdict.missing if isinstance(m.need, ArmNeed)
    )


def test_preview_looks_up_app_registrations_so_the_reader_needs_application_read(
    rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering]
) -> None:
    """The azuread provider runs its duplicate-name lookup for a new app registration during `pulumi preview`."""
    needs = [(r.name, need) for r in rendered["dev"].resources for need in preview_needs(r)]
    assert [(name, str(need)) for name, need in needs] == [
        ("dev-cicd-app", "Microsoft Graph applications.list (sp-fndry-foundry-dev-cicd)")
    ]
    reader = pipeline_identity(bootstrapped["dev"], "previewClientId", "preview", None)
    assert check(reader, "preview", needs).passed
    without_graph = Holder(reader.label, None, reader.azure, ())
    assert not check(without_graph, "preview", needs).passed


def test_the_bootstrap_administrator_needs_privileged_role_administrator(bootstrapped: dict[str, Rendering]) -> None:
    """Application administrators may not grant Microsoft Graph permissions: the deployer's grant needs more."""
    admin = administrator("bootstrap", {"subscription": SUBSCRIPTION, "environment resource group": ""})
    without = Holder(admin.label, None, admin.azure, (), ("Cloud Application Administrator",))
    verdict = check(without, "bootstrap", resource_needs(bootstrapped["dev"], without))
    assert {m.need.operation for m in verdict.missing if isinstance(m.need, GraphNeed)} == {
        "appRoleAssignments.grantGraph"
    }
    assert ADMINISTRATORS["bootstrap"].directory_roles == (
        "Cloud Application Administrator",
        "Privileged Role Administrator",
    )


def test_administrators_need_the_state_so_the_bootstrap_must_name_their_group(rendered: dict[str, Rendering]) -> None:
    """Owner and User Access Administrator hold no data actions: without `stateAdministratorsGroup` neither the
    bootstrap nor the PIM phase can read or write its state, and the check says so."""
    without = render(
        "prod", overrides={"stateAdministratorsGroup": None}, project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT
    )
    main = rendered["prod"]
    pim_admin = environment_verdicts(main, without, render_pim_phase(main))[-1]
    assert pim_admin.task == "pulumi up --stack prod (PIM phase)"
    assert {m.need.action for m in pim_admin.missing if isinstance(m.need, ArmNeed)} == {
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
        "Microsoft.KeyVault/vaults/keys/decrypt/action",
        "Microsoft.KeyVault/vaults/keys/encrypt/action",
    }
    assert not bootstrap_verdict(without).passed


def test_restricting_prods_state_to_the_runner_subnet_needs_joining_it_by_service_endpoint(
    bootstrapped: dict[str, Rendering],
) -> None:
    """The bootstrap administrator (Owner) holds it; a holder of the account and vault alone would not."""
    prod = bootstrapped["prod"]
    subnet = str(prod.exports["runnerSubnetId"])
    joins = {
        name
        for name, need in resource_needs(prod, administrator("bootstrap", {"subscription": SUBSCRIPTION}, prod))
        if isinstance(need, ArmNeed)
        and need.action == "Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action"
        and need.scope == subnet
    }
    assert joins == {"prod-state-st", "prod-state-kv"}
    assert bootstrap_verdict(prod).passed
    contributor_on_delivery_only = Holder(
        "a delivery-group contributor",
        None,
        (AzureGrant(definition_named("Contributor"), f"{SUBSCRIPTION}/resourceGroups/rg-fndry-prod-delivery"),),
    )
    missing = check(
        contributor_on_delivery_only, "bootstrap", resource_needs(prod, contributor_on_delivery_only)
    ).missing
    assert {
        m.resource for m in missing if isinstance(m.need, ArmNeed) and "joinViaServiceEndpoint" in m.need.action
    } == (joins)
