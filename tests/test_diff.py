"""The stack diff a reviewer reads: lists compared element by element, one row for a change many resources share,
values as the stack files write them, what a one-sided resource would create, and no line over 200 characters."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from typing import Any

import pytest

from components.catalogue.resource_types import ACCOUNT, PIM_ELIGIBILITY, ROLE_ASSIGNMENT
from components.rbac import CONDITION_VERSION
from offline import plan
from offline.diff import (
    ABSENT,
    LISTED_RESOURCES,
    MAX_LINE,
    SECRET,
    Change,
    StackDiff,
    diff_stacks,
    format_diff,
    key_inputs,
)
from offline.registrations import Registration, Rendering
from offline.report import Environment, StackReport, build_report

FORMATS = ("table", "markdown", "json", "csv")
VNET = "azure-native:network:VirtualNetwork"
WORKSPACE = "azure-native:operationalinsights:Workspace"
WEB_APP = "azure-native:web:WebApp"
ELIGIBILITY_KEY = f"{{env}}-platformAdmins-foundry-account-owner [{PIM_ELIGIBILITY}]"
SYNTHETIC = "test:index:Thing"


@pytest.fixture
def cached_render(monkeypatch: pytest.MonkeyPatch, environments: dict[str, Environment]) -> None:
    """The command renders through `offline.plan.render_environment`; reuse the session's renderings (fast)."""
    monkeypatch.setattr(plan, "render_environment", lambda stack, today=None: environments[stack])
    monkeypatch.setattr(plan, "known_stacks", lambda: list(environments))


@pytest.fixture(scope="module")
def reports(environments: dict[str, Environment]) -> dict[str, StackReport]:
    return {stack: build_report(environments[stack]) for stack in ("dev", "prod")}


@pytest.fixture(scope="module")
def dev_prod(environments: dict[str, Environment], reports: dict[str, StackReport]) -> StackDiff:
    return diff_stacks(environments["dev"].combined, environments["prod"].combined, reports["dev"], reports["prod"])


def printed(diff: StackDiff, reports: dict[str, StackReport], fmt: str) -> str:
    return format_diff(diff, [reports["dev"], reports["prod"]], fmt)


def key_of(resource: Registration, stack: str) -> str:
    """A resource as the diff names it: its logical name with the stack's name as `{env}`, and its type."""
    return f"{re.sub(rf'(?<![A-Za-z0-9]){stack}(?![A-Za-z0-9])', '{env}', resource.name)} [{resource.type}]"


def thing(name: str, inputs: dict[str, Any], secrets: set[str] | None = None, protect: bool = False) -> Registration:
    return Registration(
        urn=f"urn:pulumi:test::test::{SYNTHETIC}::{name}",
        type=SYNTHETIC,
        name=name,
        custom=True,
        parent="",
        inputs=inputs,
        secret_inputs=secrets or set(),
        dependencies=[],
        property_dependencies={},
        protect=protect,
    )


def compare(left: dict[str, Any], right: dict[str, Any], **options: Any) -> list[Change]:
    """The changes between two versions of one synthetic resource."""
    diff = diff_stacks(
        Rendering("alpha", [thing("thing", left, **options)], {}, set()),
        Rendering("beta", [thing("thing", right)], {}, set()),
    )
    return list(diff.changed)


def as_pairs(changes: list[Change]) -> dict[str, tuple[Any, Any]]:
    return {c.path: (c.left, c.right) for c in changes}


def shown_value(lines: list[str], path: str, value: str) -> str:
    """The text printed for `value` on the first row of `path`: its first piece there, then the pieces the table
    wrapped onto the next lines in the same column, for as long as they go on with `value`."""
    start = next(i for i, line in enumerate(lines) if re.search(rf"(^|[\s|]){re.escape(path)}[\s|]", line))
    column = lines[start].index(value[:10])
    joined = ""
    for line in lines[start:]:
        piece = line[column:].strip(" |")
        if not piece or not value.startswith(joined + piece):
            break
        joined += piece
    return joined


# --- dev and prod, as the example stack files render them ---------------------------------------------------------


