"""The PIM phase: prod's platform admins become eligible (never standing) for Foundry Account Owner on the account
the main stack created, in a window Azure accepts, sent the way azure-native's PIM resource actually sends it."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from components.catalogue.resource_types import PIM_ELIGIBILITY
from components.settings import ConfigError
from offline.rehearsal import locked_scopes, rehearse_change
from offline.render import PIM_DIR, PIM_PROJECT, RenderError, Rendering, render, stack_config
from pim.settings import main_stack_reference
from tests.config_checks import refused_config_problem

FOUNDRY_ACCOUNT_OWNER = "e47c6f54-e4a2-4754-9501-8e0985b135e1"  # Learn, built-in roles (AI + machine learning)


def render_pim(main: Rendering, overrides: dict[str, object] | None = None, today: date | None = None) -> Rendering:
    return render(
        main.stack,
        overrides=overrides,
        project_dir=PIM_DIR,
        project_name=PIM_PROJECT,
        stack_outputs={main_stack_reference(main.stack): main.exports},
        today=today,
    )


@pytest.fixture(scope="module")
def prod_pim(rendered: dict[str, Rendering]) -> Rendering:
    return render_pim(rendered["prod"])


def window_of(stack: str) -> dict[str, str]:
    return json.loads(stack_config(stack, PIM_DIR)[f"{PIM_PROJECT}:platformAdminEligibility"])


def test_platform_admins_are_eligible_on_the_account_the_main_stack_made(
    prod_pim: Rendering, rendered: dict[str, Rendering]
) -> None:
    (eligibility,) = prod_pim.of_type(PIM_ELIGIBILITY)
    main = rendered["prod"]
    assert eligibility.input("principalId") == main.exports["groupObjectIds"]["platformAdmins"]
    assert eligibility.input("scope") == main.exports["accountId"]
    assert eligibility.input("roleDefinitionId").endswith(f"/roleDefinitions/{FOUNDRY_ACCOUNT_OWNER}")
    assert eligibility.input("justification") == window_of("prod")["justification"]


def test_the_window_is_sent_as_start_and_duration(prod_pim: Rendering) -> None:
    """azure-native's PIM resource sends `duration` and `type` and drops `endDateTime`: an end date would be lost."""
    (eligibility,) = prod_pim.of_type(PIM_ELIGIBILITY)
    window = window_of("prod")
    days = (datetime.fromisoformat(window["expiresOn"]) - datetime.fromisoformat(window["startsOn"])).days
    assert eligibility.input("scheduleInfo") == {
        "startDateTime": window["startsOn"],
        "expiration": {"type": "AfterDuration", "duration": f"P{days}D"},
    }


def test_a_change_replaces_it_deleting_first(prod_pim: Rendering) -> None:
    """An eligibility request cannot be updated, and azure-native refuses to create one while a schedule for the same
    principal and role exists: every input replaces it, and the old one goes first."""
    (eligibility,) = prod_pim.of_type(PIM_ELIGIBILITY)
    assert eligibility.replace_on_changes == ["*"]
    assert eligibility.delete_before_replace is True


def test_the_phase_makes_nothing_else(prod_pim: Rendering) -> None:
    """The eligibility, prod's delete locks and the Azure Policy assignments (tests/test_azure_policy.py)."""
    kinds = {r.type for r in prod_pim.resources if r.custom}
    assert kinds == {PIM_ELIGIBILITY, LOCK, "azure-native:authorization:PolicyAssignment"}
    assert len(prod_pim.of_type(PIM_ELIGIBILITY)) == 1 and len(prod_pim.of_type(LOCK)) == 4


# -- delete locks on prod's stores ---------------------------------------------------------------------------------
LOCK = "azure-native:authorization:ManagementLockByScope"


