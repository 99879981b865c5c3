"""Replacement rehearsal: what `pulumi up` would do to a deployed stack when its configuration changes.

A stack is rendered as it is (before) and as it would be (after); every resource is then classified the way the
engine and its provider would: created, updated in place, replaced or deleted. Then the consequences a reviewer
must see before approving:

- Which way a replacement goes. azure-native deletes first whenever a change forces replacement of a resource
  with an explicit name (its provider's Diff sets DeleteBeforeReplace; only auto-named resources are created
  first). pulumi-azuread sets DeleteBeforeReplace nowhere, so Entra objects are created first, unless the
  program sets the `delete_before_replace` resource option (it does for federated credentials and PIM requests).
- What delete-first costs: a role assignment deleted and re-created is an access gap until the new one has
  propagated (up to ten minutes); a deleted Foundry account or Key Vault keeps its name reserved (soft delete,
  purge protection), so re-creating it fails; a deleted project takes its agents, threads and files along.
- What create-first collides with: duplicate-name prevention sees the old group or application; a federated
  credential's issuer and subject are still taken; azure-native's PIM resource finds the old schedule.
- What is refused outright: a protected resource is never deleted by `pulumi up`; Azure refuses some in-place
  changes that azure-native sends as updates (a role assignment's role); a new resource whose Azure id is still
  held by a resource the same update deletes (deletes run after creates).

A replaced resource gets new generated ids (object ids, principal ids), so what depends on them may be replaced
in turn: the after-stack is rendered again with those resources marked re-created, until nothing new is replaced.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from components.catalogue.resource_types import (
    ACCOUNT,
    ENTRA_APPLICATION,
    ENTRA_CREDENTIAL,
    ENTRA_GROUP,
    IDENTITY_CREDENTIAL,
    MANAGEMENT_LOCK,
    PIM_ELIGIBILITY,
    ROLE_ASSIGNMENT,
    VAULT,
)
from offline.arm import ARM_TYPES, ArmType
from offline.inventory import build_inventory
from offline.registrations import Registration, Rendering, direct_dependencies, flatten
from offline.render import (
    BOOTSTRAP_DIR,
    BOOTSTRAP_PROJECT,
    PIM_DIR,
    PIM_PROJECT,
    PROJECT_DIR,
    PROJECT_NAME,
    main_stack_reference,
    render,
    stack_config,
    with_phases,
)

Action = Literal["create", "update", "replace", "delete"]
DELETE_FIRST = "delete first"
CREATE_FIRST = "create first"

# What replaces an Entra object: the ForceNew fields of terraform-provider-azuread v3.9.0 (the provider
# pulumi-azuread 6.x wraps), by the Pulumi input name. Everything else is updated in place.
ENTRA_REPLACE_INPUTS: dict[str, tuple[str, ...]] = {
    "azuread:index/application:Application": ("templateId",),
    "azuread:index/servicePrincipal:ServicePrincipal": ("clientId",),
    "azuread:index/group:Group": ("types", "mailNickname", "assignableToRole", "behaviors", "provisioningOptions"),
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential": (
        "applicationId",
        "displayName",
    ),
    "azuread:index/appRoleAssignment:AppRoleAssignment": ("appRoleId", "principalObjectId", "resourceObjectId"),
    "azuread:index/groupMember:GroupMember": ("groupObjectId", "memberObjectId"),
    # Every argument of these replaces them (no update in place).
    "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri": ("applicationId", "identifierUri"),
    "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized": ("applicationId", "authorizedClientId"),
    "azuread:index/applicationPassword:ApplicationPassword": (
        "applicationId",
        "displayName",
        "endDate",
        "endDateRelative",
        "rotateWhenChanged",
        "startDate",
    ),
}
RBAC_PROPAGATION = "up to 10 minutes"


@dataclass(frozen=True)
class Step:
    urn: str
    type: str
    action: Action
    changed: tuple[str, ...] = ()  # input paths that differ
    forced_by: tuple[str, ...] = ()  # the changed inputs that replace it
    order: str = ""  # DELETE_FIRST / CREATE_FIRST for a replacement
    consequences: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()  # why `pulumi up` (or Azure) would stop here

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Rehearsal:
    stack: str
    change: str
    steps: tuple[Step, ...]

    @property
    def blocked(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.blocked)

    def of(self, action: Action) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action == action)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"stack": self.stack, "change": self.change, "steps": [asdict(s) for s in self.steps]}


# --- classifying one resource ------------------------------------------------------------------------------


def changed_inputs(before: Registration, after: Registration) -> tuple[tuple[str, ...], set[str]]:
    """(changed input paths, changed top-level inputs), leaving out what `ignore_changes` hides from the diff."""
    old, new = flatten(before.inputs), flatten(after.inputs)
    ignored = after.ignore_changes
    paths = tuple(
        sorted(
            p
            for p in old.keys() | new.keys()
            if old.get(p) != new.get(p) and not any(p == i or p.startswith((f"{i}.", f"{i}[")) for i in ignored)
        )
    )
    return paths, {p.split(".", 1)[0] for p in paths}


def forcing(resource: Registration, top_level: set[str]) -> tuple[str, ...]:
    """The changed top-level inputs that replace `resource` (resource option, azure-native's rules, azuread's)."""
    if "*" in resource.replace_on_changes:
        return tuple(sorted(top_level))
    forced = top_level & set(resource.replace_on_changes)
    arm = ARM_TYPES.get(resource.type)
    if arm is not None:
        forced |= top_level & {*arm.path_inputs, *arm.replace_inputs}
    forced |= top_level & set(ENTRA_REPLACE_INPUTS.get(resource.type, ()))
    return tuple(sorted(forced))


def refused_updates(resource: Registration, top_level: set[str], forced: tuple[str, ...]) -> tuple[str, ...]:
    return _updates_listed(resource, top_level, forced, lambda arm: arm.refused_updates)


def unapplied_updates(resource: Registration, top_level: set[str], forced: tuple[str, ...]) -> tuple[str, ...]:
    return _updates_listed(resource, top_level, forced, lambda arm: arm.unapplied_updates)


def _unapplied_paths(resource: Registration, paths: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(steps to take by hand, paths no update will ever apply) of an update Azure does not apply."""
    arm = ARM_TYPES[resource.type]
    steps: list[str] = []
    never: list[str] = []
    for path in paths:
        how = next(
            (how for prefix, how in arm.applied_by_hand if path == prefix or path.startswith(f"{prefix}.")), None
        )
        if how is None:
            never.append(path)
        elif how not in steps:
            steps.append(how)
    return tuple(steps), tuple(never)


