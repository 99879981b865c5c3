"""Keys for the application's compute: an App Service plan and a Linux web app, on by default."""

from __future__ import annotations

from dataclasses import dataclass

from components.settings.model import EnvironmentName
from components.settings.reader import ConfigReader, check_bool, check_choice, check_object, check_pattern

# Linux App Service plan SKUs that support VNet integration (needed for private mode).
APP_SERVICE_SKUS = ("B1", "B2", "B3", "S1", "S2", "S3", "P0v3", "P1v3", "P2v3", "P3v3", "P1mv3", "P2mv3")
DEFAULT_SKU: dict[EnvironmentName, str] = {"dev": "B1", "staging": "B1", "prod": "P1v3"}
DEFAULT_RUNTIME = "PYTHON|3.12"


@dataclass(frozen=True)
class ComputeSettings:
    enabled: bool
    sku_name: str
    runtime: str


def parse_compute(reader: ConfigReader, environment: EnvironmentName) -> ComputeSettings:
    fields = check_object(reader, "compute", reader.structured("compute"), ("enabled", "skuName", "runtime"))
    enabled = check_bool(reader, "compute.enabled", fields.get("enabled", True))
    sku = check_choice(
        reader, "compute.skuName", fields.get("skuName", DEFAULT_SKU[environment]), APP_SERVICE_SKUS, "B1"
    )
    runtime = fields.get("runtime", DEFAULT_RUNTIME)
    check_pattern(
        reader,
        "compute.runtime",
        runtime,
        r"[A-Z]+\|[0-9][0-9.]*(-lts)?",
        3,
        40,
        "a Linux runtime stack like 'PYTHON|3.12'",
    )
    return ComputeSettings(enabled=enabled is not False, sku_name=sku, runtime=str(runtime))
