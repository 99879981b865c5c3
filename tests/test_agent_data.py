"""The standard agent setup, as prod's stack file turns it on: the environment's own Storage, AI Search and Cosmos
DB for agent data (Entra only, private), each project's connections and capability host in the order Azure needs,
and the project identities' grants before and after the capability hosts."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_azure_native import cognitiveservices

from components import naming
from components.catalogue.resource_types import (
    ACCOUNT,
    ACCOUNT_CAPABILITY_HOST,
    CONNECTION,
    COSMOS_ACCOUNT,
    COSMOS_SQL_ROLE_ASSIGNMENT,
    PRIVATE_ENDPOINT,
    PROJECT,
    PROJECT_CAPABILITY_HOST,
    ROLE_ASSIGNMENT,
    SEARCH_SERVICE,
    STORAGE_ACCOUNT,
)
from offline.rehearsal import DELETE_FIRST, rehearse
from offline.render import Registration, Rendering, render
from tests.config_checks import plan_findings, refused_config_problem
from tests.conftest import settings_of

# Learn built-in roles (storage.md, ai-machine-learning.md, databases.md); the order follows Microsoft's templates.
BEFORE_HOSTS = {
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "storage",  # Storage Blob Data Contributor
    "230815da-be43-4aae-9cb4-875f7bd000aa": "cosmos",  # Cosmos DB Operator
    "8ebe5a00-799e-43f5-93ac-243d3dce84a7": "search",  # Search Index Data Contributor
    "7ca78c08-252a-4471-8644-bb5ff32d4ba0": "search",  # Search Service Contributor
}
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
# Cosmos DB for NoSQL's built-in Data Contributor (a data-plane role of the account, not an Azure role).
COSMOS_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"
PURPOSES = {"agent-files": "AzureStorageAccount", "agent-vectors": "CognitiveSearch", "agent-threads": "CosmosDB"}


@pytest.fixture(scope="module")
def prod(rendered: dict[str, Rendering]) -> Rendering:
    return rendered["prod"]


@pytest.fixture(scope="module")
def public() -> Rendering:
    """Dev with the standard setup turned on: public networking, so no agent subnet and an explicit account host."""
    return render("dev", overrides={"agentSetup": {}})


def stores(rendering: Rendering) -> dict[str, Registration]:
    return {
        "storage": rendering.one(STORAGE_ACCOUNT),
        "search": rendering.one(SEARCH_SERVICE),
        "cosmos": rendering.one(COSMOS_ACCOUNT),
    }


def project_principals(rendering: Rendering) -> dict[str, str]:
    return {p.input("projectName"): p.state["identity"]["principalId"] for p in rendering.of_type(PROJECT)}


def test_the_stores_take_entra_tokens_only_and_no_public_traffic_in_prod(prod: Rendering) -> None:
    settings = settings_of("prod")
    names = settings.agent_data_names
    assert names is not None
    found = stores(prod)
    storage, search, cosmos = found["storage"], found["search"], found["cosmos"]
    assert storage.input("accountName") == naming.storage_account_name(
        settings.name_prefix, "prod", "prod", settings.location
    )
    assert (search.input("searchServiceName"), cosmos.input("accountName")) == (names.search, names.cosmos)
    assert storage.input("allowSharedKeyAccess") is False
    assert storage.input("allowBlobPublicAccess") is False
    assert storage.input("minimumTlsVersion") == "TLS1_2"
    assert storage.input("publicNetworkAccess") == "Disabled"
    assert storage.input("networkRuleSet.defaultAction") == "Deny"
    assert search.input("disableLocalAuth") is True and "authOptions" not in search.inputs
    assert search.input("publicNetworkAccess") == "Disabled"
    assert cosmos.input("disableLocalAuth") is True
    assert cosmos.input("minimalTlsVersion") == "Tls12"
    assert cosmos.input("publicNetworkAccess") == "Disabled"
    assert cosmos.input("locations") == [
        {"locationName": settings.location, "failoverPriority": 0, "isZoneRedundant": True}
    ]
    assert all(store.protect for store in found.values())


def test_each_store_has_a_private_endpoint_registered_in_its_zone(prod: Rendering) -> None:
    zones = {"storage": ("blob", "privatelink.blob.core.windows.net")}
    zones |= {"search": ("searchService", "privatelink.search.windows.net")}
    zones |= {"cosmos": ("Sql", "privatelink.documents.azure.com")}
    for label, store in stores(prod).items():
        group_id, zone = zones[label]
        (endpoint,) = [
            e
            for e in prod.of_type(PRIVATE_ENDPOINT)
            if e.input("privateLinkServiceConnections")[0]["privateLinkServiceId"] == store.id
        ]
        assert endpoint.input("privateLinkServiceConnections")[0]["groupIds"] == [group_id]
        zone_group = next(
            g
            for g in prod.of_type("azure-native:network:PrivateDnsZoneGroup")
            if g.input("privateEndpointName") == endpoint.input("privateEndpointName")
        )
        assert [c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in zone_group.input("privateDnsZoneConfigs")] == [zone]


def test_each_project_connects_to_the_three_stores_with_entra(prod: Rendering) -> None:
    found = stores(prod)
    targets = {"agent-files": found["storage"], "agent-vectors": found["search"], "agent-threads": found["cosmos"]}
    for project in project_principals(prod):
        for purpose, category in PURPOSES.items():
            (connection,) = [c for c in prod.of_type(CONNECTION) if c.input("connectionName") == f"{project}-{purpose}"]
            assert connection.input("projectName") == project
            assert connection.input("properties.authType") == "AAD"
            assert connection.input("properties.category") == category
            assert connection.input("properties.metadata.ResourceId") == targets[purpose].id
    names = [c.input("connectionName").lower() for c in prod.of_type(CONNECTION)]
    assert len(names) == len(set(names))  # unique across the account, two projects and all


def test_capability_hosts_come_after_connections_grants_and_endpoints(prod: Rendering) -> None:
    principals = project_principals(prod)
    endpoints = [e for e in prod.of_type(PRIVATE_ENDPOINT) if "agent-data" in e.name]
    assert prod.of_type(ACCOUNT_CAPABILITY_HOST) == []  # the injected account gets its own from the service
    for project, principal in principals.items():
        (host,) = [h for h in prod.of_type(PROJECT_CAPABILITY_HOST) if h.input("projectName") == project]
        assert host.input("projectCapabilityHostProperties") == {
            "storageConnections": [f"{project}-agent-files"],
            "vectorStoreConnections": [f"{project}-agent-vectors"],
            "threadStorageConnections": [f"{project}-agent-threads"],
        }
        for connection in (
            c for c in prod.of_type(CONNECTION) if c.input("connectionName").startswith(f"{project}-agent")
        ):
            assert prod.waits_for(host, connection), connection.name
        before = [
            g
            for g in prod.of_type(ROLE_ASSIGNMENT)
            if g.input("principalId") == principal and g.input("roleDefinitionId").rsplit("/", 1)[-1] in BEFORE_HOSTS
        ]
        assert {g.input("roleDefinitionId").rsplit("/", 1)[-1] for g in before} == set(BEFORE_HOSTS)
        assert all(prod.waits_for(host, grant) for grant in before)
        assert all(prod.waits_for(host, endpoint) for endpoint in endpoints)
        # Azure cannot update a capability host: any change replaces it, the old one deleted first.
        assert (host.replace_on_changes, host.delete_before_replace) == (["*"], True)


def test_the_grants_that_need_the_hosts_come_after_them(prod: Rendering) -> None:
    found = stores(prod)
    for project, principal in project_principals(prod).items():
        (host,) = [h for h in prod.of_type(PROJECT_CAPABILITY_HOST) if h.input("projectName") == project]
        (owner,) = [
            g
            for g in prod.of_type(ROLE_ASSIGNMENT)
            if g.input("principalId") == principal
            and g.input("roleDefinitionId").rsplit("/", 1)[-1] == STORAGE_BLOB_DATA_OWNER
        ]
        assert owner.input("scope") == found["storage"].id and owner.input("principalType") == "ServicePrincipal"
        assert owner.input("conditionVersion") == "2.0"
        assert "StringLikeIgnoreCase '*-azureml-agent'" in owner.input("condition")
        assert prod.waits_for(owner, host)
        (database,) = [g for g in prod.of_type(COSMOS_SQL_ROLE_ASSIGNMENT) if g.input("principalId") == principal]
        cosmos = found["cosmos"].id
        assert database.input("roleDefinitionId") == f"{cosmos}/sqlRoleDefinitions/{COSMOS_DATA_CONTRIBUTOR}"
        assert database.input("scope") == f"{cosmos}/dbs/enterprise_memory"
        assert prod.waits_for(database, host)


def test_in_public_mode_the_account_gets_its_host_first(public: Rendering) -> None:
    (account_host,) = public.of_type(ACCOUNT_CAPABILITY_HOST)
    assert account_host.input("capabilityHostProperties") == {"capabilityHostKind": "Agents"}
    assert public.waits_for(account_host, public.one(ACCOUNT))
    for host in public.of_type(PROJECT_CAPABILITY_HOST):
        # ... and `pulumi destroy` removes the projects' hosts before it.
        assert public.waits_for(host, account_host)
    storage = public.one(STORAGE_ACCOUNT)
    assert storage.input("publicNetworkAccess") == "Enabled" and storage.input("allowSharedKeyAccess") is False
    assert public.one(COSMOS_ACCOUNT).input("locations")[0]["isZoneRedundant"] is False


def test_turned_on_the_plan_passes(prod: Rendering, public: Rendering, bootstrapped: dict[str, Rendering]) -> None:
    assert plan_findings(prod, bootstrapped["prod"]) == []
    assert plan_findings(public, bootstrapped["dev"]) == []


def test_off_by_default(rendered: dict[str, Rendering]) -> None:
    for stack in ("dev", "staging"):
        rendering = rendered[stack]
        assert settings_of(stack).agent_setup is None
        for kind in (
            STORAGE_ACCOUNT,
            SEARCH_SERVICE,
            COSMOS_ACCOUNT,
            PROJECT_CAPABILITY_HOST,
            COSMOS_SQL_ROLE_ASSIGNMENT,
        ):
            assert rendering.of_type(kind) == [], (stack, kind)


@pytest.mark.parametrize(
    ("stack", "overrides", "key", "says"),
    [
        # Private without the agent subnet: the agent runtime could not reach the private stores.
        ("prod", {"network": {}}, "agentSetup", "set network.agentSubnetInjection: true"),
        # The setup does not open prod: prod stays private whatever else is set.
        ("prod", {"networkAccess": "public", "network": None}, "networkAccess", "prod allows only 'private'"),
        # Another environment's store, named in prod's stack file.
        (
            "prod",
            {"agentSetup": {"cosmosAccountName": "cosmos-fndry-dev-a1b2c3"}},
            "agentSetup.cosmosAccountName",
            "another environment",
        ),
        ("prod", {"agentSetup": {"storageAccountName": "Stfndry"}}, "agentSetup.storageAccountName", "lowercase"),
    ],
)
def test_bad_config_is_refused_before_anything_is_made(stack: str, overrides: dict, key: str, says: str) -> None:
    problem = refused_config_problem(lambda: render(stack, overrides=overrides), key)
    assert says in problem, problem


def test_a_hub_may_bring_the_stores_zones_too() -> None:
    """With every zone from the hub (network.existingDnsZoneIds, the web app's too), prod creates no zone and no
    link; the stores' endpoints (and the web app's) register in the hub's zones."""
    hub = "/subscriptions/00000000-0000-4000-8000-00000000000a/resourceGroups/rg-hub/providers/Microsoft.Network/privateDnsZones"
    zones = {
        "cognitiveServices": "privatelink.cognitiveservices.azure.com",
        "openAi": "privatelink.openai.azure.com",
        "aiServices": "privatelink.services.ai.azure.com",
        "keyVault": "privatelink.vaultcore.azure.net",
        "storageBlob": "privatelink.blob.core.windows.net",
        "search": "privatelink.search.windows.net",
        "cosmos": "privatelink.documents.azure.com",
        "webApps": "privatelink.azurewebsites.net",
    }
    ids = {key: f"{hub}/{zone}" for key, zone in zones.items()}
    prod = render("prod", overrides={"network": {"agentSubnetInjection": True, "existingDnsZoneIds": ids}})
    assert prod.of_type("azure-native:privatedns:PrivateZone") == []
    assert prod.of_type("azure-native:privatedns:VirtualNetworkLink") == []
    used = {
        config["privateDnsZoneId"]
        for group in prod.of_type("azure-native:network:PrivateDnsZoneGroup")
        for config in group.input("privateDnsZoneConfigs")
    }
    assert used == set(ids.values())


