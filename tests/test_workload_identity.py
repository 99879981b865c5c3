"""AKS workload identity (design source 1.3), opt-in per environment: pods of one cluster sign in as the app's
user-assigned identity through one federated credential per service account, exact subjects, one write at a time;
nothing of it exists unless a stack turns it on."""

from __future__ import annotations

from typing import Any

import pytest

from components.catalogue.federation import (
    AKS_CLIENT_ID_ANNOTATION,
    AKS_TENANT_ID_ANNOTATION,
    AKS_USE_LABEL,
    ENTRA_TOKEN_EXCHANGE_AUDIENCE,
    MAX_CREDENTIALS_PER_IDENTITY,
)
from components.catalogue.resource_types import IDENTITY_CREDENTIAL, USER_ASSIGNED_IDENTITY
from offline.render import FAKE_TENANT_ID, Rendering, render
from offline.report import policy_resources
from policy.rules import evaluate
from tests.config_checks import refused_config_problem

ISSUER = "https://swedencentral.oic.prod-aks.azure.com/4f9c1a2b-3d4e-4f50-9a6b-7c8d9e0f1a2b/5e6f7a8b-9c0d-4e1f/"
ACCOUNTS = [{"namespace": "agents", "name": "runtime"}, {"namespace": "agents", "name": "evals.worker"}]


def aks(**changes: Any) -> dict[str, Any]:
    return {"aksWorkloadIdentity": {"issuer": ISSUER, "serviceAccounts": ACCOUNTS, **changes}}


@pytest.fixture(scope="module")
def on() -> Rendering:
    return render("dev", overrides=aks())


def test_each_service_account_gets_one_exact_credential_on_the_app_identity(on: Rendering) -> None:
    identity = on.one(USER_ASSIGNED_IDENTITY)
    credentials = {c.input("federatedIdentityCredentialResourceName"): c for c in on.of_type(IDENTITY_CREDENTIAL)}
    assert {name: c.input("subject") for name, c in credentials.items()} == {
        "aks-agents-runtime": "system:serviceaccount:agents:runtime",
        "aks-agents-evals-worker": "system:serviceaccount:agents:evals.worker",
    }
    for credential in credentials.values():
        assert credential.input("issuer") == ISSUER
        assert credential.input("audiences") == [ENTRA_TOKEN_EXCHANGE_AUDIENCE]
        assert credential.input("resourceName") == identity.input("resourceName")
    # Azure takes one credential write at a time per identity: the second waits for the first.
    assert on.depends_on(credentials["aks-agents-evals-worker"], credentials["aks-agents-runtime"])


def test_the_outputs_are_what_the_cluster_manifests_carry(on: Rendering) -> None:
    identity = on.one(USER_ASSIGNED_IDENTITY)
    assert on.exports["aksWorkloadIdentity"] == {
        "serviceAccounts": ["agents/runtime", "agents/evals.worker"],
        "serviceAccountAnnotations": {
            AKS_CLIENT_ID_ANNOTATION: identity.state["clientId"],
            AKS_TENANT_ID_ANNOTATION: FAKE_TENANT_ID,
        },
        "podLabels": {AKS_USE_LABEL: "true"},
    }


def test_turned_on_it_passes_the_policy_pack(on: Rendering) -> None:
    assert [v.policy for v in evaluate(policy_resources(on), on.stack) if not v.passed] == []


def test_off_by_default_nothing_of_it_exists(rendered: dict[str, Rendering]) -> None:
    for rendering in rendered.values():
        assert rendering.of_type(IDENTITY_CREDENTIAL) == []
        assert "aksWorkloadIdentity" not in rendering.exports


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        (aks(issuer="http://cluster.example/issuer"), "aksWorkloadIdentity.issuer", "https"),
        (
            aks(serviceAccounts=[{"namespace": "Agents", "name": "runtime"}]),
            "aksWorkloadIdentity.serviceAccounts[0].namespace",
            "a Kubernetes namespace",
        ),
        (
            aks(serviceAccounts=[{"namespace": "agents", "name": "*"}]),
            "aksWorkloadIdentity.serviceAccounts[0].name",
            "a Kubernetes service account name",
        ),
        (aks(serviceAccounts=[ACCOUNTS[0], ACCOUNTS[0]]), "aksWorkloadIdentity.serviceAccounts[1]", "each service"),
        (aks(serviceAccounts=[]), "aksWorkloadIdentity.serviceAccounts", "at least 1"),
    ],
)
def test_a_bad_cluster_or_service_account_is_refused_before_anything_is_made(
    overrides: dict[str, Any], key: str, says: str
) -> None:
    problem = refused_config_problem(lambda: render("dev", overrides=overrides), key)
    assert says in problem


def test_with_the_other_credentials_it_stays_within_entras_limit_and_names() -> None:
    extras = [
        {"name": f"batch-{i}", "identity": "app", "issuer": ISSUER, "subject": f"system:serviceaccount:batch:job{i}"}
        for i in range(MAX_CREDENTIALS_PER_IDENTITY - len(ACCOUNTS) + 1)
    ]
    problem = refused_config_problem(
        lambda: render("dev", overrides={**aks(), "federatedCredentials": extras}),
        "aksWorkloadIdentity.serviceAccounts",
    )
    assert f"{MAX_CREDENTIALS_PER_IDENTITY + 1} federated credentials on the app identity" in problem
    clash = [{"name": "aks-agents-runtime", "identity": "app", "issuer": ISSUER, "subject": "other"}]
    problem = refused_config_problem(
        lambda: render("dev", overrides={**aks(), "federatedCredentials": clash}),
        "aksWorkloadIdentity.serviceAccounts[0]",
    )
    assert "'aks-agents-runtime' is taken by federatedCredentials" in problem