def _updates_listed(
    resource: Registration, top_level: set[str], forced: tuple[str, ...], listed: Callable[[ArmType], tuple[str, ...]]
) -> tuple[str, ...]:
    """The changed top-level inputs of an in-place update that one of the ArmType's lists names."""
    arm = ARM_TYPES.get(resource.type)
    if arm is None or forced:
        return ()
    if "*" in listed(arm):
        return tuple(sorted(top_level))
    return tuple(sorted(top_level & set(listed(arm))))


def replacement_order(resource: Registration) -> str:
    if resource.delete_before_replace:
        return DELETE_FIRST
    arm = ARM_TYPES.get(resource.type)
    if arm is None:
        return CREATE_FIRST  # bridged (azuread): the engine's default
    # azure-native creates first only what it names itself (its `__createBeforeDelete` flag): a name segment left
    # out of the inputs, or one the provider always generates (a PIM request's name).
    left_out = any(not resource.inputs.get(n) for n in arm.name_inputs if not n.startswith("="))
    return CREATE_FIRST if arm.generated_name or left_out else DELETE_FIRST


# --- consequences ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    before: Rendering
    after: Rendering
    grants: Mapping[str, str]  # urn -> "principal: role on scope"
    deleted_ids: Mapping[str, Registration]  # lower ARM id -> resource whose URN goes away
    deleted_names: Mapping[tuple[str, str], Registration]  # (type, lower display name) -> Entra object going away
    deleted_credentials: Mapping[tuple[str, ...], Registration] = field(default_factory=dict)


