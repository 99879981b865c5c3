"""The design rules between deploys: every CrossGuard rule has its Azure Policy counterpart or a stated reason why
not, and the administrator's phase assigns the built-ins at the environment's resource group, denying in prod and
auditing in dev."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline.render import PIM_DIR, PIM_PROJECT, Rendering, render
from pim.settings import main_stack_reference
from policy import azure_policy, rules
from policy.azure_policy import COUNTERPARTS, BuiltIn, CustomDefinition, NoBuiltIn

ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
# Built-in definitions from Azure/azure-policy (built-in-policies/policyDefinitions, f4a50ba), written out here.
AI_SERVICES_LOCAL_AUTH = "71ef260a-8f18-47b7-abcb-62d0673d94dc"
KEY_VAULT_RBAC = "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5"
KEY_VAULT_PURGE_PROTECTION = "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53"
STORAGE_SHARED_KEY = "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54"
WEB_APP_LATEST_TLS = "f0e6e85b-9b9f-4a4b-b67b-f730d42f1b0b"  # AuditIfNotExists only
KEY_VAULT_PUBLIC_ACCESS = "405c5871-3e91-4644-8a63-58e19d68ff5b"  # a private-mode rule


def phase(main: Rendering) -> Rendering:
    return render(
        main.stack,
        project_dir=PIM_DIR,
        project_name=PIM_PROJECT,
        stack_outputs={main_stack_reference(main.stack): main.exports},
    )


@pytest.fixture(scope="module")
def assigned(rendered: dict[str, Rendering]) -> dict[str, dict[str, tuple[str, str]]]:
    """stack -> definition GUID -> (effect, scope) of each assignment its administrator's phase makes."""
    found = {}
    for stack in ("dev", "staging", "prod"):
        found[stack] = {
            a.input("policyDefinitionId").rsplit("/", 1)[-1]: (
                a.input("parameters")["effect"]["value"],
                a.input("scope"),
            )
            for a in phase(rendered[stack]).of_type(ASSIGNMENT)
        }
    return found


def test_every_policy_pack_rule_has_a_counterpart_or_a_reason() -> None:
    assert set(COUNTERPARTS) == set(rules.POLICY_NAMES)
    for rule, counterpart in COUNTERPARTS.items():
        if isinstance(counterpart, NoBuiltIn):
            assert len(counterpart.reason) > 40, rule  # a stated reason, not a placeholder
        else:
            assert counterpart and all(isinstance(b, BuiltIn | CustomDefinition) and b.effects for b in counterpart), (
                rule
            )


def test_a_rule_added_without_a_counterpart_fails_the_correspondence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "POLICY_NAMES", (*rules.POLICY_NAMES, "a-new-rule"))
    with pytest.raises(AssertionError):
        test_every_policy_pack_rule_has_a_counterpart_or_a_reason()


def test_prod_denies_where_the_definition_allows_it(assigned: dict[str, dict[str, tuple[str, str]]]) -> None:
    prod = assigned["prod"]
    group = f"/resourceGroups/{'rg-fndry-prod'}"
    for guid in (AI_SERVICES_LOCAL_AUTH, KEY_VAULT_RBAC, KEY_VAULT_PURGE_PROTECTION, STORAGE_SHARED_KEY):
        effect, scope = prod[guid]
        assert effect == "Deny" and scope.endswith(group), guid
    assert prod[WEB_APP_LATEST_TLS][0] == "AuditIfNotExists"  # Deny is not among its effects
    assert prod[KEY_VAULT_PUBLIC_ACCESS][0] == "Deny"  # prod is private: the public-access rules apply


def test_dev_audits_and_leaves_out_the_private_mode_rules(assigned: dict[str, dict[str, tuple[str, str]]]) -> None:
    dev = assigned["dev"]
    assert dev[AI_SERVICES_LOCAL_AUTH] == ("Audit", dev[AI_SERVICES_LOCAL_AUTH][1])
    assert dev[AI_SERVICES_LOCAL_AUTH][1].endswith("/resourceGroups/rg-fndry-dev")
    assert {effect for effect, _ in dev.values()} == {"Audit", "AuditIfNotExists"}
    assert KEY_VAULT_PUBLIC_ACCESS not in dev
    private_only = {
        b.guid
        for c in COUNTERPARTS.values()
        if not isinstance(c, NoBuiltIn)
        for b in c
        if isinstance(b, BuiltIn) and b.group == "private"
    }
    assert set(assigned["prod"]) - set(dev) == private_only


def test_each_builtin_is_assigned_once_with_its_own_parameters() -> None:
    chosen = azure_policy.assignments(deny=True, private=True)
    guids = [builtin.guid for _, builtin, _ in chosen]
    assert len(guids) == len(set(guids))
    tls = next(b for _, b, _ in chosen if b.guid == "fe83a0eb-a853-422d-aac2-1bffd182c5d0")
    assert tls.parameters == {"minimumTlsVersion": "TLS1_2"}


def test_the_docs_show_the_correspondence_as_the_code_holds_it() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "azure-policy.md").read_text()
    assert azure_policy.markdown_table() in page


def test_staging_audits_what_dev_audits(assigned: dict[str, dict[str, tuple[str, str]]]) -> None:
    """Staging is public in the examples, like dev: the same definitions, audited, at its own group."""
    staging = assigned["staging"]
    assert set(staging) == set(assigned["dev"])
    assert {effect for effect, _ in staging.values()} == {"Audit", "AuditIfNotExists"}
    assert all(scope.endswith("/resourceGroups/rg-fndry-staging") for _, scope in staging.values())
