"""What a reviewer signs off from the plan: every resource's name in Azure, group, region and SKU; the settings
that matter (models in the order they are deployed, guardrails, address ranges, the PIM window, retention,
instance counts) read from the settings models; the deploying principal named; JSON with every input (no secret);
tables that wrap to the terminal and never cut a value."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from components.catalogue.resource_types import DEPLOYMENT
from components.settings.base import ConfigModel
from offline import plan
from offline.registrations import Rendering
from offline.render import render
from offline.report import ENTRA, SECRET, Environment, StackReport, build_report
from offline.settings_view import FROM_DEFAULT, FROM_FILE, FROM_PROGRAM, ProjectSettings, read, settings_sections
from offline.siblings import stack_settings
from tests.conftest import render_bootstrap

STACKS = ("dev", "staging", "prod")


def plan_output(reports: dict[str, StackReport], stack: str, fmt: str) -> str:
    return plan.format_reports([reports[stack]], fmt)


def json_report(reports: dict[str, StackReport], stack: str) -> dict[str, Any]:
    (document,) = json.loads(plan_output(reports, stack, "json"))["stacks"]
    return document


def deployment_chain(rendering: Rendering) -> list[str]:
    """The deployments in the order Azure receives them: each waits for every one before it."""
    deployments = rendering.of_type(DEPLOYMENT)
    waits = {
        d.inputs["deploymentName"]: sum(rendering.waits_for(d, other) for other in deployments) for d in deployments
    }
    assert sorted(waits.values()) == list(range(len(deployments))), "deployments must form one chain"
    return sorted(waits, key=waits.__getitem__)


# -- resources -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", STACKS)
def test_every_azure_resource_shows_its_name_group_region_and_sku(
    reports: dict[str, StackReport], environments: dict[str, Environment], stack: str
) -> None:
    settings = stack_settings(stack)
    resources = {r["urn"]: r for r in json_report(reports, stack)["resources"]}
    combined = environments[stack].combined
    for registration in combined.resources:
        shown = resources[registration.urn]
        if registration.type.startswith("azure-native:"):
            assert shown["azure_name"] == registration.id.rsplit("/", 1)[-1], registration.name
            assert shown["resource_group"] == settings.resource_group_name, registration.name
            if "location" in registration.inputs:
                assert shown["region"] == registration.inputs["location"], registration.name
        elif registration.type.startswith("azuread:"):
            assert shown["resource_group"] == ENTRA
    account = next(r for r in resources.values() if r["type"] == "azure-native:cognitiveservices:Account")
    assert (account["azure_name"], account["region"]) == (settings.account_name, settings.location)
    vault = next(r for r in resources.values() if r["type"] == "azure-native:keyvault:Vault")
    assert (vault["azure_name"], vault["sku"]) == (settings.key_vault_name, settings.key_vault.sku)
    for deployment in settings.models.deployments:
        row = next(r for r in resources.values() if r["type"] == DEPLOYMENT and r["azure_name"] == deployment.name)
        assert row["sku"] == f"{deployment.sku}, capacity {deployment.capacity}"
    plan_row = next(r for r in resources.values() if r["type"] == "azure-native:web:AppServicePlan")
    assert plan_row["sku"] == f"{settings.compute.sku_name}, capacity {settings.compute.instances}"


@pytest.mark.parametrize("stack", STACKS)
def test_json_carries_every_input_and_no_secret(
    reports: dict[str, StackReport], environments: dict[str, Environment], stack: str
) -> None:
    resources = {r["urn"]: r for r in json_report(reports, stack)["resources"]}
    secret_seen = 0
    for registration in environments[stack].combined.resources:
        if not registration.custom:
            continue
        shown = resources[registration.urn]["inputs"]
        assert shown.keys() == registration.inputs.keys(), registration.name
        for key, value in registration.inputs.items():
            if key in registration.secret_inputs:
                secret_seen += 1
                assert shown[key] == SECRET and json.dumps(value) not in json.dumps(shown)
            else:
                assert shown[key] == value, (registration.name, key)
    # The App Insights connections' properties hold the connection string: a secret in every stack.
    assert secret_seen >= len(stack_settings(stack).projects)


def test_resource_table_shows_the_names_a_reviewer_looks_up(reports: dict[str, StackReport]) -> None:
    out = plan_output(reports, "prod", "table")
    settings = stack_settings("prod")
    row = next(line for line in out.splitlines() if settings.key_vault_name in line and "keyvault:Vault" in line)
    assert "(protected)" in row and settings.resource_group_name in row and settings.location in row
    assert "| Resource | Type | Name in Azure / Entra | Resource group | Region | SKU |" in plan_output(
        reports, "prod", "markdown"
    )


# -- settings -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", STACKS)
def test_models_are_listed_in_the_order_they_are_deployed(
    reports: dict[str, StackReport], environments: dict[str, Environment], stack: str
) -> None:
    document = json_report(reports, stack)["settings"]["foundry-platform"]
    (models,) = [entry["entries"] for entry in document["lists"] if entry["key"] == "modelDeployments"]
    assert [m["name"] for m in models] == deployment_chain(environments[stack].main)
    for shown, deployment in zip(models, stack_settings(stack).models.deployments, strict=True):
        assert shown["model.name"] == deployment.model.name and shown["model.version"] == deployment.model.version
        assert shown["sku"] == deployment.sku and shown["capacity"] == str(deployment.capacity)


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "csv"])
@pytest.mark.parametrize("stack", STACKS)
def test_every_setting_a_reviewer_checks_is_in_every_format(
    reports: dict[str, StackReport], environments: dict[str, Environment], stack: str, fmt: str
) -> None:
    out = plan_output(reports, stack, fmt)
    settings = stack_settings(stack)
    expected: dict[str, str] = {
        "logRetentionDays": str(settings.log_retention_days),
        "keyVault.softDeleteRetentionDays": str(settings.key_vault.soft_delete_retention_days),
        "compute.instances": str(settings.compute.instances),
        "guardrails.hate.prompt": settings.guardrails.hate.prompt,
        "guardrails.jailbreak": "true" if settings.guardrails.jailbreak else "false",
        "guardrails.blocklists": "[]",
        "networkAccess": settings.network_access,
    }
    if settings.network is not None:
        expected["network.addressSpace"] = f"[{', '.join(settings.network.address_space)}]"
        expected["network.subnets.privateEndpoint"] = settings.network.subnet_prefix("privateEndpoint")
    bootstrap = next(p.settings for p in environments[stack].settings if p.project == "foundry-platform-bootstrap")
    expected["stateRetentionDays"] = str(bootstrap.model_dump()["state_retention_days"])
    pim = next((p.settings for p in environments[stack].settings if p.project == "foundry-platform-pim"), None)
    # Every example stack has an administrator's phase (Azure Policy at least); only prod's makes an eligibility.
    assert pim is not None
    if pim is not None:
        window = pim.model_dump(by_alias=True, mode="json")["platformAdminEligibility"]
        assert (window is not None) == (stack == "prod")
        if window is not None:
            expected["platformAdminEligibility.startsOn"] = window["startsOn"]
            expected["platformAdminEligibility.expiresOn"] = window["expiresOn"]
        expected["azurePolicy"] = pim.model_dump(by_alias=True, mode="json")["azurePolicy"]
    if fmt == "json":
        document = json.loads(out)["stacks"][0]["settings"]
        shown = {k["key"]: k["value"] for project in document.values() for k in project["keys"]}
    elif fmt == "csv":
        rows = csv.DictReader(io.StringIO(out))
        shown = {row["name"]: row["detail"] for row in rows if row["section"].startswith("setting ")}
    else:
        cell = r"\s*\|\s*" if fmt == "markdown" else r"\s{2,}"
        shown = {
            key: value
            for key, value in expected.items()
            if re.search(rf"(?m)^(\|\s*)?{re.escape(key)}{cell}{re.escape(value)}{cell}", out)
        }
    assert {key: shown.get(key) for key in expected} == expected
    for model in settings.models.deployments:
        assert model.model.version in out and model.model.name in out


def test_each_value_says_where_it_came_from() -> None:
    settings = stack_settings("prod")
    origins = {s.key: s.origin for s in read(settings)[0]}
    assert origins["namePrefix"] == FROM_FILE  # written in the example's stack file
    assert origins["logRetentionDays"] == FROM_DEFAULT  # prod's default, not written
    assert origins["keyVault.name"] == FROM_PROGRAM  # made from the prefix, the stack and the region
    values = {s.key: s.value for s in read(settings)[0]}
    assert values["keyVault.name"] == settings.key_vault_name
    assert values["network.subnets.appIntegration"] == settings.network.subnet_prefix("appIntegration")  # type: ignore[union-attr]


def test_blocklists_and_thresholds_as_configured() -> None:
    settings = stack_settings(
        "dev",
        overrides={
            "guardrails": {
                "hate": {"prompt": "Low", "completion": "High"},
                "blocklists": [
                    {"name": "competitors", "items": ["acme", {"pattern": "contoso\\s+ltd", "isRegex": True}]}
                ],
            }
        },
    )
    scalars, lists = read(settings)
    values = {s.key: (s.value, s.origin) for s in scalars}
    assert values["guardrails.hate.prompt"] == ("Low", FROM_FILE)
    assert values["guardrails.hate.completion"] == ("High", FROM_FILE)
    assert values["guardrails.violence.prompt"] == ("Medium", FROM_DEFAULT)
    (blocklists,) = [found for found in lists if found.key == "guardrails.blocklists"]
    assert blocklists.columns == ("name", "description", "items")
    assert blocklists.rows == (
        ("competitors", "", "[{pattern: acme, isRegex: false}, {pattern: contoso\\s+ltd, isRegex: true}]"),
    )


def test_a_key_added_to_a_model_shows_up_without_a_change_to_the_plan() -> None:
    class Limits(ConfigModel):
        burst: int = 3

    class Entry(ConfigModel):
        name: str
        weight: float = 1.0

    class Future(ConfigModel):
        new_switch: bool = False
        limits: Limits = Limits()
        entries: tuple[Entry, ...] = ()

    future = Future.model_validate({"newSwitch": True, "entries": [{"name": "a", "weight": 2}, {"name": "b"}]})
    (section, entries) = settings_sections([ProjectSettings("future", future)])
    assert section.rows == (("newSwitch", "true", FROM_FILE), ("limits.burst", "3", FROM_DEFAULT))
    assert entries.headers == ("name", "weight") and entries.rows == (("a", "2"), ("b", "1"))


# -- tables ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [80, 120])
def test_the_plan_fits_a_terminal(reports: dict[str, StackReport], monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    out = plan_output(reports, "prod", "table")
    too_long = [line for line in out.splitlines() if len(line) > width]
    assert too_long == []
    assert "the pipeline deployer" in out


def test_a_prod_tier_stack_without_its_pim_phase_is_warned_about(environments: dict[str, Environment]) -> None:
    prod = environments["prod"]
    assert not [w for w in build_report(prod).warnings if "pim/" in w]
    without_pim = build_report(Environment(prod.main, None, prod.bootstrap))
    assert [w for w in without_pim.warnings if "pim/" in w] == [
        "no pim/Pulumi.prod.yaml: in prod nobody holds Foundry Account Owner standing, and without the PIM phase "
        "the platform admins are not eligible for it either"
    ]
    for stack in ("dev", "staging"):  # dev's phase makes no eligibility, staging has none: no warning either way
        assert not [w for w in build_report(environments[stack]).warnings if "pim/" in w]


def test_immutable_subjects_are_exact_in_both_projects_and_printed_by_the_plan(
    environments: dict[str, Environment], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = {
        "owner": "contoso",
        "repository": "foundry-platform",
        "subjectFormat": "immutable",
        "ownerId": "1234",
        "repositoryId": "98765",
    }
    agents = {**platform, "repository": "foundry-agents", "repositoryId": "55555"}
    main = render("prod", overrides={"github": agents, "platformRepository": platform})
    bootstrap = render_bootstrap("prod", overrides={"github": platform})
    report = build_report(Environment(main, environments["prod"].pim, bootstrap))
    subjects = {(project, c.identity, c.subject) for project, c in report.trusted_credentials}
    assert subjects == {
        ("main", "sp-fndry-foundry-prod-cicd", "repo:contoso@1234/foundry-agents@55555:environment:prod"),
        ("main", "sp-fndry-foundry-prod-cicd", "repo:contoso@1234/foundry-platform@98765:environment:prod"),
        ("bootstrap", "sp-fndry-platform-prod-deployer", "repo:contoso@1234/foundry-platform@98765:environment:prod"),
        (
            "bootstrap",
            "sp-fndry-platform-prod-preview",
            "repo:contoso@1234/foundry-platform@98765:environment:prod-preview",
        ),
        (
            "bootstrap",
            "sp-fndry-platform-prod-audit",
            "repo:contoso@1234/foundry-platform@98765:environment:prod-audit",
        ),
    }
    printed = json.loads(plan.format_reports([report], "json"))["stacks"][0]["trustedSubjects"]
    assert {(s["project"], s["subject"]) for s in printed} == {(p, subject) for p, _, subject in subjects}
    monkeypatch.setenv("COLUMNS", "400")  # wide enough that no cell wraps
    table = plan.format_reports([report], "table")
    for project, identity, subject in subjects:
        assert re.search(rf"(?m)^{project}\s+{identity}\s.*\s{re.escape(subject)}\s", table), subject


def test_the_plan_shows_who_may_preview_from_a_laptop(environments: dict[str, Environment]) -> None:
    group = "8b1f2c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d"
    dev = environments["dev"]
    bootstrap = render_bootstrap("dev", overrides={"localPreviewGroup": group})
    report = build_report(Environment(dev.main, dev.pim, bootstrap))
    shown = {(e.role_name, e.scope) for e in report.pipeline_access if e.principal.object_id == group}
    assert {e.principal.display_name for e in report.pipeline_access if e.principal.object_id == group} == {
        f"local preview group, {group}"
    }
    reader = {
        (e.role_name, e.scope)
        for e in report.pipeline_access
        if e.principal.display_name == "sp-fndry-platform-dev-preview"
    }
    assert shown == reader and len(shown) == 3
    assert not [e for e in build_report(dev).pipeline_access if e.principal.object_id == group]