def _hosts_program(vector_store: str, replaced_whole: bool) -> None:
    """An account, a project, the account's and the project's capability host naming `vector_store`."""
    account = cognitiveservices.Account(
        "acct", account_name="acct-dev", resource_group_name="rg", kind="AIServices", sku={"name": "S0"}
    )
    project = cognitiveservices.Project(
        "agents", account_name=account.name, project_name="agents", resource_group_name="rg"
    )
    account_host = cognitiveservices.AccountCapabilityHost(
        "account-host",
        account_name=account.name,
        resource_group_name="rg",
        capability_host_name="agents",
        capability_host_properties={"capability_host_kind": "Agents"},
        opts=pulumi.ResourceOptions(depends_on=[project]),
    )
    options = pulumi.ResourceOptions(depends_on=[account_host])
    if replaced_whole:
        options = pulumi.ResourceOptions.merge(
            options, pulumi.ResourceOptions(replace_on_changes=["*"], delete_before_replace=True)
        )
    cognitiveservices.ProjectCapabilityHost(
        "project-host",
        account_name=account.name,
        project_name=project.name,
        resource_group_name="rg",
        capability_host_name="agents",
        project_capability_host_properties={"vector_store_connections": [vector_store]},
        opts=options,
    )


@pytest.mark.parametrize("replaced_whole", [True, False])
def test_a_changed_capability_host_is_replaced_deleting_first_never_updated(replaced_whole: bool) -> None:
    """How the program declares its hosts (replace on any change, delete first) against the naive declaration:
    Azure refuses to update a capability host, so the rehearsal blocks the update the naive one would send."""
    rehearsal = rehearse(
        render("dev", program=lambda: _hosts_program("agents-agent-vectors", replaced_whole)),
        lambda recreated: render(
            "dev", program=lambda: _hosts_program("agents-agent-search", replaced_whole), recreated=recreated
        ),
        "name another vector store connection",
    )
    (step,) = [s for s in rehearsal.steps if s.name == "project-host"]
    if replaced_whole:
        assert (step.action, step.order, step.blocked) == ("replace", DELETE_FIRST, ())
        assert step.consequences == (
            "the project's agents cannot run until the new capability host exists (their data stays in the "
            "environment's stores)",
        )
    else:
        assert step.action == "update"
        assert step.blocked and "Azure refuses to change" in step.blocked[0]
