"""The offline harness refuses what Azure and Entra refuse: one small program breaks each rule and its render fails
naming that rule. Several of them are how this program itself used to be written (the comments say which)."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_azuread as azuread
import pytest
from pulumi_azure_native import (
    authorization,
    cognitiveservices,
    cosmosdb,
    keyvault,
    managedidentity,
    network,
    resources,
    storage,
)

from offline.azure_rules import GLOBAL_NAME_RULE, RULE_NAMES, AzureRefusalError, check_global_names
from offline.render import (
    BOOTSTRAP_DIR,
    BOOTSTRAP_PROJECT,
    FAKE_ADMIN_OBJECT_ID,
    FAKE_CLIENT_OBJECT_ID,
    FAKE_SUBSCRIPTION_ID,
    FAKE_TENANT_ID,
    Caller,
    RenderError,
    Rendering,
    render,
)

DEPLOYER = Caller(FAKE_CLIENT_OBJECT_ID, True, "the pipeline deployer")
ADMINISTRATOR = Caller(FAKE_ADMIN_OBJECT_ID, False, "an administrator")
FOUNDRY_USER = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/53ca6127-db72-4b80-b1b0-d745d6d5456d"
ISSUER = "https://oidc.aks.example.net/cluster/"
TRACING = cognitiveservices.AADAuthTypeConnectionPropertiesArgs(auth_type="AAD", category="AppInsights", target="x")


def refusals(program: Callable[[], None], caller: Caller = DEPLOYER) -> list[str]:
    """The rules a program breaks, by name (the render must fail on them and only on them)."""
    with pytest.raises(RenderError) as failure:
        render("dev", program=program, caller=caller)
    cause = failure.value.cause
    assert isinstance(cause, AzureRefusalError), repr(cause)
    assert all(refusal.rule in str(cause) for refusal in cause.refusals)
    return sorted({refusal.rule for refusal in cause.refusals})


def account_with_projects(*names: str) -> tuple[cognitiveservices.Account, list[cognitiveservices.Project]]:
    account = cognitiveservices.Account(
        "acct", account_name="acct-dev", resource_group_name="rg", kind="AIServices", sku={"name": "S0"}
    )
    projects: list[cognitiveservices.Project] = []
    for name in names:
        after = projects[-1:] or [account]
        projects.append(
            cognitiveservices.Project(
                f"project-{name}",
                account_name=account.name,
                project_name=name,
                resource_group_name="rg",
                opts=pulumi.ResourceOptions(depends_on=after),
            )
        )
    return account, projects


def two_projects_one_connection_name() -> None:
    account, (_, evals) = account_with_projects("agents", "evals")
    first = cognitiveservices.ProjectConnection(
        "agents-tracing",
        account_name=account.name,
        project_name="agents",
        resource_group_name="rg",
        connection_name="app-insights",
        properties=TRACING,
        opts=pulumi.ResourceOptions(depends_on=[evals]),
    )
    cognitiveservices.ProjectConnection(
        "evals-tracing",
        account_name=account.name,
        project_name="evals",
        resource_group_name="rg",
        connection_name="app-insights",
        properties=TRACING,
        opts=pulumi.ResourceOptions(depends_on=[first]),
    )


def policy_beside_the_projects() -> None:
    account, _ = account_with_projects("agents")
    cognitiveservices.RaiPolicy(
        "policy", account_name=account.name, resource_group_name="rg", rai_policy_name="guardrails"
    )


def two_credentials_at_once() -> None:
    identity = managedidentity.UserAssignedIdentity("uami", resource_name_="id-app", resource_group_name="rg")
    for index in range(2):
        managedidentity.FederatedIdentityCredential(
            f"aks-{index}",
            federated_identity_credential_resource_name=f"aks-{index}",
            resource_name_=identity.name,
            resource_group_name="rg",
            issuer=ISSUER,
            subject=f"system:serviceaccount:agents:sa{index}",
            audiences=["api://AzureADTokenExchange"],
        )


def cicd_application(owners: list[str] | None) -> None:
    application = azuread.Application("cicd-app", display_name="sp-cicd", owners=owners)
    azuread.ServicePrincipal("cicd-sp", client_id=application.client_id, owners=owners)


def two_vaults_one_name() -> None:
    for logical in ("kv-one", "kv-two"):
        keyvault.Vault(
            logical,
            vault_name="kv-shared",
            resource_group_name="rg",
            properties={
                "tenant_id": FAKE_TENANT_ID,
                "sku": {"family": keyvault.SkuFamily.A, "name": keyvault.SkuName.STANDARD},
            },
        )


def a_long_connection_name() -> None:
    account, (agents,) = account_with_projects("agents")
    cognitiveservices.ProjectConnection(
        "tracing",
        account_name=account.name,
        project_name="agents",
        resource_group_name="rg",
        connection_name="customer-support-agents-app-insights",  # 36 characters
        properties=TRACING,
        opts=pulumi.ResourceOptions(depends_on=[agents]),
    )


def one_grant_two_names() -> None:
    group = resources.ResourceGroup("rg", resource_group_name="rg")
    for name in ("00000000-0000-4000-8000-00000000aaaa", "00000000-0000-4000-8000-00000000bbbb"):
        authorization.RoleAssignment(
            f"grant-{name[-4:]}",
            role_assignment_name=name,
            principal_id="11111111-2222-4333-8444-555555555555",
            principal_type="ServicePrincipal",
            role_definition_id=FOUNDRY_USER,
            scope=group.id,
        )


def twenty_one_credentials_one_subject() -> None:
    application = azuread.Application("app", display_name="sp-app", owners=[FAKE_CLIENT_OBJECT_ID])
    previous: list[pulumi.Resource] = []
    for index in range(21):
        credential = azuread.ApplicationFederatedIdentityCredential(
            f"credential-{index}",
            application_id=application.id,
            display_name=f"credential-{index}",
            issuer=ISSUER,
            subject="system:serviceaccount:agents:same",  # issuer + subject repeated
            audiences=["api://AzureADTokenExchange"],
            opts=pulumi.ResourceOptions(depends_on=previous),
        )
        previous = [credential]


def two_groups_one_name() -> None:
    for logical in ("people-a", "people-b"):
        azuread.Group(logical, display_name="grp-people", security_enabled=True, prevent_duplicate_names=True)


def api_application() -> azuread.Application:
    return azuread.Application("api", display_name="api-x-obo", owners=[FAKE_CLIENT_OBJECT_ID])


def two_front_ends_at_once() -> None:
    """Each pre-authorization reads the application, adds its entry and writes the list back: side by side, the
    second write would drop the first's entry."""
    application = api_application()
    for client in ("11111111-2222-4333-8444-55555555555a", "11111111-2222-4333-8444-55555555555b"):
        azuread.ApplicationPreAuthorized(
            f"front-end-{client[-1]}",
            application_id=application.id,
            authorized_client_id=client,
            permission_ids=["22222222-2222-4333-8444-555555555555"],
        )


