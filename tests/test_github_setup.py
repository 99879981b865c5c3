"""scripts/github-setup.sh against a fake `gh` (tests/fakes/fake_gh.sh): the exact GitHub API calls it makes from the
bootstrap's outputs, and the loud failure when prod would deploy without a required reviewer. Offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.render import Rendering
from tests.conftest import settings_of

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "github-setup.sh"
FAKES = Path(__file__).resolve().parent / "fakes"
OUTPUTS = FAKES / "outputs"  # bootstrap-<stack>.json for all three, main-<stack>.json for dev and prod only
WORKFLOWS = ROOT / ".github" / "workflows"

REPO = "contoso/foundry-platform"
API = f"repos/{REPO}"
STACKS = ("dev", "staging", "prod")
AUDITS = tuple(f"{stack}-audit" for stack in STACKS)  # the drift audit's environment of each stack
REVIEWERS = "alice,team:contoso/platform-leads"
REVIEWER_IDS = [{"type": "User", "id": 101}, {"type": "Team", "id": 9001}]
MAIN_ONLY = {"deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True}}
REVIEWED = {"wait_timer": 0, "prevent_self_review": True, "can_admins_bypass": False, "reviewers": REVIEWER_IDS}
UNREVIEWED = "would deploy unreviewed"
DONE = "Done:"


def outputs(kind: str, stack: str) -> dict[str, Any]:
    return json.loads((OUTPUTS / f"{kind}-{stack}.json").read_text())


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    calls: list[Call]

    @property
    def writes(self) -> list[tuple[str, str, Any]]:
        return [(c.method, c.path, c.body) for c in self.calls if c.method != "GET"]

    def body(self, method: str, path: str) -> Any:
        (body,) = [b for m, p, b in self.writes if (m, p) == (method, path)]
        return body


def read_back(env: str, reviewers: list[dict[str, Any]] = REVIEWER_IDS, **rule: Any) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/environments/{env} as GitHub answers it once the reviewer rule is kept."""
    rules: list[dict[str, Any]] = [{"id": 1, "type": "branch_policy"}]
    if reviewers:
        reviewer_rule = {"id": 2, "type": "required_reviewers", "prevent_self_review": True}
        reviewer_rule |= rule
        reviewer_rule["reviewers"] = [{"type": r["type"], "reviewer": {"id": r["id"]}} for r in reviewers]
        rules.insert(0, reviewer_rule)
    return {"name": env, "can_admins_bypass": False, "protection_rules": rules}


def scenario(visibility: str = "public", owner_type: str = "Organization", plan: str | None = "free") -> dict[str, Any]:
    """A fresh repository: no environments, variables or branch policies yet; GitHub keeps what it is given."""
    routes: dict[str, Any] = {
        f"GET {API}": {
            "body": {
                "name": "foundry-platform",
                "id": 500,
                "visibility": visibility,
                "private": visibility != "public",
                "owner": {"login": "contoso", "id": 400, "type": owner_type},
                "permissions": {"admin": True},
            }
        },
        "GET users/alice": {"body": {"login": "alice", "id": 101}},
        "GET orgs/contoso/teams/platform-leads": {"body": {"slug": "platform-leads", "id": 9001}},
        f"GET {API}/actions/variables": {"body": {"total_count": 0, "variables": []}},
    }
    if plan is not None and owner_type == "Organization":
        routes["GET orgs/contoso"] = {"body": {"login": "contoso", "plan": {"name": plan}}}
    if plan is not None and owner_type == "User":
        routes["GET user"] = {"body": {"login": "contoso", "plan": {"name": plan}}}
    for env in (*STACKS, "prod-preview", *AUDITS):
        routes[f"GET {API}/environments/{env}/variables"] = {"body": {"total_count": 0, "variables": []}}
    for env in (*STACKS, "prod-preview", *AUDITS):
        routes[f"GET {API}/environments/{env}/deployment-branch-policies"] = {
            "body": {"total_count": 0, "branch_policies": []}
        }
    for env in ("prod", "prod-preview"):
        routes[f"GET {API}/environments/{env}"] = {"body": read_back(env)}
    if visibility != "public":
        routes[f"GET {API}/actions/permissions/fork-pr-workflows-private-repos"] = {
            "body": {
                "run_workflows_from_fork_pull_requests": True,
                "send_write_tokens_to_workflows": False,
                "send_secrets_and_variables": False,
                "require_approval_for_fork_pr_workflows": False,
            }
        }
    return {"auth": True, "routes": routes}


