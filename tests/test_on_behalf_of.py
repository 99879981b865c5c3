"""The On-Behalf-Of middle tier (design source 1.4), opt-in per environment: an API app registration with no secret
(its one credential trusts the app's user-assigned identity), a delegated scope the team's front ends are
pre-authorized for, delegated access to the Foundry data plane, and an end-users group holding Foundry User on
each project, prod included. Nothing of it exists unless a stack turns it on."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from components.catalogue.resource_types import (
    ENTRA_APPLICATION,
    ENTRA_APPLICATION_PASSWORD,
    ENTRA_CREDENTIAL,
    ENTRA_GROUP,
    ENTRA_IDENTIFIER_URI,
    ENTRA_PRE_AUTHORIZED,
    ENTRA_SERVICE_PRINCIPAL,
    ENTRA_SERVICE_PRINCIPAL_PASSWORD,
    PROJECT,
    ROLE_ASSIGNMENT,
    USER_ASSIGNED_IDENTITY,
    WEB_APP,
)
from offline.capabilities import who_can
from offline.inventory import build_inventory
from offline.render import FAKE_TENANT_ID, Registration, Rendering, render
from offline.report import Environment, build_report
from tests.config_checks import plan_findings, refused_config_problem
from tests.conftest import settings_of
from tests.test_compute import app_settings

# The Foundry data plane's resource application ("Azure Machine Learning Services", the resource behind
# https://ai.azure.com) and its delegated `user_impersonation` scope, as Microsoft's Foundry OBO sample requests them
# (microsoft-foundry/foundry-agent-webapp, infra/entra-app.bicep).
FOUNDRY_RESOURCE_APP = "18a66f5f-dbdf-4c17-9dd7-1634712a9cbe"
USER_IMPERSONATION = "1a7925b5-f871-417a-9b8b-303f9f29fa10"
FOUNDRY_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
WEB_FRONT_END = "0b8e2a43-6f1d-4c52-9a7e-3d4c5b6a7f80"
MOBILE_FRONT_END = "7c1d9e2f-3a4b-4c5d-8e6f-9a0b1c2d3e4f"
END_USER = "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8"


def obo(**changes: Any) -> dict[str, Any]:
    config = {"frontEndClientIds": [WEB_FRONT_END, MOBILE_FRONT_END], "endUsers": {"members": [END_USER]}}
    return {"onBehalfOf": {**config, **changes}}


@pytest.fixture(scope="module")
def on() -> Rendering:
    return render("dev", overrides=obo())


@pytest.fixture(scope="module")
def prod_on() -> Rendering:
    return render("prod", overrides=obo())


def api(rendering: Rendering) -> Registration:
    (application,) = [a for a in rendering.of_type(ENTRA_APPLICATION) if a.input("displayName").endswith("-obo")]
    return application


def end_users_group(rendering: Rendering) -> Registration:
    (group,) = [g for g in rendering.of_type(ENTRA_GROUP) if g.input("displayName").endswith("-end-users")]
    return group


def test_the_api_exposes_one_user_scope_and_asks_for_foundry_as_the_user(on: Rendering) -> None:
    application = api(on)
    settings = settings_of("dev")
    assert application.input("displayName") == f"api-{settings.name_prefix}-foundry-dev-obo"
    assert application.input("signInAudience") == "AzureADMyOrg"
    assert application.input("api.requestedAccessTokenVersion") == 2
    (scope,) = application.input("api.oauth2PermissionScopes")
    assert (scope["value"], scope["type"], scope["enabled"]) == ("access_as_user", "User", True)
    assert application.input("requiredResourceAccesses") == [
        {"resourceAppId": FOUNDRY_RESOURCE_APP, "resourceAccesses": [{"id": USER_IMPERSONATION, "type": "Scope"}]}
    ]
    # The pipeline's deployer owns it (and its service principal): it manages only what it owns.
    assert application.input("owners") == [settings.deployer_object_id]
    service_principal = next(
        s for s in on.of_type(ENTRA_SERVICE_PRINCIPAL) if s.input("clientId") == application.state["clientId"]
    )
    assert service_principal.input("owners") == [settings.deployer_object_id]


def test_the_identifier_uri_names_the_client_id_and_the_front_ends_are_pre_authorized(on: Rendering) -> None:
    application = api(on)
    client_id = application.state["clientId"]
    (uri,) = on.of_type(ENTRA_IDENTIFIER_URI)
    assert (uri.input("applicationId"), uri.input("identifierUri")) == (application.state["id"], f"api://{client_id}")
    (scope,) = application.input("api.oauth2PermissionScopes")
    authorized = {p.input("authorizedClientId"): p for p in on.of_type(ENTRA_PRE_AUTHORIZED)}
    assert set(authorized) == {WEB_FRONT_END, MOBILE_FRONT_END}
    for pre in authorized.values():
        assert pre.input("applicationId") == application.state["id"]
        assert pre.input("permissionIds") == [scope["id"]]
    assert on.exports["onBehalfOf"]["scope"] == f"api://{client_id}/access_as_user"


def test_its_only_credential_trusts_the_app_identity_and_it_has_no_secret(on: Rendering) -> None:
    application = api(on)
    credentials = [c for c in on.of_type(ENTRA_CREDENTIAL) if c.input("applicationId") == application.state["id"]]
    (credential,) = credentials
    assert credential.input("issuer") == f"https://login.microsoftonline.com/{FAKE_TENANT_ID}/v2.0"
    assert credential.input("subject") == on.one(USER_ASSIGNED_IDENTITY).state["principalId"]
    assert credential.input("audiences") == ["api://AzureADTokenExchange"]
    assert on.of_type(ENTRA_APPLICATION_PASSWORD) == on.of_type(ENTRA_SERVICE_PRINCIPAL_PASSWORD) == []
    assert not {"passwords", "password", "certificates"} & set(application.inputs)


def test_writes_into_the_api_registration_come_one_at_a_time(on: Rendering) -> None:
    application = api(on)
    parts = [
        r
        for r in on.resources
        if r.type in (ENTRA_IDENTIFIER_URI, ENTRA_PRE_AUTHORIZED, ENTRA_CREDENTIAL)
        and r.input("applicationId") == application.state["id"]
    ]
    assert [p.type for p in parts] == [
        ENTRA_IDENTIFIER_URI,
        ENTRA_PRE_AUTHORIZED,
        ENTRA_PRE_AUTHORIZED,
        ENTRA_CREDENTIAL,
    ]
    for earlier, later in itertools.pairwise(parts):
        assert on.depends_on(later, earlier), later.name


def test_end_users_hold_foundry_user_on_each_project_in_prod_too(on: Rendering, prod_on: Rendering) -> None:
    for rendering in (on, prod_on):
        group = end_users_group(rendering)
        stack = rendering.stack
        assert group.input("displayName") == f"grp-{settings_of(stack).name_prefix}-foundry-{stack}-end-users"
        assert group.input("members") == [END_USER]
        grants = [g for g in rendering.of_type(ROLE_ASSIGNMENT) if g.input("principalId") == group.state["objectId"]]
        assert {(g.input("roleDefinitionId").rsplit("/", 1)[-1], g.input("scope")) for g in grants} == {
            (FOUNDRY_USER, p.id) for p in rendering.of_type(PROJECT)
        }
        assert {g.input("principalType") for g in grants} == {"Group"}
        assert rendering.exports["onBehalfOf"]["endUsersGroupObjectId"] == group.state["objectId"]


def test_the_web_app_knows_the_api_it_is(on: Rendering) -> None:
    settings = app_settings(on.one(WEB_APP).inputs)
    assert settings["OBO_API_CLIENT_ID"] == api(on).state["clientId"]
    assert settings["OBO_TENANT_ID"] == FAKE_TENANT_ID
    assert settings["OBO_FOUNDRY_SCOPE"] == "https://ai.azure.com/.default"
    # It still signs in (for the client assertion) as the user-assigned identity the credential trusts.
    assert settings["AZURE_CLIENT_ID"] == on.one(USER_ASSIGNED_IDENTITY).state["clientId"]


def test_turned_on_the_plan_passes_in_dev_and_prod(
    on: Rendering, prod_on: Rendering, bootstrapped: dict[str, Rendering]
) -> None:
    assert plan_findings(on, bootstrapped["dev"]) == []
    assert plan_findings(prod_on, bootstrapped["prod"]) == []


def test_the_inventory_says_who_reaches_prods_models_as_themselves(
    prod_on: Rendering, bootstrapped: dict[str, Rendering]
) -> None:
    group = end_users_group(prod_on).input("displayName")
    report = build_report(Environment(prod_on, None, bootstrapped["prod"]))
    callers = {(h.principal, h.kind, h.role) for h in who_can("call models", report.all_grants)}
    assert (group, "Entra security group", "Foundry User") in callers
    # ... and no other group of people: developers read prod, admins administer it.
    assert {who for who, kind, _ in callers if "group" in kind} == {group}
    (entry, *_) = [e for e in build_inventory(prod_on).access if e.principal.display_name == group]
    assert "on behalf of them through the On-Behalf-Of API" in entry.authentication
    assert "directly with a token of their own" in entry.authentication


def test_multi_tenant_sign_in_is_a_setting() -> None:
    rendering = render("dev", overrides=obo(signInAudience="AzureADMultipleOrgs"))
    assert api(rendering).input("signInAudience") == "AzureADMultipleOrgs"


def test_off_by_default_nothing_of_it_exists(rendered: dict[str, Rendering]) -> None:
    for rendering in rendered.values():
        assert not [a for a in rendering.of_type(ENTRA_APPLICATION) if a.input("displayName").endswith("-obo")]
        assert rendering.of_type(ENTRA_IDENTIFIER_URI) == rendering.of_type(ENTRA_PRE_AUTHORIZED) == []
        assert not [g for g in rendering.of_type(ENTRA_GROUP) if g.input("displayName").endswith("-end-users")]
        assert "onBehalfOf" not in rendering.exports
        assert "OBO_API_CLIENT_ID" not in app_settings(rendering.one(WEB_APP).inputs)


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        (
            {**obo(), "compute": {"identity": "system-assigned"}},
            "onBehalfOf",
            "Entra accepts only user-assigned managed identities there",
        ),
        (obo(frontEndClientIds=[WEB_FRONT_END, WEB_FRONT_END.upper()]), "onBehalfOf.frontEndClientIds[1]", "once"),
        (obo(frontEndClientIds=[]), "onBehalfOf.frontEndClientIds", "at least 1"),
        (obo(frontEndClientIds=["web-app"]), "onBehalfOf.frontEndClientIds[0]", "GUID"),
        (obo(signInAudience="AzureADandPersonalMicrosoftAccount"), "onBehalfOf.signInAudience", "AzureADMyOrg"),
    ],
)
def test_bad_config_is_refused_before_anything_is_made(overrides: dict[str, Any], key: str, says: str) -> None:
    problem = refused_config_problem(lambda: render("dev", overrides=overrides), key)
    assert says in problem, problem
