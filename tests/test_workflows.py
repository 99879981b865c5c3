"""The GitHub Actions workflows: keyless, least-privileged, pinned, one environment per stack."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def all_text() -> str:
    return "\n".join(p.read_text() for p in sorted(WORKFLOWS.glob("*.yml")))


def test_third_party_actions_are_pinned_by_full_commit_sha() -> None:
    uses = re.findall(r"uses:\s*(\S+)", all_text())
    assert uses
    for reference in uses:
        if reference.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", reference), reference


def test_no_secrets_and_ids_come_from_variables() -> None:
    text = all_text()
    assert "secrets." not in text
    assert "ARM_CLIENT_SECRET" not in text and "AZURE_STORAGE_KEY" not in text
    for variable in (
        "ARM_TENANT_ID: ${{ vars.AZURE_TENANT_ID }}",
        "ARM_SUBSCRIPTION_ID: ${{ vars.AZURE_SUBSCRIPTION_ID }}",
    ):
        assert text.count(variable) == 2, variable
    assert text.count('ARM_USE_OIDC: "true"') == 2


def test_every_workflow_starts_with_no_permissions() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        assert yaml.safe_load(path.read_text())["permissions"] == {}, path.name


def test_deploy_runs_dev_then_staging_then_prod_each_in_its_environment() -> None:
    deploy = load("deploy.yml")
    assert deploy[True] == {"push": {"branches": ["main"]}}  # YAML 1.1 reads the key `on` as True
    jobs = deploy["jobs"]
    assert [jobs[s]["needs"] for s in ("dev", "staging", "prod")] == ["test", "dev", "staging"]
    for stack in ("dev", "staging", "prod"):
        assert jobs[stack]["with"] == {"stack": stack}
        assert jobs[stack]["permissions"] == {"contents": "read", "id-token": "write"}
    up = load("pulumi-up.yml")["jobs"]["up"]
    assert up["environment"] == "${{ inputs.stack }}"
    assert up["concurrency"] == {"group": "pulumi-${{ inputs.stack }}", "cancel-in-progress": False}
    assert up["permissions"] == {"contents": "read", "id-token": "write"}


def test_previews_use_the_read_only_identity_without_an_environment() -> None:
    preview = load("pull-request.yml")["jobs"]["preview"]
    assert "environment" not in preview
    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    stacks = {entry["stack"]: entry for entry in preview["strategy"]["matrix"]["include"]}
    assert set(stacks) == {"dev", "staging", "prod"}
    for stack, entry in stacks.items():
        assert entry["client-id"] == f"${{{{ vars.PREVIEW_CLIENT_ID_{stack.upper()} }}}}"


def test_test_job_has_no_cloud_credentials_and_runs_the_readme_command() -> None:
    job = load("test.yml")["jobs"]["test"]
    assert job["permissions"] == {"contents": "read"}
    runs = [step.get("run") for step in job["steps"]]
    assert runs[-1] == "bash .ci/run"
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    # .ci/run installs and tests exactly as the README says, then gates on the policies offline.
    assert "python3 -m venv venv" in ci
    assert any(line.startswith("venv/bin/pip install") and "-r requirements-dev.txt" in line for line in ci)
    assert "venv/bin/python -m pytest" in ci
    assert any(line.startswith("venv/bin/python -m offline.plan --stack all") for line in ci)
    assert "env" not in job


def test_deploys_and_previews_enforce_the_policy_pack() -> None:
    for workflow, job_name in (("pulumi-up.yml", "up"), ("pull-request.yml", "preview")):
        steps = load(workflow)["jobs"][job_name]["steps"]
        pulumi_step = next(s for s in steps if str(s.get("uses", "")).startswith("pulumi/actions@"))
        assert pulumi_step["with"]["policyPacks"] == "policy", workflow
