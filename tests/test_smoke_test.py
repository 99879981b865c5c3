"""The post-deploy smoke test (scripts/smoke_test.py), against fakes: no network, no az, no real sleeps."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from components.catalogue import dns_zones, endpoints, roles
from scripts import smoke_test
from scripts.smoke_test import CheckError, NetworkError, Probes

ACCOUNT_HOST = "fndry-dev-ab12cd.cognitiveservices.azure.com"
OPENAI_HOST = "fndry-dev-ab12cd.openai.azure.com"
FOUNDRY_HOST = "fndry-dev-ab12cd.services.ai.azure.com"
AGENTS_URL = f"https://{FOUNDRY_HOST}/api/projects/agents/deployments?api-version=v1"
EVALS_URL = f"https://{FOUNDRY_HOST}/api/projects/evals/deployments?api-version=v1"
OUTPUTS: dict[str, Any] = {
    "environment": "dev",
    "accountEndpoint": f"https://{ACCOUNT_HOST}/",
    "projectEndpoints": {
        "agents": f"https://{FOUNDRY_HOST}/api/projects/agents",
        "evals": f"https://{FOUNDRY_HOST}/api/projects/evals",
    },
    "networkAccess": "private",
    "modelDeployments": ["router", "specialist"],
}
PRIVATE = {ACCOUNT_HOST: ["10.42.1.4"], OPENAI_HOST: ["10.42.1.5"], FOUNDRY_HOST: ["10.42.1.6"]}


def _b64(value: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


CLAIMS = {"aud": "https://ai.azure.com", "tid": "72f988bf-tenant", "appid": "0c1d-cicd-app"}
TOKEN = f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(CLAIMS)}.c2VjcmV0LXNpZ25hdHVyZS1kby1ub3QtcHJpbnQ"
COMMAND = "az account get-access-token --scope https://ai.azure.com/.default --query accessToken -o tsv"
AZ = "/usr/bin/az"


def listing(*names: str, next_link: str | None = None) -> tuple[int, bytes]:
    page: dict[str, Any] = {"value": [{"name": name, "type": "ModelDeployment"} for name in names]}
    if next_link is not None:
        page["nextLink"] = next_link
    return 200, json.dumps(page).encode()


def error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": {"code": code, "message": message}}).encode()


class Clock:
    def __init__(self) -> None:
        self.time = 5000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


class Dns:
    """Answers from a table; the first `failures` lookups of `failing` raise NXDOMAIN."""

    def __init__(self, table: Mapping[str, list[str]], failing: str = "", failures: int = 0) -> None:
        self.table = table
        self.failing = failing
        self.failures = failures
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host == self.failing and self.failures > 0:
            self.failures -= 1
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


class Api:
    """Answers per URL, in turn; the last answer repeats. Records every call with its headers."""

    def __init__(self, answers: Mapping[str, list[tuple[int, bytes] | Exception]]) -> None:
        self.answers = {url: list(replies) for url, replies in answers.items()}
        self.calls: list[tuple[str, dict[str, str]]] = []

    def __call__(self, url: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        self.calls.append((url, dict(headers)))
        replies = self.answers[url]
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply

    @property
    def urls(self) -> list[str]:
        return [url for url, _ in self.calls]


def both_projects(*answers: tuple[int, bytes] | Exception) -> Api:
    return Api({AGENTS_URL: list(answers), EVALS_URL: [listing("router", "specialist")]})


def probes(clock: Clock, dns: Dns | None = None, api: Api | None = None, token: Any = None) -> Probes:
    return Probes(
        resolve=dns or Dns(PRIVATE),
        get_token=token or (lambda: TOKEN),
        fetch=api or both_projects(listing("router", "specialist")),
        sleep=clock.sleep,
        now=clock.now,
    )


def run(probe: Probes, outputs: dict[str, Any] | None = None, deadline: float = 900, max_delay: float = 60) -> int:
    parsed = smoke_test.parse_outputs(outputs or OUTPUTS, "outputs.json")
    return smoke_test.run_smoke_test(parsed, probe, deadline=deadline, max_delay=max_delay)


# --- success -------------------------------------------------------------------------------------------------


def test_a_healthy_private_environment_passes_without_waiting(capsys: pytest.CaptureFixture[str]) -> None:
    clock, dns = Clock(), Dns(PRIVATE)
    api = both_projects(listing("router", "specialist", "embeddings"))
    assert run(probes(clock, dns, api)) == 0
    assert clock.sleeps == []
    assert dns.asked == [ACCOUNT_HOST, OPENAI_HOST, FOUNDRY_HOST]
    assert api.urls == [AGENTS_URL, EVALS_URL]
    assert all(headers["Authorization"] == f"Bearer {TOKEN}" for _, headers in api.calls)
    out = capsys.readouterr().out
    assert f"ok   DNS (private, every address private): {ACCOUNT_HOST} 10.42.1.4; {OPENAI_HOST} 10.42.1.5;" in out
    assert "ok   token: the Azure CLI gave a token for https://ai.azure.com/.default (app 0c1d-cicd-app," in out
    assert "ok   data plane: project 'agents' lists router, specialist, embeddings" in out
    assert out.rstrip().endswith("ok   smoke test passed")


def test_the_account_is_checked_under_its_three_host_names_and_each_project_host_once() -> None:
    outputs = smoke_test.parse_outputs(OUTPUTS, "outputs.json")
    assert smoke_test.hosts_to_resolve(outputs) == [ACCOUNT_HOST, OPENAI_HOST, FOUNDRY_HOST]


def test_public_mode_accepts_public_addresses(capsys: pytest.CaptureFixture[str]) -> None:
    public = {host: ["20.60.1.7"] for host in PRIVATE}
    assert run(probes(Clock(), Dns(public)), {**OUTPUTS, "networkAccess": "public"}) == 0
    assert f"ok   DNS (public): {ACCOUNT_HOST} 20.60.1.7;" in capsys.readouterr().out


def test_deployment_names_are_read_from_the_object_the_program_exports_today() -> None:
    exported = {"router": {"model": "gpt-5.6-luna"}, "specialist": {"model": "gpt-5.6-sol"}}
    outputs = smoke_test.parse_outputs({**OUTPUTS, "modelDeployments": exported}, "outputs.json")
    assert outputs.model_deployments == ("router", "specialist")


# --- 1. DNS --------------------------------------------------------------------------------------------------


def test_a_public_address_in_private_mode_names_the_host_and_its_zone(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    dns = Dns({**PRIVATE, OPENAI_HOST: ["20.60.1.7"]})
    assert run(probes(clock, dns), deadline=30) == 3
    err = capsys.readouterr().err
    assert err.startswith(
        f"FAIL (exit 3) DNS: {OPENAI_HOST} resolves to public address 20.60.1.7 in private mode: the private DNS "
        "zone privatelink.openai.azure.com is missing, has no record for the account, or is not linked to the "
        "virtual network this runner resolves through (still failing after"
    )
    assert sum(clock.sleeps) == 30


def test_nxdomain_is_retried_after_capped_exponential_delays_until_it_resolves(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    dns = Dns(PRIVATE, failing=ACCOUNT_HOST, failures=7)
    assert run(probes(clock, dns), max_delay=30) == 0
    assert clock.sleeps == [2, 4, 8, 16, 30, 30, 30]
    out = capsys.readouterr().out
    assert (
        f"not yet: DNS: {ACCOUNT_HOST} does not resolve (Name or service not known): check the private DNS zone "
        "privatelink.cognitiveservices.azure.com and that this runner resolves through the virtual network's DNS; "
        "next try in 2s"
    ) in out
    assert out.count("not yet: DNS:") == 7 and "next try in 30s" in out
    assert "ok   smoke test passed" in out


def test_a_host_that_never_resolves_fails_at_the_deadline_with_the_last_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    dns = Dns({ACCOUNT_HOST: ["10.42.1.4"], OPENAI_HOST: ["10.42.1.5"]})
    assert run(probes(clock, dns), deadline=100) == 3
    assert clock.sleeps == [2, 4, 8, 16, 32, 38]
    assert capsys.readouterr().err == (
        f"FAIL (exit 3) DNS: {FOUNDRY_HOST} does not resolve (Name or service not known): check the private DNS zone "
        "privatelink.services.ai.azure.com and that this runner resolves through the virtual network's DNS "
        "(still failing after 7 attempts over 100s)\n"
    )


# --- 2. token ------------------------------------------------------------------------------------------------


def az(returncode: int, stdout: str = "", stderr: str = "") -> Any:
    def fake_run(argv: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        assert argv == [AZ, *COMMAND.split()[1:]]
        assert options["capture_output"] and options["text"] and options["check"] is False
        return subprocess.CompletedProcess(argv, returncode, stdout, stderr)

    return fake_run


def test_the_token_comes_from_the_cli_command_with_the_foundry_scope() -> None:
    assert smoke_test.AZ_TOKEN_COMMAND == COMMAND
    assert smoke_test.az_cli_token(run=az(0, TOKEN + "\n"), which=lambda _: AZ) == TOKEN


def test_a_failing_token_command_stops_before_any_data_plane_call(capsys: pytest.CaptureFixture[str]) -> None:
    def get_token() -> str:
        stderr = "WARNING: something\nERROR: Please run 'az login' to setup account.\n"
        return smoke_test.az_cli_token(run=az(1, "", stderr), which=lambda _: AZ)

    clock, api = Clock(), both_projects(listing("router", "specialist"))
    assert run(probes(clock, api=api, token=get_token)) == 4
    assert capsys.readouterr().err == (
        f"FAIL (exit 4) token: `{COMMAND}` failed: ERROR: Please run 'az login' to setup account.: sign in as the "
        "environment's CI/CD identity (azure/login in the workflow, `az login` by hand)\n"
    )
    assert api.calls == [] and clock.sleeps == []


def test_the_token_is_asked_for_before_dns_settles_and_reported_after_it(capsys: pytest.CaptureFixture[str]) -> None:
    events: list[str] = []
    dns = Dns(PRIVATE, failing=ACCOUNT_HOST, failures=3)

    def resolve(host: str) -> list[str]:
        events.append(host)
        return dns(host)

    def get_token() -> str:
        events.append("token")
        return TOKEN

    clock = Clock()
    api = both_projects(listing("router", "specialist"))
    assert run(Probes(resolve, get_token, api, clock.sleep, clock.now)) == 0
    assert clock.sleeps == [2, 4, 8]
    assert events[:2] == ["token", ACCOUNT_HOST]
    out = capsys.readouterr().out
    assert out.index("ok   DNS") < out.index("ok   token")


def test_dns_is_reported_before_a_token_failure(capsys: pytest.CaptureFixture[str]) -> None:
    def no_token() -> str:
        raise CheckError(4, "token: none")

    assert run(probes(Clock(), Dns({}), token=no_token), deadline=3) == 3
    assert capsys.readouterr().err.startswith(f"FAIL (exit 3) DNS: {ACCOUNT_HOST} does not resolve")


def test_no_cli_and_no_token_are_token_failures() -> None:
    with pytest.raises(CheckError, match=r"the Azure CLI \(az\) is not on PATH") as missing:
        smoke_test.az_cli_token(which=lambda _: None)
    with pytest.raises(CheckError, match="printed no single token") as empty:
        smoke_test.az_cli_token(run=az(0, "\n"), which=lambda _: AZ)
    assert missing.value.status == empty.value.status == 4


# --- 3. data plane -------------------------------------------------------------------------------------------


def test_401_names_the_token_audience_and_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    api = both_projects(error(401, "PermissionDenied", "Invalid audience"))
    assert run(probes(Clock(), api=api), deadline=10) == 5
    assert capsys.readouterr().err.startswith(
        f"FAIL (exit 5) data plane: project 'agents': HTTP 401 from {AGENTS_URL} [PermissionDenied: Invalid audience]: "
        "the token (app 0c1d-cicd-app, tenant 72f988bf-tenant, audience https://ai.azure.com) was not accepted: it "
        "must be an Entra token for https://ai.azure.com/.default from the Foundry account's tenant (still failing"
    )


def test_403_until_the_deadline_exits_5_naming_the_roles(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    api = both_projects(error(403, "PermissionDenied", "The principal lacks the required data action"))
    assert run(probes(clock, api=api)) == 5
    assert clock.sleeps == [2, 4, 8, 16, 32, *[60] * 13, 58]
    assert sum(clock.sleeps) == 900
    err = capsys.readouterr().err
    assert err.startswith(f"FAIL (exit 5) data plane: project 'agents': HTTP 403 from {AGENTS_URL} [PermissionDenied:")
    assert (
        "the signed-in identity (app 0c1d-cicd-app, tenant 72f988bf-tenant, audience https://ai.azure.com) has no "
        "data-plane role on the project: expected Foundry Project Manager or Foundry User on project 'agents'; new "
        "role assignments take a few minutes to propagate (still failing after 20 attempts over 900s)"
    ) in err


def test_403_that_recovers_once_the_role_has_propagated_passes() -> None:
    clock = Clock()
    api = both_projects(error(403, "PermissionDenied", "no role"), listing("router", "specialist"))
    assert run(probes(clock, api=api)) == 0
    assert clock.sleeps == [2]


def test_403_from_the_network_rules_is_not_blamed_on_the_role(capsys: pytest.CaptureFixture[str]) -> None:
    api = both_projects(error(403, "403", "Public access is disabled. Please configure private endpoint."))
    assert run(probes(Clock(), api=api), deadline=5) == 5
    err = capsys.readouterr().err
    assert "the account's network rules turned this runner away (not a role problem)" in err
    assert "Foundry Project Manager" not in err


def test_404_fails_at_once_and_points_at_the_project_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    assert run(probes(clock, api=both_projects(error(404, "NotFound", "Project not found")))) == 6
    assert clock.sleeps == []
    assert capsys.readouterr().err == (
        f"FAIL (exit 6) data plane: project 'agents': HTTP 404 from {AGENTS_URL} [NotFound: Project not found]: the "
        "project endpoint is wrong or the project does not exist: check projectEndpoints['agents'] in the outputs "
        "and the account's projects\n"
    )


def test_a_missing_deployment_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(probes(Clock(), api=both_projects(listing("router"))), deadline=10) == 6
    assert capsys.readouterr().err.startswith(
        "FAIL (exit 6) data plane: project 'agents': model deployment(s) specialist not listed (listed: router): "
        "check modelDeployments in the stack and the account's deployments (still failing after"
    )


def test_a_deployment_that_appears_later_passes_after_a_retry() -> None:
    clock = Clock()
    assert run(probes(clock, api=both_projects(listing("router"), listing("router", "specialist")))) == 0
    assert clock.sleeps == [2]


@pytest.mark.parametrize(
    ("answer", "sleeps"),
    [
        (error(500, "InternalServerError", "oops"), [2, 3]),
        (error(429, "TooManyRequests", "slow down"), [2, 3]),
        (NetworkError("timed out"), [2, 3]),
        (error(400, "BadRequest", "api-version not supported"), []),
        ((302, b""), []),
    ],
)
def test_other_http_errors_and_network_errors_exit_7(
    answer: tuple[int, bytes] | Exception, sleeps: list[float]
) -> None:
    clock = Clock()
    assert run(probes(clock, api=both_projects(answer)), deadline=5) == 7
    assert clock.sleeps == sleeps


def test_no_answer_says_what_to_look_at(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(probes(Clock(), api=both_projects(NetworkError("timed out"))), deadline=1) == 7
    assert capsys.readouterr().err.startswith(
        f"FAIL (exit 7) data plane: project 'agents': no answer from {AGENTS_URL} (timed out): check the network "
        "path from this runner to the account (private endpoint, firewall, proxy)"
    )


def test_pages_are_followed_on_the_projects_host_only() -> None:
    second = f"https://{FOUNDRY_HOST}/api/projects/agents/deployments?api-version=v1&skipToken=2"
    api = Api({AGENTS_URL: [listing("router", next_link=second)], second: [listing("specialist")]})
    assert smoke_test.list_deployments("agents", OUTPUTS["projectEndpoints"]["agents"], TOKEN, api) == [
        "router",
        "specialist",
    ]
    elsewhere = Api({AGENTS_URL: [listing("router", next_link="https://collector.example.com/page2")]})
    with pytest.raises(CheckError, match=r"nextLink leads to https://collector\.example\.com") as refused:
        smoke_test.list_deployments("agents", OUTPUTS["projectEndpoints"]["agents"], TOKEN, elsewhere)
    assert refused.value.status == 7 and elsewhere.urls == [AGENTS_URL]


# --- the token is never printed ------------------------------------------------------------------------------


def echoing(status: int) -> tuple[int, bytes]:
    return error(status, "Echo", f"header was 'Authorization: Bearer {TOKEN}'")


@pytest.mark.parametrize(
    "answer",
    [
        echoing(401),
        echoing(403),
        echoing(500),
        error(401, "Echo", f"{'x' * 150} Bearer {TOKEN}"),  # cut short in the message, inside the token
        ValueError(f"Invalid header value {TOKEN!r}"),
        listing("router"),
    ],
    ids=["401", "403", "500", "401-cut-short", "crash", "missing-deployment"],
)
def test_the_token_never_appears_in_any_output(
    answer: tuple[int, bytes] | Exception, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(probes(Clock(), api=both_projects(answer)), deadline=5) != 0
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert printed.count("FAIL (exit") == 1
    assert TOKEN not in printed
    assert TOKEN[:12] not in printed and TOKEN.split(".")[1] not in printed and TOKEN.split(".")[2] not in printed


def test_the_token_never_appears_on_success(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(probes(Clock())) == 0
    captured = capsys.readouterr()
    assert TOKEN.split(".")[2] not in captured.out + captured.err


# --- input ---------------------------------------------------------------------------------------------------


def write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(document))
    return str(path)


@pytest.mark.parametrize("key", ["accountEndpoint", "projectEndpoints", "networkAccess", "modelDeployments"])
def test_a_missing_output_is_bad_input_naming_the_key(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {name: value for name, value in OUTPUTS.items() if name != key}
    path = write(tmp_path, outputs)
    assert smoke_test.main(["--outputs", path], probes(Clock())) == 2
    assert capsys.readouterr().err == (
        f"FAIL (exit 2) outputs: {path} has no '{key}': it must be the outputs of a deployed stack of this program "
        "(`pulumi stack output --json --stack <stack>`)\n"
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"networkAccess": "vnet"}, "'networkAccess' in {path} must be 'private' or 'public', not 'vnet'"),
        ({"accountEndpoint": "http://x/"}, "'accountEndpoint' in {path} must be an https:// URL, not 'http://x/'"),
        ({"projectEndpoints": {}}, "'projectEndpoints' in {path} must be a non-empty object (project -> URL)"),
        ({"modelDeployments": "router"}, "'modelDeployments' in {path} must be a list of deployment names"),
    ],
)
def test_a_mistyped_output_is_bad_input(
    override: dict[str, object], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, {**OUTPUTS, **override})
    assert smoke_test.main(["--outputs", path], probes(Clock())) == 2
    assert message.format(path=path) in capsys.readouterr().err


def test_an_unreadable_or_non_json_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke_test.main(["--outputs", str(tmp_path / "absent.json")], probes(Clock())) == 2
    assert "FAIL (exit 2) outputs: cannot read" in capsys.readouterr().err
    (tmp_path / "outputs.json").write_text("Current stack outputs (4):")
    assert smoke_test.main(["--outputs", str(tmp_path / "outputs.json")], probes(Clock())) == 2
    assert "is not JSON (Expecting value at line 1)" in capsys.readouterr().err


def test_main_passes_the_deadline_and_cap_through(tmp_path: Path) -> None:
    clock = Clock()
    argv = ["--outputs", write(tmp_path, OUTPUTS), "--deadline", "20", "--max-delay", "5"]
    assert smoke_test.main(argv, probes(clock, api=both_projects(listing("router")))) == 6
    assert clock.sleeps == [2, 4, 5, 5, 4]
    with pytest.raises(SystemExit) as refused:
        smoke_test.main(["--outputs", "outputs.json", "--deadline", "0"])
    assert refused.value.code == 2


# --- agreement with the program and the docs -----------------------------------------------------------------


def test_hosts_scope_and_roles_are_the_programs() -> None:
    assert smoke_test.TOKEN_SCOPE == endpoints.FOUNDRY_TOKEN_SCOPE
    assert OUTPUTS["accountEndpoint"] == endpoints.account_endpoint("fndry-dev-ab12cd")
    assert OUTPUTS["projectEndpoints"]["agents"] == endpoints.project_endpoint("fndry-dev-ab12cd", "agents")
    zones = {smoke_test.private_zone(host) for host in (ACCOUNT_HOST, OPENAI_HOST, FOUNDRY_HOST)}
    assert zones == {zone.name for zone in dns_zones.FOUNDRY_ACCOUNT.zones}
    project_roles = f"{roles.FOUNDRY_PROJECT_MANAGER.name} or {roles.FOUNDRY_USER.name}"
    assert project_roles == smoke_test.EXPECTED_ROLES


def test_every_exit_status_is_documented() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "smoke-test.md").read_text()
    docstring = smoke_test.__doc__ or ""
    for name in ("OK", "BAD_INPUT", "DNS", "TOKEN", "UNAUTHORIZED", "NOT_FOUND", "OTHER"):
        status = getattr(smoke_test, f"EXIT_{name}")
        assert f"\n    {status}  " in docstring, name
        assert f"\n| {status} |" in page, name
