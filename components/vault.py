"""The environment's Key Vault for the secrets that genuinely must exist (never Foundry credentials)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import keyvault

from components.catalogue import endpoints
from components.catalogue.roles import KEY_VAULT_SECRETS_USER
from components.rbac import Principal, Scope, assign_role
from components.settings import Settings


@dataclass(frozen=True)
class SecretsVaultArgs:
    settings: Settings
    resource_group_name: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    secrets_reader: Principal  # the application identity


class SecretsVault(pulumi.ComponentResource):
    vault: keyvault.Vault
    scope: Scope
    secrets_reader_assignment: pulumi.Resource

    def __init__(self, name: str, args: SecretsVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:SecretsVault", name, None, opts)
        settings = args.settings
        vault_settings = settings.key_vault
        private = settings.is_private
        self.vault = keyvault.Vault(
            f"{name}-kv",
            vault_name=vault_settings.name,
            resource_group_name=args.resource_group_name,
            location=settings.location,
            properties={
                "tenant_id": args.tenant_id,
                "sku": {"family": keyvault.SkuFamily.A, "name": keyvault.SkuName(vault_settings.sku)},
                "enable_rbac_authorization": True,
                "enable_soft_delete": True,
                "soft_delete_retention_in_days": vault_settings.soft_delete_retention_days,
                # Purge protection cannot be turned off once on; that is the point.
                "enable_purge_protection": True,
                "public_network_access": "Disabled" if private else "Enabled",
                "network_acls": {
                    "default_action": "Deny" if private else "Allow",
                    "bypass": "None" if private else "AzureServices",
                },
            },
            tags=settings.resource_tags,
            opts=pulumi.ResourceOptions(parent=self, protect=settings.protect_stateful_resources),
        )
        self.scope = Scope(
            f"resourceGroups/{settings.resource_group_name}/providers/Microsoft.KeyVault/vaults/{vault_settings.name}",
            self.vault.id,
        )
        self.secrets_reader_assignment = assign_role(
            f"{name}-secrets-user",
            args.secrets_reader,
            KEY_VAULT_SECRETS_USER,
            self.scope,
            args.subscription_id,
            pulumi.ResourceOptions(parent=self),
        )
        self.uri = endpoints.key_vault_uri(vault_settings.name)
        self.register_outputs({"vaultUri": self.uri})