def fake_gh(bin_dir: Path) -> None:
    """`gh` on PATH: a copy of the fake run by bash directly (no wrapper: one process per call, not two)."""
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    source = (FAKES / "fake_gh.sh").read_text().split("\n", 1)[1]
    gh.write_text(f"#!{shutil.which('bash') or '/bin/bash'}\n{source}")
    gh.chmod(0o755)


def write_scenario(folder: Path, scenario: dict[str, Any]) -> None:
    """The fake's scenario as files: one answer per route, and whether `gh auth status` passes."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "routes").mkdir(parents=True)
    for route, answer in scenario.get("routes", {}).items():
        method, path = route.split(" ", 1)
        body = answer.get("body", {})
        message = body.get("message", "error") if isinstance(body, dict) else "error"
        text = f"{answer.get('status', 200)}\n{message}\n{json.dumps(body)}"
        (folder / "routes" / f"{method}_{path.replace('/', '%')}").write_text(text)
    if not scenario.get("auth", True):
        (folder / "signed-out").touch()


def recorded_calls(folder: Path) -> list[Call]:
    calls: list[Call] = []
    for entry in sorted((folder / "calls").glob("*")) if (folder / "calls").exists() else []:
        method, path, body = [*entry.read_text().split("\n", 2), ""][:3]
        calls.append(Call(method, path, json.loads(body) if body else None))
    return calls


def run_setup(
    tmp_path: Path,
    routes: dict[str, Any],
    *args: str,
    outputs_dir: Path = OUTPUTS,
    path: str | None = None,
) -> Run:
    folder = tmp_path / "gh"
    write_scenario(folder, routes)
    fake_gh(tmp_path / "bin")
    env = {
        **os.environ,
        "PATH": path if path is not None else f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "FAKE_GH_DIR": str(folder),
    }
    command = [shutil.which("bash") or "/bin/bash", str(SCRIPT), "--repo", REPO, "--outputs-dir", str(outputs_dir)]
    done = subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    calls = recorded_calls(folder)
    return Run(done.returncode, done.stdout, done.stderr, calls)


def expected_writes(fork_call: tuple[str, str, Any]) -> list[tuple[str, str, Any]]:
    """Every change on a fresh repository, in order, with the values of the fixture outputs."""
    boot = {stack: outputs("bootstrap", stack) for stack in STACKS}
    smoke = {stack: outputs("main", stack)["cicdClientId"] for stack in ("dev", "prod")}
    writes: list[tuple[str, str, Any]] = []
    for stack in STACKS:
        body = MAIN_ONLY | (REVIEWED if stack == "prod" else {})
        writes.append(("PUT", f"{API}/environments/{stack}", body))
        writes.append(
            ("POST", f"{API}/environments/{stack}/deployment-branch-policies", {"name": "main", "type": "branch"})
        )
        if stack == "prod":
            writes.append(("PUT", f"{API}/environments/prod-preview", MAIN_ONLY | REVIEWED))
            writes.append(
                (
                    "POST",
                    f"{API}/environments/prod-preview/deployment-branch-policies",
                    {"name": "main", "type": "branch"},
                )
            )
        writes.append(("PUT", f"{API}/environments/{stack}-audit", MAIN_ONLY))
        writes.append(
            ("POST", f"{API}/environments/{stack}-audit/deployment-branch-policies", {"name": "main", "type": "branch"})
        )

    def variables(base: str, values: dict[str, str]) -> None:
        writes.extend(("POST", base, {"name": name, "value": value}) for name, value in values.items())

    for stack in STACKS:
        out = boot[stack]
        shared = {"AZURE_TENANT_ID": out["tenantId"], "AZURE_SUBSCRIPTION_ID": out["subscriptionId"]}
        deploy = {"AZURE_CLIENT_ID": out["deployerClientId"], **shared, "PULUMI_BACKEND_URL": out["stateBackendUrl"]}
        if stack in smoke:
            deploy["SMOKE_CLIENT_ID"] = smoke[stack]
        variables(f"{API}/environments/{stack}/variables", deploy)
        if stack == "prod":
            preview = {
                "AZURE_CLIENT_ID": out["previewClientId"],
                **shared,
                "PULUMI_BACKEND_URL": out["stateBackendUrl"],
            }
            variables(f"{API}/environments/prod-preview/variables", preview)
        variables(f"{API}/environments/{stack}-audit/variables", {"AZURE_CLIENT_ID": out["auditClientId"], **shared})
    variables(
        f"{API}/actions/variables",
        {
            "AZURE_TENANT_ID": boot["dev"]["tenantId"],
            "AZURE_SUBSCRIPTION_ID": boot["dev"]["subscriptionId"],
            "PREVIEW_CLIENT_ID_DEV": boot["dev"]["previewClientId"],
            "PULUMI_BACKEND_URL_DEV": boot["dev"]["stateBackendUrl"],
            "PREVIEW_CLIENT_ID_STAGING": boot["staging"]["previewClientId"],
            "PULUMI_BACKEND_URL_STAGING": boot["staging"]["stateBackendUrl"],
        },
    )
    writes.append(("PUT", f"{API}/branches/main/protection", BRANCH_PROTECTION))
    writes.append(fork_call)
    return writes


BRANCH_PROTECTION = {
    "required_status_checks": {
        "strict": True,
        "checks": [{"context": "test / test (no cloud credentials)", "app_id": 15368}],
    },
    "enforce_admins": True,
    "required_pull_request_reviews": {
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": False,
        "required_approving_review_count": 1,
        "require_last_push_approval": True,
    },
    "restrictions": None,
    "allow_force_pushes": False,
    "allow_deletions": False,
}
PUBLIC_FORKS = (
    "PUT",
    f"{API}/actions/permissions/fork-pr-contributor-approval",
    {"approval_policy": "all_external_contributors"},
)
PRIVATE_FORKS = (
    "PUT",
    f"{API}/actions/permissions/fork-pr-workflows-private-repos",
    {
        "run_workflows_from_fork_pull_requests": True,
        "send_write_tokens_to_workflows": False,
        "send_secrets_and_variables": False,
        "require_approval_for_fork_pr_workflows": True,
    },
)


def test_fixtures_carry_the_outputs_the_bootstrap_and_the_main_program_export(
    bootstrapped: dict[str, Rendering], rendered: dict[str, Rendering]
) -> None:
    for stack in STACKS:
        assert set(outputs("bootstrap", stack)) == set(bootstrapped[stack].exports), stack
    for stack in ("dev", "prod"):
        assert set(outputs("main", stack)) == set(rendered[stack].exports), stack
    assert outputs("bootstrap", "prod")["previewEnvironment"] == "prod-preview"
    # The drift auditor's client id as the bootstrap renders it, and its environment; the secrets provider pinned to
    # the key version the bootstrap made (bootstrap/state.py).
    for stack in STACKS:
        for key in ("auditClientId", "auditEnvironment", "secretsProvider"):
            assert outputs("bootstrap", stack)[key] == bootstrapped[stack].exports[key], (stack, key)
    # Prod's runner network, which its main stack peers with (network.runnerVnetId) and its state admits.
    for key in ("runnerVnetId", "runnerSubnetId", "runnerNetworkKind"):
        assert outputs("bootstrap", "prod")[key] == bootstrapped["prod"].exports[key], key
    # prod's standard agent setup: the names of its agent data stores, as its settings derive them.
    names = settings_of("prod").agent_data_names
    assert names is not None
    assert (
        outputs("main", "prod")["agentData"]
        == rendered["prod"].exports["agentData"]
        == {
            "storageAccountName": names.storage,
            "searchServiceName": names.search,
            "cosmosAccountName": names.cosmos,
        }
    )
    assert not (OUTPUTS / "main-staging.json").exists()  # the missing-main-outputs case


@pytest.fixture(scope="module")
def public_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One run against a fresh public repository, shared by the tests that only read what it did."""
    return run_setup(tmp_path_factory.mktemp("public"), scenario(), "--reviewers", REVIEWERS)


