"""The offline plan command: every stack passes every policy and every rights check, each format carries the same
facts, each failure has its exit status, and the dev/prod diff shows what a reviewer must see."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from offline import plan, stackfile
from offline.azure_rules import AzureRefusalError, Refusal
from offline.diff import normalise
from offline.render import RenderError, Rendering, render
from offline.report import Environment, StackReport, build_report, resource_tree
from tests.synthetic import ADMINISTRATOR, violating_program

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("table", "markdown", "json", "csv")


@pytest.fixture
def cached_render(monkeypatch: pytest.MonkeyPatch, environments: dict[str, Environment]) -> None:
    """The command renders through `offline.plan.render_environment`; reuse the session's renderings (fast)."""
    monkeypatch.setattr(plan, "render_environment", lambda stack, today=None: environments[stack])
    monkeypatch.setattr(plan, "known_stacks", lambda: list(environments))


def test_every_real_stack_passes_every_policy(stack: Rendering) -> None:
    report = build_report(Environment(stack))
    assert [v.policy for v in report.verdicts if not v.passed] == []
    assert len(report.verdicts) == 26
    checked = {v.policy: v.checked for v in report.verdicts}
    assert checked["foundry-local-auth-disabled"] == 1 and checked["key-vault-purge-protection"] == 1
    assert checked["no-direct-human-assignment"] == len(stack.of_type("azure-native:authorization:RoleAssignment"))


def test_tree_holds_every_resource_under_its_component(stack: Rendering) -> None:
    tree = resource_tree(stack)
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
    environments: dict[str, Environment],
    reports: dict[str, StackReport],
    stack_name: str,
    fmt: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # no cell wraps: values are found whole (tests/test_formats.py: wrapping)
    assert plan.main(["--stack", stack_name, "--format", fmt]) == 0
    out = capsys.readouterr().out
    report = reports[stack_name]
    vault_grant = next(e for e in report.inventory.access if e.role_name == "Key Vault Secrets User")
    if fmt == "json":
        (document,) = json.loads(out)["stacks"]
        assert document["stack"] == stack_name and document["passed"] is True
        assert len(document["inventory"]["access"]) == len(report.inventory.access)
        assert {p["policy"] for p in document["policies"]} == {v.policy for v in report.verdicts}
        assert len(document["resources"]) == len(environments[stack_name].combined.resources)
        assert [r["passed"] for r in document["rights"]] == [True] * len(report.rights)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        sections = {row["section"] for row in rows}
        kinds = {"resource", "access", "group", "federated-credential", "policy", "rights", "if-replaced"}
        assert sections == kinds | {f"setting {p.project}" for p in environments[stack_name].settings}
        access = [row for row in rows if row["section"] == "access"]
        assert len(access) == len(report.inventory.access)
        assert any(row["role_guid"] == "4633458b-17de-408a-b874-0445c86b69e6" for row in access)
        assert all(row["kind"] == "pass" for row in rows if row["section"] == "policy")
    else:
        for title in ("Access inventory", "Entra groups", "Federated credentials", "Policies", "Rights", "If replaced"):
            assert title in out
        assert vault_grant.scope in out and vault_grant.principal.display_name in out
        assert f"repo:contoso/foundry-agents:environment:{stack_name}" in out
        if fmt == "markdown":
            assert "| Principal | Kind | Signs in | Role | Role GUID | Scope | Access |" in out


