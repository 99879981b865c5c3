"""The report of one environment, as the plan prints it: what it creates, who can do what, whether the design
rules hold, whether each identity can do its task, and what replacing each kind of resource would cost."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from components.catalogue.resource_types import ENTRA_APPLICATION
from offline.formats import Section, as_written
from offline.inventory import AccessEntry, CredentialEntry, Inventory, build_inventory
from offline.registrations import Registration, Rendering, direct_dependencies
from offline.rehearsal import Rehearsal, ReplacementProfile, replacement_profile
from offline.render import with_phases
from offline.rights.check import RightsVerdict, bootstrap_verdict, environment_verdicts
from offline.settings_view import ProjectSettings, settings_dict, settings_rows, settings_sections
from policy.rules import Resource, Verdict, Violation, evaluate


@dataclass(frozen=True)
class Environment:
    """One environment's renderings: the main stack, its PIM phase (if it has one) and its bootstrap."""

    main: Rendering
    pim: Rendering | None = None
    bootstrap: Rendering | None = None
    settings: tuple[ProjectSettings, ...] = ()  # each project's validated stack file, as the plan shows it

    @property
    def stack(self) -> str:
        return self.main.stack

    @property
    def combined(self) -> Rendering:
        """What runs in the environment's subscription on its behalf: the main stack and its PIM phase."""
        return with_phases(self.main, self.pim)


@dataclass(frozen=True)
class TreeNode:
    """A resource in the tree, with what a reviewer checks of it: its name in Azure or Entra, where it lives and
    its SKU; `inputs` as registered, secret inputs replaced (JSON output carries them)."""

    depth: int
    name: str
    type: str
    urn: str
    protect: bool
    azure_name: str = "-"
    resource_group: str = "-"
    region: str = "-"
    sku: str = "-"
    inputs: dict[str, Any] = field(default_factory=dict, compare=False)
    depends_on: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{'  ' * self.depth}{self.name}{' (protected)' if self.protect else ''}"