def test_a_tag_added_everywhere_is_one_row_counting_every_tagged_resource(
    dev_prod: StackDiff, environments: dict[str, Environment], reports: dict[str, StackReport]
) -> None:
    dev, prod = environments["dev"].combined, environments["prod"].combined
    in_dev = {key_of(r, "dev"): r for r in dev.resources}
    tagged = sorted(
        key
        for r in prod.resources
        if (key := key_of(r, "prod")) in in_dev
        and "dataClassification" in r.inputs.get("tags", {})
        and "dataClassification" not in in_dev[key].inputs.get("tags", {})
    )
    assert len(tagged) > LISTED_RESOURCES  # so table and markdown show the count, not the names

    (group,) = [c for c in dev_prod.collapsed if c.path == "tags.dataClassification"]
    assert (group.left, group.right, list(group.resources)) == (ABSENT, "confidential", tagged)

    document = json.loads(printed(dev_prod, reports, "json"))["diff"]
    (entry,) = [c for c in document["changes"] if c["path"] == "tags.dataClassification"]
    assert entry["count"] == len(tagged) and entry["resources"] == tagged
    per_resource = [c["resource"] for c in document["changedInputs"] if c["path"] == "tags.dataClassification"]
    assert sorted(per_resource) == tagged

    table = printed(dev_prod, reports, "table").splitlines()
    rows = [line for line in table if "tags.dataClassification" in line]
    assert len(rows) == 1 and rows[0].split()[:2] == [str(len(tagged)), "resources"]
    assert rows[0].split()[-2:] == [ABSENT, "confidential"]
    markdown = printed(dev_prod, reports, "markdown")
    assert f"| {len(tagged)} resources | tags.dataClassification | {ABSENT} | confidential |" in markdown.splitlines()

    sheet = list(csv.DictReader(io.StringIO(printed(dev_prod, reports, "csv"))))
    tag_rows = [
        row
        for row in sheet
        if (row["section"], row["input"], row["stack"]) == ("changed", "tags.dataClassification", "prod")
    ]
    assert len(tag_rows) == len(tagged) and {row["count"] for row in tag_rows} == {str(len(tagged))}


def test_protection_added_in_prod_names_each_resource(
    dev_prod: StackDiff, environments: dict[str, Environment]
) -> None:
    dev, prod = environments["dev"].combined, environments["prod"].combined
    protected_in_dev = {key_of(r, "dev") for r in dev.resources if r.protect}
    shared = {key_of(r, "dev") for r in dev.resources}
    expected = sorted(k for r in prod.resources if r.protect and (k := key_of(r, "prod")) in shared - protected_in_dev)
    (group,) = [c for c in dev_prod.collapsed if c.path == "(protect)"]
    assert (group.left, group.right, list(group.resources)) == (False, True, expected)
    assert f"{{env}}-foundry-account [{ACCOUNT}]" in expected


def test_numbers_and_booleans_read_as_in_the_stack_files(
    dev_prod: StackDiff, environments: dict[str, Environment], reports: dict[str, StackReport]
) -> None:
    engine_values = [environments[s].main.one(WORKSPACE).inputs["retentionInDays"] for s in ("dev", "prod")]
    assert engine_values == [30.0, 90.0]  # the engine hands numbers over as floats
    changes = {(c.resource.rpartition(" [")[2], c.path): c for c in dev_prod.changed}
    retention = changes[(f"{WORKSPACE}]", "retentionInDays")]
    assert (retention.left, retention.right) == (30, 90) and type(retention.left) is int
    route_all = changes[(f"{WEB_APP}]", "siteConfig.vnetRouteAllEnabled")]
    assert (route_all.left, route_all.right) == (False, True)

    for fmt in ("table", "markdown"):
        lines = printed(dev_prod, reports, fmt).splitlines()
        (retention_line,) = [line for line in lines if "retentionInDays" in line]
        assert retention_line.replace("|", " ").split()[-3:] == ["retentionInDays", "30", "90"]
        (route_line,) = [line for line in lines if "vnetRouteAllEnabled" in line]
        assert route_line.replace("|", " ").split()[-2:] == ["false", "true"]
    document = json.loads(printed(dev_prod, reports, "json"))["diff"]
    (entry,) = [c for c in document["changedInputs"] if c["path"] == "retentionInDays"]
    assert (entry["left"], entry["right"]) == (30, 90)
    sheet = list(csv.DictReader(io.StringIO(printed(dev_prod, reports, "csv"))))
    assert {r["stack"]: r["value"] for r in sheet if r["input"] == "retentionInDays"} == {"dev": "30", "prod": "90"}

    # Role assignment conditions (prod's standard agent setup) carry ARM's own text: `conditionVersion` is the
    # string "2.0", not a number, and the condition's `ActionMatches{'...'}` is its syntax, not a Python repr.
    conditioned = [r for r in environments["prod"].main.of_type(ROLE_ASSIGNMENT) if "condition" in r.inputs]
    assert conditioned and {r.inputs["conditionVersion"] for r in conditioned} == {CONDITION_VERSION} == {"2.0"}
    for fmt in FORMATS:
        out = printed(dev_prod, reports, fmt)
        numbers = "\n".join(line for line in out.splitlines() if "conditionVersion" not in line)
        assert not re.search(r"(?<![\d.])\d+\.0(?![\d.])", numbers), fmt  # 30.0
        assert not re.search(r"\b(True|False)\b|(?<!ActionMatches)\{'|\['", out), fmt  # Python reprs