def test_public_repository_gets_exactly_these_changes(public_run: Run) -> None:
    run = public_run
    assert run.returncode == 0, run.stderr
    assert run.writes == expected_writes(PUBLIC_FORKS)
    assert f"{DONE} {REPO}" in run.stdout
    # Read back after setting: the reviewer rule of prod and of its preview environment.
    assert [c.path for c in run.calls if c.method == "GET" and c.path.endswith(("/prod", "/prod-preview"))] == [
        f"{API}/environments/prod",
        f"{API}/environments/prod-preview",
    ]


def test_reviewers_and_no_self_review_on_prod_and_its_preview_environment_only(public_run: Run) -> None:
    run = public_run
    environments = {p.rsplit("/", 1)[1]: b for m, p, b in run.writes if m == "PUT" and "/environments/" in p}
    assert set(environments) == {*STACKS, "prod-preview", *AUDITS}
    for env, body in environments.items():
        reviewed = env in ("prod", "prod-preview")
        assert ("reviewers" in body) is reviewed and ("prevent_self_review" in body) is reviewed, env
    assert environments["prod"]["reviewers"] == environments["prod-preview"]["reviewers"] == REVIEWER_IDS
    assert environments["prod"]["prevent_self_review"] is environments["prod-preview"]["prevent_self_review"] is True
    # Only main deploys, and only main previews prod (preview-prod.yml is started from main for a pull request).
    assert all(environments[env] | MAIN_ONLY == environments[env] for env in (*STACKS, "prod-preview", *AUDITS))