# What is lost while a resource of each type is gone; `{subject}` is a federated credential's subject.
LOSSES: dict[str, str] = {
    "azure-native:cognitiveservices:Account": "the Foundry account is soft-deleted with every project, deployment, "
    "connection and agent data under it; its name stays reserved until purged",
    "azure-native:keyvault:Vault": "the Key Vault is soft-deleted with its secrets; purge protection keeps its name "
    "reserved for the retention period",
    "azure-native:cognitiveservices:Project": "the project's agents, threads, files and evaluations are deleted with it",
    "azure-native:cognitiveservices:Deployment": "callers of this model deployment get errors until it is re-created",
    "azure-native:managedidentity:UserAssignedIdentity": "the identity gets a new principal: every grant to it is "
    "re-created and workloads using it sign in as a new identity",
    "azure-native:storage:StorageAccount": "the storage account's data is deleted with it (agent files, in the standard "
    "agent setup)",
    "azure-native:storage:BlobContainer": "the container's blobs are deleted with it",
    "azure-native:keyvault:Key": "the key is deleted: what it encrypted can no longer be decrypted",
    "azure-native:search:Service": "the search service is deleted with its indexes: the agents' vector stores",
    "azure-native:cosmosdb:DatabaseAccount": "the Cosmos DB account is deleted with the agents' threads and messages",
    "azure-native:cognitiveservices:ProjectCapabilityHost": "the project's agents cannot run until the new capability "
    "host exists (their data stays in the environment's stores)",
    "azure-native:cognitiveservices:AccountCapabilityHost": "no project's agents can run until the account's capability "
    "host and the projects' are re-created",
    "azure-native:cosmosdb:SqlResourceSqlRoleAssignment": "access gap: the project's agents cannot read or write "
    "their threads until the new Cosmos data role assignment exists",
    IDENTITY_CREDENTIAL: "sign-ins with subject {subject} fail until the new credential exists",
    ENTRA_CREDENTIAL: "sign-ins with subject {subject} fail until the new credential exists",
}


# `retain_on_delete`: Pulumi drops it from the state and leaves it in Azure.
RETAINED = (
    "not deleted in Azure (retainOnDelete): {name} stays, and declaring it again fails (azure-native will not create "
    "what exists) until it is removed or imported"
)


def _loss(resource: Registration, context: _Context) -> list[str]:
    """What is lost while the old resource is gone (delete first, or deleted for good)."""
    grant = context.grants.get(resource.urn, resource.urn)
    if resource.type == ROLE_ASSIGNMENT:
        return [f"access gap: {grant}, gone until the new assignment exists and has propagated ({RBAC_PROPAGATION})"]
    if resource.type == PIM_ELIGIBILITY:
        return [f"eligibility gap: {grant} cannot be activated until the new eligibility exists"]
    loss = LOSSES.get(resource.type)
    losses = [loss.format(subject=repr(resource.inputs.get("subject")))] if loss else []
    identity = resource.inputs.get("identity")
    if isinstance(identity, Mapping) and "SystemAssigned" in str(identity.get("type", "")):
        losses.append(
            "its system-assigned identity is deleted with it: the new one is a new principal, every grant to the old "
            "one is re-created for it, and its calls fail until those have propagated"
        )
    return losses


