"""The role guard: Azure Policy's counterpart of `no-forbidden-role`, made by the bootstrap at the subscription and
assigned at the environment's resource group.

Besides the definition's and the assignment's inputs, the rule itself is evaluated here against role assignment
requests, with a small reading of Azure Policy's language (the conditions and functions the rule uses), so that what
the JSON means is tested, not only what it says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from components.catalogue import roles
from offline.render import FAKE_SUBSCRIPTION_ID, Rendering
from policy import azure_policy
from tests.bootstrap.conftest import bootstrap_settings_of, render_bootstrap
from tests.config_checks import refused_config_problem

DEFINITION = "azure-native:authorization:PolicyDefinition"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
ALIAS = "Microsoft.Authorization/roleAssignments"
PERSON = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
STRANGER = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


# -- a small reading of Azure Policy's rule language ---------------------------------------------------------------


def _expression(text: Any, request: Mapping[str, str], parameters: Mapping[str, Any]) -> Any:
    """The template functions the rule uses: parameters('x'), and if(empty(field(a)), '', last(split(field(a), '/')))."""
    if not isinstance(text, str) or not text.startswith("["):
        return text
    if found := re.fullmatch(r"\[parameters\('(\w+)'\)\]", text):
        return parameters[found[1]]
    guarded = r"\[if\(empty\(field\('([^']+)'\)\), '', last\(split\(field\('([^']+)'\), '/'\)\)\)\]"
    if (found := re.fullmatch(guarded, text)) and found[1] == found[2]:
        value = request.get(found[1])
        return "" if not value else value.split("/")[-1]
    raise AssertionError(f"an expression this reading does not know: {text}")


def matches(condition: Mapping[str, Any], request: Mapping[str, str], parameters: Mapping[str, Any]) -> bool:
    if "allOf" in condition:
        return all(matches(c, request, parameters) for c in condition["allOf"])
    if "anyOf" in condition:
        return any(matches(c, request, parameters) for c in condition["anyOf"])
    if "not" in condition:
        return not matches(condition["not"], request, parameters)
    subject = request.get(condition["field"]) if "field" in condition else None
    if "value" in condition:
        subject = _expression(condition["value"], request, parameters)
    # Azure Policy compares strings case-insensitively (except match/notMatch).
    lowered = subject.lower() if isinstance(subject, str) else subject
    if "exists" in condition:
        return (subject is not None) == condition["exists"]
    if "equals" in condition:
        return lowered == str(_expression(condition["equals"], request, parameters)).lower()
    if "in" in condition or "notIn" in condition:
        listed = [str(v).lower() for v in _expression(condition.get("in", condition.get("notIn")), request, parameters)]
        # A missing field is "not in" any list and "in" none.
        return (lowered in listed) if "in" in condition else (lowered not in listed)
    raise AssertionError(f"a condition this reading does not know: {condition}")


def verdict(rendering: Rendering, request: Mapping[str, str]) -> str:
    """The effect the assigned guard has on a role assignment request: its effect, or 'allowed'."""
    definition, assignment = rendering.one(DEFINITION), rendering.one(ASSIGNMENT)
    parameters = {key: value["value"] for key, value in assignment.input("parameters").items()}
    rule = definition.input("policyRule")
    return parameters["effect"] if matches(rule["if"], request, parameters) else "allowed"


def request(
    role: roles.Role, principal_type: str | None, principal_id: str, stored_form: bool = False
) -> dict[str, str]:
    prefix = "" if stored_form else f"/subscriptions/{FAKE_SUBSCRIPTION_ID}"
    made = {
        "type": ALIAS,
        f"{ALIAS}/roleDefinitionId": f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{role.guid}",
        f"{ALIAS}/principalId": principal_id,
    }
    if principal_type is not None:
        made[f"{ALIAS}/principalType"] = principal_type
    return made


def deployer_object_id(rendering: Rendering) -> str:
    deployer = next(r for r in rendering.of_type(SERVICE_PRINCIPAL) if r.name.endswith("deployer-sp"))
    return str(deployer.state["objectId"])


# -- the definition and its assignment ------------------------------------------------------------------------------


def test_the_definition_lives_at_the_subscription_named_after_the_stack(boot: Rendering) -> None:
    settings = bootstrap_settings_of(boot.stack)
    definition = boot.one(DEFINITION)
    name = f"foundry-{settings.name_prefix}-{settings.instance}-role-guard"
    assert definition.input("policyDefinitionName") == name
    assert (
        definition.id
        == f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/policyDefinitions/{name}"
    )
    # Role assignments have no tags or location: only mode All evaluates them.
    assert (definition.input("mode"), definition.input("policyType")) == ("All", "Custom")
    declared = definition.input("parameters")
    assert declared["effect"]["allowedValues"] == ["Audit", "Deny", "Disabled"]
    assert all("defaultValue" in p for p in declared.values())  # Azure refuses a new parameter without one


def test_it_names_the_catalogues_forbidden_roles_by_guid(boot: Rendering) -> None:
    parameters = boot.one(ASSIGNMENT).input("parameters")
    privileged = {roles.OWNER, roles.CONTRIBUTOR, roles.USER_ACCESS_ADMINISTRATOR, roles.RBAC_ADMINISTRATOR}
    assert set(parameters["privilegedRoleIds"]["value"]) == {r.guid for r in privileged}
    never = {r.guid for r in roles.FORBIDDEN_ROLES} - {r.guid for r in privileged}
    assert set(parameters["forbiddenRoleIds"]["value"]) == never
    assert {r.guid for r in roles.COGNITIVE_SERVICES_ROLES} <= never
    assert all(r.name.startswith(roles.FORBIDDEN_NAME_PREFIX) for r in roles.COGNITIVE_SERVICES_ROLES)
    assert roles.AZURE_AI_DEVELOPER.guid in never and roles.COGNITIVE_SERVICES_OPENAI_USER.guid in never
    assert len(never) == 1 + len(roles.COGNITIVE_SERVICES_ROLES) == 16


def test_it_is_assigned_at_the_environments_group_denying_in_prod(boot: Rendering) -> None:
    settings = bootstrap_settings_of(boot.stack)
    assignment = boot.one(ASSIGNMENT)
    group = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/resourceGroups/{settings.resource_group_name}"
    assert assignment.input("scope") == group
    assert assignment.input("policyDefinitionId") == boot.one(DEFINITION).id
    effect = assignment.input("parameters")["effect"]["value"]
    assert effect == {"deny": "Deny", "audit": "Audit"}[settings.role_assignment_guard]
    assert (boot.stack == "prod") <= (effect == "Deny")


def test_only_the_deployer_may_hold_a_privileged_role_and_the_guard_never_waits_for_its_grants(boot: Rendering) -> None:
    """Were the assignment to wait for the grants, a replaced deployer's new Contributor grant would be refused by the
    old assignment, which would then never be updated to allow it: a deadlock in prod."""
    assignment = boot.one(ASSIGNMENT)
    assert assignment.input("parameters")["allowedPrincipalIds"]["value"] == [deployer_object_id(boot)]
    group = assignment.input("scope")
    at_group = [g for g in boot.of_type(ROLE_ASSIGNMENT) if g.input("scope") == group]
    assert {g.name.rsplit("-", 1)[-1] for g in at_group} >= {"contributor", "reader"}
    for grant in at_group:
        assert not boot.depends_on(assignment, grant) and not boot.depends_on(grant, assignment), grant.name
    assert boot.depends_on(assignment, boot.one(DEFINITION))


# -- what the rule does to requests ---------------------------------------------------------------------------------

USAGES_READER = next(r for r in roles.COGNITIVE_SERVICES_ROLES if r.name == "Cognitive Services Usages Reader")
CASES: list[tuple[str, roles.Role, str | None, str, bool]] = [
    # (why, role, principal type, principal: "deployer", a person or a stranger, refused)
    ("a Cognitive Services role to an app", roles.COGNITIVE_SERVICES_OPENAI_USER, "ServicePrincipal", STRANGER, True),
    ("a Cognitive Services role to a person", roles.COGNITIVE_SERVICES_USER, "User", PERSON, True),
    (
        "Cognitive Services Usages Reader to an app",
        roles.COGNITIVE_SERVICES_ROLES[-2],
        "ServicePrincipal",
        STRANGER,
        True,
    ),
    ("Azure AI Developer to a group", roles.AZURE_AI_DEVELOPER, "Group", STRANGER, True),
    ("Owner to another service principal", roles.OWNER, "ServicePrincipal", STRANGER, True),
    ("RBAC Administrator to a group", roles.RBAC_ADMINISTRATOR, "Group", STRANGER, True),
    ("Contributor to the deployer", roles.CONTRIBUTOR, "ServicePrincipal", "deployer", False),
    ("User Access Administrator activated by a person (PIM)", roles.USER_ACCESS_ADMINISTRATOR, "User", PERSON, False),
    ("Foundry User to an app", roles.FOUNDRY_USER, "ServicePrincipal", STRANGER, False),
    # The documented gap: without principalType the privileged branch cannot tell a person from an app.
    ("Owner with no principal type", roles.OWNER, None, STRANGER, False),
]


@pytest.mark.parametrize(("why", "role", "principal_type", "principal", "refused"), CASES, ids=[c[0] for c in CASES])
def test_the_rule_refuses_exactly_these_requests(
    bootstrapped: dict[str, Rendering],
    why: str,
    role: roles.Role,
    principal_type: str | None,
    principal: str,
    refused: bool,
) -> None:
    prod = bootstrapped["prod"]
    principal_id = deployer_object_id(prod) if principal == "deployer" else principal
    for stored_form in (False, True):  # a request's role id, and a stored assignment's (compliance scans)
        made = request(role, principal_type, principal_id, stored_form)
        assert verdict(prod, made) == ("Deny" if refused else "allowed"), why


def test_outside_prod_the_same_requests_are_reported(bootstrapped: dict[str, Rendering]) -> None:
    dev = bootstrapped["dev"]
    assert verdict(dev, request(roles.COGNITIVE_SERVICES_OPENAI_USER, "ServicePrincipal", STRANGER)) == "Audit"


def test_prod_allows_only_deny() -> None:
    problem = refused_config_problem(
        lambda: render_bootstrap("prod", {"roleAssignmentGuard": "audit"}), "roleAssignmentGuard"
    )
    assert "'audit'" in problem and "prod allows only 'deny'" in problem


def test_a_stack_may_choose_to_deny_in_dev() -> None:
    dev = render_bootstrap("dev", {"roleAssignmentGuard": "deny"})
    assert verdict(dev, request(roles.OWNER, "Group", STRANGER)) == "Deny"


def test_the_correspondence_names_the_guard_for_no_forbidden_role() -> None:
    assert azure_policy.COUNTERPARTS["no-forbidden-role"] == (azure_policy.ROLE_GUARD,)
    # The built-ins assigned by the administrator's phase leave it out: the bootstrap assigns it.
    assert all(b is not azure_policy.ROLE_GUARD for _, b, _ in azure_policy.assignments(deny=True, private=True))


def test_the_rule_reads_no_role_from_other_resources(bootstrapped: dict[str, Rendering]) -> None:
    """A `value` condition may be evaluated for any resource in the group; without a role id it reads '' (no error,
    which Azure Policy would turn into an implicit deny), and the type condition lets the resource through."""
    prod = bootstrapped["prod"]
    assert verdict(prod, {"type": "Microsoft.KeyVault/vaults"}) == "allowed"
    assert "[if(empty(field(" in json.dumps(prod.one(DEFINITION).input("policyRule"))
