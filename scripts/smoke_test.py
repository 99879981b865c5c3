"""Post-deploy smoke test of one environment: DNS, an Entra token, then each Foundry project's data plane.

The deploy workflow runs it right after `pulumi up` of a stack, signed in (azure/login) as that environment's
CI/CD identity, which holds Foundry Project Manager on each project:

    pulumi stack output --json --stack <stack> > outputs.json
    python -m scripts.smoke_test --outputs outputs.json [--deadline 900] [--max-delay 60]

It reads `accountEndpoint`, `projectEndpoints`, `networkAccess` and `modelDeployments` from the outputs, then:

1. DNS: the account's host names and each project's host resolve; in private mode only to private addresses.
2. Token: `az account get-access-token --scope https://ai.azure.com/.default` gives a token for the data plane
   (asked for before step 1, while azure/login's federated session can still get one; reported after it).
3. Data plane: each project lists its model deployments, and every name in `modelDeployments` is among them.

What may only be propagation right after a deploy (DNS, 401, 403, a deployment not listed yet, throttling, 5xx,
no response) is retried with capped exponential backoff (2, 4, 8, ... seconds, at most --max-delay) until
--deadline seconds after the start; then the last error is reported. No fixed sleeps.

Exit statuses (the first failing check decides; each failure is one line on stderr):
    0  every check passed
    2  bad input: the outputs file is unreadable, not JSON, or lacks or mistypes a key; or a bad option
    3  DNS: a host does not resolve, or resolves to a public address in private mode
    4  token: the Azure CLI gave no token (not signed in, not installed, refused)
    5  the data plane refused the token (401) or the identity (403)
    6  not found: a project (404), or a model deployment missing from a project's list
    7  any other HTTP status, an unexpected response body, or no response at all (network)

The access token is never printed: every line written goes through a redaction of it and of anything shaped
like a JWT.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import functools
import http.client
import ipaddress
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import IO, TypeVar

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_DNS = 3
EXIT_TOKEN = 4
EXIT_UNAUTHORIZED = 5
EXIT_NOT_FOUND = 6
EXIT_OTHER = 7

# The audience of the Foundry data plane (components/catalogue/endpoints.py, FOUNDRY_TOKEN_SCOPE). `--scope`
# is `az account get-access-token`'s option for Entra v2.0 scopes (azure-cli, command_modules/profile/__init__.py);
# `--query accessToken -o tsv` prints the bare token and nothing else.
TOKEN_SCOPE = "https://ai.azure.com/.default"
AZ_TOKEN_ARGS: tuple[str, ...] = (
    *("account", "get-access-token", "--scope", TOKEN_SCOPE),
    *("--query", "accessToken", "-o", "tsv"),
)
AZ_TOKEN_COMMAND = "az " + " ".join(AZ_TOKEN_ARGS)

# Host suffixes of a Foundry (AIServices) account, as in components/catalogue/endpoints.py.
COGNITIVE_SERVICES_SUFFIX = "cognitiveservices.azure.com"
OPENAI_SUFFIX = "openai.azure.com"
FOUNDRY_SUFFIX = "services.ai.azure.com"

# "List deployments" of the Foundry projects data plane, operationId Deployments_List:
#     GET {projectEndpoint}/deployments?api-version=v1
# Source: Azure/azure-rest-api-specs, specification/ai/data-plane/Azure.AI.Projects/stable/v1/azure-ai-projects.json
# (info.version "v1"; x-ms-parameterized-host `{endpoint}` is the project endpoint
# https://<account>.services.ai.azure.com/api/projects/<project>; path "/deployments", get; query parameter
# `api-version` required; security OAuth2 with scope https://ai.azure.com/.default). The answer is a
# PagedDeployment: {"value": [{"name": ..., "type": "ModelDeployment", ...}], "nextLink": ...}. Learn documents
# the same operation at https://learn.microsoft.com/azure/foundry/reference/rest/deployments-list.
DEPLOYMENTS_PATH = "deployments"
API_VERSION = "v1"
# A project has a handful of deployments; a listing that keeps paging is a fault, not a bigger project.
MAX_PAGES = 50
# Error bodies are quoted in messages; a listing is parsed. Neither needs more than this.
MAX_BODY_BYTES = 4 * 1024 * 1024

FIRST_DELAY = 2.0
DEFAULT_DEADLINE = 900.0
DEFAULT_MAX_DELAY = 60.0

# The data-plane roles this platform gives the CI/CD identity (Project Manager) or a reader of deployments (User).
EXPECTED_ROLES = "Foundry Project Manager or Foundry User"

# Words of the answers Cognitive Services gives when its network rules, not RBAC, turned the caller away.
NETWORK_REFUSAL = re.compile(r"virtual network|firewall|public access|public network|private endpoint", re.I)
# A JWT, or any long piece of one: its header always starts with eyJ (base64url of '{"').
JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}(?:\.[\w-]*)*")

Resolve = Callable[[str], list[str]]
GetToken = Callable[[], str]
Fetch = Callable[[str, Mapping[str, str]], tuple[int, bytes]]
Sleep = Callable[[float], None]
Now = Callable[[], float]
T = TypeVar("T")


class CheckError(Exception):
    """A failed check: the exit status it maps to, its one-line message, and whether waiting may fix it."""

    def __init__(self, status: int, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retryable = retryable


class NetworkError(Exception):
    """What a fetch raises when no HTTP answer came back (name resolution, connect, TLS, timeout)."""


@dataclass(frozen=True)
class Probes:
    """Everything that touches the outside world, injected so that tests use fakes."""

    resolve: Resolve  # host -> its addresses; OSError when it does not resolve
    get_token: GetToken  # the access token; CheckError(EXIT_TOKEN) when there is none
    fetch: Fetch  # (url, headers) -> (HTTP status, body); NetworkError when no answer came back
    sleep: Sleep
    now: Now  # a monotonic clock, in seconds


@dataclass(frozen=True)
class StackOutputs:
    account_endpoint: str
    project_endpoints: dict[str, str]
    network_access: str
    model_deployments: tuple[str, ...]


# --- input -----------------------------------------------------------------------------------------------------


def load_outputs(path: Path) -> StackOutputs:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CheckError(
            EXIT_BAD_INPUT,
            f"outputs: cannot read {path} ({error.strerror or error}): write it first with "
            f"`pulumi stack output --json --stack <stack> > {path}`",
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CheckError(
            EXIT_BAD_INPUT,
            f"outputs: {path} is not JSON ({error.msg} at line {error.lineno}): it must be what "
            "`pulumi stack output --json --stack <stack>` prints",
        ) from None
    return parse_outputs(document, str(path))


def parse_outputs(document: object, source: str) -> StackOutputs:
    if not isinstance(document, dict):
        raise CheckError(EXIT_BAD_INPUT, f"outputs: {source} must hold a JSON object of stack outputs")
    fields: dict[str, object] = {str(key): value for key, value in document.items()}

    def need(key: str) -> object:
        if key not in fields:
            raise CheckError(
                EXIT_BAD_INPUT,
                f"outputs: {source} has no '{key}': it must be the outputs of a deployed stack of this program "
                "(`pulumi stack output --json --stack <stack>`)",
            )
        return fields[key]

    account_endpoint = _https_url(need("accountEndpoint"), "accountEndpoint", source)
    raw_projects = need("projectEndpoints")
    if not isinstance(raw_projects, dict) or not raw_projects:
        raise CheckError(
            EXIT_BAD_INPUT, f"outputs: 'projectEndpoints' in {source} must be a non-empty object (project -> URL)"
        )
    projects = {str(name): _https_url(url, f"projectEndpoints['{name}']", source) for name, url in raw_projects.items()}
    network_access = need("networkAccess")
    if not isinstance(network_access, str) or network_access not in ("private", "public"):
        raise CheckError(
            EXIT_BAD_INPUT,
            f"outputs: 'networkAccess' in {source} must be 'private' or 'public', not {network_access!r}",
        )
    deployments = _deployment_names(need("modelDeployments"), source)
    return StackOutputs(account_endpoint, projects, network_access, deployments)


def _https_url(value: object, key: str, source: str) -> str:
    if not isinstance(value, str) or not value.startswith("https://") or not _host(value):
        raise CheckError(EXIT_BAD_INPUT, f"outputs: '{key}' in {source} must be an https:// URL, not {value!r}")
    return value


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or ""


def _deployment_names(value: object, source: str) -> tuple[str, ...]:
    """A list of names (`["router", "specialist"]`), list entries with a `name`, or an object keyed by name."""
    entries: Iterable[object]
    if isinstance(value, dict):
        entries = list(value)
    elif isinstance(value, list):
        entries = [entry.get("name") if isinstance(entry, dict) else entry for entry in value]
    else:
        entries = [None]
    names = tuple(entries)
    if not all(isinstance(name, str) and name for name in names):
        raise CheckError(
            EXIT_BAD_INPUT, f"outputs: 'modelDeployments' in {source} must be a list of deployment names, not {value!r}"
        )
    return tuple(str(name) for name in names)


# --- 1. DNS ----------------------------------------------------------------------------------------------------


def hosts_to_resolve(outputs: StackOutputs) -> list[str]:
    account = _host(outputs.account_endpoint)
    hosts = [account]
    suffix = "." + COGNITIVE_SERVICES_SUFFIX
    if account.endswith(suffix):
        subdomain = account.removesuffix(suffix)
        # The account answers on three names and its private endpoint registers in three zones
        # (components/catalogue/dns_zones.py, FOUNDRY_ACCOUNT): cognitiveservices (ARM's accountEndpoint),
        # openai (what applications and agents call models through) and services.ai (the projects, agents and
        # the Responses API). Each zone can be missing or unlinked on its own, and a gap in the openai zone would
        # otherwise surface only when an application first calls a model, so all three names are checked here.
        hosts += [f"{subdomain}.{OPENAI_SUFFIX}", f"{subdomain}.{FOUNDRY_SUFFIX}"]
    hosts += [_host(url) for url in outputs.project_endpoints.values()]
    return list(dict.fromkeys(hosts))


def private_zone(host: str) -> str:
    """The private DNS zone a host name is CNAMEd into: fndry-x.openai.azure.com -> privatelink.openai.azure.com."""
    return "privatelink." + host.split(".", 1)[1]


def is_private_address(address: str) -> bool:
    return ipaddress.ip_address(address.split("%", 1)[0]).is_private


def check_dns(hosts: Sequence[str], network_access: str, resolve: Resolve) -> dict[str, list[str]]:
    private = network_access == "private"
    resolved: dict[str, list[str]] = {}
    problems: list[str] = []
    for host in hosts:
        try:
            addresses = resolve(host)
        except OSError as error:
            addresses, why = [], error.strerror or str(error) or type(error).__name__
        else:
            why = "no addresses"
        if not addresses:
            look = (
                f"check the private DNS zone {private_zone(host)} and that this runner resolves through the "
                "virtual network's DNS"
                if private
                else "check that the account exists and that its custom subdomain is the one in the outputs"
            )
            problems.append(f"{host} does not resolve ({why}): {look}")
            continue
        public = [address for address in addresses if not is_private_address(address)]
        if private and public:
            problems.append(
                f"{host} resolves to public address {public[0]} in private mode: the private DNS zone "
                f"{private_zone(host)} is missing, has no record for the account, or is not linked to the virtual "
                "network this runner resolves through"
            )
            continue
        resolved[host] = addresses
    if problems:
        more = f" (and {len(problems) - 1} more host(s))" if len(problems) > 1 else ""
        raise CheckError(EXIT_DNS, f"DNS: {problems[0]}{more}", retryable=True)
    return resolved


def resolve_host(host: str) -> list[str]:
    """The system resolver's addresses for a host (what urllib will connect to)."""
    infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


