"""Each CrossGuard rule's counterpart in Azure Policy: what holds between deploys, when no `pulumi up` runs.

CrossGuard (`policy/rules.py`) judges what the program is about to do; Azure Policy judges every request Azure
Resource Manager gets, a portal click or an `az` command included. Each rule here maps to the built-in definitions
that hold the same line (from Azure/azure-policy, built-in-policies/policyDefinitions, commit f4a50ba, 2026-04-29:
GUID, display name, the effects each allows), or says why it has none. The administrator's phase (`pim/`) assigns
the built-ins at the environment's resource group: Deny where the definition allows it in prod, Audit (or
AuditIfNotExists where that is all it allows) elsewhere. `tests/test_azure_policy.py` fails when a rule has neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from components.catalogue.roles import (
    CONTRIBUTOR,
    FORBIDDEN_ROLES,
    OWNER,
    RBAC_ADMINISTRATOR,
    USER_ACCESS_ADMINISTRATOR,
    Role,
)

Effect = Literal["Deny", "Audit", "AuditIfNotExists"]
Group = Literal["always", "private"]  # "private": only where the environment is private (public access rules)


@dataclass(frozen=True)
class BuiltIn:
    """A built-in policy definition, by its GUID (the name in /providers/Microsoft.Authorization/policyDefinitions)."""

    guid: str
    display_name: str
    effects: tuple[Effect, ...]  # the effects its `effect` parameter allows (Disabled left out)
    group: Group = "always"
    parameters: dict[str, object] = field(default_factory=dict)
    weaker: str = ""  # where it holds less than the CrossGuard rule, what it misses

    @property
    def definition_id(self) -> str:
        return f"/providers/Microsoft.Authorization/policyDefinitions/{self.guid}"

    def effect(self, deny: bool) -> Effect:
        """Deny where wanted (prod, by default) and allowed; otherwise the audit it allows."""
        if deny and "Deny" in self.effects:
            return "Deny"
        return "Audit" if "Audit" in self.effects else "AuditIfNotExists"


@dataclass(frozen=True)
class CustomDefinition:
    """A definition this repository writes where no built-in holds the rule. Definitions live at the subscription,
    so the bootstrap makes it (its administrator is the subscription's Owner) and assigns it at the environment's
    resource group (bootstrap/role_guard.py)."""

    name: str  # the definition's name, after `foundry-<prefix>-<stack>-`
    display_name: str
    effects: tuple[Effect, ...]
    weaker: str = ""


@dataclass(frozen=True)
class NoBuiltIn:
    """No built-in holds the rule; why, and what does instead."""

    reason: str


Counterpart = tuple[BuiltIn | CustomDefinition, ...] | NoBuiltIn

AUDIT_DENY: tuple[Effect, ...] = ("Audit", "Deny")
AUDIT_IF_NOT_EXISTS: tuple[Effect, ...] = ("AuditIfNotExists",)

ENTRA_OBJECTS = (
    "Entra objects (applications, their credentials, groups) are Microsoft Graph directory objects, not Azure "
    "Resource Manager resources, and Azure Policy is scoped to ARM (Learn, 'Understand scope in Azure Policy'); "
    "the Entra-side control is an app management policy, a tenant decision"
)
# -- the role assignment guard: the one custom definition ---------------------------------------------------------
# Roles nobody holds at the environment (Cognitive Services roles and Azure AI Developer, by the catalogue's GUIDs),
# and roles that only the bootstrap's identities hold there (Owner, Contributor, User Access Administrator, Role Based
# Access Control Administrator). People are left out of the second: a PIM activation is a role assignment to a user.
PRIVILEGED_ROLES: tuple[Role, ...] = (OWNER, CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR, RBAC_ADMINISTRATOR)
NEVER_ASSIGNED_ROLES: tuple[Role, ...] = tuple(r for r in FORBIDDEN_ROLES if r not in PRIVILEGED_ROLES)
GUARDED_PRINCIPAL_TYPES = ("ServicePrincipal", "Group", "ForeignGroup")
ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
# The role's GUID, whatever form the id takes: requests carry /subscriptions/<id>/providers/..., stored assignments
# /providers/... (REST examples, RoleAssignments_CreateForResourceGroup; as Azure/Community-Policy's
# disallowed-role-definitions compares it).
# Guarded by if(empty(...)): a template function that fails makes the evaluation an implicit deny, and a `value`
# condition may be evaluated for resources the `type` condition rules out (Learn, "Azure Policy definition structure
# policy rule", avoiding template failures).
_ROLE_ID = f"field('{ROLE_ASSIGNMENT_TYPE}/roleDefinitionId')"
REQUESTED_ROLE = f"[if(empty({_ROLE_ID}), '', last(split({_ROLE_ID}, '/')))]"

ROLE_GUARD = CustomDefinition(
    "role-guard",
    "foundry-platform: no forbidden or privileged role assignments",
    AUDIT_DENY,
    weaker="people may still be given Owner, Contributor, User Access Administrator or Role Based Access Control "
    "Administrator (a PIM activation is such an assignment), and a request that leaves out principalType passes "
    "(Azure/azure-policy: 'works partially'); Cognitive Services roles only as the catalogue lists them, by GUID; "
    "the drift audit reports what gets through",
)


def role_guard_rule() -> dict[str, object]:
    """The guard's policy rule, in Azure Policy's JSON."""
    return {
        "if": {
            "allOf": [
                {"field": "type", "equals": ROLE_ASSIGNMENT_TYPE},
                {
                    "anyOf": [
                        {"value": REQUESTED_ROLE, "in": "[parameters('forbiddenRoleIds')]"},
                        {
                            "allOf": [
                                {"value": REQUESTED_ROLE, "in": "[parameters('privilegedRoleIds')]"},
                                {
                                    "field": f"{ROLE_ASSIGNMENT_TYPE}/principalType",
                                    "in": list(GUARDED_PRINCIPAL_TYPES),
                                },
                                {
                                    "field": f"{ROLE_ASSIGNMENT_TYPE}/principalId",
                                    "notIn": "[parameters('allowedPrincipalIds')]",
                                },
                            ]
                        },
                    ]
                },
            ]
        },
        "then": {"effect": "[parameters('effect')]"},
    }


@dataclass(frozen=True)
class GuardParameter:
    """A parameter of the guard's definition (and the value its assignment gives it)."""

    kind: Literal["String", "Array"]
    default: str | list[str]
    allowed: tuple[str, ...] = ()


def role_guard_parameters() -> dict[str, GuardParameter]:
    """The guard's parameters, each with a default (Azure refuses a new parameter without one on an assigned
    definition, and the removal of one)."""
    return {
        "effect": GuardParameter("String", "Audit", (*ROLE_GUARD.effects, "Disabled")),
        "forbiddenRoleIds": GuardParameter("Array", [r.guid for r in NEVER_ASSIGNED_ROLES]),
        "privilegedRoleIds": GuardParameter("Array", [r.guid for r in PRIVILEGED_ROLES]),
        "allowedPrincipalIds": GuardParameter("Array", []),
    }


PEOPLE_ROLE_RULE = (
    "a PIM activation is itself a role assignment to a user, so a deny on people's assignments would refuse every "
    "activation (prod's Foundry Account Owner, the PIM administrator's User Access Administrator), and Azure Policy "
    "cannot tell an activation from a standing grant; the role guard (no-forbidden-role) leaves people out for that "
    "reason, the deployer's ABAC condition refuses them in the pipeline, and the drift audit reports any standing one"
)

COUNTERPARTS: dict[str, Counterpart] = {
    "foundry-local-auth-disabled": (
        BuiltIn(
            "71ef260a-8f18-47b7-abcb-62d0673d94dc",
            "Azure AI Services resources should have key access disabled (disable local authentication)",
            AUDIT_DENY,
        ),
    ),
    "foundry-custom-subdomain": NoBuiltIn(
        "no built-in reads customSubDomainName, and its alias is not confirmed; an account without one cannot take "
        "Entra tokens, and with local auth denied it takes nothing, so the insecure state is not usable"
    ),
    "prod-public-network-access-disabled": (
        BuiltIn(
            "037eea7a-bd0a-46c5-9a66-03aea78705d3",
            "Azure AI Services resources should restrict network access",
            AUDIT_DENY,
            "private",
            weaker="flags an account only when public access is on and the default action is not Deny, not either",
        ),
        BuiltIn(
            "405c5871-3e91-4644-8a63-58e19d68ff5b",
            "Azure Key Vault should disable public network access",
            AUDIT_DENY,
            "private",
        ),
        BuiltIn(
            "b2982f36-99f2-4db5-8eff-283140c09693",
            "Storage accounts should disable public network access",
            AUDIT_DENY,
            "private",
        ),
        BuiltIn(
            "34c877ad-507e-4c82-993e-3452a6e0ad3c",
            "Storage accounts should restrict network access",
            AUDIT_DENY,
            "private",
        ),
        BuiltIn(
            "ee980b6d-0eca-4501-8d54-f6290fd512c3",
            "Azure AI Search services should disable public network access",
            AUDIT_DENY,
            "private",
        ),
        BuiltIn(
            "797b37f7-06b8-444c-b1ad-fc62867f335a",
            "Azure Cosmos DB should disable public network access",
            AUDIT_DENY,
            "private",
        ),
        BuiltIn(
            "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba",
            "App Service apps should disable public network access",
            AUDIT_DENY,
            "private",
        ),
    ),
    "key-vault-rbac-authorization": (
        BuiltIn("12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5", "Azure Key Vault should use RBAC permission model", AUDIT_DENY),
    ),
    "key-vault-soft-delete": (
        BuiltIn("1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d", "Key vaults should have soft delete enabled", AUDIT_DENY),
    ),
    "key-vault-purge-protection": (
        BuiltIn(
            "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", "Key vaults should have deletion protection enabled", AUDIT_DENY
        ),
    ),
    "no-forbidden-role": (ROLE_GUARD,),
    "role-by-guid": NoBuiltIn(
        "about how the program writes a role (by GUID, not name); Azure stores every assignment by role definition "
        "id, so there is nothing to hold between deploys"
    ),
    "no-direct-human-assignment": NoBuiltIn(PEOPLE_ROLE_RULE),
    "app-identity-within-project-scope": NoBuiltIn(
        "needs to know which principals are the program's application identities, which Azure Policy does not see "
        "(a role assignment carries an object id only); the offline drift audit is where a stray grant shows"
    ),
    "federated-credential-issuer": NoBuiltIn(
        "the preview built-in on user-assigned identities' credentials (2571b7c3, 'Managed Identity Federated "
        "Credentials should be from allowed issuer types') flags every credential unless its parameters allow issuer "
        "types, which are not exact issuers, and its behaviour is not confirmed; app registrations' credentials are "
        f"Entra objects besides: {ENTRA_OBJECTS}"
    ),
    "federated-credential-audience": NoBuiltIn(
        "no built-in constrains a credential's audience, and its alias is not confirmed; Entra accepts only "
        "api://AzureADTokenExchange for exchanges in the public cloud, so another audience never signs in"
    ),
    "federated-credential-environment-subject": NoBuiltIn(
        f"GitHub credentials are on app registrations: {ENTRA_OBJECTS}"
    ),
    "no-client-secrets-in-prod": NoBuiltIn(ENTRA_OBJECTS),
    "client-secret-short-lived": NoBuiltIn(ENTRA_OBJECTS),
    "deployment-has-rai-policy": NoBuiltIn(
        "the built-ins on deployments' content filters are preview and audit-only in a data-plane mode, and none "
        "checks that a deployment names a policy; an account's deployments take Microsoft's default filters "
        "without one, so a stray deployment is filtered, if less strictly"
    ),
    "guardrails-strong": NoBuiltIn(
        "the content-filter built-ins are preview, audit-only and per deployment; the guardrail policy itself "
        "(accounts/raiPolicies) has no built-in"
    ),
    "monitoring-local-auth-disabled": (
        BuiltIn(
            "199d5677-e4d9-4264-9465-efe1839c06bd",
            "Application Insights components should block non-Azure Active Directory based ingestion.",
            AUDIT_DENY,
        ),
        BuiltIn(
            "e15effd4-2278-4c65-a0da-4d6f6d1890e2",
            "Log Analytics Workspaces should block non-Azure Active Directory based ingestion.",
            AUDIT_DENY,
        ),
    ),
    "web-app-hardened": (
        BuiltIn(
            "a4af4a39-4135-47fb-b175-47fbdf85311d", "App Service apps should only be accessible over HTTPS", AUDIT_DENY
        ),
        BuiltIn(
            "f0e6e85b-9b9f-4a4b-b67b-f730d42f1b0b",
            "App Service apps should use the latest TLS version",
            AUDIT_IF_NOT_EXISTS,
        ),
        BuiltIn(
            "4d24b6d4-5e53-4a4f-a7f4-618fa573ee4b",
            "App Service apps should require FTPS only",
            AUDIT_IF_NOT_EXISTS,
            weaker="takes FTPS-only as compliant; the rule wants FTP off altogether",
        ),
        BuiltIn(
            "871b205b-57cf-4e1e-a234-492616998bf7",
            "App Service apps should have local authentication methods disabled for FTP deployments",
            AUDIT_IF_NOT_EXISTS,
        ),
        BuiltIn(
            "aede300b-d67f-480a-ae26-4b3dfb1a1fdc",
            "App Service apps should have local authentication methods disabled for SCM site deployments",
            AUDIT_IF_NOT_EXISTS,
        ),
    ),
    "agent-data-entra-only": (
        BuiltIn(
            "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54", "Storage accounts should prevent shared key access", AUDIT_DENY
        ),
        BuiltIn(
            "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751", "Storage account public access should be disallowed", AUDIT_DENY
        ),
        BuiltIn(
            "fe83a0eb-a853-422d-aac2-1bffd182c5d0",
            "Storage accounts should have the specified minimum TLS version",
            AUDIT_DENY,
            parameters={"minimumTlsVersion": "TLS1_2"},
        ),
        BuiltIn(
            "6300012e-e9a4-4649-b41f-a85f5c43be91",
            "Azure AI Search services should have local authentication methods disabled",
            AUDIT_DENY,
        ),
        BuiltIn(
            "5450f5bd-9c72-4390-a9c4-a7aba4edfdd2",
            "Cosmos DB database accounts should have local authentication methods disabled",
            AUDIT_DENY,
            weaker="no built-in holds Cosmos DB's minimum TLS version",
        ),
    ),
    "cosmos-data-role-scoped": NoBuiltIn(
        "Cosmos DB's data-role assignments (sqlRoleAssignments) have no built-in; the policy pack and the drift audit "
        "hold them"
    ),
    "prod-people-reach-data-only-as-end-users": NoBuiltIn(
        "which group is the end users' is an Entra fact (its display name); a role assignment shows Azure Policy an "
        "object id only"
    ),
    "no-standing-elevated-role-in-prod": NoBuiltIn(PEOPLE_ROLE_RULE),
    "prod-stateful-protected": NoBuiltIn(
        "`protect` is Pulumi's; between deploys the delete locks of the administrator's phase hold prod's stores "
        "(deleteLocks), and no built-in audits locks"
    ),
    "diagnostic-settings-present": (
        BuiltIn(
            "1b4d1c4e-934c-4703-944c-27c82c06bebb",
            "Diagnostic logs in Azure AI services resources should be enabled",
            AUDIT_IF_NOT_EXISTS,
            weaker="only audits (AuditIfNotExists); it covers the Foundry account and AI Search services alike",
        ),
        BuiltIn(
            "cf820ca0-f99e-4f3e-84fb-66e913812d21",
            "Resource logs in Key Vault should be enabled",
            AUDIT_IF_NOT_EXISTS,
            weaker="only audits (AuditIfNotExists)",
        ),
    ),
    "private-endpoint-has-dns-zone-group": NoBuiltIn(
        "the built-ins for private DNS zones are DeployIfNotExists, which would write zone groups (one zone only for a "
        "Foundry account, which needs three) behind the program's back; none audits or denies"
    ),
}


def assignments(deny: bool, private: bool) -> list[tuple[str, BuiltIn, Effect]]:
    """(rule, built-in, effect) of every assignment an environment gets, each built-in once: denying where `deny`
    and the definition allows it, the public-network rules only where `private`."""
    chosen: dict[str, tuple[str, BuiltIn, Effect]] = {}
    for rule, counterpart in COUNTERPARTS.items():
        if isinstance(counterpart, NoBuiltIn):
            continue
        for builtin in counterpart:
            if isinstance(builtin, CustomDefinition):
                continue  # the bootstrap assigns it (bootstrap/role_guard.py)
            if builtin.group == "private" and not private:
                continue
            chosen.setdefault(builtin.guid, (rule, builtin, builtin.effect(deny)))
    return list(chosen.values())


def markdown_table() -> str:
    """The correspondence as docs/azure-policy.md shows it (`python -m policy.azure_policy` prints it)."""
    lines = [
        "<!-- correspondence: generated by `python -m policy.azure_policy` -->",
        "| Policy pack rule | Azure Policy (built-in, GUID, effects) | Or why not |",
        "|---|---|---|",
    ]
    for rule, counterpart in COUNTERPARTS.items():
        if isinstance(counterpart, NoBuiltIn):
            lines.append(f"| `{rule}` | - | {counterpart.reason} |")
            continue
        builtins = "; ".join(_cell(b) for b in counterpart)
        lines.append(f"| `{rule}` | {builtins} | |")
    lines.append("<!-- end of correspondence -->")
    return "\n".join(lines)


def _cell(definition: BuiltIn | CustomDefinition) -> str:
    if isinstance(definition, CustomDefinition):
        where = f"custom, `foundry-<prefix>-<stack>-{definition.name}`, made and assigned by the bootstrap"
    else:
        where = f"`{definition.guid}`"
    return (
        f"{definition.display_name} ({where}, {'/'.join(definition.effects)}"
        + (", private mode only" if isinstance(definition, BuiltIn) and definition.group == "private" else "")
        + (f"; weaker: {definition.weaker}" if definition.weaker else "")
        + ")"
    )


if __name__ == "__main__":
    print(markdown_table())