def test_the_pim_eligibility_only_in_prod_shows_role_principal_and_scope(
    dev_prod: StackDiff, environments: dict[str, Environment], reports: dict[str, StackReport]
) -> None:
    eligibility = environments["prod"].combined.one(PIM_ELIGIBILITY)
    account = environments["prod"].main.one(ACCOUNT)
    role_guid = eligibility.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
    assert eligibility.inputs["scope"].endswith(
        f"/Microsoft.CognitiveServices/accounts/{account.inputs['accountName']}"
    )
    assert ELIGIBILITY_KEY in dev_prod.only_right and ELIGIBILITY_KEY not in dev_prod.only_left

    inputs = dev_prod.inputs_only_right[ELIGIBILITY_KEY]
    assert inputs["roleDefinitionId"] == f"Microsoft.Authorization/roleDefinitions/{role_guid}"
    assert inputs["scope"] == "rg-fndry-{env}/Microsoft.CognitiveServices/accounts/fndry-{env}-{hash}"
    assert inputs["principalId"] == "{guid}"
    duration = eligibility.inputs["scheduleInfo"]["expiration"]["duration"]
    assert inputs["scheduleInfo.expiration.duration"] == duration

    shown = dict(key_inputs(inputs)[0])
    assert {"roleDefinitionId", "scope", "principalId", "justification"} <= shown.keys()
    for fmt in ("table", "markdown"):
        lines = printed(dev_prod, reports, fmt).splitlines()
        start = next(i for i, line in enumerate(lines) if "{env}-platformAdmins-foundry-account-owner" in line)
        block = "\n".join(lines[start : start + 12])
        assert f"[{PIM_ELIGIBILITY}]" in block and "scheduleInfo.expiration.duration" in block
        # A value wider than its column goes on over the next lines (the table wraps, never cuts).
        assert shown_value(lines[start:], "roleDefinitionId", inputs["roleDefinitionId"]) == inputs["roleDefinitionId"]
        assert shown_value(lines[start:], "scope", inputs["scope"]) == inputs["scope"]
    document = json.loads(printed(dev_prod, reports, "json"))["diff"]
    assert document["inputsOfResourcesOnlyInRight"][ELIGIBILITY_KEY]["scope"] == inputs["scope"]


def test_a_one_sided_vnet_shows_its_subnets_and_json_every_input(
    dev_prod: StackDiff, environments: dict[str, Environment], reports: dict[str, StackReport]
) -> None:
    vnet = environments["prod"].main.one(VNET)
    key = f"{{env}}-network-vnet [{VNET}]"
    assert key in dev_prod.only_right and not environments["dev"].main.of_type(VNET)
    inputs = dev_prod.inputs_only_right[key]
    for i, subnet in enumerate(vnet.inputs["subnets"]):
        assert inputs[f"subnets[{i}].name"] == subnet["name"]
        assert inputs[f"subnets[{i}].addressPrefix"] == subnet["addressPrefix"]
    assert inputs["addressSpace.addressPrefixes"] == vnet.inputs["addressSpace"]["addressPrefixes"]
    assert inputs["tags.environment"] == "{env}"  # JSON: every input
    shown = dict(key_inputs(inputs)[0])
    assert not [path for path in shown if path.startswith("tags.")]  # the table: tags left out
    assert shown["subnets[1].addressPrefix"] == vnet.inputs["subnets"][1]["addressPrefix"]
    table = printed(dev_prod, reports, "table")
    assert re.search(rf"subnets\[1\]\.addressPrefix +{re.escape(vnet.inputs['subnets'][1]['addressPrefix'])}", table)


