"""The Foundry resource (an AIServices account) and its projects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
from pulumi_azure_native import cognitiveservices, managedidentity

from components import naming
from components.catalogue import endpoints
from components.ordering import SerialWrites
from components.rbac import Principal, Scope
from components.settings import Placement
from components.settings.stack import Project


def account_path(resource_group: str, account: str) -> str:
    return f"resourceGroups/{resource_group}/providers/Microsoft.CognitiveServices/accounts/{account}"


@dataclass(frozen=True)
class FoundryAccountArgs:
    placement: Placement
    account_name: str  # also its custom subdomain
    projects: tuple[Project, ...]
    private: bool
    # networkAcls.bypass AzureServices (network.trustedAzureServices)
    trusted_azure_services: bool
    resource_group_name: pulumi.Input[str]
    # Set when Foundry Agent Service injects its runtime into the environment's VNet (private mode only).
    agent_subnet_id: pulumi.Input[str] | None = None
    # The account's and projects' identities: their own system-assigned ones, or a user-assigned identity each.
    identity: Literal["system-assigned", "user-assigned"] = "system-assigned"


class FoundryAccount(pulumi.ComponentResource):
    """One environment's own Foundry resource, Entra-only, with its projects.

    `writes` is the one chain every write under the account joins (projects here; guardrails, deployments,
    connections and the private endpoint in their components), because the account takes one at a time.
    """

    account: cognitiveservices.Account
    projects: dict[str, cognitiveservices.Project]
    writes: SerialWrites

    def __init__(self, name: str, args: FoundryAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:FoundryAccount", name, None, opts)
        place = args.placement
        subdomain = args.account_name
        private = args.private
        injections: list[cognitiveservices.NetworkInjectionArgsDict] = []
        if args.agent_subnet_id is not None:
            injections.append(
                {
                    "scenario": cognitiveservices.ScenarioType.AGENT,
                    "subnet_arm_id": args.agent_subnet_id,
                    "use_microsoft_managed_network": False,
                }
            )

        self.identities: dict[str, managedidentity.UserAssignedIdentity] = {}  # "" for the account, else a project
        if args.identity == "user-assigned":
            for project in ("", *(p.name for p in args.projects)):
                self.identities[project] = managedidentity.UserAssignedIdentity(
                    f"{name}-identity-{project or 'account'}",
                    resource_name_=naming.foundry_identity_name(place.name_prefix, place.instance, project or None),
                    resource_group_name=args.resource_group_name,
                    location=place.location,
                    tags=place.tags,
                    opts=pulumi.ResourceOptions(parent=self, protect=place.protect),
                )

        self.account = cognitiveservices.Account(
            f"{name}-account",
            account_name=subdomain,
            resource_group_name=args.resource_group_name,
            location=place.location,
            kind="AIServices",
            sku={"name": "S0"},
            identity=self._identity(""),
            properties={
                "allow_project_management": True,
                "custom_sub_domain_name": subdomain,
                # Foundry User includes listKeys: with local auth on, every user could read the API keys.
                "disable_local_auth": True,
                "public_network_access": "Disabled" if private else "Enabled",
                "network_acls": {
                    "default_action": "Deny" if private else "Allow",
                    # Stated, not left to the service's default. `AzureServices` only opens the network path for
                    # Foundry Tools, Azure Machine Learning and AI Search acting as their own managed identity,
                    # which still needs a role here (Learn, "Configure Foundry Tools virtual networks"); the
                    # Foundry baseline architecture keeps it at None, as this program does unless configured.
                    "bypass": "AzureServices" if args.trusted_azure_services else "None",
                    "ip_rules": [],
                    "virtual_network_rules": [],
                },
                # None (left out of the request) unless the agent runtime is injected into a subnet.
                "network_injections": injections or None,
            },
            tags=place.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=place.protect),
        )

        self.writes = SerialWrites(self.account)
        self.projects = {
            project.name: self.writes.add(
                cognitiveservices.Project(
                    f"{name}-project-{project.name}",
                    account_name=self.account.name,
                    project_name=project.name,
                    resource_group_name=args.resource_group_name,
                    location=place.location,
                    identity=self._identity(project.name),
                    properties={"display_name": project.display_name, "description": project.description},
                    tags=place.tags,
                    # A project holds its agents, threads and files: as protected as the account in prod.
                    opts=self.writes.options(self, protect=place.protect),
                )
            )
            for project in args.projects
        }

        self.account_scope = Scope(account_path(place.resource_group_name, subdomain), self.account.id)
        self.project_scopes = {
            project_name: Scope(f"{self.account_scope.key}/projects/{project_name}", project.id)
            for project_name, project in self.projects.items()
        }
        self.project_principals = {
            project_name: self._project_principal(project_name, project)
            for project_name, project in self.projects.items()
        }
        self.endpoint = endpoints.account_endpoint(subdomain)
        self.project_endpoints = {p.name: endpoints.project_endpoint(subdomain, p.name) for p in args.projects}

        self.register_outputs(
            {"accountName": self.account.name, "endpoint": self.endpoint, "projectEndpoints": self.project_endpoints}
        )

    def _identity(self, project: str) -> cognitiveservices.IdentityArgsDict:
        """The account's (project "") or a project's identity argument."""
        if project not in self.identities:
            return {"type": cognitiveservices.ResourceIdentityType.SYSTEM_ASSIGNED}
        return {
            "type": cognitiveservices.ResourceIdentityType.USER_ASSIGNED,
            "user_assigned_identities": [self.identities[project].id],
        }

    def _project_principal(self, project_name: str, project: cognitiveservices.Project) -> Principal:
        """Who a project's grants go to: its user-assigned identity, or its own system-assigned one."""
        scope_key = f"{self.account_scope.key}/projects/{project_name}"
        assigned = self.identities.get(project_name)
        if assigned is not None:
            return Principal(
                key=f"project-identity:{scope_key}:user-assigned",
                display_name=f"project {project_name} (user-assigned identity)",
                kind="project managed identity (user-assigned)",
                principal_type="ServicePrincipal",
                object_id=assigned.principal_id,
            )
        return Principal(
            key=f"project-identity:{scope_key}",
            display_name=f"project {project_name} (system-assigned identity)",
            kind="project managed identity",
            principal_type="ServicePrincipal",
            object_id=project.identity.apply(lambda identity: identity.principal_id if identity else ""),
        )