def test_audit_environments_main_only_unreviewed_with_the_auditors_variables(public_run: Run) -> None:
    """The scheduled drift audit (environment: <stack>-audit) signs in as the read-only auditor; nobody approves it."""
    run = public_run
    assert run.returncode == 0, run.stderr
    for stack, audit in zip(STACKS, AUDITS, strict=True):
        out = outputs("bootstrap", stack)
        assert out["auditEnvironment"] == audit
        base = f"{API}/environments/{audit}"
        assert [(m, p, b) for m, p, b in run.writes if p == base or p.startswith(f"{base}/")] == [
            ("PUT", base, MAIN_ONLY),  # exactly the branch policy: no reviewers, wait timer or self-review rule
            ("POST", f"{base}/deployment-branch-policies", {"name": "main", "type": "branch"}),
            ("POST", f"{base}/variables", {"name": "AZURE_CLIENT_ID", "value": out["auditClientId"]}),
            ("POST", f"{base}/variables", {"name": "AZURE_TENANT_ID", "value": out["tenantId"]}),
            ("POST", f"{base}/variables", {"name": "AZURE_SUBSCRIPTION_ID", "value": out["subscriptionId"]}),
        ]
        assert base not in [c.path for c in run.calls if c.method == "GET"]  # nothing to read back: no reviewers
    # The values themselves, not only as the fixtures hold them: the auditor is none of the other identities.
    prod = outputs("bootstrap", "prod")
    assert run.body("PUT", f"{API}/environments/prod-audit") == MAIN_ONLY
    assert prod["auditClientId"] == "2e9413ef-b53e-5ae0-9f00-827093deb477"
    assert prod["auditClientId"] not in (prod["deployerClientId"], prod["previewClientId"])
    assert (prod["tenantId"], prod["subscriptionId"]) == (
        "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000001",
    )


