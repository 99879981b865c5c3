"""The live drift audit: what is deployed, read from Azure and Entra, against what the offline plan declares.

    venv/bin/python -m offline.drift --stack prod --subscription <id>

Read with the caller's Entra credential (azure-identity's DefaultAzureCredential: a signed-in `az`, a workload
identity, a managed identity). Read-only rights suffice: Reader on the environment's resource group for Azure
Resource Manager, and Microsoft Graph Application.Read.All for the app registrations' credentials.

What it compares, matching deployed objects to the plan by their deterministic names:
- role assignments at the environment's resource group and below: one nobody declared (a role added in the portal),
  one declared but gone; the same for PIM eligibilities (the administrator's phase), matched by group, role and
  scope (their schedule names are generated), so an expired window shows as a missing eligibility;
- the Foundry account: local auth (`disableLocalAuth`) and public network access, as declared;
- the app registrations the stack declares: a password (client secret) none declares, a federated credential
  (issuer and subject) none declares or a declared one gone; the same for the app's user-assigned identities;
- the Entra groups the stack declares: an owner none declares;
- the state's secrets key: a stack file pinned to a version other than the key's current one (Key Vault rotated it:
  re-key the stacks, docs/runbook.md).

Exit status: 0 nothing drifted, 1 drift found, 2 no verdict (a 401/403: the verdict would be partial; or any
other failure to read, which must not pass for drift), 3 bad arguments. Throttling (429, 503) is retried after the
`Retry-After` Azure names.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bootstrap.state import SecretsProviderUrl
from components.catalogue.resource_types import (
    ACCOUNT,
    ENTRA_APPLICATION,
    ENTRA_APPLICATION_PASSWORD,
    ENTRA_CREDENTIAL,
    ENTRA_GROUP,
    IDENTITY_CREDENTIAL,
    PIM_ELIGIBILITY,
    ROLE_ASSIGNMENT,
    USER_ASSIGNED_IDENTITY,
    VAULT_KEY,
)
from components.catalogue.roles import role_by_guid
from offline.registrations import Rendering
from offline.render import in_subscription

ARM = "https://management.azure.com"
GRAPH = "https://graph.microsoft.com/v1.0"
ROLE_ASSIGNMENTS_API = "2022-04-01"
ELIGIBILITY_API = "2020-10-01"
ACCOUNT_API = "2025-06-01"
IDENTITY_API = "2023-01-31"
KEY_API = "2024-11-01"
# What a caller needs to read each host, named in the error when it may not.
NEEDED = {
    ARM: "Reader on the environment's resource group",
    GRAPH: "Microsoft Graph Application.Read.All and GroupMember.Read.All (application permissions, or a directory "
    "role that reads apps and groups)",
}
RETRY_STATUSES = (429, 503)
MAX_RETRIES = 5


class ReadDeniedError(Exception):
    """The caller may not read something the audit needs: no verdict is given on partial data."""

    def __init__(self, url: str, status: int) -> None:
        host = GRAPH if url.startswith(GRAPH) else ARM
        super().__init__(f"{status} reading {url}: the audit needs {NEEDED[host]}")
        self.url = url


@dataclass(frozen=True)
class Response:
    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


class Transport(Protocol):
    def send(self, url: str) -> Response: ...


class Reader:
    """GETs through a transport: throttling retried after `Retry-After`, 401/403 raised, pages followed."""

    def __init__(self, transport: Transport, sleep: Callable[[float], None] = time.sleep) -> None:
        self.transport = transport
        self.sleep = sleep

    def get(self, url: str) -> Mapping[str, Any]:
        for _ in range(MAX_RETRIES + 1):
            response = self.transport.send(url)
            if response.status in RETRY_STATUSES:
                self.sleep(float(response.headers.get("Retry-After", "10")))
                continue
            if response.status in (401, 403):
                raise ReadDeniedError(url, response.status)
            if response.status == 404:
                return {}
            if response.status >= 400:
                raise RuntimeError(f"{response.status} reading {url}: {json.dumps(response.body)[:300]}")
            return response.body
        raise RuntimeError(f"still throttled after {MAX_RETRIES} retries: {url}")

    def all(self, url: str) -> list[Mapping[str, Any]]:
        """Every item of a list, following `nextLink` (ARM) and `@odata.nextLink` (Graph)."""
        items: list[Mapping[str, Any]] = []
        next_url: str | None = url
        while next_url:
            page = self.get(next_url)
            items += list(page.get("value", []))
            next_url = page.get("nextLink") or page.get("@odata.nextLink")
        return items


class HttpTransport:
    """Azure Resource Manager and Microsoft Graph over HTTPS, with tokens from DefaultAzureCredential."""

    def __init__(self) -> None:
        from azure.identity import DefaultAzureCredential  # only the live audit needs it

        self.credential = DefaultAzureCredential()

    def send(self, url: str) -> Response:
        scope = "https://graph.microsoft.com/.default" if url.startswith(GRAPH) else f"{ARM}/.default"
        token = self.credential.get_token(scope).token
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return Response(reply.status, json.loads(reply.read() or b"{}"), dict(reply.headers))
        except urllib.error.HTTPError as error:
            body = error.read()
            return Response(error.code, json.loads(body) if body else {}, dict(error.headers))


@dataclass(frozen=True)
class RecordedTransport:
    """Responses recorded for each URL, given in the order they are asked for (a 429, then the answer)."""

    responses: Mapping[str, Sequence[Response]]
    asked: list[str] = field(default_factory=list)

    def send(self, url: str) -> Response:
        earlier = self.asked.count(url)
        self.asked.append(url)
        answers = self.responses.get(url)
        if not answers:
            return Response(404, {})
        return answers[min(earlier, len(answers) - 1)]


# --- what the plan declares -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """What the offline plan of one environment declares, as the audit compares it."""

    resource_group_path: str  # /subscriptions/<id>/resourceGroups/<group>
    grants: Mapping[str, str]  # role assignment name (a GUID) -> how the plan names the grant
    account_name: str
    account_private: bool
    applications: Mapping[str, int]  # app registration display name -> passwords declared
    # app registration or user-assigned identity name -> its declared federated credentials as (issuer, subject)
    app_credentials: Mapping[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    identity_credentials: Mapping[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    group_owners: Mapping[str, frozenset[str]] = field(default_factory=dict)  # group display name -> owner ids
    # PIM eligibilities as (group display name, role GUID, scope), lower-case role and scope
    eligibilities: frozenset[tuple[str, str, str]] = frozenset()
    secrets_key_id: str = ""  # the state's secrets key, as the bootstrap declares it
    pinned_versions: Mapping[str, str] = field(
        default_factory=dict
    )  # stack file -> key version its secretsprovider names


def declared(renderings: Sequence[Rendering], subscription: str, resource_group: str) -> Declared:
    """From the main stack, its administrator's phase and its bootstrap, as the plan renders them."""
    path = f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
    grants: dict[str, str] = {}
    applications: dict[str, int] = {}
    app_credentials: dict[str, set[tuple[str, str]]] = {}
    identity_credentials: dict[str, set[tuple[str, str]]] = {}
    group_owners: dict[str, frozenset[str]] = {}
    group_names = {
        str(g.state.get("id")): str(g.inputs.get("displayName")) for r in renderings for g in r.of_type(ENTRA_GROUP)
    }
    eligibilities: set[tuple[str, str, str]] = set()
    account_name, private = "", True
    for rendering in renderings:
        for eligibility in rendering.of_type(PIM_ELIGIBILITY):
            principal = str(eligibility.inputs.get("principalId"))
            eligibilities.add(
                (
                    group_names.get(principal, principal),
                    str(eligibility.inputs.get("roleDefinitionId")).rsplit("/", 1)[-1].lower(),
                    str(eligibility.inputs.get("scope")).lower(),
                )
            )
        names = {str(a.state.get("id")): str(a.inputs.get("displayName")) for a in rendering.of_type(ENTRA_APPLICATION)}
        for credential in rendering.of_type(ENTRA_CREDENTIAL):
            owner = names.get(str(credential.inputs.get("applicationId")))
            if owner is not None:
                pair = (str(credential.inputs.get("issuer")), str(credential.inputs.get("subject")))
                app_credentials.setdefault(owner, set()).add(pair)
        for identity in rendering.of_type(USER_ASSIGNED_IDENTITY):
            identity_credentials.setdefault(str(identity.inputs.get("resourceName")), set())
        for credential in rendering.of_type(IDENTITY_CREDENTIAL):
            pair = (str(credential.inputs.get("issuer")), str(credential.inputs.get("subject")))
            identity_credentials.setdefault(str(credential.inputs.get("resourceName")), set()).add(pair)
        for group in rendering.of_type(ENTRA_GROUP):
            owners = group.inputs.get("owners") or []
            group_owners[str(group.inputs.get("displayName"))] = frozenset(str(o).lower() for o in owners)
        for grant in rendering.of_type(ROLE_ASSIGNMENT):
            if not str(grant.inputs.get("scope", "")).lower().startswith(path.lower()):
                continue  # elsewhere (the bootstrap's state account): not what this audit lists
            name = str(grant.inputs.get("roleAssignmentName", "")).lower()
            grants[name] = str(grant.inputs.get("description") or grant.name)
        for account in rendering.of_type(ACCOUNT):
            account_name = str(account.inputs.get("accountName"))
            private = (account.inputs.get("properties") or {}).get("publicNetworkAccess") == "Disabled"
        passwords = {str(p.inputs.get("applicationId")) for p in rendering.of_type(ENTRA_APPLICATION_PASSWORD)}
        for app in rendering.of_type(ENTRA_APPLICATION):
            applications[str(app.inputs.get("displayName"))] = 1 if str(app.state.get("id")) in passwords else 0
    keys = [k.id for r in renderings for k in r.of_type(VAULT_KEY)]
    return Declared(
        path,
        grants,
        account_name,
        private,
        applications,
        {name: frozenset(pairs) for name, pairs in app_credentials.items()},
        {name: frozenset(pairs) for name, pairs in identity_credentials.items()},
        group_owners,
        frozenset(eligibilities),
        keys[0] if keys else "",
    )


