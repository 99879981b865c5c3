"""The environment's Key Vault for the secrets that genuinely must exist (never Foundry credentials).

Who may read it is decided by the role model in `components/access.py`."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import keyvault

from components.catalogue import endpoints
from components.rbac import Scope
from components.settings import Placement
from components.settings.stack import KeyVaultConfig


def rbac_vault_properties(
    tenant_id: pulumi.Input[str], sku: str, soft_delete_retention_days: int, private: bool
) -> keyvault.VaultPropertiesArgsDict:
    """Every vault in this repository: RBAC only (no access policies), soft delete, purge protection."""
    return {
        "tenant_id": tenant_id,
        "sku": {"family": keyvault.SkuFamily.A, "name": keyvault.SkuName(sku)},
        "enable_rbac_authorization": True,
        "enable_soft_delete": True,
        "soft_delete_retention_in_days": soft_delete_retention_days,
        # Purge protection cannot be turned off once on; that is the point.
        "enable_purge_protection": True,
        "public_network_access": "Disabled" if private else "Enabled",
        "network_acls": {
            "default_action": "Deny" if private else "Allow",
            "bypass": "None" if private else "AzureServices",
        },
    }


@dataclass(frozen=True)
class SecretsVaultArgs:
    placement: Placement
    vault: KeyVaultConfig
    vault_name: str
    private: bool
    resource_group_name: pulumi.Input[str]
    tenant_id: pulumi.Input[str]


class SecretsVault(pulumi.ComponentResource):
    vault: keyvault.Vault
    scope: Scope

    def __init__(self, name: str, args: SecretsVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:SecretsVault", name, None, opts)
        place = args.placement
        vault_settings = args.vault
        private = args.private
        self.vault = keyvault.Vault(
            f"{name}-kv",
            vault_name=args.vault_name,
            resource_group_name=args.resource_group_name,
            location=place.location,
            properties=rbac_vault_properties(
                args.tenant_id, vault_settings.sku, vault_settings.soft_delete_retention_days, private
            ),
            tags=place.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=place.protect),
        )
        self.scope = Scope(
            f"resourceGroups/{place.resource_group_name}/providers/Microsoft.KeyVault/vaults/{args.vault_name}",
            self.vault.id,
        )
        self.uri = endpoints.key_vault_uri(args.vault_name)
        self.register_outputs({"vaultUri": self.uri})