def test_the_required_check_is_the_one_the_test_workflow_reports(public_run: Run) -> None:
    """GitHub names a called workflow's check '<calling job> / <called job>'."""
    callers = yaml.safe_load((WORKFLOWS / "pull-request.yml").read_text())["jobs"]
    called = yaml.safe_load((WORKFLOWS / "test.yml").read_text())["jobs"]
    names = {
        f"{job.get('name', job_id)} / {inner.get('name', inner_id)}"
        for job_id, job in callers.items()
        if str(job.get("uses", "")).endswith("/.github/workflows/test.yml")
        for inner_id, inner in called.items()
    }
    protection = public_run.body("PUT", f"{API}/branches/main/protection")
    assert [check["context"] for check in protection["required_status_checks"]["checks"]] == sorted(names)
    assert protection["enforce_admins"] is True
    assert protection["allow_force_pushes"] is False and protection["allow_deletions"] is False
    assert protection["required_pull_request_reviews"]["required_approving_review_count"] >= 1


def test_a_rerun_updates_what_changed_and_removes_other_deploy_branches(tmp_path: Path) -> None:
    dev = outputs("bootstrap", "dev")
    routes = scenario()
    routes["routes"][f"GET {API}/environments/dev/variables"] = {
        "body": {
            "total_count": 2,
            "variables": [
                {"name": "AZURE_CLIENT_ID", "value": dev["deployerClientId"]},
                {"name": "PULUMI_BACKEND_URL", "value": "azblob://old?storage_account=old"},
            ],
        }
    }
    routes["routes"][f"GET {API}/environments/dev/deployment-branch-policies"] = {
        "body": {
            "total_count": 2,
            "branch_policies": [
                {"id": 6, "name": "main", "type": "branch"},
                {"id": 7, "name": "release/*", "type": "branch"},
            ],
        }
    }
    run = run_setup(tmp_path, routes, "--stacks", "dev")
    assert run.returncode == 0, run.stderr
    dev_writes = [w for w in run.writes if w[1].startswith(f"{API}/environments/dev/")]
    assert dev_writes == [
        ("DELETE", f"{API}/environments/dev/deployment-branch-policies/7", None),
        ("POST", f"{API}/environments/dev/variables", {"name": "AZURE_TENANT_ID", "value": dev["tenantId"]}),
        (
            "POST",
            f"{API}/environments/dev/variables",
            {"name": "AZURE_SUBSCRIPTION_ID", "value": dev["subscriptionId"]},
        ),
        (
            "PATCH",
            f"{API}/environments/dev/variables/PULUMI_BACKEND_URL",
            {"name": "PULUMI_BACKEND_URL", "value": dev["stateBackendUrl"]},
        ),
        (
            "POST",
            f"{API}/environments/dev/variables",
            {"name": "SMOKE_CLIENT_ID", "value": outputs("main", "dev")["cicdClientId"]},
        ),
    ]


def test_missing_main_outputs_are_warned_about_and_smoke_client_id_skipped(public_run: Run) -> None:
    run = public_run
    assert "main-staging.json is missing: SMOKE_CLIENT_ID is not set in staging" in run.stderr
    smoke = {p.split("/")[-2] for m, p, b in run.writes if isinstance(b, dict) and b.get("name") == "SMOKE_CLIENT_ID"}
    assert smoke == {"dev", "prod"}


