"""A fourth stack, `sandbox`, another instance of dev (tests/examples/stacks/Pulumi.sandbox.yaml): its names,
groups, GitHub environment and admin stacks come from its name; dev's rules and defaults apply to it."""

from __future__ import annotations

import pytest

from components.catalogue.resource_types import ACCOUNT, ENTRA_CREDENTIAL, ENTRA_GROUP
from offline import plan
from offline.render import BOOTSTRAP_DIR, BOOTSTRAP_PROJECT, Rendering, render, stack_files
from offline.report import Environment, build_report
from offline.siblings import sibling_problems, stack_settings
from tests.conftest import EXAMPLES, STACKS


@pytest.fixture(scope="module")
def sandbox() -> Rendering:
    with stack_files(EXAMPLES):
        return render("sandbox")


def test_its_names_come_from_the_stack_and_differ_from_devs(sandbox: Rendering, rendered: dict[str, Rendering]) -> None:
    dev = rendered["dev"]
    account = sandbox.one(ACCOUNT).input("accountName")
    assert account.startswith("fndry-sandbox-") and account != dev.one(ACCOUNT).input("accountName")
    assert {g.input("displayName") for g in sandbox.of_type(ENTRA_GROUP)} == {
        f"grp-fndry-foundry-sandbox-{role}" for role in ("developers", "readers", "platform-admins")
    }
    identity = sandbox.one("azure-native:managedidentity:UserAssignedIdentity")
    assert identity.input("resourceName") == "id-fndry-sandbox-app"
    vault = sandbox.one("azure-native:keyvault:Vault").input("vaultName")
    # Key Vault's 24 characters leave room only for the environment's code; the hash tells the instances apart.
    assert vault.startswith("kv-fndry-dev-") and vault != dev.one("azure-native:keyvault:Vault").input("vaultName")
    assert sandbox.one("azure-native:cognitiveservices:RaiPolicy").input("raiPolicyName") == "fndry-sandbox-guardrails"
    assert sandbox.exports["environment"] == "dev"


def test_its_pipeline_is_its_own_github_environment(sandbox: Rendering) -> None:
    subjects = {c.input("displayName"): c.input("subject") for c in sandbox.of_type(ENTRA_CREDENTIAL)}
    assert subjects == {
        "github-sandbox": "repo:contoso/foundry-agents:environment:sandbox",
        "platform-sandbox": "repo:contoso/foundry-platform:environment:sandbox",
    }
    bootstrap = render("sandbox", project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT)
    subjects = {c.input("subject") for c in bootstrap.of_type(ENTRA_CREDENTIAL)}
    assert "repo:contoso/foundry-platform:environment:sandbox" in subjects
    assert bootstrap.exports["githubEnvironment"] == "sandbox"


def test_devs_rules_and_defaults_apply(sandbox: Rendering, rendered: dict[str, Rendering]) -> None:
    account = sandbox.one(ACCOUNT)
    assert account.input("properties.publicNetworkAccess") == "Enabled"  # dev's default
    assert not account.protect and sandbox.one(ACCOUNT).input("tags")["environment"] == "dev"
    roles = sorted(
        r.input("roleDefinitionId").rsplit("/", 1)[-1]
        for r in sandbox.of_type("azure-native:authorization:RoleAssignment")
    )
    dev_roles = sorted(
        r.input("roleDefinitionId").rsplit("/", 1)[-1]
        for r in rendered["dev"].of_type("azure-native:authorization:RoleAssignment")
    )
    assert roles == dev_roles  # the same grants as dev: the tier decides the role model


def test_the_policy_pack_and_the_plan_judge_it_as_dev(
    sandbox: Rendering, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = build_report(Environment(sandbox))
    assert [v.policy for v in report.verdicts if not v.passed] == []
    assert plan.main(["--stack", "sandbox", "--format", "markdown"]) == plan.Exit.OK
    out = capsys.readouterr().out
    assert "fndry-sandbox-" in out and "grp-fndry-foundry-sandbox-developers" in out


def test_it_shares_nothing_with_the_other_stacks() -> None:
    stacks = {stack: stack_settings(stack) for stack in (*STACKS, "sandbox")}
    assert sibling_problems(stacks) == []
    stacks["sandbox"] = stack_settings("sandbox", {"deployerObjectId": stacks["dev"].deployer_object_id})
    assert [p.split(": ")[1] for p in sibling_problems(stacks)] == ["deployerObjectId"]


@pytest.mark.parametrize(
    ("stack", "environment", "says"),
    [
        ("Sandbox", "dev", "made of the stack name"),
        ("a-very-long-stack-name", "dev", "at most 16 characters"),
        ("prod-copy", "dev", "would carry another environment ('prod')"),
    ],
)
def test_a_stack_name_that_cannot_name_resources_is_refused(stack: str, environment: str, says: str) -> None:
    from components.settings import ConfigError

    with pytest.raises(ConfigError) as refused:
        stack_settings(stack, {"environment": environment}, file="sandbox")
    (problem,) = [p for p in refused.value.problems if p.startswith("stack:")]
    assert says in problem
