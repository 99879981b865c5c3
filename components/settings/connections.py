"""Config keys for project connections: `connections` and `connectionResourceGroups`.

The rule that keeps environments apart: a connection may only point at a resource in this environment's
own resource group or in a group listed in `connectionResourceGroups` for this stack. On top of that, a
resource group or resource whose name carries another environment's name or short code as a separate
name segment (`rg-data-prod`, `srch_stg_docs`) is refused even when it is listed, so a copied stack file
cannot quietly wire dev to prod's data. Subscriptions are not compared: the deploying subscription is
known only when the program runs, not when config is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components import naming
from components.catalogue.connections import (
    APP_INSIGHTS_CONNECTION_PURPOSE,
    CONNECTION_KINDS,
    CONNECTION_NAME_MAX,
    CONNECTION_NAME_MIN,
    CONNECTION_NAME_PATTERN,
    ConnectionKind,
    kind_for_type,
)
from components.settings.reader import ConfigReader, check_list, check_object, check_pattern, check_unique

CONNECTION_NAME_RULE = "letters, digits, '_' and '-', starting with a letter or digit"
RESOURCE_ID_PATTERN = re.compile(
    r"/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/(?P<group>[-\w.()]+)"
    r"/providers/(?P<namespace>[A-Za-z0-9.]+)/(?P<type>[A-Za-z0-9]+)/(?P<name>[-\w.]+)",
    re.IGNORECASE,
)
# Every way an environment's name appears in resource names (full name and the short code in naming.py).
ENVIRONMENT_TOKENS: dict[str, tuple[str, ...]] = {
    "dev": ("dev",),
    "staging": ("staging", "stg"),
    "prod": ("prod", "prd"),
}
CONNECTION_FIELDS = ("name", "project", "resourceId")
MAX_CONNECTIONS = 50


@dataclass(frozen=True)
class ConnectionSettings:
    name: str
    project: str
    resource_id: str
    resource_name: str
    kind: ConnectionKind


def other_environment_token(name: str, environment: str) -> str | None:
    """The other environment's name or code if `name` carries one as a segment (split on - _ . ( ))."""
    segments = {segment.lower() for segment in re.split(r"[-_.()]", name) if segment}
    for other, tokens in ENVIRONMENT_TOKENS.items():
        if other != environment:
            hit = next((token for token in tokens if token in segments), None)
            if hit is not None:
                return hit
    return None


def parse_connection_groups(reader: ConfigReader, environment: str, own_group: str) -> tuple[str, ...]:
    """The resource groups this environment's connections may point into (its own group always included)."""
    groups = [own_group]
    raw = check_list(reader, "connectionResourceGroups", reader.structured("connectionResourceGroups"))
    for index, group in enumerate(raw):
        key = f"connectionResourceGroups[{index}]"
        if not check_pattern(reader, key, group, r"[-\w.()]*[-\w()]", 1, 90, "a resource group name"):
            continue
        token = other_environment_token(group, environment)
        if token is not None:
            reader.fail(
                key, group, f"the name carries another environment ('{token}'); {environment} may not connect to it"
            )
            continue
        groups.append(group)
    return tuple(groups)


def parse_connections(
    reader: ConfigReader, environment: str, own_group: str, projects: tuple[str, ...]
) -> tuple[ConnectionSettings, ...]:
    allowed_groups = parse_connection_groups(reader, environment, own_group)
    connections: list[ConnectionSettings] = []
    for index, entry in enumerate(check_list(reader, "connections", reader.structured("connections"), MAX_CONNECTIONS)):
        key = f"connections[{index}]"
        fields = check_object(reader, key, entry, CONNECTION_FIELDS)
        if not isinstance(entry, dict):
            continue
        problems_before = len(reader.problems)
        name = fields.get("name")
        check_pattern(
            reader,
            f"{key}.name",
            name,
            CONNECTION_NAME_PATTERN,
            CONNECTION_NAME_MIN,
            CONNECTION_NAME_MAX,
            CONNECTION_NAME_RULE,
        )
        project = fields.get("project")
        if project not in projects:
            reader.fail(
                f"{key}.project", project, "allowed: one of this environment's projects: " + ", ".join(projects)
            )
        resource_id = fields.get("resourceId")
        match = RESOURCE_ID_PATTERN.fullmatch(resource_id) if isinstance(resource_id, str) else None
        kind = kind_for_type(f"{match['namespace']}/{match['type']}") if match else None
        if match is None or kind is None:
            kinds = ", ".join(k.arm_type for k in CONNECTION_KINDS)
            reader.fail(
                f"{key}.resourceId",
                resource_id,
                f"allowed: the ARM id of one of these resources: {kinds} "
                "(/subscriptions/<id>/resourceGroups/<group>/providers/<type>/<name>)",
            )
        else:
            _check_same_environment(reader, f"{key}.resourceId", resource_id, match, environment, allowed_groups)
        if len(reader.problems) == problems_before and match is not None and kind is not None:
            connections.append(ConnectionSettings(str(name), str(project), str(resource_id), match["name"], kind))
    _check_account_wide_names(reader, connections, projects)
    return tuple(connections)


def builtin_connection_names(projects: tuple[str, ...]) -> dict[str, str]:
    """Lower-cased name -> project of every connection the program itself makes (one App Insights per project)."""
    return {
        naming.project_connection_name(project, APP_INSIGHTS_CONNECTION_PURPOSE).lower(): project
        for project in projects
    }


def _check_account_wide_names(
    reader: ConfigReader, connections: list[ConnectionSettings], projects: tuple[str, ...]
) -> None:
    """Connection names are unique across every project of the account, the program's own connections included."""
    check_unique(
        reader,
        "connections[].name",
        [c.name for c in connections],
        " across all projects of the Foundry account, not per project",
    )
    reserved = builtin_connection_names(projects)
    for connection in connections:
        owner = reserved.get(connection.name.lower())
        if owner is not None:
            reader.fail(
                "connections[].name",
                connection.name,
                f"the program uses this name for the Application Insights connection of project {owner}; connection names "
                "are unique across all projects of the Foundry account",
            )


def _check_same_environment(
    reader: ConfigReader,
    key: str,
    resource_id: object,
    match: re.Match[str],
    environment: str,
    allowed_groups: tuple[str, ...],
) -> None:
    group, name = match["group"], match["name"]
    token = other_environment_token(group, environment) or other_environment_token(name, environment)
    if token is not None:
        reader.fail(
            key,
            resource_id,
            f"it points at another environment's resource ('{token}' in its name); {environment} connects only to its own",
        )
    elif group.lower() not in {g.lower() for g in allowed_groups}:
        reader.fail(
            key,
            resource_id,
            f"resource group '{group}' is not one of {environment}'s: "
            + ", ".join(allowed_groups)
            + " (add it to connectionResourceGroups if it belongs to this environment)",
        )