def _replacement_blocks(before: Registration, after: Registration, order: str) -> list[str]:
    blocked: list[str] = []
    if before.protect:
        blocked.append("protected: `pulumi up` refuses to delete it (unprotect it deliberately first)")
    if order == DELETE_FIRST and before.type == ACCOUNT and before.id.lower() == after.id.lower():
        blocked.append("the deleted account is soft-deleted and keeps its name: the re-create fails until it is purged")
    if order == DELETE_FIRST and before.type == VAULT and before.id.lower() == after.id.lower():
        blocked.append("purge protection keeps the deleted vault's name: the re-create fails for the retention period")
    if order == CREATE_FIRST:
        same = lambda key: before.inputs.get(key) == after.inputs.get(key)  # noqa: E731
        if (
            before.type in (ENTRA_GROUP, ENTRA_APPLICATION)
            and after.inputs.get("preventDuplicateNames")
            and same("displayName")
        ):
            blocked.append(
                "created before the old one is deleted, and duplicate-name prevention finds the old one "
                f"({after.inputs.get('displayName')!r})"
            )
        if before.type == ENTRA_CREDENTIAL and same("applicationId") and same("issuer") and same("subject"):
            blocked.append("created before the old one is deleted: issuer and subject are unique per application")
        if before.type == PIM_ELIGIBILITY and same("principalId") and same("roleDefinitionId"):
            blocked.append(
                "created before the old one is deleted: azure-native's PIM resource finds the old schedule for the "
                "same principal and role and refuses to create"
            )
    return blocked


def _credential_key(resource: Registration) -> tuple[str, ...] | None:
    """(identity, issuer, subject) of a federated credential; None for anything else."""
    if resource.type == ENTRA_CREDENTIAL:
        owner = str(resource.inputs.get("applicationId"))
    elif resource.type == IDENTITY_CREDENTIAL:
        owner = f"{resource.inputs.get('resourceGroupName')}/{resource.inputs.get('resourceName')}"
    else:
        return None
    return (owner, str(resource.inputs.get("issuer")), str(resource.inputs.get("subject")))


def _create_blocks(after: Registration, context: _Context) -> list[str]:
    blocked: list[str] = []
    key = _credential_key(after)
    old_credential = context.deleted_credentials.get(key) if key else None
    if old_credential is not None:
        blocked.append(
            f"same issuer and subject as {old_credential.urn.rsplit('::', 1)[-1]} on the same identity, which this "
            "update deletes only after its creates (a renamed credential is a new resource): Entra refuses a second "
            "one; rename in two deploys, removing the old credential first"
        )
    old = context.deleted_ids.get(after.id.lower()) if after.type in ARM_TYPES else None
    if old is not None:
        blocked.append(
            f"its Azure id is still held by {old.urn.rsplit('::', 1)[-1]}, which this update deletes only after its "
            "creates: azure-native refuses to create an existing resource"
        )
    name = str(after.inputs.get("displayName", "")).lower()
    old_entra = context.deleted_names.get((after.type, name)) if after.inputs.get("preventDuplicateNames") else None
    if old_entra is not None:
        blocked.append(
            f"display name {after.inputs.get('displayName')!r} is still held by {old_entra.urn.rsplit('::', 1)[-1]}, "
            "deleted only after the creates: duplicate-name prevention refuses it"
        )
    return blocked


# --- the rehearsal -----------------------------------------------------------------------------------------