def test_prod_locks_the_vault_and_the_agent_data_stores_against_deletion(
    prod_pim: Rendering, rendered: dict[str, Rendering]
) -> None:
    main = rendered["prod"]
    expected = {
        main.one("azure-native:keyvault:Vault").id,
        main.one("azure-native:storage:StorageAccount").id,
        main.one("azure-native:search:Service").id,
        main.one("azure-native:cosmosdb:DatabaseAccount").id,
    }
    locks = prod_pim.of_type(LOCK)
    assert {lock.input("scope") for lock in locks} == expected
    assert {(lock.input("level"), lock.input("lockName")) for lock in locks} == {("CanNotDelete", "do-not-delete")}
    # Not the account (its deployments, connections and capability hosts are replaced deleting first) nor an
    # identity (removing a federated credential is a delete under it).
    assert main.one("azure-native:cognitiveservices:Account").id not in {lock.input("scope") for lock in locks}


def test_a_lock_on_a_store_the_main_stack_does_not_have_is_a_clear_error(rendered: dict[str, Rendering]) -> None:
    without_agent_data = render("prod", overrides={"agentSetup": None, "network": {}})
    with pytest.raises(
        RenderError, match=r"deleteLocks names (storageAccount|searchService|cosmosAccount), but \S+ exports"
    ):
        render_pim(without_agent_data)
    assert render_pim(without_agent_data, {"deleteLocks": ["keyVault"]}).of_type(LOCK)


def test_removing_a_project_from_prod_is_refused_while_its_grants_sit_under_locks(
    prod_pim: Rendering, rendered: dict[str, Rendering]
) -> None:
    """A CanNotDelete lock refuses deleting role assignments at the locked resource (ScopeLocked; MicrosoftDocs
    azure-docs #110791): the project's grants on the stores cannot go until the locks are lifted."""
    rehearsal = rehearse_change(
        "prod", [("projects", [{"name": "agents"}])], main=rendered["prod"], locked=locked_scopes(prod_pim)
    )
    locked_out = {s.name for s in rehearsal.blocked if any("CanNotDelete lock" in reason for reason in s.blocked)}
    assert "prod-access-project-identities-cosmos-db-operator-evals-on-cosmos" in locked_out
    assert "prod-access-project-identities-storage-blob-data-contributor-evals-on-storage" in locked_out
    assert "prod-agent-data-evals-agent-database" in locked_out  # a Cosmos SQL role assignment: a child of the account


def test_an_eligibility_follows_the_main_stack(rendered: dict[str, Rendering]) -> None:
    other = render("prod", overrides={"namePrefix": "contoso"})
    (eligibility,) = render_pim(other).of_type(PIM_ELIGIBILITY)
    assert eligibility.input("scope") == other.exports["accountId"] != rendered["prod"].exports["accountId"]
    assert "/accounts/contoso-prod-" in eligibility.input("scope")


def eligibility_window(starts: str, expires: str) -> dict[str, object]:
    return {
        "platformAdminEligibility": {
            "justification": "break-glass administration",
            "startsOn": starts,
            "expiresOn": expires,
        }
    }


@pytest.mark.parametrize(
    ("overrides", "key", "shown"),
    [
        ({"platformAdminEligibility": None}, "platformAdminEligibility", "(not set)"),
        (eligibility_window("2026-12-01", "2027-01-01T00:00:00Z"), "platformAdminEligibility.startsOn", "'2026-12-01'"),
        # PIM's default policy: an eligibility for an Azure role expires at most 365 days after it starts.
        (
            eligibility_window("2027-06-01T00:00:00Z", "2028-06-01T00:00:00Z"),  # 366 days
            "platformAdminEligibility.expiresOn",
            "at most 365 days",
        ),
        (
            eligibility_window("2027-01-01T00:00:00Z", "2026-12-01T00:00:00Z"),
            "platformAdminEligibility.expiresOn",
            "after startsOn",
        ),
        # Dates as an operator gets them wrong: a day that does not exist, no time zone, other digits.
        (
            eligibility_window("2027-02-29T00:00:00Z", "2027-06-01T00:00:00Z"),
            "platformAdminEligibility.startsOn",
            "not a date on the calendar",
        ),
        (
            eligibility_window("2026-12-01T00:00:00", "2027-06-01T00:00:00Z"),
            "platformAdminEligibility.startsOn",
            "with its zone",
        ),
        (
            eligibility_window("\uff12\uff10\uff12\uff16-12-01T00:00:00Z", "2027-06-01T00:00:00Z"),
            "platformAdminEligibility.startsOn",
            "with its zone",
        ),
        (
            eligibility_window("2026-12-01T00:00:00+25:00", "2027-06-01T00:00:00Z"),
            "platformAdminEligibility.startsOn",
            "not a date on the calendar",
        ),
        ({"mainStack": "prod"}, "mainStack", "'prod'"),
        ({"renewEvery": "P90D"}, "renewEvery", "unknown key"),
    ],
)
def test_bad_pim_config_is_refused_before_anything_is_made(
    rendered: dict[str, Rendering], overrides: dict[str, object], key: str, shown: str
) -> None:
    problem = refused_config_problem(lambda: render_pim(rendered["prod"], overrides), key)
    assert shown in problem


