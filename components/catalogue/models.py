"""Fixed values of Foundry model deployments: SKUs, upgrade options, and the one catalogue of deployable models.

The model catalogue records, per model version, when Azure stops accepting it from subscriptions that never
deployed it (the "Deprecated" stage; the models API calls it `Deprecating`) and when it retires (every request
then fails with 410 Gone, and so does a deployment). Dates from Microsoft Learn, "Model retirement schedule"
(learn.microsoft.com/azure/foundry/openai/concepts/model-retirement-schedule, version of 2026-09-02) and the
lifecycle policy (".../concepts/model-retirements", version of 2026-10-05: GA versions close to new
subscriptions 12 months after release and retire at 18 months; retirement dates are never extended). Where
the schedule gives no closing date, the 12-month rule gives it and `closing_inferred` says so. Microsoft
moves these dates: before a release, compare with `az cognitiveservices model list -l <region>` (fields
`model.lifecycleStatus`, `model.deprecation.inference`) and update this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

# Deployment SKUs this program allows. GlobalStandard routes traffic through any Azure region, DataZoneStandard
# keeps processing inside the data zone (EU or US), Standard inside the account's own region; the provisioned
# SKUs reserve throughput in the same three scopes (capacity counts PTUs instead of thousands of tokens per minute).
DeploymentSku = Literal[
    "GlobalStandard",
    "DataZoneStandard",
    "Standard",
    "GlobalProvisionedManaged",
    "DataZoneProvisionedManaged",
    "ProvisionedManaged",
]
DEPLOYMENT_SKUS: tuple[str, ...] = get_args(DeploymentSku)

# ARM `properties.versionUpgradeOption` (DeploymentModelVersionUpgradeOption), every member of the enum.
UpgradeOption = Literal["OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade"]
VERSION_UPGRADE_OPTIONS: tuple[str, ...] = get_args(UpgradeOption)

# Capacity is an integer count of units: thousands of tokens per minute for the Standard SKUs, PTUs for
# ProvisionedManaged. The upper bound only catches typos; Azure enforces the real quota.
MIN_CAPACITY = 1
MAX_CAPACITY = 100_000


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    closes_to_new_subscriptions: date | None  # None: no date published yet
    retires: date
    closing_inferred: bool = False  # True: the 12-month rule, not a published date
    replacement: str = ""  # Microsoft's named successor, for the messages

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def _version(
    name: str, version: str, closes: str | None, retires: str, *, inferred: bool = False, replacement: str = ""
) -> ModelVersion:
    return ModelVersion(
        name,
        version,
        date.fromisoformat(closes) if closes else None,
        date.fromisoformat(retires),
        inferred,
        replacement,
    )


# Azure OpenAI models in Foundry (format OpenAI), newest first within a family.
MODEL_CATALOGUE: tuple[ModelVersion, ...] = (
    _version("gpt-5.6-luna", "2026-07-09", "2027-07-09", "2028-01-11", inferred=True),
    _version("gpt-5.6-sol", "2026-07-09", "2027-07-09", "2028-01-11", inferred=True),
    _version("gpt-5.6-terra", "2026-07-09", "2027-07-09", "2028-01-11", inferred=True),
    _version("gpt-5.5", "2026-04-24", "2027-04-24", "2027-10-26", inferred=True),
    _version("gpt-5.4", "2026-03-05", "2027-03-05", "2027-09-02", inferred=True),
    _version("gpt-5.4-mini", "2026-03-17", "2027-03-17", "2027-09-21", inferred=True),
    _version("gpt-5.4-nano", "2026-03-17", "2027-03-17", "2027-09-21", inferred=True),
    _version("gpt-5.2", "2025-12-11", "2026-12-11", "2027-06-08", inferred=True, replacement="gpt-5.6-sol"),
    _version("gpt-5.1", "2025-11-13", "2026-11-13", "2027-05-15", replacement="gpt-5.6-sol"),
    _version("gpt-5", "2025-08-07", "2026-08-07", "2027-02-09", replacement="gpt-5.6-sol"),
    _version("gpt-5-mini", "2025-08-07", "2026-08-07", "2027-02-09", replacement="gpt-5.6-luna"),
    _version("gpt-5-nano", "2025-08-07", "2026-08-07", "2027-02-09", replacement="gpt-5.6-luna"),
    _version("gpt-4.1", "2025-04-14", "2026-04-14", "2027-04-14", replacement="gpt-5.6-sol"),
    _version("gpt-4.1-mini", "2025-04-14", "2026-04-14", "2027-04-14", replacement="gpt-5.6-luna"),
    _version("gpt-4.1-nano", "2025-04-14", "2026-04-14", "2027-04-14", replacement="gpt-5.6-luna"),
    _version("gpt-4o", "2024-11-20", "2025-11-20", "2027-04-14", replacement="gpt-5.6-sol"),
    _version("gpt-4o", "2024-08-06", "2025-08-06", "2027-04-14", replacement="gpt-5.6-sol"),
    _version("gpt-4o-mini", "2024-07-18", "2025-07-18", "2027-04-14", replacement="gpt-5.6-luna"),
    _version("o4-mini", "2025-04-16", "2026-04-16", "2026-10-16", replacement="gpt-5.6-luna"),
    _version("o3", "2025-04-16", "2026-04-16", "2026-10-21", replacement="gpt-5.6-sol"),
    _version("text-embedding-3-large", "1", None, "2028-02-09"),
    _version("text-embedding-3-small", "1", None, "2028-02-09"),
)

# Warn this many days before a version retires: time to test the successor in dev and staging first.
RETIREMENT_WARNING_DAYS = 90


def catalogued(name: str, version: str) -> ModelVersion | None:
    return next((m for m in MODEL_CATALOGUE if m.name == name and m.version == version), None)


def versions_of(name: str) -> tuple[ModelVersion, ...]:
    return tuple(m for m in MODEL_CATALOGUE if m.name == name)


def deployable(today: date) -> tuple[ModelVersion, ...]:
    """Versions a new subscription can still deploy on `today`."""
    return tuple(
        m
        for m in MODEL_CATALOGUE
        if m.retires > today and (m.closes_to_new_subscriptions is None or m.closes_to_new_subscriptions > today)
    )


# -- where: Foundry's regions and each model's regions per deployment SKU -------------------------------------------
# Regions offering both Foundry projects (Learn, "Foundry region support", ms.date 2026-01-23) and Foundry Agent
# Service (Learn, "Agent Service limits, quotas and regions", ms.date 2026-07-20): the environment needs both.
FOUNDRY_REGIONS: tuple[str, ...] = (
    "australiaeast", "brazilsouth", "canadacentral", "canadaeast", "centralus", "eastus", "eastus2",
    "francecentral", "germanywestcentral", "italynorth", "japaneast", "koreacentral", "northcentralus",
    "norwayeast", "southafricanorth", "southcentralus", "southeastasia", "southindia", "spaincentral",
    "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "westeurope", "westus", "westus3",
)  # fmt: skip

# Regions per deployment SKU, from Learn's model availability tables ("deployments-standard", ms.date 2026-06-11;
# "deployments-provisioned", ms.date 2026-05-11). The tables move monthly and disagree between their copies: a
# (model, SKU) pair missing here is not refused, only warned about; check it with
# `az cognitiveservices model list -l <region>` (`skus[].name`). An empty set: the table lists no region at all.
_ALL = frozenset(FOUNDRY_REGIONS)
_US_ZONE = frozenset({"centralus", "eastus", "eastus2", "northcentralus", "southcentralus", "westus", "westus3"})
_EU_ZONE = frozenset(
    {
        "francecentral",
        "germanywestcentral",
        "italynorth",
        "polandcentral",
        "spaincentral",
        "swedencentral",
        "westeurope",
    }
)
_NO_REGION: frozenset[str] = frozenset()
MODEL_REGIONS: dict[tuple[str, str], frozenset[str]] = {
    **{(name, "GlobalStandard"): _ALL for name in ("gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.2")},
    **{(name, "Standard"): _NO_REGION for name in ("gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.2")},
    **{(name, "DataZoneStandard"): _US_ZONE | _EU_ZONE | {"norwayeast", "switzerlandnorth"} for name in ("gpt-5.5", "gpt-5.4")},
    **{(name, "DataZoneStandard"): _US_ZONE for name in ("gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.2")},
    ("gpt-5.5", "ProvisionedManaged"): frozenset({"eastus"}),
    ("gpt-5.4", "ProvisionedManaged"): frozenset({"australiaeast", "japaneast", "uksouth"}),
    ("gpt-5.4-nano", "ProvisionedManaged"): _NO_REGION,
    ("gpt-5.2", "ProvisionedManaged"): frozenset(
        {"australiaeast", "canadacentral", "canadaeast", "japaneast", "koreacentral", "swedencentral", "uksouth", "westus", "westus3"}
    ),
    **{(name, "DataZoneStandard"): _US_ZONE | _EU_ZONE for name in ("text-embedding-3-large", "text-embedding-3-small")},
    ("text-embedding-3-large", "Standard"): frozenset(
        {"australiaeast", "canadaeast", "eastus", "eastus2", "francecentral", "germanywestcentral", "japaneast",
         "koreacentral", "norwayeast", "polandcentral", "southafricanorth", "southeastasia", "southindia",
         "spaincentral", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "westus3"}
    ),
    ("text-embedding-3-small", "Standard"): frozenset(
        {"australiaeast", "canadaeast", "eastus", "eastus2", "japaneast", "switzerlandnorth", "uaenorth", "westus"}
    ),
    # Not yet in Learn's tables: GlobalStandard everywhere, as for every GPT-5.x (a third-party daily parse of
    # the tables, 2026-08-22, lists all three in every region's standard tabs).
    **{(f"gpt-5.6-{tier}", "GlobalStandard"): _ALL for tier in ("luna", "sol", "terra")},
}  # fmt: skip

# Known gaps where the region's full list is not known: the Models API in swedencentral (2026-09-11) lists
# gpt-5.6-* with GlobalStandard, DataZoneStandard and global provisioned, but no Standard and no regional PTU.
NOT_OFFERED: dict[tuple[str, str], frozenset[str]] = {
    (f"gpt-5.6-{tier}", sku): frozenset({"swedencentral"})
    for tier in ("luna", "sol", "terra")
    for sku in ("Standard", "ProvisionedManaged")
}


@dataclass(frozen=True)
class ProvisionedSizing:
    """Provisioned throughput units (PTUs) a deployment must have: a minimum, then whole increments."""

    minimum: int
    increment: int


# Learn, "Provisioned throughput sizing" (ms.date 2026-05-21): global and data-zone provisioned share one row,
# regional provisioned (ProvisionedManaged) has its own. Models without a row are warned about, not refused.
PROVISIONED_SKUS: tuple[str, ...] = ("GlobalProvisionedManaged", "DataZoneProvisionedManaged", "ProvisionedManaged")
PROVISIONED_SIZING: dict[tuple[str, str], ProvisionedSizing] = {
    **{(name, "global"): ProvisionedSizing(15, 5) for name in ("gpt-5.5", "gpt-5.4", "gpt-5.2")},
    **{(name, "regional"): ProvisionedSizing(50, 50) for name in ("gpt-5.5", "gpt-5.4", "gpt-5.2")},
}


def provisioned_sizing(model: str, sku: str) -> ProvisionedSizing | None:
    return PROVISIONED_SIZING.get((model, "regional" if sku == "ProvisionedManaged" else "global"))
