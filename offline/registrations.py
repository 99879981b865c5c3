"""What a rendering is: every resource the program registered, with its inputs, state and dependencies.

`offline.render` produces these; the inventory, the policy evaluation, the strict Azure rules, the rights check
and the replacement rehearsal read them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Caller:
    """Who runs `pulumi up`, as the providers see it.

    `graph_rights_owned_only`: its Microsoft Graph rights reach only objects it owns (the pipeline deployer's
    Application.ReadWrite.OwnedBy and Group.Create), rather than every object (an administrator's directory role).
    """

    object_id: str
    graph_rights_owned_only: bool
    label: str


@dataclass
class Registration:
    """One resource as the program registered it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    secret_inputs: set[str]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    id: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    additional_secret_outputs: list[str] = field(default_factory=list)
    delete_before_replace: bool = False  # the resource option; the provider's own rule may add to it
    replace_on_changes: list[str] = field(default_factory=list)
    retain_on_delete: bool = False  # the resource option: Pulumi forgets it, Azure keeps it
    ignore_changes: list[str] = field(default_factory=list)  # the resource option: input paths a diff leaves out

    def input(self, path: str) -> Any:
        """An input by dotted path, e.g. `properties.disableLocalAuth`; KeyError when absent."""
        value: Any = self.inputs
        for part in path.split("."):
            value = value[part]
        return value


@dataclass
class Rendering:
    stack: str
    resources: list[Registration]
    exports: dict[str, Any]
    secret_exports: set[str]
    warnings: list[str] = field(default_factory=list)  # what `pulumi preview` would print as warnings
    caller: Caller | None = None

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> Registration:
        found = self.of_type(type_token)
        if len(found) != 1:
            raise AssertionError(f"expected exactly one {type_token}, found {len(found)}")
        return found[0]

    def by_name(self, name: str) -> Registration:
        return next(r for r in self.resources if r.name == name)

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.resources if r.urn == urn)

    def children_of(self, parent: Registration) -> list[Registration]:
        return [r for r in self.resources if r.parent == parent.urn]

    def depends_on(self, resource: Registration, other: Registration) -> bool:
        """True when `resource` declares a direct dependency on `other` (explicit or through an input)."""
        return other.urn in resource.dependencies or any(
            other.urn in urns for urns in resource.property_dependencies.values()
        )

    def waits_for(self, resource: Registration, other: Registration) -> bool:
        """True when `resource` cannot start before `other` is done: a direct or a transitive dependency."""
        return other.urn in dependency_closure(self.resources, resource.urn)


def direct_dependencies(resource: Registration) -> set[str]:
    """The URNs a resource waits for: explicit `depends_on` and the resources its inputs came from."""
    return set(resource.dependencies).union(*resource.property_dependencies.values())


def dependency_closure(resources: Sequence[Registration], urn: str) -> set[str]:
    """Every URN the resource `urn` waits for, directly or through other resources."""
    by_urn = {r.urn: r for r in resources}
    seen: set[str] = set()
    pending = [urn]
    while pending:
        current = by_urn.get(pending.pop())
        if current is None:
            continue
        for dependency in direct_dependencies(current) - seen:
            seen.add(dependency)
            pending.append(dependency)
    return seen


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Nested inputs as `a.b.c` paths; a list is one value (JSON), so reordering shows as a change of that path."""
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{path}.{key}" if path else str(key)))
        return flat
    if isinstance(value, list | tuple):
        return {path: json.dumps(value, sort_keys=True)} if value else {path: "[]"}
    return {path: value}
