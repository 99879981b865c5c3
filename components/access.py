"""The role model: who gets which role where, per environment, in one table a reviewer can read.

Every grant is at the narrowest scope that works. People never appear here as individuals, only as the
environment's Entra groups. Elevated roles are standing outside prod and PIM-eligible only in prod.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from components.catalogue.agent_data import AGENT_CONTAINER_CONDITION
from components.catalogue.roles import (
    COSMOS_DB_OPERATOR,
    FOUNDRY_ACCOUNT_OWNER,
    FOUNDRY_PROJECT_MANAGER,
    FOUNDRY_USER,
    KEY_VAULT_SECRETS_USER,
    MONITORING_METRICS_PUBLISHER,
    READER,
    SEARCH_INDEX_DATA_CONTRIBUTOR,
    SEARCH_SERVICE_CONTRIBUTOR,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_OWNER,
    Role,
)
from components.rbac import Principal, Scope, assign_role
from components.settings import Placement
from components.settings.access import OptIn
from components.settings.core import ENVIRONMENTS, EnvironmentName

Grantee = Literal[
    "app identity",
    "web app identity",
    "project identities",
    "CI/CD",
    "developers",
    "readers",
    "platform admins",
    "end users",
    "headless scripts",
]
ScopeKind = Literal[
    "each project",
    "its project",
    "Foundry resource",
    "Key Vault",
    "Application Insights",
    "Storage account",
    "AI Search service",
    "Cosmos DB account",
]


@dataclass(frozen=True)
class Grant:
    grantee: Grantee
    role: Role
    scope: ScopeKind
    environments: tuple[EnvironmentName, ...] = ENVIRONMENTS
    pim_eligible: bool = False  # True: a PIM eligibility, never a standing assignment
    pattern: OptIn | None = None  # granted only where the stack turns this on
    # Made only once the projects' capability hosts exist (the standard agent setup's order), not before.
    after_capability_hosts: bool = False
    condition: str | None = None  # an ABAC condition (version 2.0) on the assignment


# fmt: off
ACCESS_MODEL: tuple[Grant, ...] = (
    Grant("app identity",       FOUNDRY_USER,            "each project"),
    Grant("app identity",       KEY_VAULT_SECRETS_USER,  "Key Vault"),
    # Application Insights has local auth off: sending traces needs an Entra token with this role.
    Grant("app identity",       MONITORING_METRICS_PUBLISHER, "Application Insights"),
    # Design source 1.1: the web app's own system-assigned identity, when it runs as that instead of the app
    # identity; the same grants, made after the app (the principal exists only then).
    Grant("web app identity",   FOUNDRY_USER,            "each project",     pattern="system-assigned web app"),
    Grant("web app identity",   KEY_VAULT_SECRETS_USER,  "Key Vault",        pattern="system-assigned web app"),
    Grant("web app identity",   MONITORING_METRICS_PUBLISHER, "Application Insights", pattern="system-assigned web app"),
    # A project's own identity needs Foundry User on the resource; the portal adds it, the API does not.
    Grant("project identities", FOUNDRY_USER,            "Foundry resource"),
    # Foundry ingests a project's server-side traces (agent runs, evaluations) as the project's identity; with local
    # auth off on Application Insights that needs this role there (Learn, "Configure Microsoft Entra authentication
    # for Foundry agent trace ingestion", 2026-08). The portal grants it when it makes the connection; IaC must.
    Grant("project identities", MONITORING_METRICS_PUBLISHER, "Application Insights"),
    # The standard agent setup (Microsoft's templates, foundry-samples bicep 15/41; Learn "Standard agent setup"):
    # before the capability host, what it needs to make the agent containers and indexes...
    Grant("project identities", STORAGE_BLOB_DATA_CONTRIBUTOR, "Storage account", pattern="standard agent setup"),
    Grant("project identities", COSMOS_DB_OPERATOR,          "Cosmos DB account", pattern="standard agent setup"),
    Grant("project identities", SEARCH_INDEX_DATA_CONTRIBUTOR, "AI Search service", pattern="standard agent setup"),
    Grant("project identities", SEARCH_SERVICE_CONTRIBUTOR,  "AI Search service", pattern="standard agent setup"),
    # ...and after it, Storage Blob Data Owner with the agent-container condition (the Cosmos data role on the
    # agent database is a Cosmos SQL role assignment: components/agent_data/grants.py).
    Grant("project identities", STORAGE_BLOB_DATA_OWNER,     "Storage account", pattern="standard agent setup",
          after_capability_hosts=True, condition=AGENT_CONTAINER_CONDITION),
    Grant("CI/CD",              FOUNDRY_PROJECT_MANAGER, "each project"),
    Grant("developers",         FOUNDRY_PROJECT_MANAGER, "each project",     ("dev",)),
    Grant("developers",         FOUNDRY_USER,            "each project",     ("staging",)),
    Grant("developers",         READER,                  "each project",     ("prod",)),
    Grant("developers",         READER,                  "Foundry resource"),
    Grant("readers",            READER,                  "Foundry resource"),
    # Design source 1.4: the On-Behalf-Of API reaches Foundry as the signed-in user, so the users hold the role,
    # in prod too; with it they can also call the projects directly, without the API.
    Grant("end users",          FOUNDRY_USER,            "each project",     pattern="on-behalf-of"),
    # Design source 1.5: a headless script's secret-holding app registration, outside prod, on its one project.
    Grant("headless scripts",   FOUNDRY_USER,            "its project", ("dev", "staging"), pattern="client secrets"),
    Grant("platform admins",    FOUNDRY_ACCOUNT_OWNER,   "Foundry resource", ("dev", "staging")),
    Grant("platform admins",    FOUNDRY_ACCOUNT_OWNER,   "Foundry resource", ("prod",), pim_eligible=True),
)
# fmt: on


def grants_for(environment: EnvironmentName, patterns: Collection[OptIn] | None = None) -> tuple[Grant, ...]:
    """The environment's grants: those of every pattern when `patterns` is None, else of the patterns turned on."""
    return tuple(
        grant
        for grant in ACCESS_MODEL
        if environment in grant.environments
        and (patterns is None or grant.pattern is None or grant.pattern in patterns)
    )