# --- the audit ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    kind: str  # "undeclared grant", "missing grant", "setting drifted", "secret appeared"
    detail: str


def audit(reader: Reader, plan: Declared) -> list[Finding]:
    """Every difference between what is deployed and what `plan` declares (raises ReadDeniedError if it cannot see all)."""
    findings: list[Finding] = []
    group = plan.resource_group_path
    listed = reader.all(
        f"{ARM}{group}/providers/Microsoft.Authorization/roleAssignments?api-version={ROLE_ASSIGNMENTS_API}"
    )
    deployed = {
        str(a.get("name", "")).lower(): a
        for a in listed
        if str(a.get("properties", {}).get("scope", "")).lower().startswith(group.lower())
    }
    for name, assignment in sorted(deployed.items()):
        if name not in plan.grants:
            properties = assignment.get("properties", {})
            guid = str(properties.get("roleDefinitionId", "")).rsplit("/", 1)[-1]
            findings.append(
                Finding(
                    "undeclared grant",
                    f"{_role_name(guid)} for {properties.get('principalType')} "
                    f"{properties.get('principalId')} on {properties.get('scope')} (assignment {name})",
                )
            )
    for name, described in sorted(plan.grants.items()):
        if name not in deployed:
            findings.append(Finding("missing grant", f"{described} (assignment {name})"))
    findings += _eligibility_findings(reader, plan)
    findings += _key_version_findings(reader, plan)

    account = reader.get(
        f"{ARM}{group}/providers/Microsoft.CognitiveServices/accounts/{plan.account_name}?api-version={ACCOUNT_API}"
    )
    properties = account.get("properties", {})
    if properties.get("disableLocalAuth") is not True:
        findings.append(
            Finding(
                "setting drifted",
                f"account {plan.account_name}: disableLocalAuth is "
                f"{properties.get('disableLocalAuth')!r}, declared true (API keys work again)",
            )
        )
    public = properties.get("publicNetworkAccess")
    if plan.account_private and public != "Disabled":
        findings.append(
            Finding(
                "setting drifted",
                f"account {plan.account_name}: publicNetworkAccess is {public!r}, declared 'Disabled'",
            )
        )

    for display_name, declared_passwords in sorted(plan.applications.items()):
        found = reader.all(by_display_name("applications", display_name, "id,displayName,passwordCredentials"))
        if not found:
            findings.append(Finding("object missing", f"app registration {display_name} is declared but not found"))
        for application in found:
            trusted = reader.all(f"{GRAPH}/applications/{application.get('id')}/federatedIdentityCredentials")
            findings += _credential_findings(
                f"app registration {display_name}", trusted, plan.app_credentials.get(display_name, frozenset())
            )
            passwords = application.get("passwordCredentials") or []
            if len(passwords) > declared_passwords:
                ends = ", ".join(str(p.get("endDateTime")) for p in passwords)
                findings.append(
                    Finding(
                        "secret appeared",
                        f"app registration {display_name}: {len(passwords)} client secret(s) (ending {ends}), "
                        f"{declared_passwords} declared",
                    )
                )
    for identity, pairs in sorted(plan.identity_credentials.items()):
        trusted = reader.all(
            f"{ARM}{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity}"
            f"/federatedIdentityCredentials?api-version={IDENTITY_API}"
        )
        flat = [{**c, **c.get("properties", {})} for c in trusted]
        findings += _credential_findings(f"managed identity {identity}", flat, pairs)

    for group_name, owners in sorted(plan.group_owners.items()):
        found_groups = reader.all(by_display_name("groups", group_name, "id"))
        if not found_groups:
            findings.append(Finding("object missing", f"group {group_name} is declared but not found"))
        for found_group in found_groups:
            deployed_owners = reader.all(f"{GRAPH}/groups/{found_group.get('id')}/owners?$select=id")
            for owner in deployed_owners:
                if str(owner.get("id", "")).lower() not in owners:
                    findings.append(Finding("owner added", f"group {group_name}: owner {owner.get('id')} not declared"))
    return findings


