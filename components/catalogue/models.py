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
