"""Client secrets where the design source allows them (1.5): outside prod only, for a headless script's own app
registration, ending at most 90 days after the deploy that makes them, the value only in the environment's Key
Vault (a Pulumi secret, never an output), Foundry User on one project. Nothing of it unless a stack lists one."""

from __future__ import annotations

import calendar
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from components.catalogue.resource_types import (
    ENTRA_APPLICATION,
    ENTRA_APPLICATION_PASSWORD,
    ENTRA_SERVICE_PRINCIPAL,
    PROJECT,
    ROLE_ASSIGNMENT,
    VAULT,
    VAULT_SECRET,
)
from offline.inventory import build_inventory
from offline.rehearsal import CREATE_FIRST, rehearse
from offline.render import Registration, Rendering, render
from tests.config_checks import plan_findings, refused_config_problem
from tests.conftest import CATALOGUE_CHECKED, settings_of

FOUNDRY_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"


def ends_in(days: int) -> str:
    """`days` after the day the tests run as (tests/conftest.py pins it), at midnight UTC."""
    moment = datetime.combine(CATALOGUE_CHECKED, datetime.min.time(), UTC) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def secrets(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"clientSecrets": list(entries)}


NIGHTLY = {"name": "nightly-eval", "project": "evals", "expiresOn": ends_in(60)}


@pytest.fixture(scope="module")
def on() -> Rendering:
    return render("dev", overrides=secrets(NIGHTLY))


def script_application(rendering: Rendering) -> Registration:
    (application,) = [
        a for a in rendering.of_type(ENTRA_APPLICATION) if a.input("displayName").endswith("-nightly-eval")
    ]
    return application


def test_the_script_gets_its_own_registration_and_one_password_ending_as_configured(on: Rendering) -> None:
    application = script_application(on)
    settings = settings_of("dev")
    assert application.input("displayName") == f"sp-{settings.name_prefix}-foundry-dev-nightly-eval"
    assert application.input("owners") == [settings.deployer_object_id]
    (password,) = on.of_type(ENTRA_APPLICATION_PASSWORD)
    assert password.input("applicationId") == application.state["id"]
    assert password.input("endDate") == NIGHTLY["expiresOn"]
    assert on.depends_on(password, application)


def test_the_value_goes_only_into_the_vault_as_a_secret(on: Rendering) -> None:
    (password,) = on.of_type(ENTRA_APPLICATION_PASSWORD)
    value = password.state["value"]
    (kept,) = on.of_type(VAULT_SECRET)
    assert kept.input("vaultName") == on.one(VAULT).input("vaultName")
    assert kept.input("secretName") == "nightly-eval-client-secret"
    assert kept.input("properties.value") == value
    assert "properties" in kept.secret_inputs  # encrypted in the state, `(secret)` in the plan
    expires = calendar.timegm(datetime.fromisoformat(NIGHTLY["expiresOn"].replace("Z", "+00:00")).timetuple())
    assert kept.input("properties.attributes.expires") == expires
    # Nowhere else: not an output, not another resource's input.
    assert value not in json.dumps(on.exports)
    elsewhere = [r.name for r in on.resources if r is not kept and value in json.dumps(r.inputs, default=str)]
    assert elsewhere == []


def test_it_holds_foundry_user_on_its_one_project_only(on: Rendering) -> None:
    application = script_application(on)
    principal = next(
        s for s in on.of_type(ENTRA_SERVICE_PRINCIPAL) if s.input("clientId") == application.state["clientId"]
    ).state["objectId"]
    evals = next(p for p in on.of_type(PROJECT) if p.input("projectName") == "evals")
    grants = [g for g in on.of_type(ROLE_ASSIGNMENT) if g.input("principalId") == principal]
    assert [(g.input("roleDefinitionId").rsplit("/", 1)[-1], g.input("scope")) for g in grants] == [
        (FOUNDRY_USER, evals.id)
    ]
    assert grants[0].input("principalType") == "ServicePrincipal"


def test_the_outputs_say_where_the_secret_is_not_what_it_is(on: Rendering) -> None:
    application = script_application(on)
    assert on.exports["headlessClients"] == {
        "nightly-eval": {
            "clientId": application.state["clientId"],
            "keyVaultSecretName": "nightly-eval-client-secret",
            "expiresOn": NIGHTLY["expiresOn"],
            "project": "evals",
        }
    }