def by_display_name(collection: str, display_name: str, select: str) -> str:
    """A Graph query for the objects of `collection` with that display name, encoded for the wire: the OData literal
    doubles a quote, and spaces and quotes are percent-encoded (urllib refuses a URL with a space in it)."""
    literal = display_name.replace("'", "''")
    query = urllib.parse.urlencode(
        {"$filter": f"displayName eq '{literal}'", "$select": select}, quote_via=urllib.parse.quote, safe="$,"
    )
    return f"{GRAPH}/{collection}?{query}"


def _eligibility_findings(reader: Reader, plan: Declared) -> list[Finding]:
    """PIM eligibilities at and below the group against the declared ones, by (principal, role, scope)."""
    group = plan.resource_group_path
    listed = reader.all(
        f"{ARM}{group}/providers/Microsoft.Authorization/roleEligibilitySchedules?api-version={ELIGIBILITY_API}"
    )
    deployed = {
        (
            str(p.get("principalId", "")).lower(),
            str(p.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower(),
            str(p.get("scope", "")).lower(),
        ): p
        for item in listed
        if str((p := item.get("properties", {})).get("scope", "")).lower().startswith(group.lower()) and _in_force(p)
    }
    ids: dict[str, list[str]] = {}  # declared group name -> its object ids, read from Graph
    declared_keys: dict[tuple[str, str, str], str] = {}
    for name, role, scope in sorted(plan.eligibilities):
        if name not in ids:
            found = reader.all(by_display_name("groups", name, "id"))
            ids[name] = [str(g.get("id", "")).lower() for g in found] or [name.lower()]
        for object_id in ids[name]:
            declared_keys[(object_id, role, scope)] = name
    findings: list[Finding] = []
    for key, properties in sorted(deployed.items()):
        if key not in declared_keys:
            principal, guid, scope = key
            findings.append(
                Finding(
                    "undeclared eligibility",
                    f"{_role_name(guid)} for {properties.get('principalType')} {principal} on {scope}",
                )
            )
    for key, name in sorted(declared_keys.items()):
        if key not in deployed:
            _, guid, scope = key
            findings.append(
                Finding(
                    "missing eligibility",
                    f"group {name} eligible for {_role_name(guid)} on {scope} (expired, or removed)",
                )
            )
    return findings


def _key_version_findings(reader: Reader, plan: Declared) -> list[Finding]:
    """Each stack file must name the key's current version: after Key Vault rotates the key, the stacks are re-keyed
    while the old version still unwraps (before it expires). Read through Azure Resource Manager, which the vault's
    firewall does not govern."""
    if not plan.secrets_key_id or not plan.pinned_versions:
        return []
    key = reader.get(f"{ARM}{plan.secrets_key_id}?api-version={KEY_API}")
    current = str(key.get("properties", {}).get("keyUriWithVersion", "")).rsplit("/", 1)[-1]
    if not current:
        return [Finding("object missing", f"the secrets key {plan.secrets_key_id} is declared but not found")]
    return [
        Finding(
            "key rotated",
            f"{where} names version {version} of the secrets key; its current version is {current}: re-key the stack "
            "(docs/runbook.md, 'Re-key the stacks')",
        )
        for where, version in sorted(plan.pinned_versions.items())
        if version != current
    ]


def _in_force(schedule: Mapping[str, Any]) -> bool:
    """A schedule that can be activated now: provisioned, and its window (if it has an end) not over."""
    if schedule.get("status", "Provisioned") != "Provisioned":
        return False
    ends = schedule.get("endDateTime")
    return not ends or datetime.fromisoformat(str(ends).replace("Z", "+00:00")) > datetime.now(UTC)


def _role_name(guid: str) -> str:
    """A built-in role's name where the catalogue knows its GUID, else the GUID."""
    known = role_by_guid(guid)
    return known.name if known else guid


def _credential_findings(
    holder: str, deployed: Sequence[Mapping[str, Any]], declared_pairs: frozenset[tuple[str, str]]
) -> list[Finding]:
    """A federated credential nobody declared (who else can sign in as `holder`), or a declared one gone."""
    found = {(str(c.get("issuer")), str(c.get("subject"))): str(c.get("name")) for c in deployed}
    findings = [
        Finding("credential appeared", f"{holder} trusts {subject} from {issuer} ({name}), not declared")
        for (issuer, subject), name in sorted(found.items())
        if (issuer, subject) not in declared_pairs
    ]
    findings += [
        Finding("credential missing", f"{holder}: the declared {subject} from {issuer} is gone")
        for issuer, subject in sorted(declared_pairs - set(found))
    ]
    return findings


# --- the command ----------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, reader: Reader | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.drift", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--stack", required=True, help="the stack to audit, e.g. prod")
    parser.add_argument("--subscription", required=True, help="the subscription the stack is deployed in")
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        return 3
    from offline.plan import render_environment  # the offline plan's view of the environment
    from offline.siblings import written_secrets_providers

    # Rendered in the real subscription: role assignment names are GUIDs of it, as Azure has them.
    with in_subscription(args.subscription):
        environment = render_environment(args.stack)
    settings = environment.main.exports
    renderings = [r for r in (environment.main, environment.pim, environment.bootstrap) if r is not None]
    plan = declared(renderings, args.subscription, str(settings["resourceGroupName"]))
    pinned = {
        where: url.version
        for where, written in written_secrets_providers(args.stack)
        if (url := SecretsProviderUrl.parse(written)) and url.version
    }
    plan = dataclasses.replace(plan, pinned_versions=pinned)
    try:
        findings = audit(reader or Reader(HttpTransport()), plan)
    except ReadDeniedError as denied:
        print(f"drift audit of {args.stack} incomplete, no verdict: {denied}", file=sys.stderr)
        return 2
    except Exception as failed:  # any other failure (network, 5xx, throttled too long): no verdict either
        print(f"drift audit of {args.stack} failed, no verdict: {type(failed).__name__}: {failed}", file=sys.stderr)
        return 2
    for finding in findings:
        print(f"{finding.kind}: {finding.detail}")
    print(f"drift audit of {args.stack}: {len(findings)} finding(s)" if findings else f"{args.stack}: no drift")
    return 1 if findings else 0


def load_recording(path: Path) -> RecordedTransport:
    """A recording: {url: [{"status": ..., "headers": {...}, "body": {...}}, ...]}."""
    raw = json.loads(path.read_text())
    return RecordedTransport(
        {
            url: [Response(r["status"], r.get("body", {}), r.get("headers", {})) for r in answers]
            for url, answers in raw.items()
        }
    )


if __name__ == "__main__":
    sys.exit(main())