# Each plan that lacks required reviewers on private repositories, each owner type and both non-public visibilities,
# in four runs of the script rather than all eight combinations (each run costs about a second).
@pytest.mark.parametrize(
    ("visibility", "owner_type", "plan"),
    [
        ("private", "Organization", "team"),
        ("internal", "Organization", "free"),
        ("private", "User", "pro"),
        ("internal", "User", "free"),
    ],
)
def test_private_repository_on_a_plan_without_required_reviewers_fails_before_any_change(
    tmp_path: Path, visibility: str, owner_type: str, plan: str
) -> None:
    run = run_setup(tmp_path, scenario(visibility, owner_type, plan), "--reviewers", REVIEWERS)
    assert run.returncode == 3
    assert f"error: prod, prod-preview {UNREVIEWED}" in run.stderr
    assert f"'{plan}'" in run.stderr and "make contoso/foundry-platform public" in run.stderr
    assert run.writes == []
    assert DONE not in run.stdout


def test_private_repository_on_github_enterprise_is_set_up_with_the_private_fork_settings(tmp_path: Path) -> None:
    run = run_setup(tmp_path, scenario("private", plan="enterprise"), "--reviewers", REVIEWERS)
    assert run.returncode == 0, run.stderr
    assert run.writes == expected_writes(PRIVATE_FORKS)


def test_a_reviewer_rule_github_drops_fails_after_reading_back(tmp_path: Path) -> None:
    """The plan is not readable, GitHub takes the rule without error and keeps none of it."""
    routes = scenario("private", plan=None)
    routes["routes"][f"GET {API}/environments/prod"] = {"body": read_back("prod", reviewers=[])}
    run = run_setup(tmp_path, routes, "--reviewers", REVIEWERS)
    assert run.returncode == 3
    assert "plan of contoso is not readable" in run.stderr
    assert f"error: prod {UNREVIEWED}" in run.stderr and "read back" in run.stderr
    assert DONE not in run.stdout
    assert not [w for w in run.writes if w[1].endswith("/protection") or "/variables" in w[1]]


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (read_back("prod", prevent_self_review=False), "without prevent_self_review"),
        (read_back("prod", reviewers=REVIEWER_IDS[:1]), "with other reviewers than --reviewers"),
        (read_back("prod") | {"can_admins_bypass": True}, "with can_admins_bypass true"),
    ],
)
def test_a_weaker_reviewer_rule_read_back_fails(tmp_path: Path, read: dict[str, Any], message: str) -> None:
    routes = scenario()
    routes["routes"][f"GET {API}/environments/prod"] = {"body": read}
    run = run_setup(tmp_path, routes, "--reviewers", REVIEWERS)
    assert run.returncode == 1
    assert f"error: prod: read back {message}" in run.stderr
    assert DONE not in run.stdout


def test_github_refusing_the_reviewer_rule_fails(tmp_path: Path) -> None:
    routes = scenario("private", plan=None)
    routes["routes"][f"PUT {API}/environments/prod"] = {
        "status": 422,
        "body": {"message": "Failed to create the environment protection rule"},
    }
    run = run_setup(tmp_path, routes, "--reviewers", REVIEWERS)
    assert run.returncode == 3
    assert f"error: prod {UNREVIEWED}: GitHub refused" in run.stderr
    assert DONE not in run.stdout


def test_prod_without_reviewers_fails_before_any_change(tmp_path: Path) -> None:
    run = run_setup(tmp_path, scenario())
    assert run.returncode == 3
    assert f"prod, prod-preview {UNREVIEWED}: no --reviewers given" in run.stderr
    assert "Do one of" not in run.stderr  # the plan's advice is beside the point here
    assert run.writes == []


def test_without_a_prod_stack_no_reviewers_are_needed(tmp_path: Path) -> None:
    run = run_setup(tmp_path, scenario("private", plan="team"), "--stacks", "dev,staging")
    assert run.returncode == 0, run.stderr
    assert {p for m, p, _ in run.writes if m == "PUT" and "/environments/" in p} == {
        f"{API}/environments/dev",
        f"{API}/environments/staging",
        f"{API}/environments/dev-audit",
        f"{API}/environments/staging-audit",
    }


