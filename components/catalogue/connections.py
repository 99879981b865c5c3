"""The Azure resources a project connection can point at, with the category and endpoint Foundry expects.

Each kind is recognised from the ARM resource type in the connection's resource id. All of them accept
Microsoft Entra ID (`AAD`) authentication, so no connection to them ever carries a key.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectionKind:
    arm_type: str  # provider namespace/type as it appears in a resource id (compared case-insensitively)
    category: str  # ARM `properties.category` of the connection
    endpoint_template: str  # data-plane endpoint; `{name}` is the resource's name
    auth_type: str = "AAD"


CONNECTION_KINDS: tuple[ConnectionKind, ...] = (
    ConnectionKind("Microsoft.Storage/storageAccounts", "AzureStorageAccount", "https://{name}.blob.core.windows.net/"),
    ConnectionKind("Microsoft.Search/searchServices", "CognitiveSearch", "https://{name}.search.windows.net"),
    ConnectionKind("Microsoft.DocumentDB/databaseAccounts", "CosmosDB", "https://{name}.documents.azure.com:443/"),
)

# The Application Insights connection Foundry uses for tracing. Its API-key auth type carries the
# component's connection string, which the program only ever handles as a Pulumi secret.
APP_INSIGHTS_CATEGORY = "AppInsights"
APP_INSIGHTS_AUTH_TYPE = "ApiKey"
APP_INSIGHTS_CONNECTION_PURPOSE = "app-insights"

# Connection names are unique across all projects of one Foundry account, not per project: a second project's
# connection with the same name is refused (Azure/terraform-azurerm-avm-ptn-aiml-ai-foundry #73,
# microsoft-foundry/foundry-samples #263). Names the program makes therefore carry the project's name
# (`components.naming.project_connection_name`). The REST spec (2025-06-01) allows 3-33 characters.
CONNECTION_NAME_MIN = 3
CONNECTION_NAME_MAX = 33
CONNECTION_NAME_PATTERN = r"[a-zA-Z0-9][a-zA-Z0-9_-]*"


def kind_for_type(arm_type: str) -> ConnectionKind | None:
    return next((kind for kind in CONNECTION_KINDS if kind.arm_type.lower() == arm_type.lower()), None)
