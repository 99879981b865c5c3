"""Can this identity do this task? Every need of every resource (`offline.rights.catalogue`) against what the
identity holds (`offline.rights.holders`): Azure roles at a scope covering the need's (with their conditions),
Microsoft Graph permissions and directory roles (some reaching only objects it owns)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bootstrap.state import SecretsProviderUrl
from offline.registrations import Registration, Rendering
from offline.rights.catalogue import ArmNeed, GraphNeed, Need, audit_needs, backend_needs, needs_of, preview_needs
from offline.rights.conditions import Request, allows
from offline.rights.holders import ALL, OWNED, Holder, administrator, pipeline_identity
from offline.rights.roles import BUILT_IN_ROLES, matches


@dataclass(frozen=True)
class Missing:
    resource: str  # the resource (or "state backend") that needs it
    need: Need
    remedy: str

    def __str__(self) -> str:
        return f"{self.resource}: {self.need} ({self.need.why}); {self.remedy}"


@dataclass(frozen=True)
class RightsVerdict:
    holder: str
    task: str
    checked: int  # needs evaluated
    missing: tuple[Missing, ...]

    @property
    def passed(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "task": self.task,
            "checked": self.checked,
            "passed": self.passed,
            "missing": [
                {"resource": m.resource, "need": str(m.need), "why": m.need.why, "remedy": m.remedy}
                for m in self.missing
            ],
        }


def _covers(assignment_scope: str, scope: str) -> bool:
    outer, inner = assignment_scope.lower().rstrip("/"), scope.lower().rstrip("/")
    return inner == outer or inner.startswith(outer + "/")


def holds_arm(holder: Holder, need: ArmNeed) -> bool:
    request = Request(need.action, need.request, need.resource)
    return any(
        _covers(grant.scope, need.scope)
        and grant.role.allows(need.action, need.data)
        and allows(grant.condition, request)
        for grant in holder.azure
    )


def holds_graph(holder: Holder, need: GraphNeed) -> bool:
    reach = holder.graph_reach(need.operation)
    return reach == ALL or (reach == OWNED and need.owned)


def _remedy(need: Need) -> str:
    if isinstance(need, GraphNeed):
        # Owning reaches an existing object (or, for a service principal, the application it is made for).
        if not need.owned and (need.operation.endswith(".manage") or need.operation == "servicePrincipals.create"):
            return "make the identity an owner of the object, or grant a tenant-wide Graph permission"
        return f"grant a Graph permission or directory role allowing {need.operation}"
    role = narrowest_role(need.action, need.data)
    return f"grant {role} on that scope" if role else "no built-in role known here grants it"


def narrowest_role(action: str, data: bool = False) -> str | None:
    """The built-in role whose matching permission is the most specific (never Owner or User Access Administrator)."""
    candidates = [
        (max(len(p) for p in (r.data_actions if data else r.actions) if matches(p, action)), r.name)
        for r in BUILT_IN_ROLES
        if r.allows(action, data) and r.name not in ("Owner", "User Access Administrator")
    ]
    return max(candidates)[1] if candidates else None


def check(holder: Holder, task: str, needs: Iterable[tuple[str, Need]]) -> RightsVerdict:
    missing: list[Missing] = []
    count = 0
    for resource, need in needs:
        count += 1
        held = holds_graph(holder, need) if isinstance(need, GraphNeed) else holds_arm(holder, need)
        if not held:
            missing.append(Missing(resource, need, _remedy(need)))
    return RightsVerdict(holder.label, task, count, tuple(missing))


def _subscription(rendering: Rendering) -> str:
    account = next((r.id for r in rendering.resources if r.id.startswith("/subscriptions/")), "/subscriptions/unknown")
    return "/".join(account.split("/")[:3])


def resource_needs(rendering: Rendering, holder: Holder) -> list[tuple[str, Need]]:
    """Everything applying `rendering` from nothing, and deleting any of it later (replacements delete), needs."""
    subscription = _subscription(rendering)
    resources = rendering.resources
    return [
        (resource.name, need)
        for resource in resources
        for operation in ("write", "delete")
        for need in needs_of(resource, operation, holder.object_id, resources, subscription)
    ]


@dataclass(frozen=True)
class Backend:
    """The state container and secrets key of an environment, as ARM ids (from its bootstrap rendering)."""

    state_container: str
    secrets_key: str


def backend_of(bootstrap: Rendering, url_output: str = "stateBackendUrl") -> Backend:
    """The main stacks' backend, or with `bootstrapBackendUrl` the bootstrap's own."""
    url = str(bootstrap.exports[url_output])  # azblob://<container>?storage_account=<account>
    container, account = url.removeprefix("azblob://").split("?storage_account=")
    provider = SecretsProviderUrl.parse(str(bootstrap.exports["secretsProvider"]))
    if provider is None:
        raise ValueError(
            f"the bootstrap's secretsProvider is not a Key Vault key: {bootstrap.exports['secretsProvider']}"
        )
    return Backend(
        _one_id(bootstrap, "azure-native:storage:BlobContainer", {"accountName": account, "containerName": container}),
        _one_id(bootstrap, "azure-native:keyvault:Key", {"vaultName": provider.vault, "keyName": provider.key}),
    )


def _backend(backend: Backend, writes: bool) -> list[tuple[str, Need]]:
    return [("state backend", need) for need in backend_needs(backend.state_container, backend.secrets_key, writes)]


def _one_id(rendering: Rendering, type_token: str, inputs: Mapping[str, str]) -> str:
    return next(r.id for r in rendering.of_type(type_token) if all(r.inputs.get(k) == v for k, v in inputs.items()))


def _scopes(rendering: Rendering, bootstrap: Rendering | None) -> dict[str, str]:
    subscription = _subscription(rendering)
    group = str(bootstrap.exports["resourceGroupName"]) if bootstrap else ""
    return {"subscription": subscription, "environment resource group": f"{subscription}/resourceGroups/{group}"}


def environment_verdicts(main: Rendering, bootstrap: Rendering, pim: Rendering | None = None) -> list[RightsVerdict]:
    """For one environment: can its deployer run `pulumi up`, its preview reader `pulumi preview`, and the PIM
    administrator the PIM phase?"""
    backend = backend_of(bootstrap)
    owner = main.caller.object_id if main.caller and main.caller.graph_rights_owned_only else None
    deployer = pipeline_identity(bootstrap, "deployerClientId", "the pipeline deployer", owner)
    preview = pipeline_identity(bootstrap, "previewClientId", "the preview reader", None)
    verdicts = [
        check(deployer, f"pulumi up --stack {main.stack}", [*resource_needs(main, deployer), *_backend(backend, True)]),
        check(
            preview,
            f"pulumi preview --stack {main.stack}",
            [*((r.name, need) for r in main.resources for need in preview_needs(r)), *_backend(backend, False)],
        ),
    ]
    if "auditClientId" in bootstrap.exports:
        # The scheduled drift audit reads what the stack declares, and nothing of the state.
        auditor = pipeline_identity(bootstrap, "auditClientId", "the drift auditor", None)
        declared = [r for rendering in (main, pim) if rendering is not None for r in rendering.resources]
        key_version = ArmNeed(
            "Microsoft.KeyVault/vaults/keys/read",
            backend.secrets_key,
            "read which version of the secrets key is current",
        )
        verdicts.append(
            check(
                auditor,
                f"python -m offline.drift --stack {main.stack}",
                [*((r.name, need) for r in declared for need in audit_needs(r)), ("state backend", key_version)],
            )
        )
    if pim is not None:
        # Its state sits beside the main stack's, whose outputs it reads (a stack reference reads in one backend).
        admin = administrator("pim", _scopes(main, bootstrap), bootstrap)
        task = f"pulumi up --stack {main.stack} (PIM phase)"
        verdicts.append(check(admin, task, [*resource_needs(pim, admin), *_backend(backend, True)]))
    return verdicts


def bootstrap_verdict(bootstrap: Rendering) -> RightsVerdict:
    """The bootstrap's administrator, with the bootstrap's state in its own container (runbook step 4)."""
    admin = administrator("bootstrap", _scopes(bootstrap, bootstrap), bootstrap)
    own_backend = backend_of(bootstrap, "bootstrapBackendUrl")
    task = f"pulumi up --stack {bootstrap.stack} (bootstrap)"
    return check(admin, task, [*resource_needs(bootstrap, admin), *_backend(own_backend, True)])


def failed(verdicts: Sequence[RightsVerdict]) -> list[RightsVerdict]:
    return [v for v in verdicts if not v.passed]


__all__ = [
    "Backend",
    "Missing",
    "Registration",
    "RightsVerdict",
    "bootstrap_verdict",
    "check",
    "environment_verdicts",
    "failed",
    "holds_arm",
    "holds_graph",
]