def classify(before: Rendering, after: Rendering, names_from: Rendering | None = None) -> tuple[Step, ...]:
    """Every resource's step. `names_from` names the principals (the whole environment, when `before` is a phase)."""
    old = {r.urn: r for r in before.resources if r.custom}
    new = {r.urn: r for r in after.resources if r.custom}
    inventory = {
        e.urn: f"{e.principal.display_name}: {e.role_name} on {e.scope}"
        for e in build_inventory(names_from or before).access
    }
    going = [old[urn] for urn in old.keys() - new.keys()]
    context = _Context(
        before,
        after,
        inventory,
        {r.id.lower(): r for r in going if r.type in ARM_TYPES},
        {
            (r.type, str(r.inputs.get("displayName", "")).lower()): r
            for r in going
            if r.type in (ENTRA_GROUP, ENTRA_APPLICATION)
        },
        {key: r for r in going if (key := _credential_key(r)) is not None},
    )
    steps: list[Step] = []
    for urn, resource in new.items():
        if urn not in old:
            steps.append(Step(urn, resource.type, "create", blocked=tuple(_create_blocks(resource, context))))
            continue
        previous = old[urn]
        paths, top_level = changed_inputs(previous, resource)
        if not paths:
            continue
        forced = forcing(resource, top_level)
        if not forced:
            refused = refused_updates(resource, top_level, forced)
            unapplied = unapplied_updates(resource, top_level, forced)
            why: list[str] = []
            if refused:
                why.append(
                    f"Azure refuses to change {', '.join(refused)} of an existing resource, and azure-native sends it "
                    "as an update"
                )
            by_hand, never = _unapplied_paths(resource, paths) if unapplied else ((), ())
            if never:
                why.append(
                    f"Azure answers a change of {', '.join(never)} with success and applies none of it (an existing "
                    "key is never updated): a new key needs a new name, and the stacks re-keyed to it before the old "
                    "one goes (docs/delivery.md, 'The secrets key')"
                )
            steps.append(Step(urn, resource.type, "update", paths, consequences=by_hand, blocked=tuple(why)))
            continue
        order = replacement_order(resource)
        consequences = _loss(previous, context) if order == DELETE_FIRST else []
        steps.append(
            Step(
                urn,
                resource.type,
                "replace",
                paths,
                forced,
                order,
                tuple(consequences),
                tuple(_replacement_blocks(previous, resource, order)),
            )
        )
    for resource in going:
        blocked = (
            ("protected: `pulumi up` refuses to delete it (unprotect it deliberately first)",)
            if resource.protect
            else ()
        )
        consequences = (
            [RETAINED.format(name=resource.id.rsplit("/", 1)[-1] or resource.name)]
            if resource.retain_on_delete
            else _loss(resource, context)
        )
        steps.append(Step(resource.urn, resource.type, "delete", consequences=tuple(consequences), blocked=blocked))
    return _blocked_by_users(tuple(steps), before)


# Resources Azure refuses to delete while a resource of the listed types still uses them (and stays).
DELETE_REFUSED_WHILE_USED: dict[str, tuple[frozenset[str], str]] = {
    # A subnet with a private endpoint or an app's integration in it cannot be deleted, and neither can its
    # network (InUseSubnetCannotBeDeleted).
    "azure-native:network:VirtualNetwork": (
        frozenset({"azure-native:network:PrivateEndpoint", "azure-native:web:WebApp"}),
        "its subnets are in use",
    ),
    # An App Service plan that still hosts an app cannot be deleted.
    "azure-native:web:AppServicePlan": (frozenset({"azure-native:web:WebApp"}), "apps still run on it"),
    # "Cannot delete resource while nested resources exist" (CannotDeleteResource): a zone's virtual network
    # links go first (seen in Azure/ResourceModules #823 and learntocloud/networking-lab #8).
    "azure-native:privatedns:PrivateZone": (
        frozenset({"azure-native:privatedns:VirtualNetworkLink"}),
        "virtual network links are still on it",
    ),
    # "The policy definition ... cannot be deleted. It is referenced by the policy assignment ..."
    # (InvalidDeletePolicyDefinitionRequest; azuredemoenvironment/ade #37, Azure/Azure-Landing-Zones #444).
    "azure-native:authorization:PolicyDefinition": (
        frozenset({"azure-native:authorization:PolicyAssignment"}),
        "a policy assignment still references it",
    ),
}


def _blocked_by_users(steps: tuple[Step, ...], before: Rendering) -> tuple[Step, ...]:
    """A resource deleted first (a delete-first replacement, or a removal) while a resource that depends on it
    stays: Azure refuses the delete for the types in DELETE_REFUSED_WHILE_USED."""
    going = {s.urn for s in steps if s.action == "delete" or (s.action == "replace" and s.order == DELETE_FIRST)}
    staying = [r for r in before.resources if r.custom and r.urn not in going]
    result: list[Step] = []
    for step in steps:
        user_types, reason = DELETE_REFUSED_WHILE_USED.get(step.type, (frozenset(), ""))
        users = (
            [r.name for r in staying if r.type in user_types and step.urn in direct_dependencies(r)]
            if step.urn in going
            else []
        )
        if users:
            blocked = f"Azure refuses to delete it while {reason}: {', '.join(sorted(users))} stay"
            step = dataclasses.replace(step, blocked=(*step.blocked, blocked))
        result.append(step)
    return tuple(result)


