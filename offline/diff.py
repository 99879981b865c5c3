"""Two stacks side by side: what only one has, and every input that differs, with names made comparable.

How inputs are compared (`diff_stacks`):

- Values (and object keys) are made comparable first (`comparable`): the stack's name and environment code, name
  hashes and generated GUIDs become `{env}`, `{hash}` and `{guid}` (`normalise`); an ARM id starts at its resource
  group, `rg-fndry-{env}/Microsoft.Network/virtualNetworks/vnet-fndry-{env}`, or at its namespace when it is not in
  one (`Microsoft.Authorization/roleDefinitions/<role GUID>`): once normalised every subscription reads `{guid}`, so
  `/subscriptions/{guid}/resourceGroups/` and `/providers/` tell a reviewer nothing and would only push lines past
  `MAX_LINE`. A whole number the engine hands over as a float (`90.0`) is the integer the stack file wrote (`90`).
- Objects are compared key by key, giving dotted paths (`properties.networkAcls.defaultAction`).
- A list of objects is compared element by element, elements matched by identity, not by position. The identity is
  the first of `IDENTITY_KEYS` (name, key, id, category) that every element of both sides has as a text or number;
  elements show in paths by it: `subnets[snet-app-integration].addressPrefix`. When that value repeats within a
  list (content filters: one `Hate` for prompts, one for completions), one more text field joins it, the one that
  pairs the most elements of the two sides (ties: alphabetical): `contentFilters[Hate, source=Prompt].blocking`.
  Lists without such an identity are compared by position (`[0]`). An element on one side only shows `(absent)` on
  the other, leaf by leaf. Reordering such a list is no difference: Azure and the provider treat these elements
  (subnets, app settings, filters) by name, so between two stacks their order says nothing about what is deployed.
- A list of plain values is one input: the items only on the left (`- b`) and only on the right (`+ c`) are shown;
  for these lists, order alone is reported (a DNS server list, a priority list may depend on it).
- Inputs the program marked secret are compared but shown as `(secret)`.

How the result is shown (`format_diff`):

- The same change (path, left value, right value) on several resources is one row with the number of resources
  (`12 resources`; up to `LISTED_RESOURCES` are named); JSON (`changes[].resources`) and CSV (one row per resource)
  keep every resource, and JSON keeps one `changedInputs` entry per resource and path as well.
- A resource on one side only is shown with its inputs: every input except tags (the same on every resource, and
  their differences are in the changes), sorted, at most `KEY_INPUTS_SHOWN`; JSON and CSV have every input. Its
  list elements are numbered (`subnets[0].addressPrefix`, next to `subnets[0].name`): there is nothing to pair them
  with, and paths stay short enough for a CSV line.
- No line is longer than `MAX_LINE`: tables and text are wrapped at `/`, spaces and punctuation (never cut); text
  fits the terminal. JSON and CSV keep a value whole when it fits a line: CSV names a resource by its logical name
  (its type on a `(type)` row, or in the name when two resources share a name), so that a long id still fits.
  A text that would make its line longer (an ABAC condition) is given in pieces, never cut: in JSON as the list
  of its pieces, in CSV as that row followed by `(continued)` rows; the pieces joined give it back.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from components.catalogue.roles import GUID_PATTERN, role_by_guid
from components.naming import ENVIRONMENT_CODES
from offline.formats import (
    as_written,
    column_widths,
    markdown_table,
    split_text,
    terminal_width,
    text_table,
    wrapped,
    write_csv,
)
from offline.registrations import Registration, Rendering
from offline.report import SECRET, StackReport

ABSENT = "(absent)"
IDENTITY_KEYS: tuple[str, ...] = ("name", "key", "id", "category")
MAX_LINE = 200
KEY_INPUTS_SHOWN = 16
LISTED_RESOURCES = 5
CSV_COLUMNS: tuple[str, ...] = ("section", "stack", "resource", "input", "value", "count")
LEGEND: tuple[str, ...] = (
    "{env}: the stack's name or its environment's code",
    "{hash}: a name's hash",
    "{guid}: a generated GUID (role GUIDs are kept)",
    "ARM ids: from the resource group on (rg/Namespace/type/name), or from the namespace outside a group",
)

_HASH = re.compile(r"(?<![0-9a-z])[0-9a-f]{6}(?![0-9a-z])")
_GUID = re.compile(GUID_PATTERN)
# Only where an id starts (the whole value, or after a space, quote or bracket), never inside a URL.
_ARM_PREFIX = re.compile(
    r"(?<![^\s\"'(\[,])/subscriptions/\{guid\}/(?:resourceGroups/(?P<group>[^/\s]+)/)?providers/", re.IGNORECASE
)
_TEXT_MIN_WIDTH = 80  # below this a four-column table cannot hold a path; the lines may then exceed the terminal


class _Missing:
    """The side of a comparison where an input does not exist."""

    def __repr__(self) -> str:
        return ABSENT


MISSING = _Missing()


def normalise(text: str, stack: str) -> str:
    """Make names comparable across stacks: the environment, its short code, name hashes and generated GUIDs
    (not role GUIDs) become placeholders."""
    for token in {stack, ENVIRONMENT_CODES.get(stack, stack)}:
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", "{env}", text)
    text = _GUID.sub(lambda m: m.group(0) if role_by_guid(m.group(0)) else "{guid}", text)
    return _HASH.sub("{hash}", text)


def comparable(value: Any, stack: str) -> Any:
    """An input with every text normalised (ARM ids shortened) and whole numbers as integers."""
    if isinstance(value, str):
        return _ARM_PREFIX.sub(lambda m: f"{m['group']}/" if m["group"] else "", normalise(value, stack))
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {comparable(str(key), stack): comparable(item, stack) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [comparable(item, stack) for item in value]
    return comparable(str(value), stack)


@dataclass(frozen=True)
class Change:
    """One input of one resource that differs. For a list of plain values, `left` and `right` are the whole lists
    and `removed`/`added` the items only on the left/right."""

    resource: str
    path: str
    left: Any
    right: Any
    removed: tuple[Any, ...] = ()
    added: tuple[Any, ...] = ()

    @property
    def is_item_change(self) -> bool:
        return isinstance(self.left, list) and isinstance(self.right, list)

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"resource": self.resource, "path": self.path, "left": self.left, "right": self.right}
        if self.is_item_change:
            found |= {"removed": list(self.removed), "added": list(self.added)}
        return found


@dataclass(frozen=True)
class CollapsedChange:
    """The same change on one or more resources."""

    path: str
    left: Any
    right: Any
    resources: tuple[str, ...]
    removed: tuple[Any, ...] = ()
    added: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"path": self.path, "left": self.left, "right": self.right}
        if isinstance(self.left, list) and isinstance(self.right, list):
            found |= {"removed": list(self.removed), "added": list(self.added)}
        return found | {"count": len(self.resources), "resources": list(self.resources)}


@dataclass(frozen=True)
class StackDiff:
    left: str
    right: str
    only_left: tuple[str, ...]
    only_right: tuple[str, ...]
    changed: tuple[Change, ...]
    access_only_left: tuple[str, ...]
    access_only_right: tuple[str, ...]
    inputs_only_left: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    inputs_only_right: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def collapsed(self) -> tuple[CollapsedChange, ...]:
        """Changes grouped by (path, left, right): the most widespread first, then resource by resource."""
        groups: dict[tuple[str, str, str], list[Change]] = {}
        for change in self.changed:
            groups.setdefault((change.path, _canonical(change.left), _canonical(change.right)), []).append(change)
        ordered = sorted(groups.values(), key=lambda g: (-len(g), g[0].resource if len(g) == 1 else ""))
        return tuple(
            CollapsedChange(g[0].path, g[0].left, g[0].right, tuple(c.resource for c in g), g[0].removed, g[0].added)
            for g in ordered
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "normalised": list(LEGEND),
            "resourcesOnlyInLeft": list(self.only_left),
            "resourcesOnlyInRight": list(self.only_right),
            "inputsOfResourcesOnlyInLeft": {k: dict(v) for k, v in self.inputs_only_left.items()},
            "inputsOfResourcesOnlyInRight": {k: dict(v) for k, v in self.inputs_only_right.items()},
            "changedInputs": [c.to_dict() for c in self.changed],
            "changes": [c.to_dict() for c in self.collapsed],
            "accessOnlyInLeft": list(self.access_only_left),
            "accessOnlyInRight": list(self.access_only_right),
        }


def _canonical(value: Any) -> str:
    # `True == 1` and `1 == 1.0` in Python, but not in a stack file: compare the JSON text.
    return json.dumps(value, sort_keys=True, default=repr)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_leaf(value: Any) -> bool:
    """Compared as one value: a scalar, a list of scalars (empty too) or an empty object."""
    if isinstance(value, list):
        return all(_is_scalar(item) for item in value)
    if isinstance(value, Mapping):
        return not value
    return True


def _under(path: str, secrets: set[str]) -> bool:
    return any(path == s or path.startswith((s + ".", s + "[")) for s in secrets)


@dataclass(frozen=True)
class _Leaf:
    path: str
    left: Any
    right: Any
    secret: bool


def _identity(lefts: Sequence[Mapping[str, Any]], rights: Sequence[Mapping[str, Any]]) -> tuple[str, ...] | None:
    """The fields that tell the elements of a list of objects apart (see the module's docstring), or None."""
    items = [*lefts, *rights]

    def has(item: Mapping[str, Any], key: str) -> bool:
        return isinstance(item.get(key), str | int) and not isinstance(item.get(key), bool)

    base = next((key for key in IDENTITY_KEYS if all(has(item, key) for item in items)), None)
    if base is None:
        return None

    def labels(side: Sequence[Mapping[str, Any]], fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
        return [tuple(item[f] for f in fields) for item in side]

    def unique(fields: tuple[str, ...]) -> bool:
        return all(len(set(labels(side, fields))) == len(side) for side in (lefts, rights))

    if unique((base,)):
        return (base,)
    extras = sorted({key for item in items for key in item if key != base and all(has(i, key) for i in items)})
    paired = [
        (len(set(labels(lefts, (base, extra))) & set(labels(rights, (base, extra)))), extra)
        for extra in extras
        if unique((base, extra))
    ]
    if not paired:
        return None
    best = max(count for count, _ in paired)
    return (base, next(extra for count, extra in paired if count == best))


def _label(item: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    first, *extras = fields
    return ", ".join([as_written(item[first]), *(f"{f}={as_written(item[f])}" for f in extras)])


@dataclass(frozen=True)
class _Walk:
    """Both sides of an input tree walked together. `secrets` are each side's secret paths, named by list position
    (`raw` below); `paired` is False for a resource on one side only: with nothing to match, its list elements are
    numbered (their identity is one of their own inputs, and paths stay short enough for a CSV line)."""

    secrets: tuple[set[str], set[str]]
    paired: bool = True

    def leaves(self, left: Any, right: Any, path: str = "", raw: tuple[str, str] = ("", "")) -> Iterator[_Leaf]:
        present = [v for v in (left, right) if v is not MISSING]
        if all(_is_leaf(v) for v in present):
            yield _Leaf(path, left, right, _under(raw[0], self.secrets[0]) or _under(raw[1], self.secrets[1]))
        elif all(isinstance(v, Mapping) for v in present):
            lefts = left if isinstance(left, Mapping) else {}
            rights = right if isinstance(right, Mapping) else {}
            for key in [*lefts, *(k for k in rights if k not in lefts)]:
                yield from self.leaves(
                    lefts.get(key, MISSING),
                    rights.get(key, MISSING),
                    f"{path}.{key}" if path else key,
                    (f"{raw[0]}.{key}" if raw[0] else key, f"{raw[1]}.{key}" if raw[1] else key),
                )
        elif all(isinstance(v, list) for v in present):
            yield from self._elements(
                left if left is not MISSING else [], right if right is not MISSING else [], path, raw
            )
        else:  # an object on one side, a list or a value on the other: each side's leaves against nothing
            yield from self.leaves(left, MISSING, path, raw)
            yield from self.leaves(MISSING, right, path, raw)

    def _elements(self, left: list[Any], right: list[Any], path: str, raw: tuple[str, str]) -> Iterator[_Leaf]:
        objects = self.paired and all(isinstance(item, Mapping) for item in [*left, *right])
        fields = _identity(left, right) if objects else None

        def labelled(items: list[Any]) -> dict[str, tuple[int, Any]]:
            if fields is None:
                return {str(i): (i, item) for i, item in enumerate(items)}
            return {_label(item, fields): (i, item) for i, item in enumerate(items)}

        lefts, rights = labelled(left), labelled(right)
        for label in [*lefts, *(k for k in rights if k not in lefts)]:
            (i, a), (j, b) = lefts.get(label, (-1, MISSING)), rights.get(label, (-1, MISSING))
            yield from self.leaves(a, b, f"{path}[{label}]", (f"{raw[0]}[{i}]", f"{raw[1]}[{j}]"))


def _shown(value: Any, secret: bool) -> Any:
    if value is MISSING:
        return ABSENT
    return SECRET if secret else value


def _changes(key: str, left: Registration, right: Registration, stacks: tuple[str, str]) -> list[Change]:
    a, b = comparable(left.inputs, stacks[0]), comparable(right.inputs, stacks[1])
    found: list[Change] = []
    for leaf in _Walk((left.secret_inputs, right.secret_inputs)).leaves(a, b):
        if _canonical(leaf.left) == _canonical(leaf.right):
            continue
        if isinstance(leaf.left, list) and isinstance(leaf.right, list) and not leaf.secret:
            only_left, only_right = Counter(map(_canonical, leaf.left)), Counter(map(_canonical, leaf.right))
            removed = only_left - only_right
            added = only_right - only_left
            found.append(
                Change(
                    key,
                    leaf.path,
                    leaf.left,
                    leaf.right,
                    tuple(json.loads(item) for item in removed.elements()),
                    tuple(json.loads(item) for item in added.elements()),
                )
            )
        else:
            found.append(Change(key, leaf.path, _shown(leaf.left, leaf.secret), _shown(leaf.right, leaf.secret)))
    found.sort(key=lambda c: c.path)
    if left.protect != right.protect:
        found.append(Change(key, "(protect)", left.protect, right.protect))
    return found


def flat_inputs(resource: Registration, stack: str) -> dict[str, Any]:
    """Every input of a resource on one side only, as path -> comparable value (list elements numbered), and
    `(protect)`."""
    leaves = _Walk((resource.secret_inputs, set()), paired=False).leaves(comparable(resource.inputs, stack), MISSING)
    found = {leaf.path: _shown(leaf.left, leaf.secret) for leaf in leaves if leaf.path}
    return dict(sorted(found.items())) | {"(protect)": resource.protect}


def _resource_keys(rendering: Rendering) -> dict[str, Registration]:
    return {f"{normalise(r.name, rendering.stack)} [{r.type}]": r for r in rendering.resources}


def _access_lines(report: StackReport) -> set[str]:
    lines = set()
    for e in report.inventory.access:
        line = f"{e.principal.display_name} ({e.principal.kind}): {e.role_name} on {e.scope}, {e.access}"
        lines.add(normalise(line, report.stack))
    return lines


def diff_stacks(
    left: Rendering, right: Rendering, left_report: StackReport | None = None, right_report: StackReport | None = None
) -> StackDiff:
    """The resources only one stack has, the inputs that differ, and (given both reports) the access only one grants."""
    left_keys, right_keys = _resource_keys(left), _resource_keys(right)
    changed: list[Change] = []
    for key in sorted(left_keys.keys() & right_keys.keys()):
        changed += _changes(key, left_keys[key], right_keys[key], (left.stack, right.stack))
    left_access, right_access = (
        (_access_lines(left_report), _access_lines(right_report)) if left_report and right_report else (set(), set())
    )
    only_left = tuple(sorted(left_keys.keys() - right_keys.keys()))
    only_right = tuple(sorted(right_keys.keys() - left_keys.keys()))
    return StackDiff(
        left=left.stack,
        right=right.stack,
        only_left=only_left,
        only_right=only_right,
        changed=tuple(changed),
        access_only_left=tuple(sorted(left_access - right_access)),
        access_only_right=tuple(sorted(right_access - left_access)),
        inputs_only_left={key: flat_inputs(left_keys[key], left.stack) for key in only_left},
        inputs_only_right={key: flat_inputs(right_keys[key], right.stack) for key in only_right},
    )


# --- output ---------------------------------------------------------------------------------------------------


def _floors(headers: Sequence[str]) -> list[int]:
    """Input paths are read whole before values are: the value columns give way first."""
    return [max(len(h), 40 if i == 1 else 16) for i, h in enumerate(headers)]


def _markdown_rows(headers: Sequence[str], rows: Sequence[Sequence[str]], budget: int) -> list[tuple[str, ...]]:
    """Markdown cannot wrap a cell: a cell's explicit lines, and the pieces of a line that would make its row longer
    than `budget` (cells only, without separators), go to rows of their own below it."""
    lines = [
        tuple(line or "" for line in cells) for row in rows for cells in zip_longest(*(c.split("\n") for c in row))
    ]
    minimum = _floors(headers)
    fitted: list[tuple[str, ...]] = []
    for line in lines:
        own = [_markdown_length(cell) for cell in line]
        widths = column_widths(own, [min(n, m) for n, m in zip(own, minimum, strict=True)], budget)
        pieces = [
            [piece.rstrip() for piece in split_text(cell, width, _markdown_length)]
            for cell, width in zip(line, widths, strict=True)
        ]
        fitted += [tuple(row) for row in zip_longest(*pieces, fillvalue="")]
    return fitted


def _markdown_length(text: str) -> int:
    return len(text) + text.count("|")  # markdown_table escapes each `|`


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, markdown: bool) -> str:
    if markdown:
        overhead = 3 * (len(headers) - 1) + 4
        return markdown_table(headers, _markdown_rows(headers, rows, width - overhead))
    return text_table(headers, rows, width, floors=_floors(headers))


def _text_width() -> int:
    return max(_TEXT_MIN_WIDTH, min(MAX_LINE, terminal_width()))


def _key_cell(key: str) -> str:
    name, bracket, type_token = key.rpartition(" [")
    return f"{name}\n[{type_token}" if bracket else key


def _grouped(label: str, rows: Sequence[tuple[str, ...]], columns: int) -> list[tuple[str, ...]]:
    """The rows of one resource (or group), its label's lines down the first column beside them."""
    blank = ("",) * (columns - 1)
    return [(line or "", *(row or blank)) for line, row in zip_longest(label.split("\n"), rows)]


def _cells(change: Change | CollapsedChange) -> tuple[str, str]:
    left, right = change.left, change.right
    if isinstance(left, list) and isinstance(right, list) and (change.removed or change.added):
        return (
            "\n".join(f"- {as_written(item)}" for item in change.removed),
            "\n".join(f"+ {as_written(item)}" for item in change.added),
        )
    return as_written(left), as_written(right)


def key_inputs(inputs: Mapping[str, Any]) -> tuple[list[tuple[str, str]], int]:
    """What a reviewer is shown of a one-sided resource: (path, value) of its inputs but tags, `(protect)` when
    set, at most `KEY_INPUTS_SHOWN`; and how many more there are."""
    shown = [
        (path, as_written(value))
        for path, value in inputs.items()
        if path != "tags" and not path.startswith("tags.") and (path != "(protect)" or value is True)
    ]
    return shown[:KEY_INPUTS_SHOWN], max(0, len(shown) - KEY_INPUTS_SHOWN)


def _one_sided_rows(keys: Sequence[str], inputs: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for key in keys:
        shown, more = key_inputs(inputs.get(key, {}))
        if more:
            shown.append(("(more)", f"{more} more inputs: --format json"))
        rows += _grouped(_key_cell(key), shown or [("", "(no inputs)")], 3)
    return rows


def _change_rows(diff: StackDiff) -> tuple[list[tuple[str, ...]], bool]:
    rows: list[tuple[str, ...]] = []
    counted = False  # a group too large to list: say where its resources are
    singles: dict[str, list[tuple[str, ...]]] = {}
    for change in diff.collapsed:
        cells = (change.path, *_cells(change))
        if len(change.resources) == 1:
            singles.setdefault(change.resources[0], []).append(cells)
            continue
        label = f"{len(change.resources)} resources"
        if len(change.resources) <= LISTED_RESOURCES:
            label += ":\n" + "\n".join(change.resources)
        else:
            counted = True
        rows += _grouped(label, [cells], 4)
    for resource, cells in singles.items():
        rows += _grouped(_key_cell(resource), cells, 4)
    return rows, counted


def _document(diff: StackDiff, reports: Sequence[StackReport], markdown: bool) -> str:
    width = MAX_LINE if markdown else _text_width()
    bullet, indent = ("- ", "  ") if markdown else ("  ", "    ")
    heading = "### " if markdown else ""
    left, right = diff.left, diff.right
    out = [f"{'## ' if markdown else '=== '}Diff {left} -> {right}", ""]
    for rep in reports:
        out += wrapped(rep.summary(), f"{bullet}{rep.stack}: ", indent, width)
    out += ["", *wrapped("Compared after normalising: " + "; ".join(LEGEND) + ".", bullet, indent, width), ""]
    for side, keys, inputs in (
        (left, diff.only_left, diff.inputs_only_left),
        (right, diff.only_right, diff.inputs_only_right),
    ):
        out += [f"{heading}Resources only in {side} ({len(keys)})", ""]
        if keys:
            rows = _one_sided_rows(keys, inputs)
            out += [_table(("Resource", "Input (tags left out)", "Value"), rows, width, markdown), ""]
        else:
            out += [f"{bullet}(none)", ""]
    for side, lines in ((left, diff.access_only_left), (right, diff.access_only_right)):
        out += [f"{heading}Access only in {side} ({len(lines)})", ""]
        for line in lines or ["(none)"]:
            out += wrapped(line, bullet, indent, width)
        out.append("")
    resources = len({c.resource for c in diff.changed})
    out += [f"{heading}Inputs that differ ({len(diff.collapsed)} changes on {resources} resources)", ""]
    rows, counted = _change_rows(diff)
    if not rows:
        out += [f"{bullet}(none)", ""]
        return "\n".join(out)
    out += [_table(("Resource", "Input", left, right), rows, width, markdown), ""]
    if counted:
        note = (
            f"A change on more than {LISTED_RESOURCES} resources shows their number; --format json or csv lists them."
        )
        out += [*wrapped(note, "", "", width), ""]
    return "\n".join(out)


def _csv_names(diff: StackDiff) -> dict[str, str]:
    """A resource's logical name, or its whole key when another resource in the diff has the same name."""
    keys = {*diff.only_left, *diff.only_right, *(c.resource for c in diff.changed)}
    name = {key: key.rpartition(" [")[0] or key for key in keys}
    repeated = Counter(name.values())
    return {key: key if repeated[name[key]] > 1 else name[key] for key in keys}


def _in_pieces(value: Any, depth: int = 1, key: str | None = None) -> Any:
    """`value` as `json.dumps(..., indent=2)` lays it out at `depth`, with every text whose line would be longer than
    `MAX_LINE` replaced by the list of its pieces (joined: the text), each piece on a line of its own that fits."""
    if isinstance(value, Mapping):
        return {k: _in_pieces(item, depth + 1, str(k)) for k, item in value.items()}
    if isinstance(value, list | tuple):
        return [_in_pieces(item, depth + 1) for item in value]
    if not isinstance(value, str):
        return value
    prefix = 2 * depth + (len(json.dumps(key)) + 2 if key is not None else 0)
    if prefix + len(json.dumps(value)) + 1 <= MAX_LINE:
        return value
    room = MAX_LINE - 2 * (depth + 1) - 3  # a piece: indented one level deeper, quoted, with its comma
    return split_text(value, room, lambda piece: len(json.dumps(piece)) - 2)


def _continued(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each row whose line would be longer than `MAX_LINE`, its value in pieces: the row, then `(continued)` rows
    with the rest (a piece is as long as the row's other fields leave room for, quotes included)."""
    fitted: list[dict[str, str]] = []
    for row in rows:
        value = row.get("value", "")
        continued = row | {"input": f"{row.get('input', '')} (continued)"}
        room = MAX_LINE - len(write_csv([continued | {"value": ""}], CSV_COLUMNS).splitlines()[-1]) - 2
        if len(write_csv([row], CSV_COLUMNS).splitlines()[-1]) <= MAX_LINE or room < 20:
            fitted.append(row)
            continue
        first, *rest = split_text(value, room)
        fitted.append(row | {"value": first})
        fitted += [continued | {"value": piece} for piece in rest]
    return fitted


def _csv(diff: StackDiff) -> str:
    names = _csv_names(diff)
    rows: list[dict[str, str]] = []
    for side, keys, inputs in (
        (diff.left, diff.only_left, diff.inputs_only_left),
        (diff.right, diff.only_right, diff.inputs_only_right),
    ):
        for key in keys:
            base = {"section": "only in", "stack": side, "resource": names[key]}
            rows.append(base | {"input": "(type)", "value": key.rpartition(" [")[2].rstrip("]")})
            rows += [base | {"input": path, "value": as_written(v)} for path, v in inputs.get(key, {}).items()]
    counts = {(c.path, _canonical(c.left), _canonical(c.right)): len(c.resources) for c in diff.collapsed}
    for change in diff.changed:
        count = str(counts[(change.path, _canonical(change.left), _canonical(change.right))])
        for side, value in ((diff.left, change.left), (diff.right, change.right)):
            row = {"section": "changed", "stack": side, "resource": names[change.resource], "input": change.path}
            rows.append(row | {"value": as_written(value), "count": count})
    for side, lines in ((diff.left, diff.access_only_left), (diff.right, diff.access_only_right)):
        rows += [{"section": "access only in", "stack": side, "value": line} for line in lines]
    return write_csv(_continued(rows), CSV_COLUMNS)


def format_diff(diff: StackDiff, reports: Sequence[StackReport], fmt: str) -> str:
    if fmt == "json":
        verdicts = {rep.stack: {"passed": not rep.violations, "summary": rep.summary()} for rep in reports}
        return json.dumps({"diff": _in_pieces(diff.to_dict()), "stacks": verdicts}, indent=2)
    if fmt == "csv":
        return _csv(diff)
    return _document(diff, reports, markdown=fmt == "markdown")
