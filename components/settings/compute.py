"""The `compute` key: the application's App Service plan and Linux web app, on by default."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ValidationInfo, field_validator

from components.settings.base import ByEnvironment, ConfigModel, Flag, Number, Pattern, context, filled_in, refuse

# The most instances (workers) a plan of each tier may run, by the SKU's first letter (App Service limits).
MAX_INSTANCES = {"B": 3, "S": 10, "P": 30}
# Linux App Service plan SKUs that support VNet integration (needed for private mode).
AppServiceSku = Literal["B1", "B2", "B3", "S1", "S2", "S3", "P0v3", "P1v3", "P2v3", "P3v3", "P1mv3", "P2mv3"]
# Zone redundancy needs a Premium v2/v3 plan and at least two instances (Learn, "Reliability in Azure App Service").
ZONE_REDUNDANT_MIN_INSTANCES = 2
# Prod runs at least two instances: one can be restarted or moved while the other serves.
PROD_MIN_INSTANCES = 2


class ComputeConfig(ConfigModel):
    enabled: Flag = True
    """Whether the environment gets the web app (off: bring your own compute)."""
    sku_name: Annotated[AppServiceSku, ByEnvironment("B1", "B1", "P1v3")] = filled_in()
    """The App Service plan's SKU; one that supports VNet integration."""
    runtime: Annotated[
        str, Pattern(r"[A-Z]+\|[0-9][0-9.]*(-lts)?", 3, 40, "a Linux runtime stack like 'PYTHON|3.12'")
    ] = "PYTHON|3.12"
    """The web app's Linux runtime stack."""
    identity: Literal["user-assigned", "system-assigned"] = "user-assigned"
    """Who the web app runs as: the environment's user-assigned identity (shared, outlives the app), or its own
    system-assigned identity (design source 1.1: dies with the app, and every grant to it too; its grants can only
    be made after the app exists, so the app may start before they have propagated)."""
    instances: Annotated[int, Number(1, 30), ByEnvironment(1, 1, PROD_MIN_INSTANCES)] = filled_in()
    """Instances (workers) the plan runs the app on: Basic plans allow up to 3, Standard 10, Premium v3 30; prod at
    least 2."""
    zone_redundant: Annotated[Flag, ByEnvironment(False, False, True)] = filled_in()
    """Spread the plan's instances over the region's availability zones (Premium v3, at least 2 instances)."""
    health_check_path: Annotated[
        str, Pattern(r"/[A-Za-z0-9._~/-]*", 1, 200, "a path on the app, starting with '/'")
    ] = "/healthz"
    """The path App Service probes on each instance; an instance that keeps failing it is taken out of rotation."""
    inbound: Literal["private-endpoint", "public"] | None = None
    """Who reaches the app: `private-endpoint` (default in private mode; the app's public access off) or `public`
    (default in public mode; outside prod it may be chosen in private mode, stated, never by accident)."""

    @field_validator("instances", mode="after")
    @classmethod
    def _within_tier(cls, instances: int, info: ValidationInfo) -> int:
        sku = info.data.get("sku_name")
        if isinstance(sku, str) and instances > MAX_INSTANCES[sku[0]]:
            refuse(f"allowed with skuName {sku}: from 1 to {MAX_INSTANCES[sku[0]]} (that tier's most instances)")
        if context(info).environment == "prod" and instances < PROD_MIN_INSTANCES:
            refuse(f"prod allows {PROD_MIN_INSTANCES} or more: a single instance is an outage at every restart")
        return instances

    @field_validator("zone_redundant", mode="after")
    @classmethod
    def _supported(cls, zone_redundant: bool, info: ValidationInfo) -> bool:
        sku, instances = info.data.get("sku_name"), info.data.get("instances")
        if not zone_redundant or sku is None or instances is None:
            return zone_redundant
        if not sku.startswith("P"):
            refuse(f"allowed with a Premium v3 skuName (P0v3 and up), not {sku}", value=True)
        if instances < ZONE_REDUNDANT_MIN_INSTANCES:
            refuse(f"needs instances {ZONE_REDUNDANT_MIN_INSTANCES} or more, not {instances}", value=True)
        return zone_redundant
