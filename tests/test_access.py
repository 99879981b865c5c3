"""The role model, checked line by line against the issue's list, on all three stacks.

The expected grants are written out here from the design rules and the GUIDs in Microsoft Learn's
built-in roles list (shared/reference/foundry-facts.md) - not imported from the code under review.
"""

from __future__ import annotations

import uuid

import pytest

from components import access
from components.catalogue import roles
from components.catalogue.resource_types import PIM_ELIGIBILITY, ROLE_ASSIGNMENT
from components.catalogue.roles import ForbiddenRoleError, Role, require_assignable
from components.rbac import Principal, Scope, assignment_name
from offline.render import Registration, RenderError, Rendering, remembering, render
from tests.conftest import settings_of

FOUNDRY_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
FOUNDRY_PROJECT_MANAGER = "eadc314b-1a2d-4efa-be10-5d325db5065e"
FOUNDRY_ACCOUNT_OWNER = "e47c6f54-e4a2-4754-9501-8e0985b135e1"
FOUNDRY_OWNER = "c883944f-8b7b-4483-af10-35834be79c4a"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
# Learn, built-in roles (Monitor): publishes telemetry to Application Insights under Entra auth.
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"

# The standard agent setup's roles for the project identities (Learn built-in roles; foundry-samples bicep 15/41).
AGENT_DATA_ROLES = {
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Search Index Data Contributor": "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    "Search Service Contributor": "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
    "Cosmos DB Operator": "230815da-be43-4aae-9cb4-875f7bd000aa",
}

DEVELOPERS_ROLE_ON_PROJECTS = {"dev": FOUNDRY_PROJECT_MANAGER, "staging": FOUNDRY_USER, "prod": READER}

Grant = tuple[str, str, str, str]  # (principal, role GUID, scope, principal type)


def expected_standing_grants(environment: str, projects: list[str], agent_data: bool = False) -> set[Grant]:
    sp, group = "ServicePrincipal", "Group"
    grants: set[Grant] = {
        ("app identity", KEY_VAULT_SECRETS_USER, "vault", sp),
        ("app identity", MONITORING_METRICS_PUBLISHER, "app insights", sp),
        ("developers", READER, "account", group),
        ("readers", READER, "account", group),
    }
    for project in projects:
        grants |= {
            ("app identity", FOUNDRY_USER, f"project {project}", sp),
            ("CI/CD", FOUNDRY_PROJECT_MANAGER, f"project {project}", sp),
            (f"identity of project {project}", FOUNDRY_USER, "account", sp),
            # Foundry sends the project's traces as the project's identity; Application Insights takes Entra only.
            (f"identity of project {project}", MONITORING_METRICS_PUBLISHER, "app insights", sp),
            ("developers", DEVELOPERS_ROLE_ON_PROJECTS[environment], f"project {project}", group),
        }
    if environment != "prod":
        grants.add(("platform admins", FOUNDRY_ACCOUNT_OWNER, "account", group))
    if agent_data:  # the standard agent setup: each project's identity on the environment's three stores
        for project in projects:
            identity = f"identity of project {project}"
            grants |= {
                (identity, AGENT_DATA_ROLES["Storage Blob Data Contributor"], "storage", sp),
                (identity, AGENT_DATA_ROLES["Storage Blob Data Owner"], "storage", sp),
                (identity, AGENT_DATA_ROLES["Search Index Data Contributor"], "search", sp),
                (identity, AGENT_DATA_ROLES["Search Service Contributor"], "search", sp),
                (identity, AGENT_DATA_ROLES["Cosmos DB Operator"], "cosmos", sp),
            }
    return grants


def principal_labels(rendering: Rendering) -> dict[str, str]:
    """Object id -> who it is, read from the recorded resources' (mocked) Azure state."""
    labels = {rendering.one("azure-native:managedidentity:UserAssignedIdentity").state["principalId"]: "app identity"}
    labels[rendering.one("azuread:index/servicePrincipal:ServicePrincipal").state["objectId"]] = "CI/CD"
    for group in rendering.of_type("azuread:index/group:Group"):
        suffix = group.input("displayName").rsplit("-", 1)[-1]
        labels[group.state["objectId"]] = {
            "developers": "developers",
            "readers": "readers",
            "admins": "platform admins",
        }[suffix]
    for project in rendering.of_type("azure-native:cognitiveservices:Project"):
        labels[project.state["identity"]["principalId"]] = f"identity of project {project.input('projectName')}"
    return labels