def eligible_grants(environment: EnvironmentName) -> tuple[Grant, ...]:
    """The grants made as PIM eligibilities, by the PIM phase an administrator runs (`pim/`), not by this program:
    the pipeline's deployer may not write PIM requests, and no role that could would stay within its limits."""
    return tuple(grant for grant in grants_for(environment) if grant.pim_eligible)


# Grantees that are the environment's Entra groups, and their key under `groups` (and the `groupObjectIds` output).
GROUP_GRANTEES: dict[Grantee, str] = {
    "developers": "developers",
    "readers": "readers",
    "platform admins": "platformAdmins",
}


def standing_roles(environment: EnvironmentName) -> tuple[Role, ...]:
    """The roles this environment assigns as standing assignments (PIM eligibilities excluded), each once."""
    return tuple(dict.fromkeys(grant.role for grant in grants_for(environment) if not grant.pim_eligible))


def assigned_roles() -> tuple[Role, ...]:
    """Every role the program grants in some environment, standing or eligible (each once)."""
    return tuple(dict.fromkeys(grant.role for grant in ACCESS_MODEL))


# Resource-name labels of the agent data stores' scopes.
SCOPE_LABELS: dict[ScopeKind, str] = {
    "Storage account": "storage",
    "AI Search service": "search",
    "Cosmos DB account": "cosmos",
}


def _slug(text: str) -> str:
    return "-".join(text.lower().replace("/", "").split())


@dataclass(frozen=True)
class AccessModelArgs:
    placement: Placement
    subscription_id: pulumi.Input[str]
    principals: Mapping[Grantee, Principal]  # every grantee of a granted pattern, except "project identities"
    patterns: frozenset[OptIn]  # the identity patterns the stack turns on
    project_principals: Mapping[str, Principal]
    project_scopes: Mapping[str, Scope]
    account_scope: Scope
    vault_scope: Scope
    app_insights_scope: Scope
    # Grantees of several principals, each on its own project ("its project"): label -> (principal, project).
    per_project: Mapping[Grantee, Mapping[str, tuple[Principal, str]]] = field(default_factory=dict)
    # The standard agent setup's stores, where it is on.
    agent_data_scopes: Mapping[ScopeKind, Scope] = field(default_factory=dict)
    # Which grants this instance declares: those made before the capability hosts, or those made after them.
    after_capability_hosts: bool = False
    # What a project identity's grants wait for, by project (after the hosts: that project's capability host).
    project_waits: Mapping[str, Sequence[pulumi.Resource]] = field(default_factory=dict)


class AccessModel(pulumi.ComponentResource):
    """Declares every grant of `ACCESS_MODEL` that applies to this environment."""

    assignments: dict[Grantee, list[pulumi.Resource]]
    project_assignments: dict[str, list[pulumi.Resource]]  # each project identity's grants, by project

    def __init__(self, name: str, args: AccessModelArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:AccessModel", name, None, opts)
        place = args.placement
        child = pulumi.ResourceOptions(parent=self)
        self.assignments = {}
        self.project_assignments = {}
        for grant in grants_for(place.environment, args.patterns):
            if grant.pim_eligible:
                continue  # made by the PIM phase (`pim/`), see `eligible_grants`
            if grant.after_capability_hosts != args.after_capability_hosts:
                continue  # the other instance's
            for label, principal, scope, project in self._targets(grant, args):
                resource_name = f"{name}-{_slug(grant.grantee)}-{_slug(grant.role.name)}-{label}"
                waits = list(args.project_waits.get(project, ())) if project else []
                options = (
                    pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=waits)) if waits else child
                )
                resource = assign_role(
                    resource_name, principal, grant.role, scope, args.subscription_id, options, grant.condition
                )
                self.assignments.setdefault(grant.grantee, []).append(resource)
                if project:
                    self.project_assignments.setdefault(project, []).append(resource)
        self.register_outputs({})

    @staticmethod
    def _targets(grant: Grant, args: AccessModelArgs) -> list[tuple[str, Principal, Scope, str | None]]:
        """(label, principal, scope, the project whose identity it is or None) for each assignment a grant expands
        to; labels name the resources, so they must not change for existing grants (a new label is a new resource:
        the grant would be re-created)."""
        if grant.scope == "its project":
            return [
                (f"{label}-on-{project}", principal, args.project_scopes[project], None)
                for label, (principal, project) in args.per_project[grant.grantee].items()
            ]
        if grant.scope == "each project":
            scopes = list(args.project_scopes.items())
        else:
            labelled = {
                "Key Vault": ("vault", args.vault_scope),
                "Application Insights": ("app-insights", args.app_insights_scope),
                "Foundry resource": ("account", args.account_scope),
                **{kind: (SCOPE_LABELS[kind], scope) for kind, scope in args.agent_data_scopes.items()},
            }
            scopes = [labelled[grant.scope]]
        if grant.grantee == "project identities":
            return [
                (f"{project}-on-{scope_label}", principal, scope, project)
                for project, principal in args.project_principals.items()
                for scope_label, scope in scopes
            ]
        return [(scope_label, args.principals[grant.grantee], scope, None) for scope_label, scope in scopes]
