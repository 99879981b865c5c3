"""ProjectConnections: the project-scoped connections declared in `connections`, all with Entra ID auth.

Each connection names the resource by its ARM id (validated against this environment's resource groups
when config is read) and carries no credential: the project's managed identity, or the calling user,
gets a token for the target service. Data-plane roles on the target are granted where the target lives.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cognitiveservices

from components.ordering import SerialWrites
from components.settings.connections import Connection


@dataclass(frozen=True)
class ProjectConnectionsArgs:
    connections: tuple[Connection, ...]
    resource_group_name: pulumi.Input[str]
    account: cognitiveservices.Account
    projects: dict[str, cognitiveservices.Project]
    account_writes: SerialWrites


class ProjectConnections(pulumi.ComponentResource):
    connections: dict[tuple[str, str], cognitiveservices.ProjectConnection]

    def __init__(self, name: str, args: ProjectConnectionsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:ProjectConnections", name, None, opts)
        self.connections = {}
        writes = args.account_writes
        for connection in args.connections:
            kind = connection.kind
            self.connections[(connection.project, connection.name)] = writes.add(
                cognitiveservices.ProjectConnection(
                    f"{name}-{connection.project}-{connection.name}",
                    account_name=args.account.name,
                    # The project's output, not its name: a re-created project re-creates its connections too.
                    project_name=args.projects[connection.project].name,
                    resource_group_name=args.resource_group_name,
                    connection_name=connection.name,
                    # The typed Args class: a plain dict for this union-typed input would keep snake_case keys.
                    properties=cognitiveservices.AADAuthTypeConnectionPropertiesArgs(
                        auth_type=kind.auth_type,
                        category=kind.category,
                        target=kind.endpoint_template.format(name=connection.resource_name),
                        is_shared_to_all=True,
                        metadata={"ApiType": "Azure", "ResourceId": connection.resource_id},
                    ),
                    opts=writes.options(self),
                )
            )
        self.names = {project: [c.name for c in args.connections if c.project == project] for project in args.projects}
        self.register_outputs({"connections": self.names})
