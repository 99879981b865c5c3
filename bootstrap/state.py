"""The stack state backend and secrets provider of one environment: no storage key, no passphrase.

- State: a StorageV2 account with shared-key access off (Entra tokens only), HTTPS and TLS 1.2, no public
  blob access, blob versioning and soft delete for blobs and containers; zone-redundant, and in prod also copied
  to the paired region (GZRS). Two private containers: the main program's stack state, and the bootstrap's own
  state (which the deployer cannot touch).
- Secrets: an RBAC-only Key Vault with purge protection, holding the RSA key that wraps each stack's data key; in
  prod an RSA-HSM key in a Premium vault. The key rotates by Key Vault's policy, and every version expires. The
  secrets provider names one version (`azurekeyvault://<vault>.vault.azure.net/keys/<key>/<version>`): without
  it, Pulumi decrypts with the newest version and fails after a rotation (pulumi/pulumi#22338).
- Who reaches both data planes: any network (`public`), or only the runner subnet, through its service endpoints,
  and the administrators' addresses (`restricted`, prod).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pulumi
from pulumi_azure_native import keyvault, storage

from bootstrap.settings import BootstrapSettings
from components import clock
from components.rbac import Scope
from components.storage_accounts import entra_only_storage_account
from components.vault import rbac_vault_properties

# Operations Pulumi's azurekeyvault secrets provider uses (encrypt/decrypt), plus wrap/unwrap.
KEY_OPERATIONS = ("encrypt", "decrypt", "wrapKey", "unwrapKey")
KEY_SIZE = 3072
VAULT_RETENTION_DAYS = 90
SECRETS_PROVIDER_SCHEME = "azurekeyvault://"
# The first version's expiry is counted from the day the key is made; Azure never updates an existing key
# (Keys_CreateIfNotExist), so later runs leave the date alone instead of showing a change that would not apply.
FIRST_VERSION_EXPIRY = "properties.attributes.expires"


@dataclass(frozen=True)
class StateBackendArgs:
    settings: BootstrapSettings
    resource_group_name: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    # The runner subnet the restricted firewalls admit (None: the state is public).
    runner_subnet_id: pulumi.Input[str] | None = None


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
        runner_subnet = args.runner_subnet_id
        restricted = s.state_network.access == "restricted"
        if restricted and runner_subnet is None:  # the settings refuse this; a caller that skips them must not
            raise ValueError("a restricted state backend needs the runner subnet (stateNetwork.access, runnerNetwork)")
        addresses = s.state_network.administrator_addresses
        self.account = entra_only_storage_account(
            f"{name}-st",
            account_name=s.state_storage_account,
            resource_group_name=args.resource_group_name,
            location=s.location,
            sku=s.state_replication,
            # Public: GitHub-hosted runners reach the account over the internet, authorized by Entra only.
            # Restricted: still a public endpoint, but its firewall admits only the runner subnet and the addresses.
            public_network_access=storage.PublicNetworkAccess.ENABLED,
            network_rule_set=_state_firewall(runner_subnet, addresses) if restricted and runner_subnet else None,
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

        key_settings = s.state_key
        vault_properties = rbac_vault_properties(
            args.tenant_id, "premium" if key_settings.hsm else "standard", VAULT_RETENTION_DAYS, private=False
        )
        if restricted and runner_subnet is not None:
            # The vault's public endpoint stays on (Disabled would leave only private endpoints); its firewall
            # admits the runner subnet (Microsoft.KeyVault service endpoint) and the administrators' addresses.
            vault_properties["network_acls"] = {
                "default_action": keyvault.NetworkRuleAction.DENY,
                "bypass": keyvault.NetworkRuleBypassOptions.NONE,
                "virtual_network_rules": [{"id": runner_subnet}],
                "ip_rules": [{"value": address} for address in addresses],
            }
        self.vault = keyvault.Vault(
            f"{name}-kv",
            vault_name=s.state_key_vault,
            resource_group_name=args.resource_group_name,
            location=s.location,
            properties=vault_properties,
            tags=s.resource_tags,
            opts=stateful,
        )
        made = datetime.combine(clock.today(), time(), UTC)
        first_version_expires = made + timedelta(days=key_settings.expire_after_days)
        self.key = keyvault.Key(
            f"{name}-key",
            key_name=s.secrets_key_name,
            vault_name=self.vault.name,
            resource_group_name=args.resource_group_name,
            properties={
                "kty": keyvault.JsonWebKeyType.RS_A_HSM if key_settings.hsm else keyvault.JsonWebKeyType.RSA,
                "key_size": KEY_SIZE,
                "key_ops": list(KEY_OPERATIONS),
                # The rotation policy's expiry applies to the versions it makes, not to the first one.
                "attributes": {"expires": int(first_version_expires.timestamp())},
                "rotation_policy": {
                    "attributes": {"expiry_time": f"P{key_settings.expire_after_days}D"},
                    "lifetime_actions": [
                        {
                            "action": {"type": keyvault.KeyRotationPolicyActionType.ROTATE},
                            "trigger": {"time_after_create": f"P{key_settings.rotate_after_days}D"},
                        },
                        {
                            "action": {"type": keyvault.KeyRotationPolicyActionType.NOTIFY},
                            "trigger": {"time_before_expiry": f"P{key_settings.notify_before_days}D"},
                        },
                    ],
                },
            },
            tags=s.resource_tags,
            # Tags too: Azure keeps a key's tags from its creation, like the rest of it.
            opts=pulumi.ResourceOptions(parent=self, protect=s.protect, ignore_changes=[FIRST_VERSION_EXPIRY, "tags"]),
        )
        # The version the stacks are created with; after a rotation they are re-keyed to the new one.
        self.secrets_provider = self.key.key_uri_with_version.apply(secrets_provider_url)
        self.key_scope = Scope(
            f"resourceGroups/{s.delivery_resource_group_name}/providers/Microsoft.KeyVault/vaults/"
            f"{s.state_key_vault}/keys/{s.secrets_key_name}",
            self.key.id,
        )
        self.register_outputs({"backendUrl": s.state_backend_url, "secretsProvider": self.secrets_provider})


def _state_firewall(runner_subnet: pulumi.Input[str], addresses: Sequence[str]) -> storage.NetworkRuleSetArgsDict:
    return {
        "default_action": storage.DefaultAction.DENY,
        # The state needs no Azure service's access (no logging or metrics written into this account).
        "bypass": storage.Bypass.NONE,
        "virtual_network_rules": [{"virtual_network_resource_id": runner_subnet, "action": storage.Action.ALLOW}],
        "ip_rules": [{"i_p_address_or_range": address, "action": storage.Action.ALLOW} for address in addresses],
    }


@dataclass(frozen=True)
class SecretsProviderUrl:
    """Pulumi's azurekeyvault secrets provider URL: a vault, a key and (pinned) one of its versions."""

    vault: str
    key: str
    version: str | None

    def __str__(self) -> str:
        version = f"/{self.version}" if self.version else ""
        return f"{SECRETS_PROVIDER_SCHEME}{self.vault}.vault.azure.net/keys/{self.key}{version}"

    @classmethod
    def parse(cls, url: str) -> SecretsProviderUrl | None:
        """None for any other provider (passphrase, another cloud's KMS)."""
        match = re.fullmatch(
            rf"{SECRETS_PROVIDER_SCHEME}([a-zA-Z0-9-]+)\.vault\.azure\.net/keys/([a-zA-Z0-9-]+)(?:/([0-9a-fA-F]{{32}}))?",
            url,
        )
        return cls(match[1], match[2], match[3]) if match else None


def secrets_provider_url(key_uri_with_version: str) -> str:
    """`https://<vault>.vault.azure.net/keys/<key>/<version>` (the key's ARM property) as the provider URL."""
    return SECRETS_PROVIDER_SCHEME + key_uri_with_version.removeprefix("https://")
