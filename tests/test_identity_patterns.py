"""The opt-in identity patterns together: each adds exactly its grants to the role model, only where a stack turns
it on (client secrets never in prod), and all of them on at once still pass the whole plan."""

from __future__ import annotations

from typing import Any

import pytest

from components import access
from components.settings.access import OptIn
from components.settings.core import EnvironmentName
from offline.render import render
from tests.config_checks import plan_findings
from tests.test_client_secrets import NIGHTLY, secrets
from tests.test_on_behalf_of import obo
from tests.test_workload_identity import aks

FOUNDRY_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"

# What each pattern adds, written out from the issue and the design source (not read from the model).
ADDED: dict[OptIn, set[tuple[str, str, str]]] = {
    "system-assigned web app": {
        ("web app identity", FOUNDRY_USER, "each project"),
        ("web app identity", KEY_VAULT_SECRETS_USER, "Key Vault"),
        ("web app identity", MONITORING_METRICS_PUBLISHER, "Application Insights"),
    },
    "on-behalf-of": {("end users", FOUNDRY_USER, "each project")},
    "client secrets": {("headless scripts", FOUNDRY_USER, "its project")},
}
NEVER_IN: dict[OptIn, set[str]] = {"client secrets": {"prod"}}


def as_rows(grants: tuple[access.Grant, ...]) -> set[tuple[str, str, str]]:
    return {(g.grantee, g.role.guid, g.scope) for g in grants}


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
@pytest.mark.parametrize("pattern", sorted(ADDED))
def test_each_pattern_adds_exactly_its_grants(environment: EnvironmentName, pattern: OptIn) -> None:
    base = as_rows(access.grants_for(environment, frozenset()))
    with_it = as_rows(access.grants_for(environment, frozenset({pattern})))
    expected = set() if environment in NEVER_IN.get(pattern, set()) else ADDED[pattern]
    assert with_it - base == expected
    assert base <= with_it


def all_on(*parts: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged |= part
    return merged


def test_every_pattern_on_at_once_passes_the_plan(bootstrapped: dict[str, Any]) -> None:
    """AKS workload identity, a multi-tenant OBO API and a client secret in dev; the web app on its own identity with a client secret
    in staging (OBO needs the user-assigned identity, so the two do not meet); AKS and OBO in prod."""
    dev = render("dev", overrides=all_on(aks(), obo(signInAudience="AzureADMultipleOrgs"), secrets(NIGHTLY)))
    staging = render("staging", overrides=all_on({"compute": {"identity": "system-assigned"}}, secrets(NIGHTLY)))
    prod = render("prod", overrides=all_on(aks(), obo()))
    for rendering in (dev, staging, prod):
        assert plan_findings(rendering, bootstrapped[rendering.stack]) == [], rendering.stack