def test_the_real_vnet_reordered_with_one_prefix_changed_differs_in_that_prefix_only(
    environments: dict[str, Environment],
) -> None:
    vnet = environments["prod"].main.one(VNET)
    subnets = [dict(s) for s in reversed(vnet.inputs["subnets"])]
    moved = next(s for s in subnets if "delegations" in s)
    before, moved["addressPrefix"] = moved["addressPrefix"], "10.40.1.0/26"
    variant = dataclasses.replace(vnet, inputs=vnet.inputs | {"subnets": subnets})
    diff = diff_stacks(Rendering("prod", [vnet], {}, set()), Rendering("prod", [variant], {}, set()))
    assert [(c.path, c.left, c.right) for c in diff.changed] == [
        (f"subnets[{moved['name']}].addressPrefix", before, "10.40.1.0/26")
    ]


@pytest.mark.parametrize("columns", ["200", "400"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_line_of_the_dev_prod_diff_is_longer_than_200(
    cached_render: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert plan.main(["--diff", "dev", "prod", "--format", fmt]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 40
    assert max(len(line) for line in lines) <= MAX_LINE


def test_the_text_diff_fits_a_narrow_terminal_and_keeps_every_character(
    dev_prod: StackDiff, reports: dict[str, StackReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    out = printed(dev_prod, reports, "table")
    assert max(len(line) for line in out.splitlines()) <= 100
    subnet_id = next(c.right for c in dev_prod.changed if c.path == "virtualNetworkSubnetId")
    assert len(subnet_id) > 60
    assert shown_value(out.splitlines(), "virtualNetworkSubnetId", subnet_id) == subnet_id


# --- the comparison, on hand-made resources -------------------------------------------------------------------


def test_list_elements_are_paired_by_name_and_one_sided_elements_show_absent() -> None:
    left = {
        "subnets": [{"name": "agent", "addressPrefix": "10.0.0.0/26"}, {"name": "old", "addressPrefix": "10.0.9.0/26"}]
    }
    right = {
        "subnets": [{"name": "new", "addressPrefix": "10.0.8.0/26"}, {"name": "agent", "addressPrefix": "10.0.1.0/26"}]
    }
    assert as_pairs(compare(left, right)) == {
        "subnets[agent].addressPrefix": ("10.0.0.0/26", "10.0.1.0/26"),
        "subnets[new].addressPrefix": (ABSENT, "10.0.8.0/26"),
        "subnets[new].name": (ABSENT, "new"),
        "subnets[old].addressPrefix": ("10.0.9.0/26", ABSENT),
        "subnets[old].name": ("old", ABSENT),
    }


def test_reordering_a_keyed_list_is_no_difference() -> None:
    settings = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert compare({"appSettings": settings}, {"appSettings": list(reversed(settings))}) == []


def test_identity_is_name_then_key_then_id_then_category() -> None:
    both_keys = [{"name": "n1", "id": "i1", "v": 1}]
    assert [c.path for c in compare({"l": both_keys}, {"l": [both_keys[0] | {"v": 2}]})] == ["l[n1].v"]
    by_key = [{"key": "k1", "id": "i1", "v": 1}]
    assert [c.path for c in compare({"l": by_key}, {"l": [by_key[0] | {"v": 2}]})] == ["l[k1].v"]
    logs = [{"category": "AuditEvent", "enabled": True}, {"category": "RequestResponse", "enabled": True}]
    off = [logs[0], {"category": "RequestResponse", "enabled": False}]
    assert as_pairs(compare({"logs": logs}, {"logs": off})) == {"logs[RequestResponse].enabled": (True, False)}


def test_a_repeated_name_is_told_apart_by_the_field_that_pairs_the_elements() -> None:
    def filters(threshold: str) -> list[dict[str, Any]]:
        return [
            {"name": "Hate", "source": "Prompt", "severityThreshold": "Medium", "blocking": True},
            {"name": "Hate", "source": "Completion", "severityThreshold": threshold, "blocking": True},
            {"name": "Jailbreak", "source": "Prompt", "severityThreshold": "Medium", "blocking": True},
        ]

    changes = compare({"contentFilters": filters("Medium")}, {"contentFilters": list(reversed(filters("High")))})
    assert as_pairs(changes) == {"contentFilters[Hate, source=Completion].severityThreshold": ("Medium", "High")}


def test_objects_without_an_identity_are_compared_by_position() -> None:
    rules = [{"action": "Allow", "value": "10.0.0.1"}]
    assert as_pairs(compare({"ipRules": rules}, {"ipRules": [{"action": "Allow", "value": "10.0.0.2"}]})) == {
        "ipRules[0].value": ("10.0.0.1", "10.0.0.2")
    }


def test_a_list_of_values_reports_the_items_removed_and_added() -> None:
    (change,) = compare({"owners": ["a", "b", "x"]}, {"owners": ["x", "a", "c"]})
    assert (change.path, change.removed, change.added) == ("owners", ("b",), ("c",))
    assert (change.left, change.right) == (["a", "b", "x"], ["x", "a", "c"])  # JSON keeps both lists whole
    diff = StackDiff("left", "right", (), (), (change,), (), ())
    table = format_diff(diff, [], "table")
    (row,) = [line for line in table.splitlines() if "owners" in line]
    assert row.split()[-4:] == ["-", "b", "+", "c"]
    entry = json.loads(format_diff(diff, [], "json"))["diff"]["changedInputs"][0]
    assert (entry["removed"], entry["added"]) == (["b"], ["c"])


def test_order_alone_is_reported_for_a_list_of_values() -> None:
    (change,) = compare({"dnsServers": ["10.0.0.4", "10.0.0.5"]}, {"dnsServers": ["10.0.0.5", "10.0.0.4"]})
    assert (change.removed, change.added) == ((), ())
    table = format_diff(StackDiff("left", "right", (), (), (change,), (), ()), [], "table")
    assert "[10.0.0.4, 10.0.0.5]" in table and "[10.0.0.5, 10.0.0.4]" in table


def test_values_are_compared_as_written() -> None:
    assert as_pairs(compare({"days": 90.0, "flag": True, "n": 1}, {"days": 90, "flag": 1, "n": 1.0})) == {
        "flag": (True, 1)
    }


def test_a_secret_input_that_differs_is_reported_without_its_value() -> None:
    changes = compare(
        {"properties": {"key": "left-secret-value", "kind": "ApiKey"}},
        {"properties": {"key": "right-secret-value", "kind": "ApiKey"}},
        secrets={"properties"},
    )
    assert as_pairs(changes) == {"properties.key": (SECRET, SECRET)}
    out = format_diff(StackDiff("left", "right", (), (), tuple(changes), (), ()), [], "json")
    assert "secret-value" not in out


def test_the_environment_name_and_code_are_placeholders_in_paths_and_values() -> None:
    left = Rendering("prod", [thing("prod-kv", {"vaultName": "kv-fndry-prd-fd048b", "retention": 7})], {}, set())
    right = Rendering("staging", [thing("staging-kv", {"vaultName": "kv-fndry-stg-0a1b2c", "retention": 7})], {}, set())
    diff = diff_stacks(left, right)
    assert (diff.only_left, diff.only_right, diff.changed) == ((), (), ())


def test_a_text_too_long_for_a_line_comes_in_pieces_that_join_back(
    dev_prod: StackDiff, reports: dict[str, StackReport]
) -> None:
    """Prod's Storage Blob Data Owner condition (over 400 characters) in JSON and CSV: no line cut, nothing lost."""
    key = next(k for k in dev_prod.only_right if "storage-blob-data-owner-agents" in k)
    condition = dev_prod.inputs_only_right[key]["condition"]
    assert len(condition) > 2 * 200
    document = json.loads(printed(dev_prod, reports, "json"))
    pieces = document["diff"]["inputsOfResourcesOnlyInRight"][key]["condition"]
    assert isinstance(pieces, list) and "".join(pieces) == condition
    rows = list(csv.DictReader(io.StringIO(printed(dev_prod, reports, "csv"))))
    name = key.rpartition(" [")[0]
    parts = [r["value"] for r in rows if r["resource"] == name and r["input"] in ("condition", "condition (continued)")]
    assert len(parts) > 2 and "".join(parts) == condition
