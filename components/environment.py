"""FoundryEnvironment: everything one environment (dev, staging or prod) consists of, and nothing shared."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, resources

from components.foundry import FoundryAccount, FoundryAccountArgs
from components.identity import AppIdentity, AppIdentityArgs
from components.network import PrivateEndpoints, PrivateEndpointsArgs, PrivateNetwork, PrivateNetworkArgs
from components.settings import Settings
from components.vault import SecretsVault, SecretsVaultArgs


@dataclass(frozen=True)
class FoundryEnvironmentArgs:
    settings: Settings


class FoundryEnvironment(pulumi.ComponentResource):
    def __init__(self, name: str, args: FoundryEnvironmentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:FoundryEnvironment", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self.tenant_id = client.tenant_id
        self.subscription_id = client.subscription_id

        if settings.create_resource_group:
            group = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=settings.resource_group_name,
                location=settings.location,
                tags=settings.resource_tags,
                opts=pulumi.ResourceOptions(parent=self, protect=settings.protect_stateful_resources),
            )
            resource_group_name: pulumi.Input[str] = group.name
        else:
            resource_group_name = settings.resource_group_name

        # Private mode: the VNet (or existing subnets) and DNS zones first, since the account may inject its
        # agent runtime into a subnet; the endpoints come after the account and vault below.
        self.network = (
            PrivateNetwork(f"{name}-network", PrivateNetworkArgs(settings, resource_group_name), child)
            if settings.is_private
            else None
        )
        # For the web app's VNet integration (None in public mode).
        self.app_integration_subnet_id: pulumi.Output[str] | None = (
            self.network.app_integration_subnet_id if self.network else None
        )
        self.foundry = FoundryAccount(
            f"{name}-foundry",
            FoundryAccountArgs(
                settings, resource_group_name, agent_subnet_id=self.network.agent_subnet_id if self.network else None
            ),
            child,
        )
        self.app_identity = AppIdentity(f"{name}-identity", AppIdentityArgs(settings, resource_group_name), child)
        self.vault = SecretsVault(
            f"{name}-vault",
            SecretsVaultArgs(
                settings=settings,
                resource_group_name=resource_group_name,
                tenant_id=self.tenant_id,
                subscription_id=self.subscription_id,
                secrets_reader=self.app_identity.principal,
            ),
            child,
        )
        self.private_endpoints = (
            PrivateEndpoints(
                f"{name}-endpoints",
                PrivateEndpointsArgs(
                    settings=settings,
                    resource_group_name=resource_group_name,
                    network=self.network,
                    account=self.foundry.account,
                    vault=self.vault.vault,
                    # The lead adds the model deployments here at merge (issue 4).
                    account_endpoint_after=[self.foundry.account],
                ),
                child,
            )
            if self.network
            else None
        )

        self.outputs: dict[str, pulumi.Input[object]] = {
            "environment": settings.environment,
            "resourceGroupName": settings.resource_group_name,
            "accountName": self.foundry.account.name,
            "accountEndpoint": self.foundry.endpoint,
            "projectEndpoints": self.foundry.project_endpoints,
            "appIdentityClientId": self.app_identity.identity.client_id,
            "appIdentityPrincipalId": self.app_identity.identity.principal_id,
            "keyVaultUri": self.vault.uri,
        }
        self.register_outputs(self.outputs)
