"""The report of one environment, as the plan prints it: what it creates, who can do what, whether the design
rules hold, whether each identity can do its task, and what replacing each kind of resource would cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from offline.formats import Section
from offline.inventory import Inventory, build_inventory
from offline.registrations import Rendering
from offline.rehearsal import Rehearsal, ReplacementProfile, replacement_profile
from offline.render import with_phases
from offline.rights.check import RightsVerdict, bootstrap_verdict, environment_verdicts
from policy.rules import Resource, Verdict, Violation, evaluate


@dataclass(frozen=True)
class Environment:
    """One environment's renderings: the main stack, its PIM phase (if it has one) and its bootstrap."""

    main: Rendering
    pim: Rendering | None = None
    bootstrap: Rendering | None = None

    @property
    def stack(self) -> str:
        return self.main.stack

    @property
    def combined(self) -> Rendering:
        """What runs in the environment's subscription on its behalf: the main stack and its PIM phase."""
        return with_phases(self.main, self.pim)


@dataclass(frozen=True)
class TreeNode:
    depth: int
    name: str
    type: str
    urn: str
    protect: bool


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
            "warnings": list(self.warnings),
            "inventory": self.inventory.to_dict(),
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
            Section("Resources", lines=tuple(self.tree_lines()), preformatted=True),
            Section(
                "Access inventory",
                ("Principal", "Kind", "Role", "Role GUID", "Scope", "Access"),
                tuple(
                    (e.principal.display_name, e.principal.kind, e.role_name, e.role_guid, e.scope, e.access)
                    for e in inventory.access
                ),
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
                "Federated credentials",
                ("Identity", "Kind", "Credential", "Issuer", "Subject", "Audiences"),
                tuple(
                    (c.identity, c.identity_kind, c.name, c.issuer, c.subject, ", ".join(c.audiences))
                    for c in inventory.credentials
                ),
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

    def tree_lines(self) -> list[str]:
        return [f"{'  ' * n.depth}{n.name}  [{n.type}]{'  (protected)' if n.protect else ''}" for n in self.tree]

    def csv_rows(self) -> list[dict[str, str]]:
        s = self.stack
        rows = [
            {
                "stack": s,
                "section": "resource",
                "name": n.name,
                "kind": n.type,
                "detail": f"depth {n.depth}",
                "urn": n.urn,
            }
            for n in self.tree
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
                "detail": f"{c.name}: issuer {c.issuer} subject {c.subject} audiences {' '.join(c.audiences)}",
                "urn": c.urn,
            }
            for c in self.inventory.credentials
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

    def walk(resource: Any, depth: int) -> None:
        nodes.append(TreeNode(depth, resource.name, resource.type, resource.urn, resource.protect))
        for child in sorted(children.get(resource.urn, []), key=lambda c: c.name):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda r: r.name):
        walk(root, 0)
    return tuple(nodes)


def policy_resources(rendering: Rendering) -> list[Resource]:
    return [Resource(r.urn, r.type, r.inputs, r.state, r.property_dependencies) for r in rendering.resources]


def build_report(environment: Environment, rehearsals: tuple[Rehearsal, ...] = ()) -> StackReport:
    combined = environment.combined
    rights: list[RightsVerdict] = []
    warnings = list(combined.warnings)
    if environment.bootstrap is not None:
        rights = environment_verdicts(environment.main, environment.bootstrap, environment.pim)
        rights.append(bootstrap_verdict(environment.bootstrap))
    else:
        warnings.append("rights not checked: no bootstrap stack file defines this environment's deployer")
    return StackReport(
        stack=environment.stack,
        tree=resource_tree(combined),
        inventory=build_inventory(combined),
        verdicts=tuple(evaluate(policy_resources(combined), combined.stack)),
        warnings=tuple(warnings),
        rights=tuple(rights),
        replacements=replacement_profile(with_phases(combined, environment.bootstrap)),
        rehearsals=rehearsals,
    )
