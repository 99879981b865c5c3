"""Replacement rehearsal: the changes an operator makes, and what `pulumi up` would do to a deployed stack.

Each test states the provider's rule it relies on: azure-native replaces delete-first (explicit names), azuread
create-first unless the program asks otherwise, Azure refuses some in-place changes, `protect` stops deletes.
"""

from __future__ import annotations

import dataclasses

import pulumi
from pulumi_azure_native import authorization, keyvault, resources, web

from offline.rehearsal import CREATE_FIRST, DELETE_FIRST, Rehearsal, classify, rehearse, rehearse_change
from offline.render import FAKE_SUBSCRIPTION_ID, FAKE_TENANT_ID, Rendering, remembering, render
from tests.conftest import settings_of

ROLE = "/providers/Microsoft.Authorization/roleDefinitions/"
FOUNDRY_USER = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}{ROLE}53ca6127-db72-4b80-b1b0-d745d6d5456d"
READER = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}{ROLE}acdd72a7-3385-48ef-bd42-f606fba81ae7"


def steps_by_action(rehearsal: Rehearsal) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for step in rehearsal.steps:
        found.setdefault(step.action, set()).add(step.name)
    return found


def test_renewing_the_pim_window_replaces_the_eligibility_deleting_first(rendered: dict[str, Rendering]) -> None:
    rehearsal = rehearse_change(
        "prod",
        [("platformAdminEligibility.expiresOn", "2027-10-31T00:00:00Z")],
        phase="pim",
        main=rendered["prod"],
    )
    (step,) = rehearsal.steps
    assert (step.action, step.order, step.forced_by) == ("replace", DELETE_FIRST, ("scheduleInfo",))
    assert step.changed == ("scheduleInfo.expiration.duration",)
    (gap,) = step.consequences
    assert gap.startswith("eligibility gap: grp-fndry-foundry-prod-platform-admins: Foundry Account Owner on Foundry")
    assert rehearsal.blocked == ()


def test_a_pim_replacement_created_first_would_be_refused(rendered: dict[str, Rendering]) -> None:
    """azure-native auto-names the PIM request, so without delete_before_replace it would create first, and its
    custom Read finds the old schedule for the same principal and role ("cannot create already existing")."""
    rehearsal = rehearse_change(
        "prod", [("platformAdminEligibility.justification", "renewed for 2027")], phase="pim", main=rendered["prod"]
    )
    (step,) = rehearsal.steps
    before = next(r for r in _pim(rendered["prod"]).resources if r.urn == step.urn)
    after = dataclasses.replace(before, inputs={**before.inputs, "justification": "renewed"})
    without_option = dataclasses.replace(after, delete_before_replace=False)
    (created_first,) = classify(_as_rendering(before), _as_rendering(without_option))
    assert created_first.order == CREATE_FIRST
    assert created_first.blocked and "finds the old schedule" in created_first.blocked[0]


def _pim(main: Rendering) -> Rendering:
    from offline.render import render_pim_phase

    phase = render_pim_phase(main)
    assert phase is not None
    return phase


def _as_rendering(*resources: object) -> Rendering:
    return Rendering("prod", list(resources), {}, set())  # type: ignore[arg-type]


def test_renaming_a_credential_collides_with_itself_unless_done_in_two_deploys() -> None:
    """A credential's name is part of its resource name, so a rename is a new credential plus a deleted one, and
    Pulumi deletes only after it creates: the new one would repeat the old one's issuer and subject, which Entra
    refuses on one application."""
    credential = {
        "identity": "cicd",
        "issuer": "https://vstoken.dev.azure.com/7d5a1c9e-0b3f-4e2a-9c6d-1f8e2b4a6c01",
        "subject": "sc://contoso/foundry/evals-dev",
    }
    main = render("dev", overrides={"federatedCredentials": [{"name": "evals-repo", **credential}]})
    rehearsal = rehearse(
        main,
        lambda recreated: render(
            "dev", overrides={"federatedCredentials": [{"name": "evals", **credential}]}, recreated=recreated
        ),
        "rename the credential",
    )
    assert steps_by_action(rehearsal) == {"create": {"dev-cicd-evals"}, "delete": {"dev-cicd-evals-repo"}}
    (created,) = rehearsal.of("create")
    assert created.blocked and "same issuer and subject as dev-cicd-evals-repo" in created.blocked[0]
    # The first of the two deploys removes the old credential and adds nothing that collides.
    removed = rehearse(main, lambda recreated: render("dev", recreated=recreated), "remove the credential")
    assert removed.blocked == () and steps_by_action(removed) == {"delete": {"dev-cicd-evals-repo"}}


def test_changing_the_application_repository_updates_the_credential_in_place(rendered: dict[str, Rendering]) -> None:
    rehearsal = rehearse_change("staging", [("github.repository", "agents-v2")], main=rendered["staging"])
    (step,) = rehearsal.steps
    assert (step.name, step.action, step.changed) == (
        "staging-cicd-github-staging",
        "update",
        ("description", "subject"),
    )
    assert step.blocked == ()


