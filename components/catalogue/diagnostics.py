"""Which resource logs and metrics each diagnostic setting sends to the environment's Log Analytics workspace."""

from __future__ import annotations

# Microsoft.CognitiveServices/accounts (Azure Monitor "supported logs" reference): `Audit` holds
# control- and data-plane audit events, `RequestResponse` one entry per inference/API request, and
# `AzureOpenAIRequestUsage` the per-request token usage of model calls.
FOUNDRY_LOG_CATEGORIES: tuple[str, ...] = ("Audit", "RequestResponse", "AzureOpenAIRequestUsage")

# Microsoft.KeyVault/vaults: `AuditEvent` records every access to the vault (who read which secret, when).
KEY_VAULT_LOG_CATEGORIES: tuple[str, ...] = ("AuditEvent",)

# Microsoft.Search/searchServices: `OperationLogs` records each query and indexing operation (the agents' vector
# stores, in the standard agent setup).
SEARCH_LOG_CATEGORIES: tuple[str, ...] = ("OperationLogs",)

# The metric category that covers every platform metric of a resource.
ALL_METRICS = "AllMetrics"

# Name of the diagnostic setting this program puts on each resource (unique per resource).
DIAGNOSTIC_SETTING_NAME = "to-environment-workspace"
