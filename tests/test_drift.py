"""The live drift audit, against Azure's and Graph's answers recorded here in their shapes: a clean environment,
a role added by hand, an assignment deleted, an eligibility added or expired, local auth turned back on, a new
client secret, throttling, pages, and a caller who may not read everything (no verdict then)."""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

import pytest

from offline import drift
from offline.drift import ARM, GRAPH, Declared, Reader, RecordedTransport, Response, audit, by_display_name, declared
from offline.plan import render_environment
from offline.render import in_subscription

SUBSCRIPTION = "7f3a2c1d-9b8e-4d6f-a5c4-3b2a1f0e9d8c"
COGNITIVE_SERVICES_OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"  # Learn, built-in roles
FOUNDRY_ACCOUNT_OWNER = "e47c6f54-e4a2-4754-9501-8e0985b135e1"


@pytest.fixture(scope="module")
def plan() -> Declared:
    with in_subscription(SUBSCRIPTION):
        environment = render_environment("prod")
    renderings = [r for r in (environment.main, environment.pim, environment.bootstrap) if r is not None]
    return declared(renderings, SUBSCRIPTION, str(environment.main.exports["resourceGroupName"]))


def assignments_url(plan: Declared) -> str:
    return f"{ARM}{plan.resource_group_path}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01"


def deployed(plan: Declared) -> dict[str, list[Response]]:
    """What Azure and Graph answer for an environment deployed exactly as declared, the assignments in two pages."""
    listed = [
        {
            "name": name,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"scope": f"{plan.resource_group_path}/providers/x", "principalType": "ServicePrincipal"},
        }
        for name in sorted(plan.grants)
    ]
    half = len(listed) // 2
    second = f"{assignments_url(plan)}&$skipToken=page2"
    account = f"{ARM}{plan.resource_group_path}/providers/Microsoft.CognitiveServices/accounts/{plan.account_name}"
    responses: dict[str, list[Response]] = {
        assignments_url(plan): [Response(200, {"value": listed[:half], "nextLink": second})],
        second: [Response(200, {"value": listed[half:]})],
        f"{account}?api-version=2025-06-01": [
            Response(200, {"properties": {"disableLocalAuth": True, "publicNetworkAccess": "Disabled"}})
        ],
    }
    for index, name in enumerate(sorted(plan.applications)):
        app_id = f"app-{index}"
        url = by_display_name("applications", name, "id,displayName,passwordCredentials")
        responses[url] = [Response(200, {"value": [{"id": app_id, "displayName": name, "passwordCredentials": []}]})]
        trusted = [
            {"name": f"c{n}", "issuer": issuer, "subject": subject, "audiences": ["api://AzureADTokenExchange"]}
            for n, (issuer, subject) in enumerate(sorted(plan.app_credentials.get(name, frozenset())))
        ]
        responses[f"{GRAPH}/applications/{app_id}/federatedIdentityCredentials"] = [Response(200, {"value": trusted})]
    for identity, pairs in plan.identity_credentials.items():
        url = (
            f"{ARM}{plan.resource_group_path}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity}"
            "/federatedIdentityCredentials?api-version=2023-01-31"
        )
        listed_credentials = [
            {"name": f"c{n}", "properties": {"issuer": issuer, "subject": subject}}
            for n, (issuer, subject) in enumerate(sorted(pairs))
        ]
        responses[url] = [Response(200, {"value": listed_credentials})]
    for index, (group, owners) in enumerate(sorted(plan.group_owners.items())):
        responses[by_display_name("groups", group, "id")] = [Response(200, {"value": [{"id": f"group-{index}"}]})]
        responses[f"{GRAPH}/groups/group-{index}/owners?$select=id"] = [
            Response(200, {"value": [{"id": owner} for owner in sorted(owners)]})
        ]
    group_ids = {group: f"group-{index}" for index, group in enumerate(sorted(plan.group_owners))}
    responses[eligibilities_url(plan)] = [
        Response(
            200,
            {
                "value": [
                    {
                        "name": f"schedule-{n}",
                        "properties": {
                            "principalId": group_ids[group],
                            "principalType": "Group",
                            "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                            f"roleDefinitions/{role}",
                            "scope": scope,
                            "memberType": "Direct",
                        },
                    }
                    for n, (group, role, scope) in enumerate(sorted(plan.eligibilities))
                ]
            },
        )
    ]
    return responses


