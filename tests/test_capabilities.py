"""What each grant allows, read from the roles' definitions, and `offline.plan --who-can` across a stack's projects:
the answers a reviewer checks first (who can call models, deploy models, read the state, assign roles)."""

from __future__ import annotations

import json

import pytest

from components.catalogue import roles
from offline import plan
from offline.capabilities import PHRASES, allows, who_can
from offline.report import Environment, StackReport, build_report


@pytest.fixture(scope="module")
def reports(environments: dict[str, Environment]) -> dict[str, StackReport]:
    return {stack: build_report(environment) for stack, environment in environments.items()}


def holders(report: StackReport, phrase: str) -> set[tuple[str, str, str]]:
    return {(h.project, h.principal, h.access) for h in who_can(phrase, report.all_grants)}


def test_each_role_allows_what_its_definition_says() -> None:
    user = allows(roles.FOUNDRY_USER.guid)
    assert {"call models", "create and change agents", "read the account's API keys"} <= set(user)
    assert "deploy models" not in user and "assign roles" not in user
    owner = allows(roles.FOUNDRY_ACCOUNT_OWNER.guid)
    assert {"deploy models", "create and change projects", "assign roles"} <= set(owner)
    assert "call models" not in owner  # management only: no data actions
    manager = allows(roles.FOUNDRY_PROJECT_MANAGER.guid)
    assert {"call models", "create and change projects", "assign roles"} <= set(manager)
    assert "deploy models" not in manager  # projects/*, not the account's deployments
    contributor = allows(roles.CONTRIBUTOR.guid)
    assert "deploy models" in contributor and "assign roles" not in contributor
    assert "call models" not in contributor and "read Key Vault secrets" not in contributor
    assert allows(roles.KEY_VAULT_SECRETS_USER.guid) == ("read Key Vault secrets",)
    assert allows(roles.READER.guid) == ()


def test_in_prod_neither_the_deployer_nor_the_platform_admins_call_models(reports: dict[str, StackReport]) -> None:
    callers = holders(reports["prod"], "call models")
    assert {principal for _, principal, _ in callers} == {
        "project agents",
        "project evals",
        "sp-fndry-foundry-prod-cicd",
        "id-fndry-prod-app",
    }
    deployers = holders(reports["prod"], "deploy models")
    assert ("bootstrap", "sp-fndry-platform-prod-deployer", "standing") in deployers
    assert ("main", "grp-fndry-foundry-prod-platform-admins", "PIM-eligible") in deployers
    # Nobody in the main stack holds it standing in prod: only the platform admins, and only when they activate.
    assert {access for project, _, access in deployers if project == "main"} == {"PIM-eligible"}


def test_the_state_is_read_by_the_pipeline_and_its_administrators_only(reports: dict[str, StackReport]) -> None:
    readers = {principal.split(",")[0] for _, principal, _ in holders(reports["dev"], "read state")}
    assert readers == {"sp-fndry-platform-dev-deployer", "sp-fndry-platform-dev-preview", "state administrators"}
    writers = {principal.split(",")[0] for _, principal, _ in holders(reports["dev"], "write state")}
    assert writers == {"sp-fndry-platform-dev-deployer", "state administrators"}


def test_role_assigners_show_their_condition(reports: dict[str, StackReport]) -> None:
    (deployer,) = [h for h in who_can("assign roles", reports["prod"].all_grants) if h.project == "bootstrap"]
    assert deployer.principal == "sp-fndry-platform-prod-deployer"
    assert deployer.condition.startswith("may assign only: ") and "Foundry Account Owner" not in deployer.condition


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_the_plan_answers_who_can(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environments: dict[str, Environment],
    reports: dict[str, StackReport],
    fmt: str,
) -> None:
    monkeypatch.setattr(plan, "render_environment", lambda stack, today=None: environments[stack])
    monkeypatch.setattr(plan, "known_stacks", lambda: list(environments))
    monkeypatch.setenv("COLUMNS", "400")
    assert plan.main(["--stack", "prod", "--who-can", "read Key Vault secrets", "--format", fmt]) == 0
    out = capsys.readouterr().out
    expected = holders(reports["prod"], "read Key Vault secrets")
    assert {principal for _, principal, _ in expected} == {"id-fndry-prod-app"}
    if fmt == "json":
        document = json.loads(out)
        assert document["whoCan"] == "read Key Vault secrets"
        assert {(h["project"], h["principal"], h["access"]) for h in document["stacks"]["prod"]} == expected
    else:
        assert "Who can read Key Vault secrets: stack prod" in out and "id-fndry-prod-app" in out
    assert plan.main(["--stack", "prod", "--who-can", "fly"]) == plan.Exit.INPUT
    assert "read state" in PHRASES


def test_the_data_plane_roles_the_policy_pack_guards_are_those_whose_definitions_call_models() -> None:
    """`DATA_PLANE_ROLES` (prod: people hold one only as OBO end users) is read off the definitions, not assumed."""
    candidates = (*roles.ASSIGNABLE_ROLES, roles.FOUNDRY_OWNER)
    calling = {role.name for role in candidates if "call models" in allows(role.guid)}
    assert (
        calling
        == {role.name for role in roles.DATA_PLANE_ROLES}
        == {
            "Foundry User",
            "Foundry Project Manager",
            "Foundry Owner",
        }
    )