def scope_labels(rendering: Rendering) -> dict[str, str]:
    labels = {rendering.one("azure-native:cognitiveservices:Account").id: "account"}
    labels[rendering.one("azure-native:keyvault:Vault").id] = "vault"
    labels[rendering.one("azure-native:applicationinsights:Component").id] = "app insights"
    for project in rendering.of_type("azure-native:cognitiveservices:Project"):
        labels[project.id] = f"project {project.input('projectName')}"
    for kind, label in (
        ("azure-native:storage:StorageAccount", "storage"),
        ("azure-native:search:Service", "search"),
        ("azure-native:cosmosdb:DatabaseAccount", "cosmos"),
    ):
        labels |= {store.id: label for store in rendering.of_type(kind)}
    return labels


def role_guid(registration: Registration) -> str:
    return registration.input("roleDefinitionId").rsplit("/", 1)[-1]


def rendered_grants(rendering: Rendering) -> set[Grant]:
    principals, scopes = principal_labels(rendering), scope_labels(rendering)
    return {
        (principals[r.input("principalId")], role_guid(r), scopes[r.input("scope")], r.input("principalType"))
        for r in rendering.of_type(ROLE_ASSIGNMENT)
    }


def test_role_model_is_exactly_the_reviewed_list(stack: Rendering) -> None:
    projects = [p.input("projectName") for p in stack.of_type("azure-native:cognitiveservices:Project")]
    expected = expected_standing_grants(stack.stack, projects, settings_of(stack.stack).agent_setup is not None)
    assert rendered_grants(stack) == expected
    assert len(stack.of_type(ROLE_ASSIGNMENT)) == len(expected)


def test_roles_are_referenced_by_full_role_definition_id(stack: Rendering) -> None:
    for registration in stack.of_type(ROLE_ASSIGNMENT) + stack.of_type(PIM_ELIGIBILITY):
        subscription = stack.exports["githubActionsVariables"]["AZURE_SUBSCRIPTION_ID"]
        assert registration.input("roleDefinitionId") == (
            f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role_guid(registration)}"
        )


def test_no_standing_owner_roles_in_prod(rendered: dict[str, Rendering]) -> None:
    prod = rendered["prod"]
    standing = {role_guid(r) for r in prod.of_type(ROLE_ASSIGNMENT)}
    assert not standing & {FOUNDRY_ACCOUNT_OWNER, FOUNDRY_OWNER, OWNER}


def test_the_main_program_makes_no_eligibility_the_pipeline_could_not_create(stack: Rendering) -> None:
    """PIM requests are the PIM phase's (`pim/`, tests/pim/): the deployer lacks roleEligibilityScheduleRequests/write."""
    assert stack.of_type(PIM_ELIGIBILITY) == []
    assert (
        access.eligible_grants("prod") and not access.eligible_grants("dev") and not access.eligible_grants("staging")
    )


def test_assignment_names_are_deterministic_unique_uuids(rendered: dict[str, Rendering]) -> None:
    # The session's rendering against a fresh one: the same names, whatever else ran in between.
    first = {r.name: r.input("roleAssignmentName") for r in rendered["prod"].of_type(ROLE_ASSIGNMENT)}
    with remembering(False):
        second = {r.name: r.input("roleAssignmentName") for r in render("prod").of_type(ROLE_ASSIGNMENT)}
    assert first == second
    assert len(set(first.values())) == len(first)
    for name in first.values():
        assert uuid.UUID(name).version == 5


def test_assignment_names_differ_between_environments(rendered: dict[str, Rendering]) -> None:
    names = [
        {r.input("roleAssignmentName") for r in rendered[s].of_type(ROLE_ASSIGNMENT)}
        for s in ("dev", "staging", "prod")
    ]
    assert not names[0] & names[1] and not names[0] & names[2] and not names[1] & names[2]


