"""Fixed values for the subnets the network component creates: delegations, names and Azure's size limits."""

from __future__ import annotations

# App Service regional VNet integration needs a subnet delegated to server farms.
APP_SERVICE_DELEGATION = "Microsoft.Web/serverFarms"
# Foundry Agent Service injects its agent runtime into a subnet delegated to Container Apps environments.
AGENT_DELEGATION = "Microsoft.App/environments"

PRIVATE_ENDPOINT_SUBNET_NAME = "snet-private-endpoints"
APP_INTEGRATION_SUBNET_NAME = "snet-app-integration"
AGENT_SUBNET_NAME = "snet-agents"

# Smallest subnets Azure accepts for each use (the longest prefix length allowed).
APP_INTEGRATION_MAX_PREFIX_LENGTH = 28  # App Service VNet integration: /28 at least, /26 recommended
AGENT_MAX_PREFIX_LENGTH = 27  # Container Apps environments with workload profiles: /27 at least
PRIVATE_ENDPOINT_MAX_PREFIX_LENGTH = 29  # Azure keeps 5 addresses of every subnet; /29 leaves 3

# The private (RFC 1918) ranges; Foundry agent subnet injection accepts only addresses from these.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")

# -- the bootstrap's runner network (bootstrap/runners.py) -------------------------------------------------------
# GitHub-hosted runners with Azure private networking need their subnet delegated to this service (GitHub docs,
# "Configuring private networking for GitHub-hosted runners in your organization": `az network vnet subnet update
# --delegations GitHub.Network/networkSettings`).
GITHUB_RUNNER_DELEGATION = "GitHub.Network/networkSettings"
# The runner subnet's service endpoints when the bootstrap's state backend admits only it: a storage account's and a
# vault's virtual network rules take a subnet only with the matching endpoint (Learn, "Configure Azure Storage
# firewalls and virtual networks"; "Virtual network service endpoints for Azure Key Vault"). A delegated subnet may
# carry them (matsest/gh-runner-az-private-network-demo bicep/main.bicep has GitHub's delegation and
# Microsoft.Storage on one subnet).
STATE_SERVICE_ENDPOINTS = ("Microsoft.Storage", "Microsoft.KeyVault")
RUNNER_SUBNET_NAME = "snet-runners"
# Azure Bastion's subnet must have exactly this name and be a /26 or larger (Learn, "About Azure Bastion
# configuration settings", Azure Bastion subnet; MicrosoftDocs/azure-docs articles/bastion/configuration-settings.md).
BASTION_SUBNET_NAME = "AzureBastionSubnet"
BASTION_MAX_PREFIX_LENGTH = 26