def two_apis_one_identifier_uri() -> None:
    for logical in ("api-a", "api-b"):
        application = azuread.Application(logical, display_name=logical, owners=[FAKE_CLIENT_OBJECT_ID])
        azuread.ApplicationIdentifierUri(
            f"{logical}-uri", application_id=application.id, identifier_uri="api://contoso-foundry-api"
        )


def capability_host(account: cognitiveservices.Account, name: str, after: list[pulumi.Resource]) -> pulumi.Resource:
    return cognitiveservices.AccountCapabilityHost(
        f"host-{name}",
        account_name=account.name,
        resource_group_name="rg",
        capability_host_name=name,
        capability_host_properties={"capability_host_kind": "Agents"},
        opts=pulumi.ResourceOptions(depends_on=after),
    )


def two_account_capability_hosts() -> None:
    account, (agents,) = account_with_projects("agents")
    first = capability_host(account, "agents", [agents])
    capability_host(account, "agents-2", [first])


def a_host_for_an_injected_account() -> None:
    """With its agent runtime injected into a subnet, the account gets its capability host from the service."""
    account = cognitiveservices.Account(
        "acct",
        account_name="acct-dev",
        resource_group_name="rg",
        kind="AIServices",
        sku={"name": "S0"},
        properties={
            "network_injections": [
                {
                    "scenario": "agent",
                    "subnet_arm_id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/agents",
                }
            ]
        },
    )
    capability_host(account, "agents", [account])