def eligibilities_url(plan: Declared) -> str:
    return (
        f"{ARM}{plan.resource_group_path}/providers/Microsoft.Authorization/roleEligibilitySchedules"
        "?api-version=2020-10-01"
    )


def run(plan: Declared, responses: dict[str, list[Response]], sleep: Any = None) -> list[drift.Finding]:
    return audit(Reader(RecordedTransport(responses), sleep or (lambda _s: None)), plan)


def test_an_environment_as_declared_has_no_drift(plan: Declared) -> None:
    assert plan.grants and plan.account_name and plan.applications
    assert run(plan, deployed(plan)) == []


def test_a_cognitive_services_role_added_by_hand_is_an_undeclared_grant(plan: Declared) -> None:
    responses = deployed(plan)
    page = responses[assignments_url(plan)][0].body
    added = {
        "name": "0f0e0d0c-0b0a-4908-8706-050403020100",
        "properties": {
            "scope": f"{plan.resource_group_path}/providers/Microsoft.CognitiveServices/accounts/{plan.account_name}",
            "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
            f"{COGNITIVE_SERVICES_OPENAI_USER}",
            "principalType": "User",
            "principalId": "11111111-2222-4333-8444-555555555555",
        },
    }
    responses[assignments_url(plan)] = [Response(200, {**page, "value": [*page["value"], added]})]
    (finding,) = run(plan, responses)
    assert finding.kind == "undeclared grant"
    assert finding.detail.startswith("Cognitive Services OpenAI User for User 11111111-2222-4333-8444-555555555555")


def test_an_assignment_deleted_by_hand_is_a_missing_grant(plan: Declared) -> None:
    responses = deployed(plan)
    page = responses[assignments_url(plan)][0].body
    gone = page["value"][0]["name"]
    responses[assignments_url(plan)] = [Response(200, {**page, "value": page["value"][1:]})]
    (finding,) = run(plan, responses)
    assert (finding.kind, finding.detail) == ("missing grant", f"{plan.grants[gone]} (assignment {gone})")


def test_local_auth_turned_back_on_is_a_drifted_setting(plan: Declared) -> None:
    responses = deployed(plan)
    url = next(u for u in responses if "/accounts/" in u)
    responses[url] = [Response(200, {"properties": {"disableLocalAuth": False, "publicNetworkAccess": "Disabled"}})]
    (finding,) = run(plan, responses)
    assert finding.kind == "setting drifted" and "disableLocalAuth is False, declared true" in finding.detail


def test_a_client_secret_added_to_a_keyless_app_appears(plan: Declared) -> None:
    responses = deployed(plan)
    name = next(n for n, passwords in plan.applications.items() if passwords == 0)
    url = by_display_name("applications", name, "id,displayName,passwordCredentials")
    secret = {"keyId": "k", "endDateTime": "2028-01-01T00:00:00Z"}
    (application,) = responses[url][0].body["value"]
    responses[url] = [Response(200, {"value": [{**application, "passwordCredentials": [secret]}]})]
    (finding,) = run(plan, responses)
    assert finding.kind == "secret appeared"
    assert finding.detail == f"app registration {name}: 1 client secret(s) (ending 2028-01-01T00:00:00Z), 0 declared"


def test_throttling_waits_as_long_as_azure_says(plan: Declared) -> None:
    responses = deployed(plan)
    first = responses[assignments_url(plan)][0]
    responses[assignments_url(plan)] = [Response(429, {}, {"Retry-After": "7"}), first]
    waited: list[float] = []
    assert run(plan, responses, waited.append) == []
    assert waited == [7.0]


