"""The offline plan: what a stack would create, who could call what, and whether the design rules hold.

    venv/bin/python -m offline.plan --stack prod                 # one stack, terminal tables
    venv/bin/python -m offline.plan --stack all --format markdown
    venv/bin/python -m offline.plan --diff dev prod --format json

No cloud access and no Pulumi CLI: the program runs under mocks (`offline.render`). The report has the resource
tree (components and their children), the access inventory (`offline.inventory`) and the verdict of every
policy of `policy/rules.py` over the recorded registrations. Exit status: 0 when every policy passes, 1 on a
policy violation, 2 when the configuration is invalid (nothing rendered).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from components.catalogue.roles import role_by_guid
from components.naming import ENVIRONMENT_CODES
from components.settings.reader import GUID_PATTERN
from offline.inventory import Inventory, build_inventory
from offline.registrations import flatten
from offline.render import PROJECT_DIR, Registration, RenderError, Rendering, render, render_pim_phase, with_phases
from policy.rules import Resource, Verdict, Violation, evaluate

FORMATS = ("table", "markdown", "json", "csv")
ABSENT = "(absent)"
CSV_COLUMNS: list[str] = ["stack", "section", "name", "kind", "role", "role_guid", "scope", "access", "detail", "urn"]


def known_stacks() -> list[str]:
    """The stacks that have a stack file, dev/staging/prod first."""
    found = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml"))
    order = {name: i for i, name in enumerate(ENVIRONMENT_CODES)}
    return sorted(found, key=lambda s: (order.get(s, len(order)), s))


def render_environment(stack: str) -> Rendering:
    """A stack as a reviewer sees it: the main program and what its PIM phase makes on it."""
    main = render(stack)
    return with_phases(main, render_pim_phase(main))


# --- the report of one stack -----------------------------------------------------------------------------


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

    @property
    def violations(self) -> list[Violation]:
        return [v for verdict in self.verdicts for v in verdict.violations]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resourceCount": len(self.tree),
            "resources": [asdict(node) for node in self.tree],
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
            "passed": not self.violations,
        }


def resource_tree(rendering: Rendering) -> tuple[TreeNode, ...]:
    """Depth-first, each component followed by its children (sorted by name, so the output is stable)."""
    urns = {r.urn for r in rendering.resources}
    children: dict[str, list[Registration]] = {}
    roots: list[Registration] = []
    for r in rendering.resources:
        if r.parent in urns:
            children.setdefault(r.parent, []).append(r)
        else:
            roots.append(r)
    nodes: list[TreeNode] = []

    def walk(resource: Registration, depth: int) -> None:
        nodes.append(TreeNode(depth, resource.name, resource.type, resource.urn, resource.protect))
        for child in sorted(children.get(resource.urn, []), key=lambda c: c.name):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda r: r.name):
        walk(root, 0)
    return tuple(nodes)


def policy_resources(rendering: Rendering) -> list[Resource]:
    return [Resource(r.urn, r.type, r.inputs, r.state, r.property_dependencies) for r in rendering.resources]


def build_report(rendering: Rendering) -> StackReport:
    return StackReport(
        stack=rendering.stack,
        tree=resource_tree(rendering),
        inventory=build_inventory(rendering),
        verdicts=tuple(evaluate(policy_resources(rendering), rendering.stack)),
    )


# --- diff between two stacks -----------------------------------------------------------------------------

_HASH = re.compile(r"(?<![0-9a-z])[0-9a-f]{6}(?![0-9a-z])")
_GUID = re.compile(GUID_PATTERN)


def normalise(text: str, stack: str) -> str:
    """Make names comparable across stacks: the environment, its short code, name hashes and generated GUIDs
    (not role GUIDs) become placeholders."""
    for token in {stack, ENVIRONMENT_CODES.get(stack, stack)}:
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", "{env}", text)
    text = _GUID.sub(lambda m: m.group(0) if role_by_guid(m.group(0)) else "{guid}", text)
    return _HASH.sub("{hash}", text)


@dataclass(frozen=True)
class Change:
    resource: str
    path: str
    left: Any
    right: Any


@dataclass(frozen=True)
class StackDiff:
    left: str
    right: str
    only_left: tuple[str, ...]
    only_right: tuple[str, ...]
    changed: tuple[Change, ...]
    access_only_left: tuple[str, ...]
    access_only_right: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "resourcesOnlyInLeft": list(self.only_left),
            "resourcesOnlyInRight": list(self.only_right),
            "changedInputs": [asdict(c) for c in self.changed],
            "accessOnlyInLeft": list(self.access_only_left),
            "accessOnlyInRight": list(self.access_only_right),
        }


def _resource_keys(rendering: Rendering) -> dict[str, Registration]:
    return {f"{normalise(r.name, rendering.stack)} [{r.type}]": r for r in rendering.resources}


def _access_lines(report: StackReport) -> set[str]:
    lines = set()
    for e in report.inventory.access:
        line = f"{e.principal.display_name} ({e.principal.kind}): {e.role_name} on {e.scope}, {e.access}"
        lines.add(normalise(line, report.stack))
    return lines


def diff_stacks(left: Rendering, right: Rendering, left_report: StackReport, right_report: StackReport) -> StackDiff:
    left_keys, right_keys = _resource_keys(left), _resource_keys(right)
    changed: list[Change] = []
    for key in sorted(left_keys.keys() & right_keys.keys()):
        a = {p: normalise(str(v), left.stack) for p, v in flatten(left_keys[key].inputs).items()}
        b = {p: normalise(str(v), right.stack) for p, v in flatten(right_keys[key].inputs).items()}
        for path in sorted(a.keys() | b.keys()):
            if a.get(path) != b.get(path):
                changed.append(Change(key, path, a.get(path, ABSENT), b.get(path, ABSENT)))
        if left_keys[key].protect != right_keys[key].protect:
            changed.append(Change(key, "(protect)", left_keys[key].protect, right_keys[key].protect))
    left_access, right_access = _access_lines(left_report), _access_lines(right_report)
    return StackDiff(
        left=left.stack,
        right=right.stack,
        only_left=tuple(sorted(left_keys.keys() - right_keys.keys())),
        only_right=tuple(sorted(right_keys.keys() - left_keys.keys())),
        changed=tuple(changed),
        access_only_left=tuple(sorted(left_access - right_access)),
        access_only_right=tuple(sorted(right_access - left_access)),
    )


# --- formatting ------------------------------------------------------------------------------------------


def _text_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _access_rows(report: StackReport) -> list[tuple[str, ...]]:
    return [
        (e.principal.display_name, e.principal.kind, e.role_name, e.role_guid, e.scope, e.access)
        for e in report.inventory.access
    ]


def _group_rows(report: StackReport) -> list[tuple[str, ...]]:
    return [
        (g.display_name, g.object_id, ", ".join(g.members) or "-", ", ".join(g.owners) or "-")
        for g in report.inventory.groups
    ]


def _credential_rows(report: StackReport) -> list[tuple[str, ...]]:
    return [
        (c.identity, c.identity_kind, c.name, c.issuer, c.subject, ", ".join(c.audiences))
        for c in report.inventory.credentials
    ]


def _verdict_rows(report: StackReport) -> list[tuple[str, ...]]:
    return [
        (v.policy, "pass" if v.passed else f"FAIL ({len(v.violations)})", str(v.checked), v.description)
        for v in report.verdicts
    ]


def _summary(report: StackReport) -> str:
    failed = sum(1 for v in report.verdicts if not v.passed)
    verdict = "every policy passes" if not failed else f"{failed} policies FAIL"
    return (
        f"{len(report.tree)} resources, {len(report.inventory.access)} grants, {len(report.inventory.groups)} groups, "
        f"{len(report.inventory.credentials)} federated credentials; {len(report.verdicts)} policies: {verdict}"
    )


ACCESS_HEADERS = ("Principal", "Kind", "Role", "Role GUID", "Scope", "Access")
GROUP_HEADERS = ("Group", "Object id", "Members", "Owners")
CREDENTIAL_HEADERS = ("Identity", "Kind", "Credential", "Issuer", "Subject", "Audiences")
VERDICT_HEADERS = ("Policy", "Result", "Checked", "Rule")


def _tree_lines(report: StackReport) -> list[str]:
    return [f"{'  ' * n.depth}{n.name}  [{n.type}]{'  (protected)' if n.protect else ''}" for n in report.tree]


def _violation_lines(report: StackReport) -> list[str]:
    return [f"{v.policy}: {v.urn.rsplit('::', 1)[-1]}: {v.message}" for v in report.violations]


def format_table(reports: Sequence[StackReport]) -> str:
    out: list[str] = []
    for report in reports:
        out += [f"=== Stack {report.stack}: {_summary(report)}", "", "Resources", *_tree_lines(report), ""]
        out += ["Access inventory", _text_table(ACCESS_HEADERS, _access_rows(report)), ""]
        out += ["Entra groups", _text_table(GROUP_HEADERS, _group_rows(report)), ""]
        out += ["Federated credentials", _text_table(CREDENTIAL_HEADERS, _credential_rows(report)), ""]
        out += ["Policies", _text_table(VERDICT_HEADERS, _verdict_rows(report)), ""]
        if report.violations:
            out += ["Violations", *(f"  {line}" for line in _violation_lines(report)), ""]
    return "\n".join(out)


def format_markdown(reports: Sequence[StackReport]) -> str:
    out: list[str] = []
    for report in reports:
        out += [f"## Stack `{report.stack}`", "", _summary(report) + ".", "", "### Resources", "", "```"]
        out += [*_tree_lines(report), "```", ""]
        out += ["### Access inventory", "", _md_table(ACCESS_HEADERS, _access_rows(report)), ""]
        out += ["### Entra groups", "", _md_table(GROUP_HEADERS, _group_rows(report)), ""]
        out += ["### Federated credentials", "", _md_table(CREDENTIAL_HEADERS, _credential_rows(report)), ""]
        out += ["### Policies", "", _md_table(VERDICT_HEADERS, _verdict_rows(report)), ""]
        if report.violations:
            out += ["### Violations", "", *(f"- {line}" for line in _violation_lines(report)), ""]
    return "\n".join(out)


def _csv_rows(report: StackReport) -> list[dict[str, str]]:
    s = report.stack
    rows = [
        {"stack": s, "section": "resource", "name": n.name, "kind": n.type, "detail": f"depth {n.depth}", "urn": n.urn}
        for n in report.tree
    ]
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
        for e in report.inventory.access
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
        for g in report.inventory.groups
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
        for c in report.inventory.credentials
    ]
    rows += [
        {
            "stack": s,
            "section": "policy",
            "name": v.policy,
            "kind": "pass" if v.passed else "fail",
            "detail": "; ".join(f"{x.urn.rsplit('::', 1)[-1]}: {x.message}" for x in v.violations) or v.description,
        }
        for v in report.verdicts
    ]
    return rows


def _write_csv(rows: Iterable[Mapping[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def format_reports(reports: Sequence[StackReport], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"stacks": [r.to_dict() for r in reports]}, indent=2)
    if fmt == "csv":
        return _write_csv(row for report in reports for row in _csv_rows(report))
    if fmt == "markdown":
        return format_markdown(reports)
    return format_table(reports)


def format_diff(diff: StackDiff, reports: Sequence[StackReport], fmt: str) -> str:
    left, right = diff.left, diff.right
    if fmt == "json":
        verdicts = {rep.stack: {"passed": not rep.violations, "summary": _summary(rep)} for rep in reports}
        return json.dumps({"diff": diff.to_dict(), "stacks": verdicts}, indent=2)
    change_rows = [(c.resource, c.path, c.left, c.right) for c in diff.changed]
    if fmt == "csv":
        rows = [{"section": f"resource only in {left}", "name": k, "stack": left} for k in diff.only_left]
        rows += [{"section": f"resource only in {right}", "name": k, "stack": right} for k in diff.only_right]
        rows += [
            {
                "section": "changed input",
                "name": c.resource,
                "kind": c.path,
                "detail": f"{left}: {c.left} | {right}: {c.right}",
            }
            for c in diff.changed
        ]
        rows += [{"section": f"access only in {left}", "name": a, "stack": left} for a in diff.access_only_left]
        rows += [{"section": f"access only in {right}", "name": a, "stack": right} for a in diff.access_only_right]
        return _write_csv(rows)
    markdown = fmt == "markdown"
    table = _md_table if markdown else _text_table
    bullet = "- " if markdown else "  "
    heading = "### " if markdown else ""
    out = [f"{'## ' if markdown else '=== '}Diff {left} -> {right}", ""]
    for rep in reports:
        out.append(f"{bullet}{rep.stack}: {_summary(rep)}")
    out.append("")
    for title, items in (
        (f"Resources only in {left}", diff.only_left),
        (f"Resources only in {right}", diff.only_right),
        (f"Access only in {left}", diff.access_only_left),
        (f"Access only in {right}", diff.access_only_right),
    ):
        out += [f"{heading}{title}", "", *(f"{bullet}{item}" for item in items or ["(none)"]), ""]
    out += [f"{heading}Inputs that differ", "", table(("Resource", "Input", left, right), change_rows), ""]
    return "\n".join(out)


# --- command ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    stacks = known_stacks()
    parser = argparse.ArgumentParser(prog="python -m offline.plan", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--stack", choices=[*stacks, "all"], default=None, help="stack to render (default: all)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--diff", nargs=2, metavar=("LEFT", "RIGHT"), choices=stacks, help="compare two stacks")
    args = parser.parse_args(argv)
    if args.diff and args.stack:
        parser.error("--diff and --stack are exclusive")
    selected = list(args.diff) if args.diff else stacks if args.stack in (None, "all") else [args.stack]

    renderings: list[Rendering] = []
    for stack in selected:
        try:
            renderings.append(render_environment(stack))
        except RenderError as error:
            print(f"stack {stack}: the program refused to render: {error.cause}", file=sys.stderr)
            return 2
    reports = [build_report(r) for r in renderings]
    if args.diff:
        diff = diff_stacks(renderings[0], renderings[1], reports[0], reports[1])
        print(format_diff(diff, reports, args.format))
    else:
        print(format_reports(reports, args.format))
    failed = [r.stack for r in reports if r.violations]
    if failed:
        print(f"policy violations in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
