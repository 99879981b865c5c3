"""The `compute` key: the application's App Service plan and Linux web app, on by default."""

from __future__ import annotations

from typing import Annotated, Literal

from components.settings.base import ByEnvironment, ConfigModel, Flag, Pattern, filled_in

# Linux App Service plan SKUs that support VNet integration (needed for private mode).
AppServiceSku = Literal["B1", "B2", "B3", "S1", "S2", "S3", "P0v3", "P1v3", "P2v3", "P3v3", "P1mv3", "P2mv3"]


class ComputeConfig(ConfigModel):
    enabled: Flag = True
    """Whether the environment gets the web app (off: bring your own compute)."""
    sku_name: Annotated[AppServiceSku, ByEnvironment("B1", "B1", "P1v3")] = filled_in()
    """The App Service plan's SKU; one that supports VNet integration."""
    runtime: Annotated[
        str, Pattern(r"[A-Z]+\|[0-9][0-9.]*(-lts)?", 3, 40, "a Linux runtime stack like 'PYTHON|3.12'")
    ] = "PYTHON|3.12"
    """The web app's Linux runtime stack."""