@dataclass(frozen=True)
class StackReport:
    stack: str
    tree: tuple[TreeNode, ...]
    inventory: Inventory
    verdicts: tuple[Verdict, ...]
    warnings: tuple[str, ...] = ()
    rights: tuple[RightsVerdict, ...] = ()
    replacements: tuple[ReplacementProfile, ...] = ()
    rehearsals: tuple[Rehearsal, ...] = field(default_factory=tuple)
    settings: tuple[ProjectSettings, ...] = ()
    # The bootstrap's federated credentials (the deployer's and the preview reader's): with the main stack's, every
    # subject that can sign in to Azure for this environment.
    pipeline_credentials: tuple[CredentialEntry, ...] = ()
    # What the bootstrap grants (the deployer, the preview reader, state administrators, local previewers).
    pipeline_access: tuple[AccessEntry, ...] = ()

    @property
    def all_grants(self) -> tuple[tuple[str, AccessEntry], ...]:
        """(project, grant) of every role assignment and eligibility for this environment: main and bootstrap."""
        return (*(("main", e) for e in self.inventory.access), *(("bootstrap", e) for e in self.pipeline_access))

    @property
    def trusted_credentials(self) -> tuple[tuple[str, CredentialEntry], ...]:
        """(project, credential) of every federated credential that can sign in for this environment."""
        return (
            *(("main", c) for c in self.inventory.credentials),
            *(("bootstrap", c) for c in self.pipeline_credentials),
        )

    @property
    def violations(self) -> list[Violation]:
        return [v for verdict in self.verdicts for v in verdict.violations]

    @property
    def rights_missing(self) -> list[RightsVerdict]:
        return [r for r in self.rights if not r.passed]

    @property
    def blocked(self) -> list[str]:
        return [f"{s.name}: {reason}" for r in self.rehearsals for s in r.blocked for reason in s.blocked]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resourceCount": len(self.tree),
            "resources": [asdict(node) for node in self.tree],
            "settings": settings_dict(self.settings),
            "warnings": list(self.warnings),
            "inventory": self.inventory.to_dict(),
            "bootstrapAccess": [asdict(e) for e in self.pipeline_access],
            "trustedSubjects": [{"project": project, **asdict(c)} for project, c in self.trusted_credentials],
            "policies": [
                {
                    "policy": v.policy,
                    "description": v.description,
                    "passed": v.passed,
                    "checked": v.checked,
                    "violations": [{"urn": x.urn, "message": x.message} for x in v.violations],
                }
                for v in self.verdicts
            ],
            "rights": [r.to_dict() for r in self.rights],
            "ifReplaced": [asdict(p) for p in self.replacements],
            "rehearsals": [r.to_dict() for r in self.rehearsals],
            "passed": not self.violations and not self.rights_missing and not self.blocked,
        }

    def summary(self) -> str:
        failed = sum(1 for v in self.verdicts if not v.passed)
        policies = "every policy passes" if not failed else f"{failed} policies FAIL"
        rights = (
            "every identity can do its task"
            if not self.rights_missing
            else (f"{len(self.rights_missing)} identities lack rights")
        )
        return (
            f"{len(self.tree)} resources, {len(self.inventory.access)} grants, {len(self.inventory.groups)} groups, "
            f"{len(self.inventory.credentials)} federated credentials; {len(self.verdicts)} policies: {policies}; "
            f"{rights}"
        )

    def sections(self) -> list[Section]:
        inventory = self.inventory
        sections = [Section("Warnings", lines=self.warnings)] if self.warnings else []
        sections += [
            Section(
                "Resources",
                ("Resource", "Type", "Name in Azure / Entra", "Resource group", "Region", "SKU"),
                tuple(
                    (n.label, short_type(n.type), n.azure_name, n.resource_group, n.region, n.sku) for n in self.tree
                ),
            ),
            *settings_sections(self.settings),
            Section(
                "Access inventory",
                ACCESS_COLUMNS,
                tuple(_access_row(e) for e in inventory.access),
            ),
            Section(
                "Access granted by the bootstrap (delivery: deployer, preview reader, state administrators, local "
                "previewers)",
                (*ACCESS_COLUMNS, "Condition"),
                tuple((*_access_row(e), e.condition or "-") for e in self.pipeline_access),
            ),
            Section(
                "Entra groups",
                ("Group", "Object id", "Members", "Owners"),
                tuple(
                    (g.display_name, g.object_id, ", ".join(g.members) or "-", ", ".join(g.owners) or "-")
                    for g in inventory.groups
                ),
            ),
            Section(
                "Federated credentials (every subject that can sign in for this environment)",
                ("Project", "Identity", "Kind", "Credential", "Issuer", "Subject", "Audiences"),
                tuple(
                    (project, c.identity, c.identity_kind, c.name, c.issuer, c.subject, ", ".join(c.audiences))
                    for project, c in self.trusted_credentials
                ),
            ),
            *(
                [
                    Section(
                        "Client secrets (outside prod only, each with its end)",
                        ("Identity", "Secret", "Ends", "Value kept in"),
                        tuple((c.identity, c.name, c.ends, c.kept_in) for c in inventory.secrets),
                    )
                ]
                if inventory.secrets
                else []
            ),
            Section(
                "Policies",
                ("Policy", "Result", "Checked", "Rule"),
                tuple(
                    (v.policy, "pass" if v.passed else f"FAIL ({len(v.violations)})", str(v.checked), v.description)
                    for v in self.verdicts
                ),
            ),
            Section(
                "Rights",
                ("Identity", "Task", "Needs checked", "Result"),
                tuple(
                    (r.holder, r.task, str(r.checked), "can" if r.passed else f"CANNOT ({len(r.missing)} missing)")
                    for r in self.rights
                ),
                tuple(f"{r.holder} lacks {m}" for r in self.rights for m in r.missing),
            ),
            Section(
                "If replaced",
                ("Project", "Resource type", "Count", "Protected", "Replaced", "While the old one is gone"),
                tuple((p.project, p.type, p.count, p.protected, p.order, p.cost) for p in self.replacements),
            ),
        ]
        for rehearsal in self.rehearsals:
            sections.append(
                Section(
                    f"Rehearsal: {rehearsal.change}",
                    ("Action", "Resource", "Replaced for", "Order", "Consequences", "Blocked"),
                    tuple(
                        (
                            s.action,
                            s.name,
                            ", ".join(s.forced_by) or ", ".join(s.changed) or "-",
                            s.order or "-",
                            "; ".join(s.consequences) or "-",
                            "; ".join(s.blocked) or "-",
                        )
                        for s in rehearsal.steps
                    )
                    or (("(nothing changes)", "-", "-", "-", "-", "-"),),
                )
            )
        if self.violations:
            sections.append(
                Section(
                    "Violations",
                    lines=tuple(f"{v.policy}: {v.urn.rsplit('::', 1)[-1]}: {v.message}" for v in self.violations),
                )
            )
        return sections

    def csv_rows(self) -> list[dict[str, str]]:
        s = self.stack
        rows = [
            {
                "stack": s,
                "section": "resource",
                "name": n.name,
                "kind": n.type,
                "scope": n.resource_group,
                "detail": f"depth {n.depth}; name {n.azure_name}; region {n.region}; sku {n.sku}"
                + ("; protected" if n.protect else ""),
                "urn": n.urn,
            }
            for n in self.tree
        ]
        rows += [
            {"stack": s, "section": f"setting {project}", "name": key, "kind": origin, "detail": value}
            for project, key, value, origin in settings_rows(self.settings)
        ]
        rows += [{"stack": s, "section": "warning", "detail": w} for w in self.warnings]
        rows += [
            {
                "stack": s,
                "section": "access",
                "name": e.principal.display_name,
                "kind": e.principal.kind,
                "role": e.role_name,
                "role_guid": e.role_guid,
                "scope": e.scope,
                "access": e.access,
                "detail": e.principal.object_id,
                "urn": e.urn,
            }
            for e in self.inventory.access
        ]
        rows += [
            {
                "stack": s,
                "section": "group",
                "name": g.display_name,
                "kind": "Entra security group" if g.security_enabled else "Entra group",
                "detail": f"members: {'; '.join(g.members)} | owners: {'; '.join(g.owners)}",
                "urn": g.urn,
            }
            for g in self.inventory.groups
        ]
        rows += [
            {
                "stack": s,
                "section": "federated-credential",
                "name": c.identity,
                "kind": c.identity_kind,
                "scope": project,
                "detail": f"{c.name}: issuer {c.issuer} subject {c.subject} audiences {' '.join(c.audiences)}",
                "urn": c.urn,
            }
            for project, c in self.trusted_credentials
        ]
        rows += [
            {
                "stack": s,
                "section": "policy",
                "name": v.policy,
                "kind": "pass" if v.passed else "fail",
                "detail": "; ".join(f"{x.urn.rsplit('::', 1)[-1]}: {x.message}" for x in v.violations) or v.description,
            }
            for v in self.verdicts
        ]
        rows += [
            {
                "stack": s,
                "section": "rights",
                "name": r.holder,
                "kind": "can" if r.passed else "cannot",
                "detail": f"{r.task}: " + ("; ".join(str(m) for m in r.missing) or f"{r.checked} needs held"),
            }
            for r in self.rights
        ]
        rows += [
            {
                "stack": s,
                "section": "if-replaced",
                "name": f"{p.project} {p.type}",
                "kind": p.order,
                "detail": f"{p.count} ({p.protected} protected): {p.cost}",
            }
            for p in self.replacements
        ]
        rows += [
            {
                "stack": s,
                "section": "rehearsal",
                "name": step.name,
                "kind": step.action,
                "detail": f"{rehearsal.change}: {step.order or '-'}; "
                + "; ".join((*step.consequences, *(f"BLOCKED {b}" for b in step.blocked))),
                "urn": step.urn,
            }
            for rehearsal in self.rehearsals
            for step in rehearsal.steps
        ]
        return rows