def test_adding_a_project_only_creates(rendered: dict[str, Rendering]) -> None:
    # The list replaces the default: the existing projects are written out in full, the new one by name.
    existing = [p.model_dump(by_alias=True) for p in settings_of("dev").projects]
    rehearsal = rehearse_change("dev", [("projects", [*existing, {"name": "research"}])], main=rendered["dev"])
    assert set(steps_by_action(rehearsal)) == {"create"}
    assert "dev-foundry-project-research" in steps_by_action(rehearsal)["create"]
    assert rehearsal.blocked == ()


def test_existing_projects_written_by_name_only_take_the_default_display_name(rendered: dict[str, Rendering]) -> None:
    projects = [{"name": p.name} for p in settings_of("dev").projects] + [{"name": "research"}]
    rehearsal = rehearse_change("dev", [("projects", projects)], main=rendered["dev"])
    updated = {step.name: set(step.changed) for step in rehearsal.of("update")}
    assert updated == {
        f"dev-foundry-project-{p.name}": {"properties.displayName", "properties.description"}
        for p in settings_of("dev").projects
    }


def test_a_new_prefix_in_dev_recreates_the_app_identity_and_opens_an_access_gap(rendered: dict[str, Rendering]) -> None:
    rehearsal = rehearse_change("dev", [("namePrefix", "contoso")], main=rendered["dev"])
    identity = rehearsal.step("dev-identity-uami")
    assert (identity.action, identity.order) == ("replace", DELETE_FIRST)
    app_grants = [s for s in rehearsal.of("replace") if s.name.startswith("dev-access-app-identity-")]
    assert app_grants and all(s.order == DELETE_FIRST and "principalId" in s.forced_by for s in app_grants)
    assert all(s.consequences[0].startswith("access gap: id-fndry-dev-app:") for s in app_grants)
    # dev is not protected: nothing stops it, and the rehearsal says what it costs.
    assert rehearsal.blocked == ()
    account = rehearsal.step("dev-foundry-account")
    assert "soft-deleted" in account.consequences[0]


def test_moving_prod_to_another_region_is_stopped_by_protection(rendered: dict[str, Rendering]) -> None:
    rehearsal = rehearse_change("prod", [("location", "westeurope")], main=rendered["prod"])
    protected = {s.name for s in rehearsal.blocked if any("protected" in reason for reason in s.blocked)}
    assert settings_of("prod").agent_setup is not None  # prod keeps its agents' data in its own stores
    assert protected == {
        "prod-foundry-account",
        "prod-foundry-project-agents",
        "prod-foundry-project-evals",
        "prod-vault-kv",
        "prod-identity-uami",
        # the standard agent setup's stores: agent files, vector indexes, threads
        "prod-agent-data-storage",
        "prod-agent-data-search",
        "prod-agent-data-cosmos",
    }


def vault(logical: str, name: str = "kv-rehearsal") -> None:
    keyvault.Vault(
        logical,
        vault_name=name,
        resource_group_name="rg",
        properties={
            "tenant_id": FAKE_TENANT_ID,
            "sku": {"family": keyvault.SkuFamily.A, "name": keyvault.SkuName.STANDARD},
        },
    )


def test_a_resource_renamed_in_code_but_not_in_azure_collides_with_itself() -> None:
    """New logical name, same Azure id: Pulumi creates the new one before it deletes the old one."""
    rehearsal = rehearse(
        render("dev", program=lambda: vault("kv-a")),
        lambda recreated: render("dev", program=lambda: vault("kv-b"), recreated=recreated),
        "rename",
    )
    (create,) = rehearsal.of("create")
    assert create.blocked and "still held by kv-a" in create.blocked[0]


def grant(role: str) -> None:
    group = resources.ResourceGroup("rg", resource_group_name="rg")
    authorization.RoleAssignment(
        "grant",
        role_assignment_name="00000000-0000-4000-8000-00000000cccc",
        principal_id="11111111-2222-4333-8444-555555555555",
        principal_type="Group",
        role_definition_id=role,
        scope=group.id,
        opts=pulumi.ResourceOptions(parent=group),
    )


def test_changing_the_role_of_an_existing_assignment_is_refused_by_azure() -> None:
    """azure-native sends a new role as an update of the same assignment; Azure refuses to change an assignment
    (RoleAssignmentUpdateNotPermitted). The program's names include the role, so it never does this."""
    rehearsal = rehearse(
        render("dev", program=lambda: grant(FOUNDRY_USER)),
        lambda recreated: render("dev", program=lambda: grant(READER), recreated=recreated),
        "new role",
    )
    (step,) = rehearsal.steps
    assert step.action == "update" and "roleDefinitionId" in step.blocked[0]


def test_rendering_the_same_configuration_changes_nothing() -> None:
    """No false positives: the deployed stack against itself (rendered afresh, so nothing is shared)."""
    with remembering(False):
        assert rehearse_change("prod", []).steps == ()


