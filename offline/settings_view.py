"""The settings a reviewer checks, as the plan prints them: read from the validated settings models themselves, so
that a key added to a model appears in the plan without a change here.

Every key of a project's stack file is shown with its effective value and where that value came from: the stack
file, the model's default (which may depend on the environment), or derived by the program from other keys (a
name, a subnet carved out of the address space, a deployment's capacity); see `ConfigModel.derived_values`.
A list of objects (projects, model deployments, blocklists, connections) gets a table of its own, one row per
entry in the order written, which for model deployments is the order they are deployed in (one after another).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from components.settings.base import ConfigModel
from offline.formats import Section, as_written
from offline.schema import field_docs

FROM_FILE = "stack file"
FROM_DEFAULT = "default"
FROM_PROGRAM = "derived"
NOT_SET = "(not set)"  # an optional key left out, which the program does not fill in


@dataclass(frozen=True)
class ProjectSettings:
    """One project's validated stack file: `project` is its namespace (foundry-platform, bootstrap, pim)."""

    project: str
    settings: ConfigModel


@dataclass(frozen=True)
class Setting:
    key: str  # the key's path as a stack file writes it; list entries by name, e.g. modelDeployments[router].sku
    value: str
    origin: str


@dataclass(frozen=True)
class SettingList:
    """A list of objects: one row per entry, one column per key of an entry."""

    key: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    origin: str


def _entry_name(entry: BaseModel, index: int) -> str:
    name = getattr(entry, "name", None)
    return str(name) if name is not None else str(index)


def _walk(model: BaseModel, prefix: str, origin: str) -> Iterator[tuple[str, Any, str, type[BaseModel], str]]:
    """(path, value, origin, owning model, field) of every value under `model`, nested objects opened; a field
    not written in the stack file (or under one that is not) is a default. A mapping's entries are values of
    their own (tags.owner); a list stays one value."""
    for field, info in type(model).model_fields.items():
        path = f"{prefix}{info.alias or field}"
        value = getattr(model, field)
        here = origin if origin != FROM_FILE or field in model.model_fields_set else FROM_DEFAULT
        if isinstance(value, BaseModel):
            yield from _walk(value, f"{path}.", here)
        elif isinstance(value, Mapping) and value:
            yield from ((f"{path}.{key}", item, here, type(model), field) for key, item in value.items())
        else:
            yield path, value, here, type(model), field


def _is_object_list(value: Any) -> bool:
    return isinstance(value, tuple | list) and bool(value) and all(isinstance(v, BaseModel) for v in value)


def _first_sentence(model: type[BaseModel], field: str) -> str:
    return field_docs(model).get(field, "").split(". ")[0].rstrip(".")


def read(settings: ConfigModel) -> tuple[list[Setting], list[SettingList]]:
    """Every key of `settings` with its effective value; lists of objects apart, one row per entry."""
    derived = settings.derived_values()

    def effective(path: str, value: Any, origin: str) -> tuple[str, str]:
        if value is None and path in derived:
            return as_written(derived[path]), FROM_PROGRAM
        return (NOT_SET if value is None else as_written(value)), origin

    scalars: list[Setting] = []
    lists: list[SettingList] = []
    for key, value, origin, owner, field in _walk(settings, "", FROM_FILE):
        if not _is_object_list(value):
            scalars.append(Setting(key, *effective(key, value, origin)))
            continue
        entries: list[dict[str, str]] = []
        for index, entry in enumerate(value):
            base = f"{key}[{_entry_name(entry, index)}]."
            entries.append(
                {path[len(base) :]: effective(path, v, o)[0] for path, v, o, *_ in _walk(entry, base, origin)}
            )
        columns = tuple(dict.fromkeys(column for entry in entries for column in entry))
        rows = tuple(tuple(entry.get(column, "-") for column in columns) for entry in entries)
        lists.append(SettingList(key, _first_sentence(owner, field), columns, rows, origin))
    return scalars, lists


def settings_sections(projects: Sequence[ProjectSettings]) -> list[Section]:
    sections: list[Section] = []
    for project in projects:
        scalars, lists = read(project.settings)
        rows = tuple((s.key, s.value, s.origin) for s in scalars)
        sections.append(Section(f"Settings: {project.project}", ("Key", "Value", "From"), rows))
        for found in lists:
            about = f": {found.description}" if found.description else ""
            title = f"Settings: {project.project} {found.key} ({found.origin}; in this order){about}"
            sections.append(Section(title, found.columns, found.rows))
    return sections


def settings_dict(projects: Sequence[ProjectSettings]) -> dict[str, Any]:
    """For JSON: each project's keys with their effective values and origins; each list of objects as entries."""
    document: dict[str, Any] = {}
    for project in projects:
        scalars, lists = read(project.settings)
        document[project.project] = {
            "keys": [{"key": s.key, "value": s.value, "from": s.origin} for s in scalars],
            "lists": [
                {
                    "key": found.key,
                    "from": found.origin,
                    "entries": [dict(zip(found.columns, row, strict=True)) for row in found.rows],
                }
                for found in lists
            ],
        }
    return document


def settings_rows(projects: Sequence[ProjectSettings]) -> Iterator[tuple[str, str, str, str]]:
    """For CSV: (project, key, value, origin), list entries as `key[name].column`."""
    for project in projects:
        scalars, lists = read(project.settings)
        yield from ((project.project, s.key, s.value, s.origin) for s in scalars)
        for found in lists:
            for row in found.rows:
                name = row[found.columns.index("name")] if "name" in found.columns else str(found.rows.index(row))
                for column, value in zip(found.columns, row, strict=True):
                    yield project.project, f"{found.key}[{name}].{column}", value, found.origin