def test_a_window_where_nothing_is_eligible_is_refused(rendered: dict[str, Rendering]) -> None:
    """Dev's phase assigns Azure Policy only: the role model makes nobody PIM-eligible there."""
    with pytest.raises(Exception) as failure:
        render(
            "dev",
            config={f"{PIM_PROJECT}:{key}": value for key, value in window_config().items()},
            project_dir=PIM_DIR,
            project_name=PIM_PROJECT,
            stack_outputs={main_stack_reference("dev"): rendered["dev"].exports},
        )
    cause = getattr(failure.value, "cause", None)
    assert isinstance(cause, ConfigError)
    assert any(
        p.startswith("platformAdminEligibility:") and "no PIM-eligible grant in dev" in p for p in cause.problems
    ), cause.problems


def window_config() -> dict[str, str]:
    return {
        key.split(":", 1)[1]: value for key, value in stack_config("prod", PIM_DIR).items() if "environment" not in key
    }


def test_two_eligible_groups_on_one_account_are_two_requests(rendered: dict[str, Rendering]) -> None:
    """Each request gets its own generated name: two eligibilities at one scope are not one resource twice."""
    from pulumi_azure_native import authorization

    def two() -> None:
        for group in ("platform-admins", "auditors"):
            authorization.PimRoleEligibilitySchedule(
                f"eligible-{group}",
                principal_id=f"{group}-object-id",
                role_definition_id="/providers/Microsoft.Authorization/roleDefinitions/e47c6f54-e4a2-4754-9501-8e0985b135e1",
                scope=rendered["prod"].exports["accountId"],
                schedule_info={"expiration": {"type": "AfterDuration", "duration": "P30D"}},
            )

    ids = {r.id for r in render("prod", program=two).of_type(PIM_ELIGIBILITY)}
    assert len(ids) == 2


def test_an_ending_window_is_announced_and_an_ended_one_refused(rendered: dict[str, Rendering]) -> None:
    """The window of pim/Pulumi.prod.yaml ends on 2027-11-30: quiet until 30 days before, then a warning, and
    refused from that day on (PIM would end the eligibility silently)."""
    end = datetime.fromisoformat(window_of("prod")["expiresOn"]).date()
    assert render_pim(rendered["prod"], today=date(2027, 10, 1)).warnings == []
    (warning,) = render_pim(rendered["prod"], today=date(2027, 11, 20)).warnings
    assert warning.startswith(f"platformAdminEligibility.expiresOn: the eligibility ends on {end}, in 10 days")
    problem = refused_config_problem(
        lambda: render_pim(rendered["prod"], today=end), "platformAdminEligibility.expiresOn"
    )
    assert "the window has ended" in problem


def test_a_window_in_another_time_zone_is_sent_in_utc_and_a_leap_day_is_a_day(rendered: dict[str, Rendering]) -> None:
    window = eligibility_window("2027-12-01T09:30:00+01:00", "2028-02-29T17:00:00-05:00")
    (eligibility,) = render_pim(rendered["prod"], window).of_type(PIM_ELIGIBILITY)
    # 2027-12-01 08:30 UTC to 2028-02-29 22:00 UTC: 90 days and 13.5 hours (2028 is a leap year).
    assert eligibility.input("scheduleInfo") == {
        "startDateTime": "2027-12-01T08:30:00Z",
        "expiration": {"type": "AfterDuration", "duration": "P90DT13H30M"},
    }
