"""Network isolation for a private environment: the VNet (or existing subnets), private DNS and private endpoints.

Two components, because the Foundry account sits between them: `PrivateNetwork` (VNet, subnets, DNS zones and
their links, and with `network.runnerVnetId` the peering with the pipeline runners' VNet and the zones' links to it)
exists before the account, which may inject its agent runtime into one of its subnets;
`PrivateEndpoints` (one endpoint each for the account and the vault, with their DNS zone groups) comes after
the account and everything that must finish on it first. Nothing here is created in public mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cognitiveservices, keyvault, privatedns
from pulumi_azure_native import network as net

from components import naming
from components.catalogue import dns_zones, subnets
from components.catalogue.dns_zones import PrivateLinkTarget
from components.ordering import SerialWrites
from components.settings import Placement
from components.settings.network import NetworkConfig

# Private DNS zones are global resources whatever region the VNet is in.
DNS_ZONE_LOCATION = "global"
ZONE_GROUP_NAME = "default"


def vnet_id_of(subnet_id: str) -> str:
    """The id of the VNet a subnet belongs to: the subnet id without its `/subnets/<name>` tail."""
    return subnet_id[: subnet_id.lower().rindex("/subnets/")]


def _vnet_name_of(vnet_id: str) -> str:
    return vnet_id.rsplit("/", 1)[-1]


def _group_of(resource_id: str) -> str:
    """The resource group in an ARM id (`/subscriptions/<id>/resourceGroups/<group>/...`)."""
    parts = resource_id.split("/")
    return parts[[part.lower() for part in parts].index("resourcegroups") + 1]


# Names Azure allows a peering (1-80 characters; Learn, "Naming rules and restrictions for Azure resources").
PEERING_NAME_MAX = 80


@dataclass(frozen=True)
class PrivateNetworkArgs:
    placement: Placement
    network: NetworkConfig
    resource_group_name: pulumi.Input[str]
    # The zones the environment's endpoints register in: the account's and the vault's, and with the standard agent
    # setup those of its Storage, AI Search and Cosmos DB.
    zones: tuple[dns_zones.PrivateDnsZone, ...] = dns_zones.BASE_ZONES


class PrivateNetwork(pulumi.ComponentResource):
    """Where private endpoints live, where the web app's outbound traffic enters, and how names resolve."""

    vnet: net.VirtualNetwork | None
    private_endpoint_subnet_id: pulumi.Output[str]
    app_integration_subnet_id: pulumi.Output[str]
    agent_subnet_id: pulumi.Output[str] | None
    zones: dict[str, privatedns.PrivateZone]  # zone name -> zone this program created
    zone_ids: dict[str, pulumi.Output[str]]  # zone name -> id, created or existing, for every catalogue zone
    zone_links: list[privatedns.VirtualNetworkLink]  # every link of a created zone, the runner VNet's included
    peerings: list[net.VirtualNetworkPeering]  # with network.runnerVnetId: to the runner VNet, then back

    def __init__(self, name: str, args: PrivateNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:PrivateNetwork", name, None, opts)
        place = args.placement
        network = args.network
        tags = place.tags

        self.vnet = None
        existing = network.existing
        if existing is None:
            prefixes = network.prefixes
            # Subnets inline in the VNet: one PUT, so no parallel subnet operations on the same VNet
            # (Azure refuses those with AnotherOperationInProgress) and no ordering to manage.
            subnet_specs: list[net.SubnetArgsDict] = [
                {
                    "name": subnets.PRIVATE_ENDPOINT_SUBNET_NAME,
                    "address_prefix": prefixes.private_endpoint,
                    "private_endpoint_network_policies": net.VirtualNetworkPrivateEndpointNetworkPolicies.DISABLED,
                },
                {
                    "name": subnets.APP_INTEGRATION_SUBNET_NAME,
                    "address_prefix": prefixes.app_integration,
                    "delegations": [{"name": "app-service", "service_name": subnets.APP_SERVICE_DELEGATION}],
                },
            ]
            if prefixes.agent is not None:
                subnet_specs.append(
                    {
                        "name": subnets.AGENT_SUBNET_NAME,
                        "address_prefix": prefixes.agent,
                        "delegations": [{"name": "foundry-agents", "service_name": subnets.AGENT_DELEGATION}],
                    }
                )
            self.vnet = net.VirtualNetwork(
                f"{name}-vnet",
                virtual_network_name=naming.virtual_network_name(place.name_prefix, place.instance),
                resource_group_name=args.resource_group_name,
                location=place.location,
                address_space={"address_prefixes": list(network.address_space)},
                subnets=subnet_specs,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            vnet_id = self.vnet.id

            def subnet_id(subnet_name: str) -> pulumi.Output[str]:
                return vnet_id.apply(lambda vid: f"{vid}/subnets/{subnet_name}")

            self.private_endpoint_subnet_id = subnet_id(subnets.PRIVATE_ENDPOINT_SUBNET_NAME)
            self.app_integration_subnet_id = subnet_id(subnets.APP_INTEGRATION_SUBNET_NAME)
            self.agent_subnet_id = subnet_id(subnets.AGENT_SUBNET_NAME) if prefixes.agent is not None else None
            vnet_name = naming.virtual_network_name(place.name_prefix, place.instance)
            linked_vnets: list[tuple[str, pulumi.Input[str]]] = [(vnet_name, vnet_id)]
        else:
            self.private_endpoint_subnet_id = pulumi.Output.from_input(existing["privateEndpoint"])
            self.app_integration_subnet_id = pulumi.Output.from_input(existing["appIntegration"])
            agent = existing.get("agent")
            self.agent_subnet_id = pulumi.Output.from_input(agent) if agent is not None else None
            # Created zones are linked to every VNet a caller or an endpoint sits in.
            ids = list(existing.values())
            linked_vnets = []
            seen: set[str] = set()
            for vid in (vnet_id_of(i) for i in ids):
                if vid.lower() in seen:
                    continue
                seen.add(vid.lower())
                label = _vnet_name_of(vid)
                if any(label == taken for taken, _ in linked_vnets):  # same VNet name in another group
                    label = f"{label}-{len(linked_vnets)}"
                linked_vnets.append((label, vid))

        self.zones = {}
        self.zone_links = []
        self.zone_ids = {}
        for zone in args.zones:
            existing_zone_id = network.zone_ids.get(zone.name)
            if existing_zone_id is not None:
                # Managed elsewhere (usually a hub): used as given; linking it is that owner's job.
                self.zone_ids[zone.name] = pulumi.Output.from_input(existing_zone_id)
                continue
            created = privatedns.PrivateZone(
                f"{name}-zone-{zone.key}",
                private_zone_name=zone.name,
                resource_group_name=args.resource_group_name,
                location=DNS_ZONE_LOCATION,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.zones[zone.name] = created
            self.zone_ids[zone.name] = created.id
            for vnet_label, linked_vnet_id in linked_vnets:
                self.zone_links.append(
                    self._link(f"{name}-link-{zone.key}-{vnet_label}", vnet_label, created, linked_vnet_id, args)
                )

        self.peerings = []
        if network.runner_vnet_id is not None and self.vnet is not None:
            self._reach_runners(name, args, network.runner_vnet_id, self.vnet)

        self.register_outputs(
            {
                "privateEndpointSubnetId": self.private_endpoint_subnet_id,
                "appIntegrationSubnetId": self.app_integration_subnet_id,
                "privateDnsZoneIds": self.zone_ids,
            }
        )

    def _link(
        self,
        resource_name: str,
        vnet_label: str,
        zone: privatedns.PrivateZone,
        vnet_id: pulumi.Input[str],
        args: PrivateNetworkArgs,
        after: pulumi.Resource | None = None,
    ) -> privatedns.VirtualNetworkLink:
        """A zone's link to a VNet whose callers resolve through it."""
        return privatedns.VirtualNetworkLink(
            resource_name,
            virtual_network_link_name=f"link-{vnet_label}",
            private_zone_name=zone.name,
            resource_group_name=args.resource_group_name,
            location=DNS_ZONE_LOCATION,
            virtual_network={"id": vnet_id},
            # Only the endpoints' zone groups write records; VMs must not auto-register here.
            registration_enabled=False,
            tags=args.placement.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[after] if after else None),
        )

    def _reach_runners(
        self, name: str, args: PrivateNetworkArgs, runner_vnet_id: str, vnet: net.VirtualNetwork
    ) -> None:
        """Peer the environment's VNet with the pipeline runners' VNet (the bootstrap's, in the same resource group)
        both ways, and link every zone created here to it, so that runners there reach the private endpoints and
        resolve their names to them.

        Azure peers two VNets only with a peering on each side (Learn, "Create, change, or delete a virtual network
        peering": the link is established once both are Connected); names in a peered VNet do not resolve through
        it, hence the zone links (same page, Requirements and constraints). Only virtual network access is allowed:
        no forwarded traffic, no gateway transit. One operation at a time on either VNet, because Azure refuses a
        peering while a VNet it refers to is still updating (ReferencedResourceNotProvisioned;
        terraform-provider-azurerm issue 2605, pull request 3392): the peering waits for the VNet and its own zone
        links, the way back for the peering, the runner VNet's links for both.
        """
        place = args.placement
        vnet_name = naming.virtual_network_name(place.name_prefix, place.instance)
        runner_name = _vnet_name_of(runner_vnet_id)

        def peer(
            resource_name: str,
            peering_name: str,
            vnet_name_input: pulumi.Input[str],
            group: pulumi.Input[str],
            remote_id: pulumi.Input[str],
            after: list[pulumi.Resource],
        ) -> net.VirtualNetworkPeering:
            return net.VirtualNetworkPeering(
                resource_name,
                virtual_network_peering_name=naming.bounded_name("to-{}", peering_name, PEERING_NAME_MAX),
                virtual_network_name=vnet_name_input,
                resource_group_name=group,
                remote_virtual_network={"id": remote_id},
                allow_virtual_network_access=True,
                allow_forwarded_traffic=False,
                allow_gateway_transit=False,
                use_remote_gateways=False,
                opts=pulumi.ResourceOptions(parent=self, depends_on=after),
            )

        to_runners = peer(
            f"{name}-peering-to-runners",
            runner_name,
            vnet.name,
            args.resource_group_name,
            runner_vnet_id,
            [vnet, *self.zone_links],
        )
        # The runner VNet's own group, as its id says: the bootstrap puts it in the environment's group, where the
        # deployer may write; anywhere else the offline rights check reports the missing actions.
        from_runners = peer(
            f"{name}-peering-from-runners", vnet_name, runner_name, _group_of(runner_vnet_id), vnet.id, [to_runners]
        )
        self.peerings = [to_runners, from_runners]
        for zone in args.zones:
            created = self.zones.get(zone.name)
            if created is None:
                continue  # an existing zone (network.existingDnsZoneIds): linked where it is managed
            self.zone_links.append(
                self._link(f"{name}-link-{zone.key}-runners", runner_name, created, runner_vnet_id, args, from_runners)
            )


@dataclass(frozen=True)
class PrivateEndpointsArgs:
    placement: Placement
    account_name: str
    vault_name: str
    resource_group_name: pulumi.Input[str]
    network: PrivateNetwork
    account: cognitiveservices.Account
    vault: keyvault.Vault
    # Approving the account's endpoint writes a private endpoint connection under the account, which takes
    # one write at a time: the endpoint is the last write of the account's chain.
    account_writes: SerialWrites


class PrivateEndpoints(pulumi.ComponentResource):
    """The account's and the vault's private endpoints, each registered in its private DNS zones."""

    account_endpoint: net.PrivateEndpoint
    account_zone_group: net.PrivateDnsZoneGroup
    vault_endpoint: net.PrivateEndpoint
    vault_zone_group: net.PrivateDnsZoneGroup

    def __init__(self, name: str, args: PrivateEndpointsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:PrivateEndpoints", name, None, opts)
        where = EndpointPlacement(args.placement, args.resource_group_name, args.network)
        self.account_endpoint, self.account_zone_group = private_endpoint(
            self,
            f"{name}-account",
            args.account_name,
            args.account.id,
            dns_zones.FOUNDRY_ACCOUNT,
            where,
            args.account_writes.options(self),
        )
        args.account_writes.add(self.account_endpoint)
        self.vault_endpoint, self.vault_zone_group = private_endpoint(
            self,
            f"{name}-vault",
            args.vault_name,
            args.vault.id,
            dns_zones.KEY_VAULT_VAULT,
            where,
            pulumi.ResourceOptions(parent=self, depends_on=[args.vault]),
        )
        self.register_outputs(
            {"accountPrivateEndpointId": self.account_endpoint.id, "vaultPrivateEndpointId": self.vault_endpoint.id}
        )


@dataclass(frozen=True)
class EndpointPlacement:
    """Where an environment's private endpoints go: its placement, its resource group, its private network."""

    placement: Placement
    resource_group_name: pulumi.Input[str]
    network: PrivateNetwork


def private_endpoint(
    parent: pulumi.Resource,
    resource_name: str,
    target_name: str,
    target_id: pulumi.Input[str],
    target: PrivateLinkTarget,
    where: EndpointPlacement,
    endpoint_options: pulumi.ResourceOptions,
) -> tuple[net.PrivateEndpoint, net.PrivateDnsZoneGroup]:
    """A private endpoint to one sub-resource of `target_id` in the endpoint subnet, and its DNS zone group, which
    writes the endpoint's records into the target's zones once the zones are linked to the networks."""
    endpoint_name = naming.private_endpoint_name(target_name, target.group_id)
    endpoint = net.PrivateEndpoint(
        resource_name,
        private_endpoint_name=endpoint_name,
        resource_group_name=where.resource_group_name,
        location=where.placement.location,
        subnet={"id": where.network.private_endpoint_subnet_id},
        custom_network_interface_name=f"{endpoint_name}-nic",
        private_link_service_connections=[
            {"name": endpoint_name, "private_link_service_id": target_id, "group_ids": [target.group_id]}
        ],
        tags=where.placement.tags,
        opts=endpoint_options,
    )
    zone_group = net.PrivateDnsZoneGroup(
        f"{resource_name}-dns",
        private_dns_zone_group_name=ZONE_GROUP_NAME,
        private_endpoint_name=endpoint.name,
        resource_group_name=where.resource_group_name,
        private_dns_zone_configs=[
            {"name": zone.name.replace(".", "-"), "private_dns_zone_id": where.network.zone_ids[zone.name]}
            for zone in target.zones
        ],
        # Records are written as soon as the group exists; with the links in place first, the names
        # resolve privately from the moment `pulumi up` reports the endpoint done.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(where.network.zone_links)),
    )
    return endpoint, zone_group