def locked_scopes(rendering: Rendering | None) -> tuple[str, ...]:
    """The ARM ids a CanNotDelete (or ReadOnly) lock of `rendering` (the administrator's phase) sits on."""
    if rendering is None:
        return ()
    return tuple(
        str(lock.inputs.get("scope"))
        for lock in rendering.of_type(MANAGEMENT_LOCK)
        if lock.inputs.get("level") in ("CanNotDelete", "ReadOnly")
    )


def _blocked_by_locks(steps: tuple[Step, ...], before: Rendering, locked: Sequence[str]) -> tuple[Step, ...]:
    """A delete (a removal, or a delete-first replacement) of a locked resource or of anything under it: Azure
    refuses it (ScopeLocked) until the lock is lifted."""
    if not locked:
        return steps
    ids = {r.urn: r.id.lower() for r in before.resources if r.custom}
    result: list[Step] = []
    for step in steps:
        deletes = step.action == "delete" or (step.action == "replace" and step.order == DELETE_FIRST)
        resource_id = ids.get(step.urn, "")
        lock = next((s for s in locked if resource_id and (resource_id + "/").startswith(s.lower() + "/")), None)
        if deletes and lock is not None:
            reason = (
                f"a CanNotDelete lock on {lock.rsplit('/', 1)[-1]} refuses deleting it or anything under it "
                "(ScopeLocked): lift the lock first, then restore it with the PIM phase (docs/runbook.md)"
            )
            step = dataclasses.replace(step, blocked=(*step.blocked, reason))
        result.append(step)
    return tuple(result)


def rehearse(
    before: Rendering,
    render_after: Callable[[frozenset[tuple[str, str]]], Rendering],
    change: str,
    names_from: Rendering | None = None,
    max_rounds: int = 5,
    locked: Sequence[str] = (),
) -> Rehearsal:
    """Classify every resource of `before` against the after-stack, re-rendering it with each replaced resource
    re-created (new generated ids) until no further resource is replaced; `locked` are the ARM ids under a delete
    lock (the administrator's phase), whose deletes Azure refuses."""
    recreated: frozenset[tuple[str, str]] = frozenset()
    for _ in range(max_rounds):
        steps = _blocked_by_locks(classify(before, render_after(recreated), names_from), before, locked)
        replaced = frozenset((s.type, s.name) for s in steps if s.action == "replace")
        if replaced <= recreated:
            return Rehearsal(before.stack, change, steps)
        recreated |= replaced
    raise RuntimeError(f"the replacements of {change!r} did not settle after {max_rounds} rounds")


def set_path(config: dict[str, str], project: str, dotted: str, value: object) -> None:
    """Set `key` or `key.sub.field` of a project's config (structured values are JSON, as the engine passes them)."""
    key, *rest = dotted.split(".")
    full_key = f"{project}:{key}"
    if not rest:
        if value is None:
            config.pop(full_key, None)
        else:
            config[full_key] = value if isinstance(value, str) else json.dumps(value)
        return
    document: Any = json.loads(config.get(full_key, "{}"))
    node = document
    for part in rest[:-1]:
        node = node.setdefault(part, {})
    node[rest[-1]] = value
    config[full_key] = json.dumps(document)


def describe(changes: Sequence[tuple[str, object]]) -> str:
    return ", ".join(f"{key} = {json.dumps(value)}" for key, value in changes)


# --- rehearsing the changes an operator makes ---------------------------------------------------------------

Phase = Literal["main", "pim", "bootstrap"]
PROJECTS: dict[Phase, tuple[Path, str]] = {
    "main": (PROJECT_DIR, PROJECT_NAME),
    "pim": (PIM_DIR, PIM_PROJECT),
    "bootstrap": (BOOTSTRAP_DIR, BOOTSTRAP_PROJECT),
}


