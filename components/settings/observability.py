"""Config key for observability: `logRetentionDays` of the environment's Log Analytics workspace."""

from __future__ import annotations

from dataclasses import dataclass

from components.settings.reader import ConfigReader, check_int

# Interactive retention of the PerGB2018 tier: 30 days are included, up to 730 can be bought.
DEFAULT_RETENTION_DAYS: dict[str, int] = {"dev": 30, "staging": 30, "prod": 90}
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 730


@dataclass(frozen=True)
class ObservabilitySettings:
    log_retention_days: int = 30


def parse_observability(reader: ConfigReader, environment: str) -> ObservabilitySettings:
    default = DEFAULT_RETENTION_DAYS[environment]
    value = reader.text("logRetentionDays")
    if value is None:
        return ObservabilitySettings(default)
    days = check_int(reader, "logRetentionDays", value, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS)
    return ObservabilitySettings(days or default)
