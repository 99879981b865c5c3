"""Delete locks on prod's stateful resources: which resources get one, and why not the others.

A CanNotDelete lock stops a delete through Azure Resource Manager from anyone, the portal and `az` included, until
someone with `Microsoft.Authorization/locks/delete` lifts it (Learn, "Lock your resources to protect your
infrastructure"). It also stops the deletion of every child resource through ARM, which is why each target here is
chosen: the stores whose loss is not recoverable and whose children the program does not churn.
"""

from __future__ import annotations

from typing import Literal

# The main stack's output that names the lockable resources, key -> ARM id.
LOCK_SCOPES_OUTPUT = "deleteLockScopes"
LOCK_NAME = "do-not-delete"

LockTarget = Literal["keyVault", "storageAccount", "searchService", "cosmosAccount"]
# Locked in prod by default. Not the Foundry account (a lock would refuse every delete-first replacement of its
# deployments, connections and capability hosts, and a deleted account is soft-deleted, recoverable), nor the
# identities (a lock would refuse removing a federated credential; `protect` and the rights check hold them).
DEFAULT_PROD_LOCKS: tuple[LockTarget, ...] = ("keyVault", "storageAccount", "searchService", "cosmosAccount")
