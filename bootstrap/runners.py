"""RunnerNetwork: where the pipeline's runners sit inside Azure, so that they reach prod's private endpoints.

Prod's Foundry resource and Key Vault refuse public traffic, so whatever calls their data planes from the pipeline
(the post-deploy smoke test, agent deployments) must run inside a network that resolves and reaches their private
endpoints. The bootstrap builds that network before the prod stack's first deploy and without reading it:
- a VNet `vnet-<prefix>-<stack>-runners` in the environment's resource group, where the main stack's deployer
  (Contributor there) peers it with the environment's VNet and links the private DNS zones to it
  (`network.runnerVnetId`, components/network.py);
- its subnet `snet-runners` (the range's first half) behind an NSG that lets out HTTPS only, with service
  endpoints for Storage and Key Vault when the state backend is restricted to it (`stateNetwork`);
- `github-hosted`: the subnet delegated to GitHub.Network/networkSettings and that resource `ghns-<prefix>-<stack>`,
  whose `GitHubId` tag the organization's network configuration in GitHub asks for; `self-hosted`: the subnet only,
  for your own runner VMs or scale set;
- with `bastion`: Azure Bastion (Basic) in `AzureBastionSubnet` (the range's last /26) with its Standard public IP.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network as net
from pulumi_azure_native import resources

from bootstrap import catalogue
from bootstrap.settings import BootstrapSettings, RunnerNetworkConfig
from components.catalogue import subnets


# Outbound rules of the runner subnet. GitHub documents the minimal set for GitHub-hosted runners in a VNet as
# HTTPS to the VNet, HTTPS to the Actions service's and GitHub's addresses, and HTTPS to Storage; an earlier version
# of the same template ended with a rule denying all other traffic to the internet (GitHub docs, "Configuring
# private networking for GitHub-hosted runners in your organization", actions-nsg-deployment.bicep; github/docs
# data/reusables/actions azure-vnet procedure, DenyInternetOutBoundOverwrite at priority 400). Here the address
# lists become the `Internet` service tag on port 443: GitHub changes those lists, and a pipeline job also reaches
# Entra ID, Azure Resource Manager, the state account, the secrets vault and package indexes, all over HTTPS.
# `VirtualNetwork` covers peered VNets (Learn, "Create, change, or delete a virtual network peering": the
# VirtualNetwork tag encompasses the peered network), so prod's private endpoints stay reachable.
def _outbound(
    name: str, priority: int, protocol: str, destination: str, port: str, access: str
) -> net.SecurityRuleArgsDict:
    return {
        "name": name,
        "priority": priority,
        "direction": "Outbound",
        "protocol": protocol,
        "source_address_prefix": "*",
        "source_port_range": "*",
        "destination_address_prefix": destination,
        "destination_port_range": port,
        "access": access,
    }


OUTBOUND_RULES: tuple[net.SecurityRuleArgsDict, ...] = (
    _outbound("allow-https-to-virtual-network", 200, "Tcp", "VirtualNetwork", "443", "Allow"),
    _outbound("allow-https-to-internet", 210, "*", "Internet", "443", "Allow"),
    _outbound("deny-other-internet", 400, "*", "Internet", "*", "Deny"),
)


@dataclass(frozen=True)
class RunnerNetworkArgs:
    settings: BootstrapSettings
    runner_network: RunnerNetworkConfig
    resource_group_name: pulumi.Input[str]


class RunnerNetwork(pulumi.ComponentResource):
    vnet: net.VirtualNetwork
    nsg: net.NetworkSecurityGroup
    runner_subnet_id: pulumi.Output[str]
    network_settings: resources.Resource | None
    github_id: pulumi.Output[str | None] | None
    bastion: net.BastionHost | None
    bastion_public_ip: net.PublicIPAddress | None

    def __init__(self, name: str, args: RunnerNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:RunnerNetwork", name, None, opts)
        s = args.settings
        runners = args.runner_network
        prefix, instance, location, tags = s.name_prefix, s.instance, s.location, s.resource_tags
        group = args.resource_group_name
        child = pulumi.ResourceOptions(parent=self)
        github_hosted = runners.kind == "github-hosted"

        self.nsg = net.NetworkSecurityGroup(
            f"{name}-nsg",
            network_security_group_name=f"nsg-{prefix}-{instance}-runners",
            resource_group_name=group,
            location=location,
            security_rules=list(OUTBOUND_RULES),
            tags=tags,
            opts=child,
        )

        runner_subnet: net.SubnetArgsDict = {
            "name": subnets.RUNNER_SUBNET_NAME,
            "address_prefix": runners.runner_subnet,
            "network_security_group": {"id": self.nsg.id},
            # Runners reach GitHub and Azure's public endpoints (limited to HTTPS by the NSG). Stated because
            # subnets of new VNets are private by default from network API version 2025-07-01 on (Learn, "Default
            # outbound access in Azure"); azure-native 3.29 sends 2024-05-01, where the default is the same as this.
            "default_outbound_access": True,
        }
        if s.state_network.access == "restricted":
            # The state account's and the secrets vault's firewalls admit this subnet by its service endpoints
            # (bootstrap/state.py). Microsoft.Storage covers accounts in the VNet's own region, where the state is.
            runner_subnet["service_endpoints"] = [{"service": service} for service in subnets.STATE_SERVICE_ENDPOINTS]
        if github_hosted:
            runner_subnet["delegations"] = [
                {"name": "github-runners", "service_name": subnets.GITHUB_RUNNER_DELEGATION}
            ]
        subnet_specs = [runner_subnet]
        if runners.bastion:
            subnet_specs.append({"name": subnets.BASTION_SUBNET_NAME, "address_prefix": runners.bastion_subnet})
        # Subnets inline in the VNet: one PUT, no parallel subnet operations on it (as components/network.py does).
        self.vnet = net.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=s.runner_vnet_name,
            resource_group_name=group,
            location=location,
            address_space={"address_prefixes": [runners.address_space]},
            subnets=subnet_specs,
            tags=tags,
            opts=child,
        )
        self.runner_subnet_id = self.vnet.id.apply(lambda vnet_id: f"{vnet_id}/subnets/{subnets.RUNNER_SUBNET_NAME}")

        self.network_settings = None
        self.github_id = None
        if github_hosted:
            # azure-native has no typed resource for GitHub.Network, so the generic one, as GitHub's own script
            # creates it. The provider adds its GitHubId tag at creation: keeping `tags` out of later updates keeps
            # the program from writing that tag away (as azapi users do with `ignore_changes = [tags]`, e.g.
            # MonsieurDahlstrom/azure-skyffel lib/network/github-runners.js). Changed tags in the stack file therefore
            # do not reach this one resource.
            self.network_settings = resources.Resource(
                f"{name}-github-network-settings",
                resource_group_name=group,
                resource_provider_namespace=catalogue.GITHUB_NETWORK_NAMESPACE,
                parent_resource_path="",
                resource_type=catalogue.GITHUB_NETWORK_SETTINGS_TYPE,
                resource_name_=f"ghns-{prefix}-{instance}",
                api_version=catalogue.GITHUB_NETWORK_SETTINGS_API_VERSION,
                location=location,
                properties={"subnetId": self.runner_subnet_id, "businessId": runners.github_database_id},
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["tags"]),
            )
            self.github_id = self.network_settings.tags.apply(lambda given: (given or {}).get(catalogue.GITHUB_ID_TAG))

        self.bastion = None
        self.bastion_public_ip = None
        if runners.bastion:
            self.bastion_public_ip = net.PublicIPAddress(
                f"{name}-bastion-ip",
                public_ip_address_name=f"pip-{prefix}-{instance}-bastion",
                resource_group_name=group,
                location=location,
                sku={"name": catalogue.BASTION_PUBLIC_IP_SKU, "tier": "Regional"},
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                tags=tags,
                opts=child,
            )
            bastion_subnet_id = self.vnet.id.apply(lambda vnet_id: f"{vnet_id}/subnets/{subnets.BASTION_SUBNET_NAME}")
            # After the network settings resource: both change subnets of the same VNet, and Azure refuses an
            # operation on a VNet that is still updating (ReferencedResourceNotProvisioned; terraform-provider-azurerm
            # issue 2605 and pull request 3392).
            after = [self.network_settings] if self.network_settings is not None else []
            self.bastion = net.BastionHost(
                f"{name}-bastion",
                bastion_host_name=f"bas-{prefix}-{instance}",
                resource_group_name=group,
                location=location,
                sku={"name": catalogue.BASTION_SKU},
                ip_configurations=[
                    {
                        "name": "bastion",
                        "subnet": {"id": bastion_subnet_id},
                        "public_ip_address": {"id": self.bastion_public_ip.id},
                    }
                ],
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=after),
            )

        self.outputs: dict[str, pulumi.Input[object]] = {
            "runnerNetworkKind": runners.kind,
            # The main stack's network.runnerVnetId.
            "runnerVnetId": self.vnet.id,
            "runnerSubnetId": self.runner_subnet_id,
        }
        if self.network_settings is not None and self.github_id is not None:
            self.outputs["runnerNetworkSettingsId"] = self.network_settings.id
            # What the organization's network configuration in GitHub asks for; if empty, read it with
            # `az resource show --ids <runnerNetworkSettingsId> --api-version 2024-04-02 --query tags.GitHubId -o tsv` (docs/runner-network.md).
            self.outputs["runnerNetworkSettingsGitHubId"] = self.github_id
        if self.bastion is not None:
            self.outputs["runnerBastionName"] = self.bastion.name
        self.register_outputs(self.outputs)