def test_prod_alone_leaves_the_repository_variables_of_the_other_stacks(tmp_path: Path) -> None:
    routes = scenario()
    routes["routes"][f"GET {API}/actions/variables"] = {
        "body": {"total_count": 1, "variables": [{"name": "PREVIEW_CLIENT_ID_PROD", "value": "stale"}]}
    }
    run = run_setup(tmp_path, routes, "--stacks", "prod", "--reviewers", REVIEWERS)
    assert run.returncode == 0, run.stderr
    assert not [w for w in run.writes if w[1].startswith(f"{API}/actions/variables")]
    assert "PREVIEW_CLIENT_ID_PROD is left from before" in run.stderr


def test_dry_run_prints_every_change_and_makes_none(tmp_path: Path) -> None:
    run = run_setup(tmp_path, scenario(), "--reviewers", REVIEWERS, "--dry-run")
    assert run.returncode == 0, run.stderr
    assert run.calls and {c.method for c in run.calls} == {"GET"}
    printed = [line.removeprefix("dry-run: ") for line in run.stdout.splitlines() if line.startswith("dry-run: ")]
    changes = []
    for line in printed:
        if not line.startswith("then read back"):
            method, path, body = [*line.split(" ", 2), ""][:3]
            changes.append((method, path.removeprefix("/"), json.loads(body) if body else None))
    assert changes == expected_writes(PUBLIC_FORKS)
    assert [line for line in printed if line.startswith("then read back")] == [
        f"then read back /{API}/environments/{env} and check its reviewers" for env in ("prod", "prod-preview")
    ]
    assert DONE not in run.stdout and "nothing was changed" in run.stdout