@pytest.mark.parametrize(
    ("role", "named"),
    [
        (roles.COGNITIVE_SERVICES_OPENAI_USER, "Cognitive Services OpenAI User"),
        (roles.COGNITIVE_SERVICES_CONTRIBUTOR, "Cognitive Services Contributor"),
        (
            Role("Cognitive Services Data Reader", "b59867f0-fa02-499b-be73-45a86b5b3e1c"),
            "Cognitive Services Data Reader",
        ),
        (roles.AZURE_AI_DEVELOPER, "Azure AI Developer"),
        (roles.OWNER, "Owner"),
        (roles.CONTRIBUTOR, "Contributor"),
        (roles.USER_ACCESS_ADMINISTRATOR, "User Access Administrator"),
        (Role("Foundry User", OWNER), "Foundry User"),  # a good name on Owner's GUID
        (Role("Made Up", "11111111-2222-3333-4444-555555555555"), "Made Up"),
        # Near misses: real roles the program knows and that are assignable elsewhere, just not here.
        (roles.KEY_VAULT_ADMINISTRATOR, "Key Vault Administrator"),
        (roles.FOUNDRY_OWNER, "Foundry Owner"),
        (Role("Reader", roles.FOUNDRY_USER.guid), "Reader"),  # an allowed name on another allowed role's GUID
    ],
)
def test_guard_refuses_roles_outside_the_catalogue(role: Role, named: str) -> None:
    with pytest.raises(ForbiddenRoleError, match=named):
        require_assignable(role)


@pytest.mark.parametrize("never", [roles.OWNER, roles.USER_ACCESS_ADMINISTRATOR])
def test_a_never_granted_role_put_into_the_assignable_list_is_still_refused(
    monkeypatch: pytest.MonkeyPatch, never: Role
) -> None:
    """Someone adds Owner or User Access Administrator to ASSIGNABLE_ROLES: the forbidden list still wins."""
    monkeypatch.setattr(roles, "ASSIGNABLE_ROLES", (*roles.ASSIGNABLE_ROLES, never))
    with pytest.raises(ForbiddenRoleError, match="forbidden"):
        require_assignable(never)


def test_a_forbidden_role_in_the_model_stops_the_program(monkeypatch: pytest.MonkeyPatch) -> None:
    rogue = access.Grant("CI/CD", roles.CONTRIBUTOR, "Foundry resource")
    monkeypatch.setattr(access, "ACCESS_MODEL", (*access.ACCESS_MODEL, rogue))
    with remembering(False), pytest.raises(RenderError) as failure:
        render("dev")
    assert isinstance(failure.value.cause, ForbiddenRoleError)
    assert "'Contributor'" in str(failure.value.cause)
    assert not [
        r for r in failure.value.registrations if r.type == ROLE_ASSIGNMENT and role_guid(r) == roles.CONTRIBUTOR.guid
    ]


def test_the_catalogue_grants_exactly_what_the_model_uses() -> None:
    assert set(roles.ASSIGNABLE_ROLES) == set(access.assigned_roles())
    assert {r.guid for r in roles.ASSIGNABLE_ROLES} == {
        FOUNDRY_USER,
        FOUNDRY_PROJECT_MANAGER,
        FOUNDRY_ACCOUNT_OWNER,
        READER,
        KEY_VAULT_SECRETS_USER,
        MONITORING_METRICS_PUBLISHER,
        *AGENT_DATA_ROLES.values(),
    }


def test_assignment_names_are_unique_per_subscription() -> None:
    """Names are unique tenant-wide, so the same stack in two subscriptions must not produce the same name."""
    scope = Scope("resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "unused")
    principal = Principal("managed-identity:id", "id", "user-assigned managed identity", "ServicePrincipal", "unused")
    first = assignment_name("00000000-0000-4000-8000-00000000000a", scope, principal, roles.READER)
    again = assignment_name("00000000-0000-4000-8000-00000000000a", scope, principal, roles.READER)
    other_subscription = assignment_name("00000000-0000-4000-8000-00000000000b", scope, principal, roles.READER)
    assert first == again != other_subscription
