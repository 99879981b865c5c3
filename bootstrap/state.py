"""The stack state backend and secrets provider of one environment: no storage key, no passphrase.

- State: a StorageV2 account with shared-key access off (Entra tokens only), HTTPS and TLS 1.2, no public
  blob access, blob versioning and soft delete for blobs and containers. Two private containers: the main
  program's stack state, and the bootstrap's own state (which the deployer cannot touch).
- Secrets: an RBAC-only Key Vault with purge protection, holding the RSA key that encrypts each stack's
  data key (`azurekeyvault://<vault>.vault.azure.net/keys/<key>`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import keyvault, storage

from bootstrap.settings import BootstrapSettings
from components.rbac import Scope
from components.storage_accounts import entra_only_storage_account
from components.vault import rbac_vault_properties

# Operations Pulumi's azurekeyvault secrets provider uses (encrypt/decrypt), plus wrap/unwrap.
KEY_OPERATIONS = ("encrypt", "decrypt", "wrapKey", "unwrapKey")
KEY_SIZE = 3072
VAULT_RETENTION_DAYS = 90


@dataclass(frozen=True)
class StateBackendArgs:
    settings: BootstrapSettings
    resource_group_name: pulumi.Input[str]
    tenant_id: pulumi.Input[str]


class StateBackend(pulumi.ComponentResource):
    account: storage.StorageAccount
    state_container: storage.BlobContainer
    bootstrap_container: storage.BlobContainer
    vault: keyvault.Vault
    key: keyvault.Key
    state_scope: Scope
    bootstrap_scope: Scope
    key_scope: Scope

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:StateBackend", name, None, opts)
        s = args.settings
        stateful = pulumi.ResourceOptions(parent=self, protect=s.protect)
        self.account = entra_only_storage_account(
            f"{name}-st",
            account_name=s.state_storage_account,
            resource_group_name=args.resource_group_name,
            location=s.location,
            sku=storage.SkuName.STANDARD_ZRS,
            # GitHub-hosted runners reach the account over the internet; authorization is Entra-only.
            public_network_access=storage.PublicNetworkAccess.ENABLED,
            network_rule_set=None,
            tags=s.resource_tags,
            opts=stateful,
        )
        blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=self.account.name,
            resource_group_name=args.resource_group_name,
            blob_services_name="default",
            is_versioning_enabled=True,
            delete_retention_policy={"enabled": True, "days": s.state_retention_days},
            container_delete_retention_policy={"enabled": True, "days": s.state_retention_days},
            opts=pulumi.ResourceOptions(parent=self),
        )
        containers: list[storage.BlobContainer] = []
        for suffix, container_name in (("state", s.state_container), ("bootstrap", s.bootstrap_container)):
            containers.append(
                storage.BlobContainer(
                    f"{name}-{suffix}",
                    account_name=self.account.name,
                    resource_group_name=args.resource_group_name,
                    container_name=container_name,
                    public_access=storage.PublicAccess.NONE,
                    opts=pulumi.ResourceOptions(parent=self, protect=s.protect, depends_on=[blob_service]),
                )
            )
        self.state_container, self.bootstrap_container = containers
        account_path = (
            f"resourceGroups/{s.delivery_resource_group_name}/providers/Microsoft.Storage/storageAccounts/"
            f"{s.state_storage_account}/blobServices/default/containers"
        )
        self.state_scope = Scope(f"{account_path}/{s.state_container}", self.state_container.id)
        self.bootstrap_scope = Scope(f"{account_path}/{s.bootstrap_container}", self.bootstrap_container.id)

        self.vault = keyvault.Vault(
            f"{name}-kv",
            vault_name=s.state_key_vault,
            resource_group_name=args.resource_group_name,
            location=s.location,
            # Reached from GitHub-hosted runners over the internet (Entra-authenticated, RBAC only).
            properties=rbac_vault_properties(args.tenant_id, "standard", VAULT_RETENTION_DAYS, private=False),
            tags=s.resource_tags,
            opts=stateful,
        )
        self.key = keyvault.Key(
            f"{name}-key",
            key_name=s.secrets_key_name,
            vault_name=self.vault.name,
            resource_group_name=args.resource_group_name,
            properties={
                "kty": keyvault.JsonWebKeyType.RSA,
                "key_size": KEY_SIZE,
                "key_ops": list(KEY_OPERATIONS),
            },
            tags=s.resource_tags,
            opts=stateful,
        )
        self.key_scope = Scope(
            f"resourceGroups/{s.delivery_resource_group_name}/providers/Microsoft.KeyVault/vaults/"
            f"{s.state_key_vault}/keys/{s.secrets_key_name}",
            self.key.id,
        )
        self.register_outputs({"backendUrl": s.state_backend_url, "secretsProvider": s.secrets_provider})
