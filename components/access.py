"""The role model: who gets which role where, per environment, in one table a reviewer can read.

Every grant is at the narrowest scope that works. People never appear here as individuals, only as the
environment's Entra groups. Elevated roles are standing outside prod and PIM-eligible only in prod.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from components.catalogue.roles import (
    FOUNDRY_ACCOUNT_OWNER,
    FOUNDRY_PROJECT_MANAGER,
    FOUNDRY_USER,
    KEY_VAULT_SECRETS_USER,
    MONITORING_METRICS_PUBLISHER,
    READER,
    Role,
)
from components.rbac import Principal, Scope, assign_role
from components.settings import Placement
from components.settings.access import IdentityPattern
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
ScopeKind = Literal["each project", "its project", "Foundry resource", "Key Vault", "Application Insights"]


@dataclass(frozen=True)
class Grant:
    grantee: Grantee
    role: Role
    scope: ScopeKind
    environments: tuple[EnvironmentName, ...] = ENVIRONMENTS
    pim_eligible: bool = False  # True: a PIM eligibility, never a standing assignment
    pattern: IdentityPattern | None = None  # granted only where the stack turns this identity pattern on


# fmt: off
ACCESS_MODEL: tuple[Grant, ...] = (
    Grant("app identity",       FOUNDRY_USER,            "each project"),
    Grant("app identity",       KEY_VAULT_SECRETS_USER,  "Key Vault"),
    # Application Insights has local auth off: sending traces needs an Entra token with this role.
    Grant("app identity",       MONITORING_METRICS_PUBLISHER, "Application Insights"),
    # A project's own identity needs Foundry User on the resource; the portal adds it, the API does not.
    # Design source 1.1: the web app's own system-assigned identity, when it runs as that instead of the app
    # identity; the same grants, made after the app (the principal exists only then).
    Grant("web app identity",   FOUNDRY_USER,            "each project",     pattern="system-assigned web app"),
    Grant("web app identity",   KEY_VAULT_SECRETS_USER,  "Key Vault",        pattern="system-assigned web app"),
    Grant("web app identity",   MONITORING_METRICS_PUBLISHER, "Application Insights", pattern="system-assigned web app"),
    Grant("project identities", FOUNDRY_USER,            "Foundry resource"),
    # Foundry ingests a project's server-side traces (agent runs, evaluations) as the project's identity; with local
    # auth off on Application Insights that needs this role there (Learn, "Configure Microsoft Entra authentication
    # for Foundry agent trace ingestion", 2026-08). The portal grants it when it makes the connection; IaC must.
    Grant("project identities", MONITORING_METRICS_PUBLISHER, "Application Insights"),
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


def grants_for(environment: EnvironmentName, patterns: Collection[IdentityPattern] | None = None) -> tuple[Grant, ...]:
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


def _slug(text: str) -> str:
    return "-".join(text.lower().replace("/", "").split())


@dataclass(frozen=True)
class AccessModelArgs:
    placement: Placement
    subscription_id: pulumi.Input[str]
    principals: Mapping[Grantee, Principal]  # every grantee of a granted pattern, except "project identities"
    patterns: frozenset[IdentityPattern]  # the identity patterns the stack turns on
    project_principals: Mapping[str, Principal]
    project_scopes: Mapping[str, Scope]
    account_scope: Scope
    vault_scope: Scope
    app_insights_scope: Scope
    # Grantees of several principals, each on its own project ("its project"): label -> (principal, project).
    per_project: Mapping[Grantee, Mapping[str, tuple[Principal, str]]] = field(default_factory=dict)


class AccessModel(pulumi.ComponentResource):
    """Declares every grant of `ACCESS_MODEL` that applies to this environment."""

    assignments: dict[Grantee, list[pulumi.Resource]]

    def __init__(self, name: str, args: AccessModelArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:AccessModel", name, None, opts)
        place = args.placement
        child = pulumi.ResourceOptions(parent=self)
        self.assignments = {}
        for grant in grants_for(place.environment, args.patterns):
            if grant.pim_eligible:
                continue  # made by the PIM phase (`pim/`), see `eligible_grants`
            for label, principal, scope in self._targets(grant, args):
                resource_name = f"{name}-{_slug(grant.grantee)}-{_slug(grant.role.name)}-{label}"
                resource = assign_role(resource_name, principal, grant.role, scope, args.subscription_id, child)
                self.assignments.setdefault(grant.grantee, []).append(resource)
        self.register_outputs({})

    @staticmethod
    def _targets(grant: Grant, args: AccessModelArgs) -> list[tuple[str, Principal, Scope]]:
        """(label, principal, scope) for each assignment a grant expands to; labels name the resources, so they
        must not change for existing grants (a new label is a new resource: the grant would be re-created)."""
        if grant.scope == "its project":
            return [
                (f"{label}-on-{project}", principal, args.project_scopes[project])
                for label, (principal, project) in args.per_project[grant.grantee].items()
            ]
        if grant.scope == "each project":
            scopes = list(args.project_scopes.items())
        else:
            scopes = [
                {
                    "Key Vault": ("vault", args.vault_scope),
                    "Application Insights": ("app-insights", args.app_insights_scope),
                    "Foundry resource": ("account", args.account_scope),
                }[grant.scope]
            ]
        if grant.grantee == "project identities":
            return [
                (f"{project}-on-{scope_label}", principal, scope)
                for project, principal in args.project_principals.items()
                for scope_label, scope in scopes
            ]
        return [(scope_label, args.principals[grant.grantee], scope) for scope_label, scope in scopes]