def a_project_host_before_its_accounts() -> None:
    """In public mode the account's capability host must exist first; this project's does not wait for it."""
    account, (agents,) = account_with_projects("agents")
    cognitiveservices.ProjectCapabilityHost(
        "project-host",
        account_name=account.name,
        project_name="agents",
        resource_group_name="rg",
        capability_host_name="agents",
        project_capability_host_properties={"storage_connections": ["agents-agent-files"]},
        opts=pulumi.ResourceOptions(depends_on=[agents]),
    )


def two_cosmos_data_grants_at_once() -> None:
    """Cosmos DB takes one SQL role assignment write per account at a time (412: exclusive lock)."""
    account = cosmosdb.DatabaseAccount(
        "cosmos",
        account_name="cosmos-dev",
        resource_group_name="rg",
        database_account_offer_type=cosmosdb.DatabaseAccountOfferType.STANDARD,
        locations=[{"location_name": "swedencentral", "failover_priority": 0}],
    )
    for suffix in ("a", "b"):
        cosmosdb.SqlResourceSqlRoleAssignment(
            f"grant-{suffix}",
            account_name=account.name,
            resource_group_name="rg",
            role_assignment_id=f"00000000-0000-4000-8000-00000000000{suffix}",
            role_definition_id=account.id.apply(
                lambda i: f"{i}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002"
            ),
            scope=account.id.apply(lambda i: f"{i}/dbs/enterprise_memory"),
            principal_id=f"11111111-2222-4333-8444-55555555555{suffix}",
        )


def runner_network(endpoints: list[str]) -> tuple[network.VirtualNetwork, pulumi.Output[str]]:
    vnet = network.VirtualNetwork(
        "runners",
        virtual_network_name="vnet-runners",
        resource_group_name="rg",
        address_space={"address_prefixes": ["10.42.4.0/24"]},
        subnets=[
            {
                "name": "snet-runners",
                "address_prefix": "10.42.4.0/25",
                "service_endpoints": [{"service": service} for service in endpoints],
            }
        ],
    )
    return vnet, vnet.id.apply(lambda vnet_id: f"{vnet_id}/subnets/snet-runners")


def state_account(subnet: pulumi.Input[str], after: list[pulumi.Resource]) -> None:
    storage.StorageAccount(
        "state",
        account_name="stdevstate",
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "Standard_ZRS"},
        network_rule_set=storage.NetworkRuleSetArgs(
            default_action=storage.DefaultAction.DENY,
            virtual_network_rules=[storage.VirtualNetworkRuleArgs(virtual_network_resource_id=subnet)],
        ),
        opts=pulumi.ResourceOptions(depends_on=after),
    )


def a_storage_firewall_on_a_subnet_without_its_endpoint() -> None:
    """The runner subnet has Key Vault's service endpoint only; the state account's rule needs Storage's."""
    vnet, subnet = runner_network(["Microsoft.KeyVault"])
    state_account(subnet, [vnet])


def a_vault_firewall_beside_the_network_that_gives_its_endpoint() -> None:
    """The vault names the subnet by a literal id, so nothing makes it wait for the VNet that adds the endpoint."""
    runner_network(["Microsoft.Storage", "Microsoft.KeyVault"])
    keyvault.Vault(
        "kv",
        vault_name="kv-dev-state",
        resource_group_name="rg",
        properties=keyvault.VaultPropertiesArgs(
            tenant_id=FAKE_TENANT_ID,
            sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.STANDARD),
            network_acls=keyvault.NetworkRuleSetArgs(
                default_action=keyvault.NetworkRuleAction.DENY,
                virtual_network_rules=[
                    keyvault.VirtualNetworkRuleArgs(
                        id=f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/"
                        "virtualNetworks/vnet-runners/subnets/snet-runners"
                    )
                ],
            ),
        ),
    )