ACCESS_COLUMNS = ("Principal", "Kind", "Signs in", "Role", "Role GUID", "Scope", "Access")


def _access_row(e: AccessEntry) -> tuple[str, ...]:
    return (e.principal.display_name, e.principal.kind, e.authentication, e.role_name, e.role_guid, e.scope, e.access)


ENTRA = "Entra ID (the tenant)"
SECRET = "(secret)"
_RESOURCE_GROUP = re.compile(r"/resourceGroups/([^/]+)", re.IGNORECASE)


def short_type(token: str) -> str:
    """`azure-native:cognitiveservices:Account` -> `cognitiveservices:Account`, `azuread:index/group:Group` ->
    `azuread:Group`, a component's token -> its class."""
    package, _, rest = token.partition(":")
    module, _, kind = rest.partition(":")
    if package == "azure-native":
        return f"{module}:{kind}"
    return f"{package}:{kind}" if package == "azuread" else kind


def sku_of(inputs: dict[str, Any]) -> str:
    """The SKU as Azure names it (and its capacity: tokens per minute in thousands, PTUs, or instances)."""
    properties = inputs.get("properties")
    sku = inputs.get("sku") or (properties.get("sku") if isinstance(properties, dict) else None)
    if isinstance(sku, str):
        return sku
    if not isinstance(sku, dict) or not sku.get("name"):
        return "-"
    parts = [str(sku["name"])]
    if sku.get("tier"):
        parts.append(f"tier {sku['tier']}")
    if sku.get("capacity") is not None:
        parts.append(f"capacity {as_written(sku['capacity'])}")
    return ", ".join(parts)