# --- 2. token --------------------------------------------------------------------------------------------------


def az_cli_token(
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
    timeout: float = 60.0,
) -> str:
    """The token of the Azure CLI session (azure/login in a workflow, `az login` by hand)."""
    az = which("az")
    if az is None:
        raise CheckError(EXIT_TOKEN, "token: the Azure CLI (az) is not on PATH: install it and sign in first")
    sign_in = "sign in as the environment's CI/CD identity (azure/login in the workflow, `az login` by hand)"
    try:
        done = run([az, *AZ_TOKEN_ARGS], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise CheckError(EXIT_TOKEN, f"token: `{AZ_TOKEN_COMMAND}` gave no answer in {timeout:g}s") from None
    except OSError as error:
        raise CheckError(EXIT_TOKEN, f"token: cannot run `{AZ_TOKEN_COMMAND}` ({error.strerror or error})") from None
    if done.returncode != 0:
        reason = _cli_error(done.stderr) or f"exit status {done.returncode}"
        raise CheckError(EXIT_TOKEN, f"token: `{AZ_TOKEN_COMMAND}` failed: {reason}: {sign_in}")
    token = (done.stdout or "").strip()
    if not token or any(character.isspace() for character in token):
        raise CheckError(EXIT_TOKEN, f"token: `{AZ_TOKEN_COMMAND}` printed no single token: {sign_in}")
    return token


def _cli_error(stderr: str | None) -> str:
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return _shorten((errors or lines or [""])[0], 300)


def token_identity(token: str) -> str:
    """Who a token is for and from, read from its claims (never the token): ' (app …, tenant …, audience …)'."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return ""
    if not isinstance(claims, dict):
        return ""
    parts = [
        f"{label} {claims[claim]}"
        for label, claim in (("app", "appid"), ("app", "azp"), ("tenant", "tid"), ("audience", "aud"))
        if isinstance(claims.get(claim), str)
    ]
    return f" ({', '.join(dict.fromkeys(parts))})" if parts else ""


# --- 3. data plane ---------------------------------------------------------------------------------------------


def deployments_url(project_endpoint: str) -> str:
    query = urllib.parse.urlencode({"api-version": API_VERSION})
    return f"{project_endpoint.rstrip('/')}/{DEPLOYMENTS_PATH}?{query}"


def list_deployments(project: str, endpoint: str, token: str, fetch: Fetch) -> list[str]:
    """The names of the deployments a project lists, following nextLink on the project's own host only."""
    first = deployments_url(endpoint)
    url: str | None = first
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    names: list[str] = []
    for _ in range(MAX_PAGES):
        if url is None:
            return names
        try:
            status, body = fetch(url, headers)
        except NetworkError as error:
            raise CheckError(
                EXIT_OTHER,
                f"data plane: project '{project}': no answer from {url} ({error}): check the network path from "
                "this runner to the account (private endpoint, firewall, proxy)",
                retryable=True,
            ) from None
        # A service that echoes the request must not put the token into a message, not even cut short.
        body = body.replace(token.encode(), b"[redacted]")
        if status != 200:
            raise http_failure(project, url, status, body, token)
        value, next_link = _page(project, url, body)
        names += value
        url = _next_page(project, first, next_link)
    raise CheckError(
        EXIT_OTHER, f"data plane: project '{project}': the deployment list did not end after {MAX_PAGES} pages"
    )


def _page(project: str, url: str, body: bytes) -> tuple[list[str], object]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        document = None
    value = document.get("value") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(value, list):
        raise CheckError(
            EXIT_OTHER,
            f"data plane: project '{project}': the answer from {url} is not a deployment list (no 'value' array): "
            f"{_shorten(body.decode('utf-8', 'replace'), 200)!r}",
        )
    names = [entry["name"] for entry in value if isinstance(entry, dict) and isinstance(entry.get("name"), str)]
    return names, document.get("nextLink")


def _next_page(project: str, first: str, link: object) -> str | None:
    if link is None or link == "":
        return None
    if not isinstance(link, str):
        raise CheckError(EXIT_OTHER, f"data plane: project '{project}': nextLink is not a URL: {link!r}")
    url = urllib.parse.urljoin(first, link)
    here, there = urllib.parse.urlsplit(first), urllib.parse.urlsplit(url)
    if (there.scheme, there.netloc) != (here.scheme, here.netloc):
        raise CheckError(
            EXIT_OTHER,
            f"data plane: project '{project}': nextLink leads to {there.scheme}://{there.netloc}, not the project's "
            f"host {here.netloc}: the token is not sent anywhere else",
        )
    if "api-version" not in urllib.parse.parse_qs(there.query):
        url += ("&" if there.query else "?") + urllib.parse.urlencode({"api-version": API_VERSION})
    return url


def http_failure(project: str, url: str, status: int, body: bytes, token: str) -> CheckError:
    where = f"data plane: project '{project}': HTTP {status} from {url}{_service_error(body)}"
    who = token_identity(token)
    if status == 401:
        return CheckError(
            EXIT_UNAUTHORIZED,
            f"{where}: the token{who} was not accepted: it must be an Entra token for {TOKEN_SCOPE} from the "
            "Foundry account's tenant",
            retryable=True,
        )
    if status == 403:
        if NETWORK_REFUSAL.search(body.decode("utf-8", "replace")):
            why = "the account's network rules turned this runner away (not a role problem): run it from inside "
            why += "the virtual network, through the private endpoint"
        else:
            why = f"the signed-in identity{who} has no data-plane role on the project: expected {EXPECTED_ROLES} "
            why += f"on project '{project}'; new role assignments take a few minutes to propagate"
        return CheckError(EXIT_UNAUTHORIZED, f"{where}: {why}", retryable=True)
    if status == 404:
        return CheckError(
            EXIT_NOT_FOUND,
            f"{where}: the project endpoint is wrong or the project does not exist: check projectEndpoints['{project}'] "
            "in the outputs and the account's projects",
        )
    if status in (408, 429) or status >= 500:
        return CheckError(EXIT_OTHER, f"{where}: the service is throttling or failing", retryable=True)
    return CheckError(
        EXIT_OTHER, f"{where}: not an answer the list-deployments call (api-version {API_VERSION}) expects"
    )


def _service_error(body: bytes) -> str:
    """' [code: message]' from an Azure error body ({"error": {"code", "message"}}), or ''."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return ""
    code, message = error.get("code"), error.get("message")
    text = ": ".join(str(part) for part in (code, message) if part)
    return f" [{_shorten(text, 200)}]" if text else ""


def check_project(project: str, endpoint: str, expected: Sequence[str], get_token: GetToken, fetch: Fetch) -> list[str]:
    listed = list_deployments(project, endpoint, get_token(), fetch)
    missing = [name for name in expected if name not in listed]
    if missing:
        raise CheckError(
            EXIT_NOT_FOUND,
            f"data plane: project '{project}': model deployment(s) {', '.join(missing)} not listed "
            f"(listed: {', '.join(listed) or 'none'}): check modelDeployments in the stack and the account's "
            "deployments",
            retryable=True,
        )
    return listed


def http_get(url: str, headers: Mapping[str, str], timeout: float = 30.0) -> tuple[int, bytes]:
    """GET without following redirects (a redirect would carry the Authorization header to its target)."""
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status), response.read(MAX_BODY_BYTES)
    except urllib.error.HTTPError as error:
        with error:
            try:
                return error.code, error.read(MAX_BODY_BYTES)
            except (OSError, http.client.HTTPException):
                return error.code, b""
    except urllib.error.URLError as error:
        raise NetworkError(str(error.reason)) from None
    except (OSError, http.client.HTTPException) as error:
        raise NetworkError(str(error) or type(error).__name__) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Message, newurl: str
    ) -> urllib.request.Request | None:
        return None  # urllib then raises HTTPError with the 3xx status, reported as exit 7


_OPENER = urllib.request.build_opener(_NoRedirects)


# --- retries and the run ---------------------------------------------------------------------------------------


def with_retries(
    check: Callable[[], T],
    *,
    deadline_at: float,
    max_delay: float,
    now: Now,
    sleep: Sleep,
    say: Callable[[str], None],
    first_delay: float = FIRST_DELAY,
) -> T:
    """Run a check until it passes, retrying retryable failures after 2, 4, 8, ... seconds (at most max_delay)
    until deadline_at; then raise the last failure."""
    started = now()
    delay = min(first_delay, max_delay)
    attempts = 0
    while True:
        attempts += 1
        try:
            return check()
        except CheckError as failure:
            remaining = deadline_at - now()
            if not failure.retryable or remaining <= 0:
                if attempts == 1:
                    raise
                spent = now() - started
                raise CheckError(
                    failure.status, f"{failure.message} (still failing after {attempts} attempts over {spent:.0f}s)"
                ) from None
            wait = min(delay, remaining)
            say(f"     not yet: {failure.message}; next try in {wait:.3g}s")
            sleep(wait)
            delay = min(delay * 2, max_delay)


class Redactor:
    """Replaces every token obtained, and anything shaped like a JWT, before a line is written."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> str:
        if secret:
            self._secrets.add(secret)
        return secret

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "[redacted]")
        return JWT_SHAPE.sub("[redacted]", text)