# (the rule, a program that breaks only it, what about this program once made the mistake)
BREAKING_PROGRAMS: list[tuple[str, Callable[[], None], str]] = [
    ("connection-name-per-account", two_projects_one_connection_name, "both projects' `app-insights` connection"),
    ("one-write-at-a-time", policy_beside_the_projects, "projects, policy, connections side by side"),
    ("one-write-at-a-time", two_credentials_at_once, "credentials on one identity at once"),
    ("entra-caller-keeps-ownership", lambda: cicd_application(None), "the CI/CD app and its service principal"),
    ("entra-caller-keeps-ownership", lambda: cicd_application([FAKE_ADMIN_OBJECT_ID]), "someone else as owner"),
    ("name-unique-in-scope", two_vaults_one_name, "one ARM id declared twice"),
    ("name-format", a_long_connection_name, "a connection name over 33 characters"),
    ("role-assignment-once", one_grant_two_names, "the same grant under two names"),
    ("federated-credentials-per-identity", twenty_one_credentials_one_subject, "21 credentials, one subject"),
    ("entra-name-unique", two_groups_one_name, "two groups of one name"),
    ("one-write-at-a-time", two_front_ends_at_once, "two pre-authorized front ends written into one API at once"),
    ("entra-name-unique", two_apis_one_identifier_uri, "one literal identifier URI on two APIs"),
    ("capability-host-per-scope", two_account_capability_hosts, "a second capability host on one account"),
    ("capability-host-per-scope", a_project_host_before_its_accounts, "a project's host before the account's"),
    ("capability-host-per-scope", a_host_for_an_injected_account, "an account host the service already made"),
    ("one-write-at-a-time", two_cosmos_data_grants_at_once, "two Cosmos data role assignments at once"),
    (
        "firewall-subnet-has-endpoint",
        a_storage_firewall_on_a_subnet_without_its_endpoint,
        "a state firewall admitting a subnet with no Storage endpoint",
    ),
    (
        "firewall-subnet-has-endpoint",
        a_vault_firewall_beside_the_network_that_gives_its_endpoint,
        "a vault firewall not waiting for the subnet's endpoint",
    ),
]


@pytest.mark.parametrize(
    ("rule", "program", "mistake"), BREAKING_PROGRAMS, ids=[f"{rule}:{why}" for rule, _, why in BREAKING_PROGRAMS]
)
def test_a_program_breaking_a_rule_fails_the_render_naming_it(
    rule: str, program: Callable[[], None], mistake: str
) -> None:
    assert refusals(program) == [rule], mistake


def test_every_rule_has_a_program_that_breaks_it() -> None:
    cross_stack = {GLOBAL_NAME_RULE}  # test_no_dns_name_is_taken_twice_by_the_stacks_and_bootstraps
    assert {rule for rule, _, _ in BREAKING_PROGRAMS} | cross_stack == set(RULE_NAMES)


def test_what_the_rules_allow_renders() -> None:
    render("dev", program=lambda: cicd_application([FAKE_CLIENT_OBJECT_ID]), caller=DEPLOYER)
    # An administrator acting through a directory role keeps access without owning anything.
    render("dev", program=lambda: cicd_application(None), caller=ADMINISTRATOR)
    # A group created without owners is owned by its creator.
    render("dev", program=lambda: azuread.Group("people", display_name="grp-people", security_enabled=True))
    # A firewall naming a subnet of a network it waits for, with the service's endpoint on it.
    render("dev", program=lambda: state_account(*_with_vnet(runner_network(["Microsoft.Storage"]))))


def _with_vnet(
    made: tuple[network.VirtualNetwork, pulumi.Output[str]],
) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
    vnet, subnet = made
    return subnet, [vnet]


def test_no_dns_name_is_taken_twice_by_the_stacks_and_bootstraps(
    rendered: dict[str, Rendering],
) -> None:
    everything = {f"main {stack}": rendering for stack, rendering in rendered.items()}
    everything |= {
        f"bootstrap {stack}": render(stack, project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT)
        for stack in rendered
    }
    assert check_global_names(everything) == []
    # A name copied with its environment in it is refused by the program itself; one without is caught here.
    shared = {"customSubdomain": "contoso-foundry-ai"}
    dev, copied = render("dev", overrides=shared), render("staging", overrides=shared)
    clash = check_global_names({"main dev": dev, "main staging (copied)": copied})
    assert [refusal.rule for refusal in clash] == ["global-name-unique"]
    assert "main dev" in clash[0].message