def test_all_stacks_in_one_run(cached_render: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--stack", "all", "--format", "json"]) == 0
    assert [s["stack"] for s in json.loads(capsys.readouterr().out)["stacks"]] == ["dev", "staging", "prod"]


def test_policy_violation_fails_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    violating = Environment(render("prod", program=violating_program, caller=ADMINISTRATOR))
    monkeypatch.setattr(plan, "render_environment", lambda stack, today=None: violating)
    assert plan.main(["--stack", "prod"]) == 1
    captured = capsys.readouterr()
    assert "policy violations in: prod" in captured.err
    report = build_report(violating)
    assert {v.policy for v in report.verdicts if not v.passed} == {v.policy for v in report.verdicts}
    assert "no-direct-human-assignment: bad-person-contributor:" in captured.out


def test_invalid_configuration_exits_2_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(stack: str, today: object = None) -> Environment:
        return Environment(render(stack, overrides={"networkAccess": "public"}))

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
        [sys.executable, "-m", "offline.plan", "--stack", "dev", "--format", "json", "--today", "2026-11-28"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (document,) = json.loads(result.stdout)["stacks"]
    assert document["passed"] and document["stack"] == "dev"


def test_normalise_makes_environments_comparable() -> None:
    assert normalise("kv-fndry-prd-fd048b", "prod") == "kv-fndry-{env}-{hash}"
    assert normalise("grp-fndry-foundry-dev-developers", "dev") == "grp-fndry-foundry-{env}-developers"
    reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    assert normalise(f"{reader} 0b384fa6-2c2a-53b5-aef0-f4da88f25a38", "prod") == f"{reader} {{guid}}"


# -- exit statuses: one table, each status produced by the failure it names -----------------------------------
def test_the_exit_table_in_the_docstring_and_the_docs_is_the_code() -> None:
    documented = {int(code): name for code, name in re.findall(r"^  (\d)  (.+)$", plan.__doc__ or "", re.MULTILINE)}
    assert sorted(documented) == sorted(int(code) for code in plan.Exit)
    page = (ROOT / "docs" / "offline-plan.md").read_text()
    for code, meaning in documented.items():
        assert f"| `{code}` | {meaning} |" in page, meaning


def test_missing_rights_exit_3_naming_action_and_scope(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], environments: dict[str, Environment]
) -> None:
    hub = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/privateDnsZones"
    zone = f"{hub}/privatelink.vaultcore.azure.net"
    main = render(
        "prod", overrides={"network": {"agentSubnetInjection": True, "existingDnsZoneIds": {"keyVault": zone}}}
    )
    prod = environments["prod"]
    monkeypatch.setattr(
        plan, "render_environment", lambda stack, today=None: Environment(main, prod.pim, prod.bootstrap)
    )
    assert plan.main(["--stack", "prod"]) == plan.Exit.RIGHTS
    captured = capsys.readouterr()
    assert "missing rights in: prod" in captured.err
    finding = (
        f"the pipeline deployer lacks prod-endpoints-vault-dns: Microsoft.Network/privateDnsZones/join/action on {zone}"
    )
    assert finding in " ".join(captured.out.split())  # wrapped to the terminal at spaces


def test_an_unexpected_failure_exits_4_in_one_line_and_the_trace_on_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(stack: str, today: object = None) -> Environment:
        raise RuntimeError("the harness broke")

    monkeypatch.setattr(plan, "render_environment", broken)
    assert plan.main(["--stack", "dev"]) == plan.Exit.INTERNAL
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("internal error: RuntimeError: the harness broke (at test_plan.py:")
    assert plan.main(["--stack", "dev", "--debug"]) == plan.Exit.INTERNAL
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_an_unquoted_date_reaches_the_program_as_the_string_pulumi_passes(tmp_path: Path) -> None:
    """YAML 1.1 (PyYAML's default) reads `2025-08-07` as a date and `yes` as true; the CLI's YAML 1.2 does not."""
    text = (Path(plan.PROJECT_DIR) / "Pulumi.dev.yaml").read_text()
    edited = tmp_path / "Pulumi.dev.yaml"
    edited.write_text(
        text
        + "  foundry-platform:modelDeployments:\n    - name: router\n"
        + "      model: {name: gpt-5.6-luna, version: 2026-07-09}\n"
        + "  foundry-platform:tags: {reviewed: yes, window: 1:20}\n"
    )
    values = stackfile.engine_values(edited)
    assert json.loads(values["foundry-platform:modelDeployments"])[0]["model"]["version"] == "2026-07-09"
    assert json.loads(values["foundry-platform:tags"]) == {"reviewed": "yes", "window": "1:20"}
    deployment = render("dev", config=values).one("azure-native:cognitiveservices:Deployment")
    assert deployment.input("properties.model")["version"] == "2026-07-09"


def test_what_azure_refuses_exits_5(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    refusal = AzureRefusalError([Refusal("one-write-at-a-time", "urn:pulumi:dev::p::t::x", "written at the same time")])

    def refused(stack: str, today: object = None) -> Environment:
        raise RenderError(refusal, [])

    monkeypatch.setattr(plan, "render_environment", refused)
    assert plan.main(["--stack", "dev"]) == plan.Exit.AZURE_REFUSES
    assert "one-write-at-a-time: x: written at the same time" in capsys.readouterr().err


def test_a_blocked_rehearsal_exits_6(cached_render: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--stack", "prod", "--what-if", "location=westeurope", "--format", "json"]) == plan.Exit.BLOCKED
    (document,) = json.loads(capsys.readouterr().out)["stacks"]
    (rehearsal,) = document["rehearsals"]
    blocked = {s["urn"].rsplit("::", 1)[-1] for s in rehearsal["steps"] if s["blocked"]}
    assert {"prod-foundry-account", "prod-vault-kv", "prod-identity-uami"} <= blocked


def test_a_pim_renewal_rehearses_cleanly(cached_render: None, capsys: pytest.CaptureFixture[str]) -> None:
    change = "pim:platformAdminEligibility.expiresOn=2027-10-31T00:00:00Z"
    assert plan.main(["--stack", "prod", "--what-if", change]) == plan.Exit.OK
    out = capsys.readouterr().out
    assert "Rehearsal: platformAdminEligibility.expiresOn = " in out
    assert "delete first" in out and "eligibility gap" in out


@pytest.mark.parametrize(
    "arguments",
    [
        ["--stack", "qa"],
        ["--stack", "dev", "--what-if", "location"],
        ["--what-if", "location=x"],
        ["--today", "soon"],
        # sandbox has no administrator's phase to rehearse
        ["--stack", "sandbox", "--what-if", "pim:platformAdminEligibility.expiresOn=2027-01-01T00:00:00Z"],
        ["--stack", "dev", "--what-if", "vault:sku=premium"],
    ],
)
def test_bad_arguments_exit_2(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(arguments) == plan.Exit.INPUT
    assert "usage:" in capsys.readouterr().err


def test_with_several_findings_the_most_severe_wins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], environments: dict[str, Environment]
) -> None:
    """A policy violation in dev and a missing right in prod: the right (3) outranks the policy (1)."""
    hub = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/privateDnsZones"
    prod = environments["prod"]
    hub_prod = Environment(
        render(
            "prod",
            overrides={
                "network": {
                    "agentSubnetInjection": True,
                    "existingDnsZoneIds": {"keyVault": f"{hub}/privatelink.vaultcore.azure.net"},
                }
            },
        ),
        prod.pim,
        prod.bootstrap,
    )
    by_stack = {
        "dev": Environment(render("prod", program=violating_program, caller=ADMINISTRATOR)),
        "staging": environments["staging"],
        "prod": hub_prod,
    }
    monkeypatch.setattr(plan, "render_environment", lambda stack, today=None: by_stack[stack])
    monkeypatch.setattr(plan, "known_stacks", lambda: list(by_stack))
    assert plan.main(["--stack", "all", "--format", "json"]) == plan.Exit.RIGHTS
    err = capsys.readouterr().err
    assert "policy violations in: prod" in err and "missing rights in: prod" in err


def test_two_stacks_taking_one_dns_name_exit_5(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], environments: dict[str, Environment]
) -> None:
    # A subdomain without an environment's name in it (one with it is refused by the program itself).
    subdomain = "contoso-foundry-ai"
    dev, copied = (
        Environment(render(stack, overrides={"customSubdomain": subdomain}), None, environments[stack].bootstrap)
        for stack in ("dev", "staging")
    )
    by_stack = {"dev": dev, "staging": copied, "prod": environments["prod"]}
    monkeypatch.setattr(plan, "render_environment", lambda stack, today=None: by_stack[stack])
    monkeypatch.setattr(plan, "known_stacks", lambda: list(by_stack))
    monkeypatch.setattr(plan, "known_stacks", lambda: list(by_stack))
    assert plan.main(["--stack", "all", "--format", "json"]) == plan.Exit.AZURE_REFUSES
    assert f"global-name-unique: staging-foundry-account: {subdomain}" in capsys.readouterr().err
