"""Each project's connections to the environment's agent data stores, and the capability hosts that name them.

Order, as Microsoft's templates and Learn give it (foundry-samples bicep 15/41; Learn "Capability hosts"):
1. the three connections of each project (Entra auth; names unique across the account);
2. the project identities' grants on the stores that the capability host needs (role model, before);
3. in public mode the account's capability host (kind Agents); in private mode the service makes it itself when the
   account injects its agent runtime into a subnet, and a second one is refused (409);
4. each project's capability host, naming one connection of each kind;
5. the grants that need the capability host (role model, after; and the Cosmos data role, `grants.py`).

Every write here is under the Foundry account, so each joins the account's one chain. A capability host cannot be
updated (Learn: "delete the existing one and recreate it"), and there is one per scope: any change replaces it,
deleting first. Its removal waits for Azure's long-running delete, and `pulumi destroy` removes the projects'
before the account's, since each project's host depends on the account's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cognitiveservices

from components import naming
from components.agent_data.stores import AgentDataStores
from components.catalogue import agent_data
from components.catalogue.connections import CONNECTION_KINDS, ConnectionKind
from components.ordering import SerialWrites
from components.settings import Placement


def agent_connection_names(project: str) -> dict[str, str]:
    """The project's three connection names by store: `<project>-agent-files`, `-agent-vectors`, `-agent-threads`."""
    return {
        purpose: naming.project_connection_name(project, purpose) for purpose in agent_data.AGENT_CONNECTION_PURPOSES
    }


@dataclass(frozen=True)
class AgentCapabilityHostsArgs:
    placement: Placement
    resource_group_name: pulumi.Input[str]
    account: cognitiveservices.Account
    projects: dict[str, cognitiveservices.Project]
    stores: AgentDataStores
    # True when the account injects its agent runtime into a subnet: the service makes the account's host.
    injected: bool
    account_writes: SerialWrites
    # Each project identity's grants its capability host needs first (role model, before the hosts), by project.
    grants: Mapping[str, Sequence[pulumi.Resource]]


class AgentCapabilityHosts(pulumi.ComponentResource):
    connections: dict[tuple[str, str], cognitiveservices.ProjectConnection]  # (project, purpose) -> connection
    account_host: cognitiveservices.AccountCapabilityHost | None
    project_hosts: dict[str, cognitiveservices.ProjectCapabilityHost]

    def __init__(self, name: str, args: AgentCapabilityHostsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:AgentCapabilityHosts", name, None, opts)
        writes = args.account_writes
        stores = args.stores
        kinds = {kind.arm_type: kind for kind in CONNECTION_KINDS}
        # purpose -> (kind, the store's id, its name)
        targets: dict[str, tuple[ConnectionKind, pulumi.Output[str], pulumi.Output[str]]] = {
            agent_data.STORAGE_PURPOSE: (
                kinds["Microsoft.Storage/storageAccounts"],
                stores.storage_account.id,
                stores.storage_account.name,
            ),
            agent_data.SEARCH_PURPOSE: (
                kinds["Microsoft.Search/searchServices"],
                stores.search_service.id,
                stores.search_service.name,
            ),
            agent_data.COSMOS_PURPOSE: (
                kinds["Microsoft.DocumentDB/databaseAccounts"],
                stores.cosmos_account.id,
                stores.cosmos_account.name,
            ),
        }
        self.connections = {}
        for project_name, project in args.projects.items():
            for purpose, connection_name in agent_connection_names(project_name).items():
                kind, target_id, target_name = targets[purpose]
                self.connections[(project_name, purpose)] = writes.add(
                    cognitiveservices.ProjectConnection(
                        f"{name}-{project_name}-{purpose}",
                        account_name=args.account.name,
                        project_name=project.name,
                        resource_group_name=args.resource_group_name,
                        connection_name=connection_name,
                        properties=cognitiveservices.AADAuthTypeConnectionPropertiesArgs(
                            auth_type=kind.auth_type,
                            category=kind.category,
                            target=target_name.apply(
                                lambda store, template=kind.endpoint_template: template.format(name=store)
                            ),
                            is_shared_to_all=False,  # the project's own; other projects have theirs
                            metadata={
                                "ApiType": "Azure",
                                "ResourceId": target_id,
                                "location": args.placement.location,
                            },
                        ),
                        opts=writes.options(self),
                    )
                )

        replaced_whole = pulumi.ResourceOptions(replace_on_changes=["*"], delete_before_replace=True)
        self.account_host = None
        if not args.injected:
            self.account_host = writes.add(
                cognitiveservices.AccountCapabilityHost(
                    f"{name}-account-host",
                    account_name=args.account.name,
                    resource_group_name=args.resource_group_name,
                    capability_host_name=agent_data.ACCOUNT_CAPABILITY_HOST,
                    capability_host_properties={"capability_host_kind": agent_data.CAPABILITY_HOST_KIND},
                    opts=pulumi.ResourceOptions.merge(writes.options(self), replaced_whole),
                )
            )
        self.project_hosts = {}
        for project_name, project in args.projects.items():
            names = agent_connection_names(project_name)
            waits_for = [*args.grants.get(project_name, ()), *stores.reachable]
            self.project_hosts[project_name] = writes.add(
                cognitiveservices.ProjectCapabilityHost(
                    f"{name}-{project_name}-host",
                    account_name=args.account.name,
                    project_name=project.name,
                    resource_group_name=args.resource_group_name,
                    capability_host_name=agent_data.PROJECT_CAPABILITY_HOST,
                    # Exactly one connection of each kind (the service accepts no more).
                    project_capability_host_properties={
                        "storage_connections": [names[agent_data.STORAGE_PURPOSE]],
                        "vector_store_connections": [names[agent_data.SEARCH_PURPOSE]],
                        "thread_storage_connections": [names[agent_data.COSMOS_PURPOSE]],
                    },
                    opts=pulumi.ResourceOptions.merge(writes.options(self, depends_on=waits_for), replaced_whole),
                )
            )
        self.register_outputs({"capabilityHosts": list(self.project_hosts)})