def _renderer(
    stack: str, config: Mapping[str, str], phase: Phase, main: Rendering | None, today: date | None
) -> Callable[[frozenset[tuple[str, str]]], Rendering]:
    project_dir, project = PROJECTS[phase]
    outputs = {}
    if phase == "pim":
        assert main is not None
        outputs = {config.get(f"{PIM_PROJECT}:mainStack", main_stack_reference(stack)): main.exports}

    def render_after(recreated: frozenset[tuple[str, str]]) -> Rendering:
        return render(
            stack,
            config=config,
            project_dir=project_dir,
            project_name=project,
            recreated=recreated,
            today=today,
            stack_outputs=outputs,
        )

    return render_after


def rehearse_change(
    stack: str,
    changes: Sequence[tuple[str, object]],
    phase: Phase = "main",
    main: Rendering | None = None,
    today: date | None = None,
    locked: Sequence[str] = (),
) -> Rehearsal:
    """What `pulumi up` does to the deployed `stack` when its stack file gets `changes` (dotted key -> value;
    None removes a key). `phase` "pim" or "bootstrap" changes that project's stack file instead of the main
    program's (the bootstrap's stack is the environment's name)."""
    project_dir, project = PROJECTS[phase]
    if phase == "pim":
        main = main or render(stack, today=today)
    current = stack_config(stack, project_dir)
    changed = dict(current)
    for key, value in changes:
        set_path(changed, project, key, value)
    # The main stack as it is deployed is `main` when given (rendered from the same stack file), else rendered here.
    before = (
        main if phase == "main" and main is not None else _renderer(stack, current, phase, main, today)(frozenset())
    )
    names = with_phases(main, before) if phase == "pim" and main is not None else before
    return rehearse(before, _renderer(stack, changed, phase, main, today), describe(changes), names, locked=locked)


def rehearse_from(stack: str, before_config: Mapping[str, str], today: date | None = None) -> Rehearsal:
    """What `pulumi up` does to `stack` deployed from `before_config` (e.g. the stack file on main) when the current
    stack file is applied: the review of a pull request's configuration change."""
    before = render(stack, config=before_config, today=today)
    after = _renderer(stack, stack_config(stack), "main", None, today)
    return rehearse(before, after, "the stack file against the given one", before)


# --- what a replacement of each kind of resource would do, for the plan of a stack -------------------------


@dataclass(frozen=True)
class ReplacementProfile:
    project: str
    type: str
    count: int
    protected: int
    order: str
    cost: str


def replacement_profile(rendering: Rendering) -> tuple[ReplacementProfile, ...]:
    """Per resource type of `rendering`: how a replacement goes, what the old one's absence costs, how many are
    protected (a replacement of those stops `pulumi up`)."""
    context = _Context(rendering, rendering, {}, {}, {})
    by_type: dict[tuple[str, str], list[Registration]] = {}
    for resource in rendering.resources:
        if resource.custom:
            project = resource.urn.split("::")[1]
            by_type.setdefault((project, resource.type), []).append(resource)
    profile: list[ReplacementProfile] = []
    for (project, type_token), resources in sorted(by_type.items()):
        first = resources[0]
        order = replacement_order(first)
        losses = _loss(first, context) if order == DELETE_FIRST else []
        if order == CREATE_FIRST and first.inputs.get("preventDuplicateNames"):
            cost = "refused if the display name stays: duplicate-name prevention sees the old one until it is deleted"
        elif order == CREATE_FIRST:
            cost = "none while both exist; the old one is deleted after"
        elif first.type == ROLE_ASSIGNMENT:
            cost = f"access gap for its principal until the new assignment has propagated ({RBAC_PROPAGATION})"
        elif first.type == PIM_ELIGIBILITY:
            cost = "eligibility gap until the new eligibility exists"
        else:
            cost = losses[0] if losses else "absent between the delete and the create"
        profile.append(
            ReplacementProfile(project, type_token, len(resources), sum(1 for r in resources if r.protect), order, cost)
        )
    return tuple(profile)