def run_smoke_test(outputs: StackOutputs, probes: Probes, *, deadline: float, max_delay: float) -> int:
    redact = Redactor()

    def say(line: str) -> None:
        print(redact(line), flush=True)

    def token() -> str:
        return redact.add(probes.get_token())

    deadline_at = probes.now() + deadline
    retried = functools.partial(
        with_retries, deadline_at=deadline_at, max_delay=max_delay, now=probes.now, sleep=probes.sleep, say=say
    )
    private = outputs.network_access == "private"
    # The token is asked for first and reported second. After azure/login's federated sign-in the CLI can get
    # new tokens only while GitHub's OIDC token is fresh, a few minutes (AADSTS700024, Azure/login#372); asked
    # now, the token is in the CLI's cache for the rest of the run, however long DNS takes to settle.
    early: str | CheckError
    try:
        early = token()
    except CheckError as failure:
        early = failure
    except Exception as error:  # printed through the redaction like every other line
        early = CheckError(EXIT_TOKEN, f"token: unexpected {type(error).__name__}: {error}")
    try:
        hosts = hosts_to_resolve(outputs)
        resolved = retried(functools.partial(check_dns, hosts, outputs.network_access, probes.resolve))
        addresses = "; ".join(f"{host} {', '.join(found)}" for host, found in resolved.items())
        say(f"ok   DNS ({outputs.network_access}{', every address private' if private else ''}): {addresses}")
        if isinstance(early, CheckError):
            raise early
        say(f"ok   token: the Azure CLI gave a token for {TOKEN_SCOPE}{token_identity(early)}")
        for project, endpoint in outputs.project_endpoints.items():
            check = functools.partial(check_project, project, endpoint, outputs.model_deployments, token, probes.fetch)
            listed = retried(check)
            say(f"ok   data plane: project '{project}' lists {', '.join(listed) or 'no deployments'}")
    except CheckError as failure:
        print(redact(f"FAIL (exit {failure.status}) {failure.message}"), file=sys.stderr, flush=True)
        return failure.status
    except Exception as error:  # a fault of this script: still one line, still redacted
        print(redact(f"FAIL (exit {EXIT_OTHER}) unexpected {type(error).__name__}: {error}"), file=sys.stderr)
        return EXIT_OTHER
    say("ok   smoke test passed")
    return EXIT_OK


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {value!r}")
    return number


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.smoke_test", description="Post-deploy smoke test of one Foundry environment."
    )
    parser.add_argument("--outputs", type=Path, required=True, help="the stack's `pulumi stack output --json`")
    parser.add_argument(
        "--deadline", type=_positive, default=DEFAULT_DEADLINE, help="seconds to keep retrying in all (default 900)"
    )
    parser.add_argument(
        "--max-delay", type=_positive, default=DEFAULT_MAX_DELAY, help="longest wait between tries (default 60)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, probes: Probes | None = None) -> int:
    options = parse_args(argv)  # a bad option exits 2 (argparse), like any other bad input
    try:
        outputs = load_outputs(options.outputs)
    except CheckError as failure:
        print(f"FAIL (exit {failure.status}) {failure.message}", file=sys.stderr)
        return failure.status
    if probes is None:
        probes = Probes(resolve_host, az_cli_token, http_get, time.sleep, time.monotonic)
    return run_smoke_test(outputs, probes, deadline=options.deadline, max_delay=options.max_delay)


if __name__ == "__main__":
    sys.exit(main())