def test_pointing_the_bootstrap_at_a_renamed_repository_updates_both_credentials_in_place() -> None:
    """Issuer, subject and audiences of an app's federated credential update in place; only a new display name
    (or application) replaces one. So a repository rename needs no sign-in gap for the pipeline."""
    rehearsal = rehearse_change("staging", [("github.repository", "platform-infra")], phase="bootstrap")
    credentials = {s.name: s for s in rehearsal.steps if s.type.endswith("ApplicationFederatedIdentityCredential")}
    assert set(credentials) == {
        "staging-deployer-github-environment-staging",
        "staging-preview-github-pull-request",
        "staging-auditor-github-environment-staging-audit",
    }
    assert all(s.action == "update" and "subject" in s.changed for s in credentials.values())
    assert rehearsal.of("replace") == () and rehearsal.blocked == ()


def hosting(plan_name: str) -> None:
    plan = web.AppServicePlan("plan", name=plan_name, resource_group_name="rg", kind="linux", reserved=True)
    web.WebApp("app", name="app-rehearsal", resource_group_name="rg", server_farm_id=plan.id)


def test_a_plan_replaced_under_an_app_that_stays_is_refused_by_azure() -> None:
    """A renamed plan is replaced delete-first; the app only moves to the new plan (an update), so it is still on
    the old plan when that is deleted, which Azure refuses."""
    rehearsal = rehearse(
        render("dev", program=lambda: hosting("asp-one")),
        lambda recreated: render("dev", program=lambda: hosting("asp-two"), recreated=recreated),
        "rename the plan",
    )
    plan, app = rehearsal.step("plan"), rehearsal.step("app")
    assert (plan.action, plan.order, app.action) == ("replace", DELETE_FIRST, "update")
    assert plan.blocked == ("Azure refuses to delete it while apps still run on it: app stay",)


def test_a_new_rotation_policy_on_the_deployed_secrets_key_is_a_step_by_hand() -> None:
    """Azure creates a key if it does not exist and otherwise answers with the existing one unchanged
    (Keys_CreateIfNotExist), so a changed rotation policy would show as an update and never happen; it has its own
    endpoint, so the rehearsal names the command instead of stopping."""
    rehearsal = rehearse_change("staging", [("stateKey.rotateAfterDays", 180)], phase="bootstrap")
    (step,) = rehearsal.steps
    assert (step.name, step.action, step.blocked) == ("staging-state-key", "update", ())
    assert step.changed == ("properties.rotationPolicy.lifetimeActions",)
    (how,) = step.consequences
    assert "az keyvault key rotation-policy update" in how


def test_new_tags_leave_the_key_alone() -> None:
    """A key keeps the tags it was made with (Azure never updates it), so the program ignores changes to them."""
    rehearsal = rehearse_change(
        "staging", [("tags", {"costCenter": "ai-platform", "team": "platform"})], phase="bootstrap"
    )
    assert "staging-state-key" not in {s.name for s in rehearsal.steps}
    assert "staging-state-kv" in {s.name for s in rehearsal.of("update")}
    assert rehearsal.blocked == ()


def test_an_hsm_key_for_staging_is_a_premium_vault_in_place_but_a_key_azure_never_changes() -> None:
    """The vault's SKU changes in place; the key's type would not (a new key, under a new name, is needed)."""
    rehearsal = rehearse_change("staging", [("stateKey.hsm", True)], phase="bootstrap")
    steps = {s.name: s for s in rehearsal.steps}
    assert set(steps) == {"staging-state-kv", "staging-state-key"}
    assert steps["staging-state-kv"].action == "update" and steps["staging-state-kv"].blocked == ()
    assert steps["staging-state-kv"].changed == ("properties.sku.name",)
    assert steps["staging-state-key"].action == "update" and steps["staging-state-key"].blocked


def guarded_group(definition_name: str) -> None:
    definition = authorization.PolicyDefinition(
        "guard", policy_definition_name=definition_name, mode="All", policy_rule={"if": {}, "then": {}}
    )
    authorization.PolicyAssignment(
        "guard-assignment",
        policy_assignment_name="guard",
        scope=f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/resourceGroups/rg",
        policy_definition_id=definition.id,
    )


def test_a_renamed_definition_under_an_assignment_that_stays_is_refused_by_azure() -> None:
    """The definition is replaced delete-first; the assignment only moves to the new id (an update), so it still
    references the old one when that is deleted, which Azure refuses (InvalidDeletePolicyDefinitionRequest)."""
    rehearsal = rehearse(
        render("dev", program=lambda: guarded_group("guard-one")),
        lambda recreated: render("dev", program=lambda: guarded_group("guard-two"), recreated=recreated),
        "renamed definition",
    )
    definition = rehearsal.step("guard")
    assert (definition.action, definition.order) == ("replace", DELETE_FIRST)
    assert any("a policy assignment still references it: guard-assignment stay" in b for b in definition.blocked)
    assert rehearsal.step("guard-assignment").action == "update"
