"""FoundryEnvironment: everything one environment (dev, staging or prod) consists of, and nothing shared."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, resources

from components.connections import ProjectConnections, ProjectConnectionsArgs
from components.foundry import FoundryAccount, FoundryAccountArgs
from components.identity import AppIdentity, AppIdentityArgs
from components.models import ModelDeployments, ModelDeploymentsArgs
from components.observability import Observability, ObservabilityArgs
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

        self.foundry = FoundryAccount(f"{name}-foundry", FoundryAccountArgs(settings, resource_group_name), child)
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
        self.models = ModelDeployments(
            f"{name}-models", ModelDeploymentsArgs(settings, resource_group_name, self.foundry.account), child
        )
        self.observability = Observability(
            f"{name}-observability",
            ObservabilityArgs(
                settings, resource_group_name, self.foundry.account, self.foundry.projects, self.vault.vault
            ),
            child,
        )
        self.connections = ProjectConnections(
            f"{name}-connections",
            ProjectConnectionsArgs(settings, resource_group_name, self.foundry.account, self.foundry.projects),
            child,
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
            "modelDeployments": self.models.summary,
            "raiPolicyName": settings.models.rai_policy_name,
            "appInsightsId": self.observability.app_insights.id,
            "logAnalyticsWorkspaceId": self.observability.workspace.id,
            "projectConnections": self.connections.names,
        }
        self.register_outputs(self.outputs)
