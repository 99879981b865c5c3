"""The standard agent setup's fixed facts: what a capability host names, where agent data lives, and the ABAC
condition on the project identities' Storage Blob Data Owner.

Sources: Microsoft's templates (microsoft-foundry/foundry-samples, infrastructure-setup-bicep 15 and 41 @ec0972e:
`add-project-capability-host.bicep`, `blob-storage-container-role-assignments.bicep`,
`cosmos-container-role-assignments.bicep`), Learn "Capability hosts" and "Standard agent setup" (azure-ai-docs
f3732c0, 095ac1e).
"""

from __future__ import annotations

# The only capability host kind there is.
CAPABILITY_HOST_KIND = "Agents"
# One capability host per account and per project (a second name at the same scope is refused, 409).
ACCOUNT_CAPABILITY_HOST = "agents"
PROJECT_CAPABILITY_HOST = "agents"
# With the agent runtime injected into a subnet, the service makes the account's capability host itself, under
# this name; declaring another one is refused (foundry-samples issue 312, pull request 753).
INJECTED_ACCOUNT_CAPABILITY_HOST = "{account}@aml_aiagentservice"

# Connection purposes: `<project>-<purpose>` (unique across the account), one per store.
STORAGE_PURPOSE = "agent-files"
SEARCH_PURPOSE = "agent-vectors"
COSMOS_PURPOSE = "agent-threads"
AGENT_CONNECTION_PURPOSES = (STORAGE_PURPOSE, SEARCH_PURPOSE, COSMOS_PURPOSE)

# The database the capability host creates in the Cosmos DB account for threads and messages; the data role is
# granted on it after the capability host, since its containers (one set per project) are made by the service,
# some of them lazily (Learn: "database level to cover all containers").
AGENT_DATABASE = "enterprise_memory"

# Storage Blob Data Owner's condition (version 2.0), as Microsoft's templates write it, without the project's
# workspace-id prefix: azure-native does not return a project's internal id. Read it for what it is: it limits only
# blob tag reads and writes and blob filtering to the agent containers (`*-azureml-agent`); every other blob action
# of the role applies across the account, whichever project's container it is.
AGENT_CONTAINER_CONDITION = (
    "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/read'}) AND "
    "!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/filter/action'}) AND "
    "!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write'})) OR "
    "(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringLikeIgnoreCase "
    "'*-azureml-agent'))"
)
