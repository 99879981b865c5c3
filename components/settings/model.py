"""The typed, validated configuration of one environment. Everything the components read comes from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from components.settings.access import AccessSettings
    from components.settings.compute import ComputeSettings
    from components.settings.connections import ConnectionSettings
    from components.settings.models import ModelSettings
    from components.settings.network import NetworkSettings
    from components.settings.observability import ObservabilitySettings

EnvironmentName = Literal["dev", "staging", "prod"]
NetworkAccess = Literal["public", "private"]
KeyVaultSku = Literal["standard", "premium"]

ENVIRONMENTS: tuple[EnvironmentName, ...] = ("dev", "staging", "prod")
NETWORK_ACCESS_MODES: tuple[NetworkAccess, ...] = ("public", "private")
KEY_VAULT_SKUS: tuple[KeyVaultSku, ...] = ("standard", "premium")


@dataclass(frozen=True)
class ProjectSettings:
    """One Foundry project: its name is part of the project endpoint URL, so it should never change."""

    name: str
    display_name: str
    description: str


@dataclass(frozen=True)
class KeyVaultSettings:
    name: str
    sku: KeyVaultSku = "standard"
    soft_delete_retention_days: int = 90


@dataclass(frozen=True)
class Settings:
    """One environment's configuration after validation."""

    stack: str
    environment: EnvironmentName
    location: str
    name_prefix: str
    tags: dict[str, str]
    projects: tuple[ProjectSettings, ...]
    network_access: NetworkAccess
    key_vault: KeyVaultSettings
    resource_group_name: str
    create_resource_group: bool
    custom_subdomain: str
    protect_stateful_resources: bool
    access: AccessSettings
    compute: ComputeSettings
    network: NetworkSettings
    models: ModelSettings
    connections: tuple[ConnectionSettings, ...]
    observability: ObservabilitySettings
    # Accepted values that need action soon (e.g. a model close to retirement); shown by preview and the plan.
    warnings: tuple[str, ...] = ()

    @property
    def is_private(self) -> bool:
        return self.network_access == "private"

    @property
    def resource_tags(self) -> dict[str, str]:
        """The configured tags plus the two the program always sets (config cannot override them)."""
        return {**self.tags, "environment": self.environment, "managed-by": "pulumi/foundry-platform"}
