"""Observability: the environment's Log Analytics workspace, a workspace-based Application Insights, the
diagnostic settings of the Foundry resource and the Key Vault, and an Application Insights connection on
every project (which is what turns on Foundry's tracing for that project).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import applicationinsights, cognitiveservices, keyvault, monitor, operationalinsights, search

from components import naming
from components.catalogue import connections as connection_catalogue
from components.catalogue import diagnostics
from components.ordering import SerialWrites
from components.rbac import Scope
from components.settings import Placement


def workspace_name(name_prefix: str, environment: str) -> str:
    return f"log-{name_prefix}-{environment}"


def app_insights_name(name_prefix: str, environment: str) -> str:
    return f"appi-{name_prefix}-{environment}"


@dataclass(frozen=True)
class ObservabilityArgs:
    placement: Placement
    log_retention_days: int
    resource_group_name: pulumi.Input[str]
    account: cognitiveservices.Account
    projects: dict[str, cognitiveservices.Project]
    vault: keyvault.Vault
    account_writes: SerialWrites
    # The standard agent setup's AI Search service, where it is on: its query and indexing logs go to the workspace.
    search_service: search.Service | None = None


class Observability(pulumi.ComponentResource):
    workspace: operationalinsights.Workspace
    app_insights: applicationinsights.Component
    diagnostic_settings: dict[str, monitor.DiagnosticSetting]
    project_connections: dict[str, cognitiveservices.ProjectConnection]

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:Observability", name, None, opts)
        place = args.placement
        child = pulumi.ResourceOptions(parent=self)

        self.workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            workspace_name=workspace_name(place.name_prefix, place.instance),
            resource_group_name=args.resource_group_name,
            location=place.location,
            sku={"name": operationalinsights.WorkspaceSkuNameEnum.PER_GB2018},
            retention_in_days=args.log_retention_days,
            # Only Entra-authenticated ingestion and queries: no workspace shared keys.
            features={"disable_local_auth": True, "enable_log_access_using_only_resource_permissions": True},
            tags=place.tags,
            opts=child,
        )

        # Workspace-based: telemetry lands in the workspace above. Local auth off: ingestion needs an Entra
        # token, so the instrumentation key inside the connection string is not enough to send data.
        self.app_insights = applicationinsights.Component(
            f"{name}-appinsights",
            resource_name_=app_insights_name(place.name_prefix, place.instance),
            resource_group_name=args.resource_group_name,
            location=place.location,
            kind="web",
            application_type=applicationinsights.ApplicationType.WEB,
            workspace_resource_id=self.workspace.id,
            ingestion_mode=applicationinsights.IngestionMode.LOG_ANALYTICS,
            disable_local_auth=True,
            tags=place.tags,
            opts=pulumi.ResourceOptions(
                parent=self, additional_secret_outputs=["connectionString", "instrumentationKey"]
            ),
        )

        self.diagnostic_settings = {
            "account": self._diagnostic_setting(
                f"{name}-diag-account", args.account.id, diagnostics.FOUNDRY_LOG_CATEGORIES
            ),
            "vault": self._diagnostic_setting(
                f"{name}-diag-vault", args.vault.id, diagnostics.KEY_VAULT_LOG_CATEGORIES
            ),
        }
        if args.search_service is not None:
            self.diagnostic_settings["search"] = self._diagnostic_setting(
                f"{name}-diag-search", args.search_service.id, diagnostics.SEARCH_LOG_CATEGORIES
            )

        connection_string = pulumi.Output.secret(self.app_insights.connection_string)
        writes = args.account_writes
        self.project_connections = {}
        for project_name, project in args.projects.items():
            self.project_connections[project_name] = writes.add(
                cognitiveservices.ProjectConnection(
                    f"{name}-appinsights-{project_name}",
                    account_name=args.account.name,
                    # The project's output, not its name: a re-created project re-creates its connection too.
                    project_name=project.name,
                    resource_group_name=args.resource_group_name,
                    connection_name=naming.project_connection_name(
                        project_name, connection_catalogue.APP_INSIGHTS_CONNECTION_PURPOSE
                    ),
                    # The typed Args class, not a dict: `properties` is a union of connection types, and only the
                    # class tells the SDK which one this is (a plain dict would reach ARM with snake_case keys).
                    properties=cognitiveservices.ApiKeyAuthConnectionPropertiesArgs(
                        auth_type=connection_catalogue.APP_INSIGHTS_AUTH_TYPE,
                        category=connection_catalogue.APP_INSIGHTS_CATEGORY,
                        target=self.app_insights.id,
                        is_shared_to_all=True,
                        credentials=cognitiveservices.ConnectionApiKeyArgs(key=connection_string),
                        metadata={"ApiType": "Azure", "ResourceId": self.app_insights.id},
                    ),
                    # The service may echo the credential back; keep the whole property bag encrypted in state.
                    opts=writes.options(self, additional_secret_outputs=["properties"]),
                )
            )

        self.app_insights_scope = Scope(
            f"resourceGroups/{place.resource_group_name}/providers/Microsoft.Insights/components/"
            f"{app_insights_name(place.name_prefix, place.instance)}",
            self.app_insights.id,
        )
        self.register_outputs({"workspaceId": self.workspace.id, "appInsightsId": self.app_insights.id})

    def _diagnostic_setting(
        self, resource_name: str, resource_uri: pulumi.Input[str], log_categories: tuple[str, ...]
    ) -> monitor.DiagnosticSetting:
        return monitor.DiagnosticSetting(
            resource_name,
            name=diagnostics.DIAGNOSTIC_SETTING_NAME,
            resource_uri=resource_uri,
            workspace_id=self.workspace.id,
            logs=[{"category": category, "enabled": True} for category in log_categories],
            metrics=[{"category": diagnostics.ALL_METRICS, "enabled": True}],
            opts=pulumi.ResourceOptions(parent=self),
        )
