"""Two stacks side by side: what only one has, and every input that differs, with names made comparable."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from components.catalogue.roles import GUID_PATTERN, role_by_guid
from components.naming import ENVIRONMENT_CODES
from offline.formats import markdown_table, text_table, write_csv
from offline.registrations import Registration, Rendering, flatten
from offline.report import StackReport

ABSENT = "(absent)"

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


def format_diff(diff: StackDiff, reports: Sequence[StackReport], fmt: str) -> str:
    left, right = diff.left, diff.right
    if fmt == "json":
        verdicts = {rep.stack: {"passed": not rep.violations, "summary": rep.summary()} for rep in reports}
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
        return write_csv(rows)
    markdown = fmt == "markdown"
    table = markdown_table if markdown else text_table
    bullet = "- " if markdown else "  "
    heading = "### " if markdown else ""
    out = [f"{'## ' if markdown else '=== '}Diff {left} -> {right}", ""]
    for rep in reports:
        out.append(f"{bullet}{rep.stack}: {rep.summary()}")
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