def public_inputs(resource: Registration) -> dict[str, Any]:
    return {key: SECRET if key in resource.secret_inputs else value for key, value in resource.inputs.items()}


def _node(resource: Registration, depth: int, application_names: dict[str, str]) -> TreeNode:
    where: dict[str, str] = {}
    if resource.type.startswith("azuread:"):
        # A service principal has no name of its own: Entra shows its application's.
        own = resource.inputs.get("displayName") or application_names.get(str(resource.inputs.get("clientId")))
        name = own or resource.state.get("displayName") or resource.id
        where = {"azure_name": str(name), "resource_group": ENTRA}
    elif resource.custom:
        group = _RESOURCE_GROUP.search(resource.id)
        where = {
            "azure_name": resource.id.rstrip("/").rsplit("/", 1)[-1] or "-",
            "resource_group": group.group(1) if group else "-",
            "region": str(resource.inputs.get("location") or "-"),
            "sku": sku_of(resource.inputs),
        }
    return TreeNode(
        depth,
        resource.name,
        resource.type,
        resource.urn,
        resource.protect,
        **where,
        inputs=public_inputs(resource) if resource.custom else {},
        depends_on=tuple(sorted(direct_dependencies(resource))),
    )


def resource_tree(rendering: Rendering) -> tuple[TreeNode, ...]:
    """Depth-first, each component followed by its children (sorted by name, so the output is stable)."""
    urns = {r.urn for r in rendering.resources}
    children: dict[str, list[Any]] = {}
    roots: list[Any] = []
    for r in rendering.resources:
        if r.parent in urns:
            children.setdefault(r.parent, []).append(r)
        else:
            roots.append(r)
    nodes: list[TreeNode] = []
    application_names = {
        str(r.state.get("clientId")): str(r.inputs.get("displayName"))
        for r in rendering.resources
        if r.type == ENTRA_APPLICATION and r.inputs.get("displayName")
    }

    def walk(resource: Any, depth: int) -> None:
        nodes.append(_node(resource, depth, application_names))
        for child in sorted(children.get(resource.urn, []), key=lambda c: c.name):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda r: r.name):
        walk(root, 0)
    return tuple(nodes)


def policy_resources(rendering: Rendering) -> list[Resource]:
    return [Resource(r.urn, r.type, r.inputs, r.state, r.property_dependencies, r.protect) for r in rendering.resources]


def build_report(environment: Environment, rehearsals: tuple[Rehearsal, ...] = ()) -> StackReport:
    combined = environment.combined
    rights: list[RightsVerdict] = []
    warnings = list(combined.warnings)
    if environment.bootstrap is not None:
        rights = environment_verdicts(environment.main, environment.bootstrap, environment.pim)
        rights.append(bootstrap_verdict(environment.bootstrap))
    else:
        warnings.append("rights not checked: no bootstrap stack file defines this environment's deployer")
    if environment.pim is None and environment.main.exports.get("environment") == "prod":
        warnings.append(
            f"no pim/Pulumi.{environment.stack}.yaml: in prod nobody holds Foundry Account Owner standing, and without "
            "the PIM phase the platform admins are not eligible for it either"
        )
    pipeline = build_inventory(environment.bootstrap) if environment.bootstrap else None
    return StackReport(
        stack=environment.stack,
        tree=resource_tree(combined),
        inventory=build_inventory(combined),
        verdicts=tuple(evaluate(policy_resources(combined), combined.stack)),
        warnings=tuple(warnings),
        rights=tuple(rights),
        replacements=replacement_profile(with_phases(combined, environment.bootstrap)),
        rehearsals=rehearsals,
        settings=environment.settings,
        pipeline_credentials=pipeline.credentials if pipeline else (),
        pipeline_access=pipeline.access if pipeline else (),
    )
