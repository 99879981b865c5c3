"""Fixed values of Foundry model deployments: the SKUs and version-upgrade options Azure accepts."""

from __future__ import annotations

# Deployment SKUs this program allows. GlobalStandard routes traffic through any Azure region, DataZoneStandard
# keeps processing inside the data zone (EU or US), Standard inside the account's own region, and
# ProvisionedManaged reserves throughput (capacity counts PTUs instead of thousands of tokens per minute).
DEPLOYMENT_SKUS: tuple[str, ...] = ("GlobalStandard", "DataZoneStandard", "Standard", "ProvisionedManaged")

# ARM `properties.versionUpgradeOption` (DeploymentModelVersionUpgradeOption), every member of the enum.
VERSION_UPGRADE_OPTIONS: tuple[str, ...] = (
    "OnceNewDefaultVersionAvailable",
    "OnceCurrentVersionExpired",
    "NoAutoUpgrade",
)

# Capacity is an integer count of units: thousands of tokens per minute for the Standard SKUs, PTUs for
# ProvisionedManaged. The upper bound only catches typos; Azure enforces the real quota.
MIN_CAPACITY = 1
MAX_CAPACITY = 100_000
