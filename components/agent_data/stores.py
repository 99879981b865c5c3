"""Where agent data lives in the standard agent setup: the environment's Storage account, AI Search service and
Cosmos DB account.

Each accepts Entra tokens only (no shared key, no admin or query key, no account key), TLS 1.2 at least, and in
private mode no public network at all, reached through private endpoints in the environment's endpoint subnet.
Settings follow Microsoft's templates (foundry-samples bicep 15 `standard-dependent-resources.bicep`) where those
are already strict, and go further where they are not: AI Search there keeps its API keys (`aadOrApiKey`); here
they are off, since the project connections use Entra (`AAD`) and the projects' identities hold the Search data
roles.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cosmosdb, search, storage

from components.access import ScopeKind
from components.catalogue import dns_zones
from components.network import EndpointPlacement, private_endpoint
from components.rbac import Scope
from components.settings import Placement
from components.settings.agent_data import AgentSetup
from components.settings.stack import AgentDataNames
from components.storage_accounts import entra_only_storage_account


def _path(resource_group: str, provider_type: str, name: str) -> str:
    return f"resourceGroups/{resource_group}/providers/{provider_type}/{name}"


@dataclass(frozen=True)
class AgentDataStoresArgs:
    placement: Placement
    config: AgentSetup
    names: AgentDataNames
    private: bool
    resource_group_name: pulumi.Input[str]
    # Private mode: where the stores' private endpoints go (None in public mode).
    endpoints: EndpointPlacement | None = None


class AgentDataStores(pulumi.ComponentResource):
    storage_account: storage.StorageAccount
    search_service: search.Service
    cosmos_account: cosmosdb.DatabaseAccount
    scopes: dict[ScopeKind, Scope]  # where the role model grants on the stores
    # What a capability host must wait for in private mode: the endpoints and their DNS records.
    reachable: list[pulumi.Resource]

    def __init__(self, name: str, args: AgentDataStoresArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:AgentDataStores", name, None, opts)
        place = args.placement
        names = args.names
        private = args.private
        # Agent files, vectors and threads: as protected as the account in prod.
        kept = pulumi.ResourceOptions(parent=self, protect=place.protect)
        self.storage_account = entra_only_storage_account(
            f"{name}-storage",
            account_name=names.storage,
            resource_group_name=args.resource_group_name,
            location=place.location,
            sku=args.config.storage_sku,
            public_network_access=storage.PublicNetworkAccess.DISABLED
            if private
            else storage.PublicNetworkAccess.ENABLED,
            network_rule_set={
                "default_action": storage.DefaultAction.DENY if private else storage.DefaultAction.ALLOW,
                # Microsoft's templates keep AzureServices: the agent service's trusted path to its files.
                "bypass": storage.Bypass.AZURE_SERVICES,
                "ip_rules": [],
                "virtual_network_rules": [],
            },
            tags=place.tags,
            opts=kept,
        )
        self.search_service = search.Service(
            f"{name}-search",
            search_service_name=names.search,
            resource_group_name=args.resource_group_name,
            location=place.location,
            sku={"name": args.config.search_sku},
            replica_count=1,
            partition_count=1,
            hosting_mode=search.HostingMode.DEFAULT,
            disable_local_auth=True,  # no admin or query keys: Entra only (and then authOptions must be absent)
            public_network_access="Disabled" if private else "Enabled",
            network_rule_set={"bypass": "None", "ip_rules": []},
            identity={"type": search.IdentityType.SYSTEM_ASSIGNED},
            tags=place.tags,
            opts=kept,
        )
        self.cosmos_account = cosmosdb.DatabaseAccount(
            f"{name}-cosmos",
            account_name=names.cosmos,
            resource_group_name=args.resource_group_name,
            location=place.location,
            kind=cosmosdb.DatabaseAccountKind.GLOBAL_DOCUMENT_DB,
            database_account_offer_type=cosmosdb.DatabaseAccountOfferType.STANDARD,
            locations=[
                {
                    "location_name": place.location,
                    "failover_priority": 0,
                    "is_zone_redundant": args.config.cosmos_zone_redundant,
                }
            ],
            consistency_policy={"default_consistency_level": cosmosdb.DefaultConsistencyLevel.SESSION},
            disable_local_auth=True,  # no account keys: Entra only
            disable_key_based_metadata_write_access=True,
            minimal_tls_version=cosmosdb.MinimalTlsVersion.TLS12,
            public_network_access="Disabled" if private else "Enabled",
            enable_free_tier=False,
            enable_automatic_failover=False,
            enable_multiple_write_locations=False,
            tags=place.tags,
            opts=kept,
        )
        group = place.resource_group_name
        self.scopes: dict[ScopeKind, Scope] = {
            "Storage account": Scope(
                _path(group, "Microsoft.Storage/storageAccounts", names.storage), self.storage_account.id
            ),
            "AI Search service": Scope(
                _path(group, "Microsoft.Search/searchServices", names.search), self.search_service.id
            ),
            "Cosmos DB account": Scope(
                _path(group, "Microsoft.DocumentDB/databaseAccounts", names.cosmos), self.cosmos_account.id
            ),
        }
        self.reachable = []
        if args.endpoints is not None:
            for label, target_name, target, target_resource in (
                ("storage", names.storage, dns_zones.STORAGE_BLOB_SERVICE, self.storage_account),
                ("search", names.search, dns_zones.SEARCH_SERVICE, self.search_service),
                ("cosmos", names.cosmos, dns_zones.COSMOS_SQL_API, self.cosmos_account),
            ):
                endpoint, zone_group = private_endpoint(
                    self,
                    f"{name}-{label}-endpoint",
                    target_name,
                    target_resource.id,
                    target,
                    args.endpoints,
                    pulumi.ResourceOptions(parent=self),
                )
                self.reachable += [endpoint, zone_group]
        self.register_outputs(
            {
                "storageAccountName": self.storage_account.name,
                "searchServiceName": self.search_service.name,
                "cosmosAccountName": self.cosmos_account.name,
            }
        )
