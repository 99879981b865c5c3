"""Project connections: `connections` and `connectionResourceGroups`.

The rule that keeps environments apart: a connection may only point at a resource in this environment's
own resource group or in a group listed in `connectionResourceGroups` for this stack. On top of that, a
resource group or resource whose name carries another environment's name or short code as a separate
name segment (`rg-data-prod`, `srch_stg_docs`) is refused even when it is listed, so a copied stack file
cannot quietly wire dev to prod's data. Subscriptions are not compared here: the deploying subscription is
known only when the program runs; `offline.plan --stack all` compares the targets of all stacks.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo

from components import naming
from components.catalogue.agent_data import AGENT_CONNECTION_PURPOSES
from components.catalogue.connections import (
    APP_INSIGHTS_CONNECTION_PURPOSE,
    CONNECTION_KINDS,
    CONNECTION_NAME_MAX,
    CONNECTION_NAME_MIN,
    CONNECTION_NAME_PATTERN,
    ConnectionKind,
    kind_for_type,
)
from components.settings.base import ConfigModel, Pattern, context, refuse, report
from components.settings.core import ResourceGroupName, own_environment_only

# Connection names are unique per Foundry account (catalogue.connections).
ACCOUNT_WIDE = " across all projects of the Foundry account, not per project"
RESOURCE_ID_PATTERN = re.compile(
    r"/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/(?P<group>[-\w.()]+)"
    r"/providers/(?P<namespace>[A-Za-z0-9.]+)/(?P<type>[A-Za-z0-9]+)/(?P<name>[-\w.]+)",
    re.IGNORECASE,
)


def _target(resource_id: str, info: ValidationInfo) -> str:
    match = RESOURCE_ID_PATTERN.fullmatch(resource_id)
    if match is None or kind_for_type(f"{match['namespace']}/{match['type']}") is None:
        kinds = ", ".join(k.arm_type for k in CONNECTION_KINDS)
        refuse(
            f"allowed: the ARM id of one of these resources: {kinds} "
            "(/subscriptions/<id>/resourceGroups/<group>/providers/<type>/<name>)"
        )
    return own_environment_only(resource_id, info)


class Connection(ConfigModel):
    """A project connection to a resource of this environment, with Entra ID auth (no key is ever stored)."""

    name: Annotated[
        str,
        Pattern(
            CONNECTION_NAME_PATTERN,
            CONNECTION_NAME_MIN,
            CONNECTION_NAME_MAX,
            "letters, digits, '_' and '-', starting with a letter or digit",
        ),
    ]
    """The connection's name, unique across all projects of the account."""
    project: str
    """The project that gets the connection."""
    resource_id: Annotated[str, AfterValidator(_target)]
    """The target's ARM id: a storage account, AI Search service or Cosmos DB account."""

    @property
    def parts(self) -> re.Match[str]:
        match = RESOURCE_ID_PATTERN.fullmatch(self.resource_id)
        assert match is not None
        return match

    @property
    def resource_name(self) -> str:
        return self.parts["name"]

    @property
    def kind(self) -> ConnectionKind:
        kind = kind_for_type(f"{self.parts['namespace']}/{self.parts['type']}")
        assert kind is not None
        return kind


ConnectionGroup = Annotated[ResourceGroupName, AfterValidator(own_environment_only)]


def builtin_connection_names(projects: tuple[str, ...]) -> dict[str, str]:
    """Lower-cased name -> project of every connection the program itself makes or may make: one App Insights per
    project, and with the standard agent setup three to the agent data stores (reserved whether it is on or not,
    so that turning it on never collides with a connection a stack already has)."""
    purposes = (APP_INSIGHTS_CONNECTION_PURPOSE, *AGENT_CONNECTION_PURPOSES)
    return {naming.project_connection_name(p, purpose).lower(): p for p in projects for purpose in purposes}


def check_connections(
    connections: tuple[Connection, ...], projects: tuple[str, ...], groups: tuple[str, ...], info: ValidationInfo
) -> None:
    """Rules across the list: an existing project, an allowed resource group, names unique across the account."""
    environment = context(info).environment
    reserved = builtin_connection_names(projects)
    for index, connection in enumerate(connections):
        key = f"connections[{index}]"
        if connection.project not in projects:
            report(
                info,
                f"{key}.project",
                connection.project,
                "allowed: one of this environment's projects: " + ", ".join(projects),
            )
        group = connection.parts["group"]
        if group.lower() not in {g.lower() for g in groups}:
            report(
                info,
                f"{key}.resourceId",
                connection.resource_id,
                f"resource group '{group}' is not one of {environment}'s: {', '.join(groups)} "
                "(add it to connectionResourceGroups if it belongs to this environment)",
            )
        lowered = connection.name.lower()
        if lowered in reserved:
            report(
                info,
                "connections[].name",
                connection.name,
                f"the program uses this name for a connection of project {reserved[lowered]} (Application Insights "
                "or the standard agent setup's stores); connection names are unique across all projects of the "
                "Foundry account",
            )


def targets(connections: tuple[Connection, ...]) -> dict[str, Any]:
    """Lower-cased target resource id -> connection name, for comparisons across stacks."""
    return {c.resource_id.lower(): c.name for c in connections}