def _broken(tmp_path: Path, stack: str, **changes: Any) -> Path:
    """A copy of the fixture outputs (made once per test) with some of one stack's bootstrap outputs changed."""
    outputs_dir = tmp_path / "outputs"
    if not outputs_dir.exists():
        shutil.copytree(OUTPUTS, outputs_dir)
    file = outputs_dir / f"bootstrap-{stack}.json"
    data = json.loads(file.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    file.write_text(json.dumps(data))
    return outputs_dir


@pytest.mark.parametrize(
    ("stack", "changes", "message"),
    [
        ("dev", {"deployerSubject": "repo:fabrikam/foundry-platform:environment:dev"}, "another repository"),
        ("prod", {"previewSubject": "repo:contoso/foundry-platform:pull_request"}, "the preview reader trusts"),
        ("prod", {"previewEnvironment": None}, "names no previewEnvironment"),
        ("staging", {"githubEnvironment": "dev"}, "outputs of another stack"),
        ("staging", {"tenantId": "11111111-1111-4111-8111-111111111111"}, "share one AZURE_TENANT_ID"),
        ("dev", {"deployerClientId": "[secret]"}, "not a GUID"),
        (
            "staging",
            {"auditClientId": None},
            "bootstrap-staging.json names no auditClientId: a bootstrap from before the drift auditor; run the "
            "bootstrap's 'pulumi up --stack staging' again and export its outputs",
        ),
        ("prod", {"auditClientId": "[secret]"}, "auditClientId is '[secret]', not a GUID"),
        ("prod", {"auditEnvironment": "prod"}, "auditEnvironment is 'prod', not 'prod-audit'"),
        ("dev", {"auditEnvironment": "staging-audit"}, "auditEnvironment is 'staging-audit', not 'dev-audit'"),
    ],
)
def test_outputs_that_do_not_fit_this_repository_are_refused(
    tmp_path: Path, stack: str, changes: dict[str, Any], message: str
) -> None:
    run = run_setup(tmp_path, scenario(), "--reviewers", REVIEWERS, outputs_dir=_broken(tmp_path, stack, **changes))
    assert run.returncode == 1
    assert message in run.stderr
    assert run.writes == []


def test_outputs_of_a_bootstrap_from_before_the_drift_auditor_are_refused(tmp_path: Path) -> None:
    outputs_dir = _broken(tmp_path, "dev", auditClientId=None, auditEnvironment=None)
    run = run_setup(tmp_path, scenario(), "--stacks", "dev", outputs_dir=outputs_dir)
    assert run.returncode == 1
    assert f"error: {outputs_dir}/bootstrap-dev.json names no auditClientId and auditEnvironment" in run.stderr
    assert "run the bootstrap's 'pulumi up --stack dev' again and export its outputs" in run.stderr
    assert run.writes == []


def test_an_audit_environment_that_is_also_a_stacks_environment_is_refused(tmp_path: Path) -> None:
    """Stacks 'dev' and 'dev-audit' together: 'dev-audit' would hold the deployer's and the auditor's variables."""
    outputs_dir = _broken(tmp_path, "dev")
    other = outputs("bootstrap", "dev") | {
        "githubEnvironment": "dev-audit",
        "deployerSubject": "repo:contoso/foundry-platform:environment:dev-audit",
        "auditEnvironment": "dev-audit-audit",
    }
    (outputs_dir / "bootstrap-dev-audit.json").write_text(json.dumps(other))
    run = run_setup(tmp_path, scenario(), "--stacks", "dev,dev-audit", outputs_dir=outputs_dir)
    assert run.returncode == 1
    assert "the environment 'dev-audit' would be both the drift audit's and a stack's" in run.stderr
    assert run.writes == []


def test_immutable_subjects_of_this_repository_are_accepted(tmp_path: Path) -> None:
    immutable = "repo:contoso@400/foundry-platform@500"
    outputs_dir = _broken(tmp_path, "dev", deployerSubject=f"{immutable}:environment:dev")
    _broken(tmp_path, "prod", previewSubject=f"{immutable}:environment:prod-preview")
    routes = scenario()  # GitHub fails the first change: enough to show every check before it passed
    routes["routes"][f"PUT {API}/environments/dev"] = {"status": 503, "body": {"message": "Service Unavailable"}}
    run = run_setup(tmp_path, routes, "--reviewers", REVIEWERS, outputs_dir=outputs_dir)
    assert run.returncode == 1 and "GitHub refused the environment dev" in run.stderr
    assert [(m, p) for m, p, _ in run.writes] == [("PUT", f"{API}/environments/dev")]


@pytest.mark.parametrize("missing", ["gh", "jq"])
def test_a_missing_tool_is_named(tmp_path: Path, missing: str) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    if missing != "gh":
        fake_gh(tools)
    if missing != "jq":
        (tools / "jq").symlink_to(shutil.which("jq") or "/usr/bin/jq")
    run = run_setup(tmp_path, scenario(), "--reviewers", REVIEWERS, path=str(tools))
    assert run.returncode == 1
    assert f"error: {missing}" in run.stderr and "not installed" in run.stderr
    assert run.writes == []


def test_not_signed_in_or_not_an_administrator_is_refused(tmp_path: Path) -> None:
    signed_out = scenario() | {"auth": False}
    run = run_setup(tmp_path, signed_out, "--reviewers", REVIEWERS)
    assert run.returncode == 1 and "gh auth login" in run.stderr
    member = scenario()
    member["routes"][f"GET {API}"]["body"]["permissions"] = {"admin": False, "push": True}
    run = run_setup(tmp_path, member, "--reviewers", REVIEWERS)
    assert run.returncode == 1 and "not an administrator" in run.stderr
    assert run.writes == []


@pytest.mark.parametrize(
    "args",
    [
        ("--stacks", "Dev"),
        ("--reviewers", "team:platform-leads"),
        ("--reviewers", "a,b,c,d,e,f,g"),
        ("--unknown",),
    ],
)
def test_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    run = run_setup(tmp_path, scenario(), *args)
    assert run.returncode == 2
    assert "Usage:" in run.stderr
    assert run.writes == []
