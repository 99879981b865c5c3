"""The offline plan command: every stack passes every policy, each format carries the same facts, a violation
fails the command, and the dev/prod diff shows what a reviewer must see."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from offline import plan
from offline.render import Rendering, render
from tests.synthetic import ADMINISTRATOR, violating_program

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("table", "markdown", "json", "csv")


@pytest.fixture
def cached_render(monkeypatch: pytest.MonkeyPatch, environments: dict[str, Rendering]) -> None:
    """The command renders through `offline.plan.render`; reuse the session's renderings to keep tests fast."""
    monkeypatch.setattr(plan, "render_environment", lambda stack: environments[stack])


def test_every_real_stack_passes_every_policy(stack: Rendering) -> None:
    report = plan.build_report(stack)
    assert [v.policy for v in report.verdicts if not v.passed] == []
    assert len(report.verdicts) == 15
    checked = {v.policy: v.checked for v in report.verdicts}
    assert checked["foundry-local-auth-disabled"] == 1 and checked["key-vault-purge-protection"] == 1
    assert checked["no-direct-human-assignment"] == len(stack.of_type("azure-native:authorization:RoleAssignment"))


def test_tree_holds_every_resource_under_its_component(stack: Rendering) -> None:
    tree = plan.resource_tree(stack)
    assert sorted(n.urn for n in tree) == sorted(r.urn for r in stack.resources)
    depth = {n.urn: n.depth for n in tree}
    for resource in stack.resources:
        if resource.parent in depth:
            assert depth[resource.urn] == depth[resource.parent] + 1
    assert tree[0].type == "foundry-platform:index:FoundryEnvironment" and tree[0].depth == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("stack_name", ["dev", "staging", "prod"])
def test_each_format_prints_inventory_and_verdicts(
    cached_render: None,
    capsys: pytest.CaptureFixture[str],
    environments: dict[str, Rendering],
    stack_name: str,
    fmt: str,
) -> None:
    assert plan.main(["--stack", stack_name, "--format", fmt]) == 0
    out = capsys.readouterr().out
    report = plan.build_report(environments[stack_name])
    vault_grant = next(e for e in report.inventory.access if e.role_name == "Key Vault Secrets User")
    if fmt == "json":
        (document,) = json.loads(out)["stacks"]
        assert document["stack"] == stack_name and document["passed"] is True
        assert len(document["inventory"]["access"]) == len(report.inventory.access)
        assert {p["policy"] for p in document["policies"]} == {v.policy for v in report.verdicts}
        assert len(document["resources"]) == len(environments[stack_name].resources)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        sections = {row["section"] for row in rows}
        assert sections == {"resource", "access", "group", "federated-credential", "policy"}
        access = [row for row in rows if row["section"] == "access"]
        assert len(access) == len(report.inventory.access)
        assert any(row["role_guid"] == "4633458b-17de-408a-b874-0445c86b69e6" for row in access)
        assert all(row["kind"] == "pass" for row in rows if row["section"] == "policy")
    else:
        for title in ("Access inventory", "Entra groups", "Federated credentials", "Policies"):
            assert title in out
        assert vault_grant.scope in out and vault_grant.principal.display_name in out
        assert f"repo:contoso/foundry-agents:environment:{stack_name}" in out
        if fmt == "markdown":
            assert "| Principal | Kind | Role | Role GUID | Scope | Access |" in out


def test_all_stacks_in_one_run(cached_render: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--stack", "all", "--format", "json"]) == 0
    assert [s["stack"] for s in json.loads(capsys.readouterr().out)["stacks"]] == ["dev", "staging", "prod"]


def test_policy_violation_fails_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    violating = render("prod", program=violating_program, caller=ADMINISTRATOR)
    monkeypatch.setattr(plan, "render_environment", lambda stack: violating)
    assert plan.main(["--stack", "prod"]) == 1
    captured = capsys.readouterr()
    assert "policy violations in: prod" in captured.err
    report = plan.build_report(violating)
    assert {v.policy for v in report.verdicts if not v.passed} == {v.policy for v in report.verdicts}
    assert "no-direct-human-assignment: bad-person-contributor:" in captured.out


def test_invalid_configuration_exits_2_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(stack: str) -> Rendering:
        return render(stack, overrides={"networkAccess": "public"})

    monkeypatch.setattr(plan, "render_environment", broken)
    assert plan.main(["--stack", "prod"]) == 2
    assert "networkAccess" in capsys.readouterr().err


def test_diff_dev_prod_shows_network_protection_and_pim(
    cached_render: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plan.main(["--diff", "dev", "prod", "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)["diff"]
    changes = {(c["resource"], c["path"]): (c["left"], c["right"]) for c in diff["changedInputs"]}
    account = "{env}-foundry-account [azure-native:cognitiveservices:Account]"
    assert changes[(account, "properties.publicNetworkAccess")] == ("Enabled", "Disabled")
    assert changes[(account, "(protect)")] == (False, True)
    assert any("PIM-eligible" in line and "Foundry Account Owner" in line for line in diff["accessOnlyInRight"])
    assert any("Foundry Account Owner" in line and "standing" in line for line in diff["accessOnlyInLeft"])
    assert (
        "{env}-platformAdmins-foundry-account-owner [azure-native:authorization:PimRoleEligibilitySchedule]"
        in diff["resourcesOnlyInRight"]
    )


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_diff_in_other_formats(cached_render: None, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    assert plan.main(["--diff", "dev", "prod", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "properties.publicNetworkAccess" in out and "PIM-eligible" in out


def test_command_runs_as_documented() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "offline.plan", "--stack", "prod", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (document,) = json.loads(result.stdout)["stacks"]
    assert document["passed"] and document["stack"] == "prod"


def test_normalise_makes_environments_comparable() -> None:
    assert plan.normalise("kv-fndry-prd-fd048b", "prod") == "kv-fndry-{env}-{hash}"
    assert plan.normalise("grp-fndry-foundry-dev-developers", "dev") == "grp-fndry-foundry-{env}-developers"
    reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    assert plan.normalise(f"{reader} 0b384fa6-2c2a-53b5-aef0-f4da88f25a38", "prod") == f"{reader} {{guid}}"
