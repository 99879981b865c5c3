"""The `agentSetup` key: the standard agent setup, in which the environment owns its agent data.

Foundry Agent Service then keeps threads and messages in the environment's Cosmos DB account, files in its Storage
account and vector stores in its AI Search service, instead of Microsoft-managed storage (Learn, "Standard agent
setup"). Off unless the key is set; prod's stack file sets it (docs/agent-data.md says why).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator

from components.settings.base import ByEnvironment, ConfigModel, Flag, Pattern, filled_in
from components.settings.core import own_environment_only

# Name rules from the REST specs (storage 2024-01-01, search 2025-05-01) and Learn's resource name rules (Cosmos DB:
# 3-44); all three are DNS names, unique across Azure.
StorageAccountName = Annotated[
    str, Pattern(r"[a-z0-9]+", 3, 24, "lowercase letters and digits"), AfterValidator(own_environment_only)
]
SearchServiceName = Annotated[
    str,
    Pattern(r"[a-z0-9][a-z0-9]*(-[a-z0-9]+)*", 2, 60, "lowercase letters, digits and single inner '-'"),
    AfterValidator(own_environment_only),
]
CosmosAccountName = Annotated[
    str,
    Pattern(r"[a-z0-9]+(-[a-z0-9]+)*", 3, 44, "lowercase letters, digits and single inner '-'"),
    AfterValidator(own_environment_only),
]


class AgentSetup(ConfigModel):
    """The standard agent setup: the environment's own Storage account, AI Search service and Cosmos DB account
    for agent data, each reachable with Entra tokens only, and each project's capability host naming them."""

    storage_account_name: StorageAccountName | None = None
    """The Storage account's globally unique name; default `stag<prefix><env code><hash>`."""
    search_service_name: SearchServiceName | None = None
    """The AI Search service's globally unique name; default `srch-<prefix>-<stack>-<hash>`."""
    cosmos_account_name: CosmosAccountName | None = None
    """The Cosmos DB account's globally unique name; default `cosmos-<prefix>-<stack>-<hash>`."""
    storage_sku: Literal["Standard_ZRS", "Standard_GZRS", "Standard_GRS", "Standard_LRS"] = "Standard_ZRS"
    """The Storage account's redundancy (Microsoft's templates use ZRS; GRS where a region has no zones)."""
    search_sku: Literal["basic", "standard", "standard2", "standard3"] = "standard"
    """The AI Search tier (Microsoft's templates use standard; basic holds fewer indexes)."""
    cosmos_zone_redundant: Annotated[Flag, ByEnvironment(False, False, True)] = filled_in()
    """Spread the Cosmos DB account over the region's availability zones (not changeable in place)."""
