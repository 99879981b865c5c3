"""What a grant lets its holder do, in a reviewer's words, computed from the role's definition (its actions, data
actions and their exclusions, wildcards included: `offline.rights.roles`), and who holds each capability across a
stack's projects (`offline.plan --who-can "<capability>"`).

Each capability is one representative operation: a role allows the capability when its definition allows that
operation. A condition on the grant (a delegation) is shown with it, in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from offline.inventory import AccessEntry
from offline.rights.roles import definition

_ACCOUNTS = "Microsoft.CognitiveServices/accounts"
_BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"


@dataclass(frozen=True)
class Capability:
    phrase: str
    operation: str
    data: bool  # a data action (the data plane) rather than a management action


CAPABILITIES: tuple[Capability, ...] = (
    Capability("call models", f"{_ACCOUNTS}/OpenAI/deployments/chat/completions/action", data=True),
    Capability("create and change agents", f"{_ACCOUNTS}/AIServices/agents/write", data=True),
    Capability("deploy models", f"{_ACCOUNTS}/deployments/write", data=False),
    Capability("create and change projects", f"{_ACCOUNTS}/projects/write", data=False),
    Capability(
        "manage connections and read their secrets", f"{_ACCOUNTS}/projects/connections/listsecrets/action", data=False
    ),
    Capability("read the account's API keys", f"{_ACCOUNTS}/listkeys/action", data=False),
    Capability("assign roles", "Microsoft.Authorization/roleAssignments/write", data=False),
    Capability("read Key Vault secrets", "Microsoft.KeyVault/vaults/secrets/getSecret/action", data=True),
    Capability("publish metrics and telemetry", "Microsoft.Insights/Metrics/Write", data=True),
    Capability("read state", f"{_BLOBS}/read", data=True),
    Capability("write state", f"{_BLOBS}/write", data=True),
    Capability("decrypt state secrets", "Microsoft.KeyVault/vaults/keys/decrypt/action", data=True),
    Capability("change the environment's resources", "Microsoft.Web/sites/write", data=False),
)
PHRASES: tuple[str, ...] = tuple(c.phrase for c in CAPABILITIES)


def allows(role_guid: str) -> tuple[str, ...]:
    """The capabilities the role's definition allows (none for a role this harness has no definition of)."""
    role = definition(role_guid)
    if role is None:
        return ()
    return tuple(c.phrase for c in CAPABILITIES if role.allows(c.operation, data=c.data))


@dataclass(frozen=True)
class Holder:
    project: str  # main or bootstrap
    principal: str
    kind: str
    role: str
    scope: str
    access: str  # standing or PIM-eligible
    condition: str


def who_can(phrase: str, grants: Sequence[tuple[str, AccessEntry]]) -> list[Holder]:
    """Every (project, grant) whose role allows the capability `phrase`."""
    return [
        Holder(project, e.principal.display_name, e.principal.kind, e.role_name, e.scope, e.access, e.condition)
        for project, e in grants
        if phrase in allows(e.role_guid)
    ]