def test_a_caller_who_may_not_read_gets_no_verdict(
    plan: Declared, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    responses = deployed(plan)
    url = next(u for u in responses if u.startswith(GRAPH))
    responses[url] = [Response(403, {"error": {"code": "Authorization_RequestDenied"}})]
    reader = Reader(RecordedTransport(copy.deepcopy(responses)), lambda _s: None)
    assert drift.main(["--stack", "prod", "--subscription", SUBSCRIPTION], reader=reader) == 2
    captured = capsys.readouterr()
    assert "incomplete, no verdict" in captured.err and "Application.Read.All" in captured.err
    assert "no drift" not in captured.out and "finding" not in captured.out


def test_the_command_exits_0_when_clean_and_1_on_drift(plan: Declared, capsys: pytest.CaptureFixture[str]) -> None:
    clean = Reader(RecordedTransport(deployed(plan)), lambda _s: None)
    assert drift.main(["--stack", "prod", "--subscription", SUBSCRIPTION], reader=clean) == 0
    assert "prod: no drift" in capsys.readouterr().out
    responses = deployed(plan)
    url = next(u for u in responses if "/accounts/" in u)
    responses[url] = [Response(200, {"properties": {"disableLocalAuth": True, "publicNetworkAccess": "Enabled"}})]
    drifted = Reader(RecordedTransport(responses), lambda _s: None)
    assert drift.main(["--stack", "prod", "--subscription", SUBSCRIPTION], reader=drifted) == 1
    assert "publicNetworkAccess is 'Enabled', declared 'Disabled'" in capsys.readouterr().out


def test_a_federated_credential_nobody_declared_appears(plan: Declared) -> None:
    """Someone adds a branch subject to the CI/CD app registration: a job outside the protected GitHub environment
    could then sign in as it."""
    responses = deployed(plan)
    cicd = next(name for name in plan.app_credentials if name.endswith("-cicd"))
    listed = responses[by_display_name("applications", cicd, "id,displayName,passwordCredentials")]
    app_id = listed[0].body["value"][0]["id"]
    listing = f"{GRAPH}/applications/{app_id}/federatedIdentityCredentials"
    extra = {
        "name": "any-branch",
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "repo:contoso/foundry-agents:ref:refs/heads/main",
    }
    responses[listing] = [Response(200, {"value": [*responses[listing][0].body["value"], extra]})]
    (finding,) = run(plan, responses)
    assert finding.kind == "credential appeared"
    assert finding.detail == (
        f"app registration {cicd} trusts repo:contoso/foundry-agents:ref:refs/heads/main from "
        "https://token.actions.githubusercontent.com (any-branch), not declared"
    )


def test_an_owner_added_to_a_group_by_hand_is_reported(plan: Declared) -> None:
    responses = deployed(plan)
    group = sorted(plan.group_owners)[0]
    url = next(u for u in responses if u.startswith(f"{GRAPH}/groups/group-0/owners"))
    stranger = "99999999-8888-4777-8666-555555555555"
    responses[url] = [Response(200, {"value": [*responses[url][0].body["value"], {"id": stranger}]})]
    (finding,) = run(plan, responses)
    assert (finding.kind, finding.detail) == ("owner added", f"group {group}: owner {stranger} not declared")


def test_prods_declared_eligibility_is_found_by_group_role_and_scope(plan: Declared) -> None:
    """The administrator's phase makes the platform admins eligible for Foundry Account Owner on the account."""
    ((group, role, scope),) = plan.eligibilities
    assert group.endswith("-platform-admins") and role == FOUNDRY_ACCOUNT_OWNER
    assert scope.endswith(f"/providers/microsoft.cognitiveservices/accounts/{plan.account_name}")


def test_an_eligibility_added_by_hand_is_reported(plan: Declared) -> None:
    responses = deployed(plan)
    listed = responses[eligibilities_url(plan)][0].body["value"]
    stranger = "22222222-3333-4444-8555-666666666666"
    added = copy.deepcopy(listed[0])
    added["properties"].update(principalId=stranger, principalType="User")
    responses[eligibilities_url(plan)] = [Response(200, {"value": [*listed, added]})]
    (finding,) = run(plan, responses)
    assert finding.kind == "undeclared eligibility"
    assert finding.detail.startswith(f"Foundry Account Owner for User {stranger} on ")


def test_an_expired_eligibility_is_missing(plan: Declared) -> None:
    responses = deployed(plan)
    responses[eligibilities_url(plan)] = [Response(200, {"value": []})]
    (finding,) = run(plan, responses)
    ((group, _, scope),) = plan.eligibilities
    assert (finding.kind, finding.detail) == (
        "missing eligibility",
        f"group {group} eligible for Foundry Account Owner on {scope} (expired, or removed)",
    )


def test_every_url_the_audit_asks_for_can_go_on_the_wire(plan: Declared) -> None:
    """http.client refuses a URL with a space or a control character (the live transport would crash)."""
    transport = RecordedTransport(deployed(plan))
    audit(Reader(transport, lambda _s: None), plan)
    assert transport.asked and all(not re.search(r"[\x00-\x20\x7f]", url) for url in transport.asked)
    assert by_display_name("groups", "O'Brien team", "id") == (
        f"{GRAPH}/groups?$filter=displayName%20eq%20%27O%27%27Brien%20team%27&$select=id"
    )


def test_a_declared_group_that_is_gone_is_reported(plan: Declared) -> None:
    responses = deployed(plan)
    group = sorted(plan.group_owners)[-1]
    responses[by_display_name("groups", group, "id")] = [Response(200, {"value": []})]
    findings = run(plan, responses)
    assert ("object missing", f"group {group} is declared but not found") in [(f.kind, f.detail) for f in findings]


def test_an_expired_schedule_still_listed_is_not_in_force(plan: Declared) -> None:
    responses = deployed(plan)
    listed = responses[eligibilities_url(plan)][0].body["value"]
    for schedule in listed:
        schedule["properties"].update(status="Expired", endDateTime="2026-01-01T00:00:00Z")
    (finding,) = run(plan, responses)
    assert finding.kind == "missing eligibility"


def test_any_other_failure_is_no_verdict_not_drift(plan: Declared, capsys: pytest.CaptureFixture[str]) -> None:
    responses = deployed(plan)
    responses[assignments_url(plan)] = [Response(500, {"error": {"code": "InternalServerError"}})]
    reader = Reader(RecordedTransport(responses), lambda _s: None)
    assert drift.main(["--stack", "prod", "--subscription", SUBSCRIPTION], reader=reader) == 2
    assert "failed, no verdict: RuntimeError: 500" in capsys.readouterr().err


def test_a_stack_file_still_on_a_rotated_key_version_is_reported(plan: Declared) -> None:
    """Key Vault made a new version; the stack files that name the old one must be re-keyed."""
    assert plan.secrets_key_id.startswith(f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-fndry-prod-delivery/")
    assert plan.secrets_key_id.endswith("/keys/pulumi-secrets")
    old, new = "a" * 32, "b" * 32
    pinned = dataclasses.replace(plan, pinned_versions={"Pulumi.prod.yaml": old, "pim/Pulumi.prod.yaml": new})
    responses = deployed(plan)
    uri = f"https://kvs.vault.azure.net/keys/pulumi-secrets/{new}"
    responses[f"{ARM}{plan.secrets_key_id}?api-version=2024-11-01"] = [
        Response(200, {"properties": {"keyUriWithVersion": uri}})
    ]
    (finding,) = run(pinned, responses)
    assert finding.kind == "key rotated"
    assert finding.detail.startswith(
        f"Pulumi.prod.yaml names version {old} of the secrets key; its current version is {new}"
    )
    # Without pinned stack files there is nothing to compare, and the key is not read.
    transport = RecordedTransport(responses)
    audit(Reader(transport, lambda _s: None), plan)
    assert not any("/keys/" in url for url in transport.asked)