def test_the_inventory_shows_each_secrets_end(on: Rendering) -> None:
    inventory = build_inventory(on)
    (entry,) = inventory.secrets
    vault = on.one(VAULT).input("vaultName")
    assert (entry.identity, entry.ends) == (script_application(on).input("displayName"), NIGHTLY["expiresOn"])
    assert entry.kept_in == f"Key Vault {vault}, secret nightly-eval-client-secret"
    (grant,) = [e for e in inventory.access if e.principal.display_name == entry.identity]
    assert grant.authentication == f"client secret: ends {NIGHTLY['expiresOn']}, value kept in {entry.kept_in}"


def test_turned_on_the_plan_passes(on: Rendering, bootstrapped: dict[str, Rendering]) -> None:
    assert plan_findings(on, bootstrapped["dev"]) == []


def test_rotation_makes_the_new_password_first_and_writes_the_vault_in_place(on: Rendering) -> None:
    rotated = {**NIGHTLY, "expiresOn": ends_in(85)}
    rehearsal = rehearse(
        on, lambda recreated: render("dev", overrides=secrets(rotated), recreated=recreated), "rotate the secret"
    )
    by_name = {s.name: s for s in rehearsal.steps}
    password = by_name["dev-scripts-nightly-eval-password"]
    assert (password.action, password.order) == ("replace", CREATE_FIRST)
    assert "endDate" in password.forced_by
    assert by_name["dev-scripts-nightly-eval-secret"].action == "update"
    assert rehearsal.blocked == ()


@pytest.mark.parametrize(
    ("stack", "overrides", "key", "says"),
    [
        ("prod", secrets(NIGHTLY), "clientSecrets", "prod allows no client secrets"),
        ("dev", secrets({**NIGHTLY, "expiresOn": ends_in(91)}), "clientSecrets[0].expiresOn", "at most 90 days"),
        ("dev", secrets({**NIGHTLY, "expiresOn": ends_in(0)}), "clientSecrets[0].expiresOn", "rotate it"),
        ("dev", secrets({**NIGHTLY, "expiresOn": "2027-01-20"}), "clientSecrets[0].expiresOn", "with its zone"),
        ("dev", secrets({**NIGHTLY, "project": "billing"}), "clientSecrets[0].project", "agents, evals"),
        ("dev", secrets({**NIGHTLY, "name": "cicd"}), "clientSecrets[0].name", "other than cicd"),
        ("dev", secrets(NIGHTLY, {**NIGHTLY, "project": "agents"}), "clientSecrets[].name", "unique"),
    ],
)
def test_bad_config_is_refused_before_anything_is_made(
    stack: str, overrides: dict[str, Any], key: str, says: str
) -> None:
    problem = refused_config_problem(lambda: render(stack, overrides=overrides), key)
    assert says in problem, problem


def test_off_by_default(rendered: dict[str, Rendering]) -> None:
    for rendering in rendered.values():
        assert rendering.of_type(ENTRA_APPLICATION_PASSWORD) == rendering.of_type(VAULT_SECRET) == []
        assert "headlessClients" not in rendering.exports


def test_a_secret_near_its_end_is_a_warning_to_rotate() -> None:
    rendering = render("dev", overrides=secrets({**NIGHTLY, "expiresOn": ends_in(10)}))
    assert [w for w in rendering.warnings if "clientSecrets[nightly-eval].expiresOn" in w] == [
        f"clientSecrets[nightly-eval].expiresOn: the secret ends on {ends_in(10)[:10]}, in 10 days: rotate it with a "
        "new expiresOn"
    ]


def test_removing_the_script_leaves_its_vault_secret_and_says_so(on: Rendering) -> None:
    rehearsal = rehearse(on, lambda recreated: render("dev", recreated=recreated), "remove the script")
    deleted = {s.name: s for s in rehearsal.of("delete")}
    assert {"dev-scripts-nightly-eval-password", "dev-scripts-nightly-eval-app"} <= set(deleted)
    (kept,) = deleted["dev-scripts-nightly-eval-secret"].consequences
    assert kept.startswith("not deleted in Azure (retainOnDelete): nightly-eval-client-secret stays")
