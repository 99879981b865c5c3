"""The offline harness refuses what Azure and Entra refuse: one small program breaks each rule and its render fails
naming that rule. Several of them are how this program itself used to be written (the comments say which)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pulumi
import pulumi_azuread as azuread
import pytest
from pulumi_azure_native import authorization, cognitiveservices, keyvault, managedidentity, resources

from offline.azure_rules import RULE_NAMES, AzureRefusalError, check_global_names
from offline.render import (
    BOOTSTRAP_DIR,
    BOOTSTRAP_PROJECT,
    FAKE_ADMIN_OBJECT_ID,
    FAKE_CLIENT_OBJECT_ID,
    FAKE_SUBSCRIPTION_ID,
    FAKE_TENANT_ID,
    Caller,
    RenderError,
    Rendering,
    render,
)

DEPLOYER = Caller(FAKE_CLIENT_OBJECT_ID, True, "the pipeline deployer")
ADMINISTRATOR = Caller(FAKE_ADMIN_OBJECT_ID, False, "an administrator")
FOUNDRY_USER = f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/53ca6127-db72-4b80-b1b0-d745d6d5456d"
ISSUER = "https://oidc.aks.example.net/cluster/"
TRACING = cognitiveservices.AADAuthTypeConnectionPropertiesArgs(auth_type="AAD", category="AppInsights", target="x")


def refusals(program: Callable[[], None], caller: Caller = DEPLOYER) -> list[str]:
    """The rules a program breaks, by name (the render must fail on them and only on them)."""
    with pytest.raises(RenderError) as failure:
        render("dev", program=program, caller=caller)
    cause = failure.value.cause
    assert isinstance(cause, AzureRefusalError), repr(cause)
    assert all(refusal.rule in str(cause) for refusal in cause.refusals)
    return sorted({refusal.rule for refusal in cause.refusals})


def account_with_projects(*names: str) -> tuple[cognitiveservices.Account, list[cognitiveservices.Project]]:
    account = cognitiveservices.Account(
        "acct", account_name="acct-dev", resource_group_name="rg", kind="AIServices", sku={"name": "S0"}
    )
    projects: list[cognitiveservices.Project] = []
    for name in names:
        after = projects[-1:] or [account]
        projects.append(
            cognitiveservices.Project(
                f"project-{name}",
                account_name=account.name,
                project_name=name,
                resource_group_name="rg",
                opts=pulumi.ResourceOptions(depends_on=after),
            )
        )
    return account, projects


def test_connection_names_are_unique_per_account_not_per_project() -> None:
    """Both projects got a connection named `app-insights` before connection names carried the project's name."""

    def program() -> None:
        account, (_, evals) = account_with_projects("agents", "evals")
        first = cognitiveservices.ProjectConnection(
            "agents-tracing",
            account_name=account.name,
            project_name="agents",
            resource_group_name="rg",
            connection_name="app-insights",
            properties=TRACING,
            opts=pulumi.ResourceOptions(depends_on=[evals]),
        )
        cognitiveservices.ProjectConnection(
            "evals-tracing",
            account_name=account.name,
            project_name="evals",
            resource_group_name="rg",
            connection_name="app-insights",
            properties=TRACING,
            opts=pulumi.ResourceOptions(depends_on=[first]),
        )

    assert refusals(program) == ["connection-name-per-account"]


def test_writes_under_one_account_must_wait_for_each_other() -> None:
    """Projects, the guardrail policy and the connections used to be written side by side after the account."""

    def program() -> None:
        account, _ = account_with_projects("agents")
        cognitiveservices.RaiPolicy(
            "policy", account_name=account.name, resource_group_name="rg", rai_policy_name="guardrails"
        )

    assert refusals(program) == ["one-write-at-a-time"]


def test_federated_credentials_on_one_identity_must_wait_for_each_other() -> None:
    def program() -> None:
        identity = managedidentity.UserAssignedIdentity("uami", resource_name_="id-app", resource_group_name="rg")
        for index in range(2):
            managedidentity.FederatedIdentityCredential(
                f"aks-{index}",
                federated_identity_credential_resource_name=f"aks-{index}",
                resource_name_=identity.name,
                resource_group_name="rg",
                issuer=ISSUER,
                subject=f"system:serviceaccount:agents:sa{index}",
                audiences=["api://AzureADTokenExchange"],
            )

    assert refusals(program) == ["one-write-at-a-time"]


def cicd_application(owners: list[str] | None) -> None:
    application = azuread.Application("cicd-app", display_name="sp-cicd", owners=owners)
    azuread.ServicePrincipal("cicd-sp", client_id=application.client_id, owners=owners)


def test_an_owner_scoped_caller_must_stay_owner_of_what_it_creates() -> None:
    """The CI/CD app and its service principal used to list no owners: the deployer lost them on creation."""
    assert refusals(lambda: cicd_application(None)) == ["entra-caller-keeps-ownership"]
    assert refusals(lambda: cicd_application([FAKE_ADMIN_OBJECT_ID])) == ["entra-caller-keeps-ownership"]
    render("dev", program=lambda: cicd_application([FAKE_CLIENT_OBJECT_ID]), caller=DEPLOYER)
    # An administrator acting through a directory role keeps access without owning anything.
    render("dev", program=lambda: cicd_application(None), caller=ADMINISTRATOR)


def test_a_group_without_owners_is_owned_by_its_creator() -> None:
    render("dev", program=lambda: azuread.Group("people", display_name="grp-people", security_enabled=True))


def test_an_arm_id_is_declared_once() -> None:
    def program() -> None:
        for logical in ("kv-one", "kv-two"):
            keyvault.Vault(
                logical,
                vault_name="kv-shared",
                resource_group_name="rg",
                properties={
                    "tenant_id": FAKE_TENANT_ID,
                    "sku": {"family": keyvault.SkuFamily.A, "name": keyvault.SkuName.STANDARD},
                },
            )

    assert refusals(program) == ["name-unique-in-scope"]


def test_the_same_grant_under_two_names_is_refused() -> None:
    def program() -> None:
        group = resources.ResourceGroup("rg", resource_group_name="rg")
        for name in ("00000000-0000-4000-8000-00000000aaaa", "00000000-0000-4000-8000-00000000bbbb"):
            authorization.RoleAssignment(
                f"grant-{name[-4:]}",
                role_assignment_name=name,
                principal_id="11111111-2222-4333-8444-555555555555",
                principal_type="ServicePrincipal",
                role_definition_id=FOUNDRY_USER,
                scope=group.id,
            )

    assert refusals(program) == ["role-assignment-once"]


def test_federated_credentials_are_unique_and_at_most_twenty_per_identity() -> None:
    def program() -> None:
        application = azuread.Application("app", display_name="sp-app", owners=[FAKE_CLIENT_OBJECT_ID])
        previous: list[pulumi.Resource] = []
        for index in range(21):
            credential = azuread.ApplicationFederatedIdentityCredential(
                f"credential-{index}",
                application_id=application.id,
                display_name=f"credential-{index}",
                issuer=ISSUER,
                subject="system:serviceaccount:agents:same",  # issuer + subject repeated
                audiences=["api://AzureADTokenExchange"],
                opts=pulumi.ResourceOptions(depends_on=previous),
            )
            previous = [credential]

    assert refusals(program) == ["federated-credentials-per-identity"]


def test_duplicate_name_prevention_refuses_a_second_group_of_the_same_name() -> None:
    def program() -> None:
        for logical in ("people-a", "people-b"):
            azuread.Group(logical, display_name="grp-people", security_enabled=True, prevent_duplicate_names=True)

    assert refusals(program) == ["entra-name-unique"]


def test_every_rule_is_covered_here() -> None:
    """Each rule the harness enforces has a program above (or below) that breaks it."""
    source = Path(__file__).read_text()
    assert all(f'"{rule}"' in source for rule in RULE_NAMES)


def test_no_dns_name_is_taken_twice_by_the_stacks_and_bootstraps(
    rendered: dict[str, Rendering],
) -> None:
    everything = {f"main {stack}": rendering for stack, rendering in rendered.items()}
    everything |= {
        f"bootstrap {stack}": render(stack, project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT)
        for stack in rendered
    }
    assert check_global_names(everything) == []
    copied = render(
        "staging",
        overrides={
            "customSubdomain": rendered["dev"].one("azure-native:cognitiveservices:Account").input("accountName")
        },
    )
    clash = check_global_names({"main dev": rendered["dev"], "main staging (copied)": copied})
    assert [refusal.rule for refusal in clash] == ["global-name-unique"]
    assert "main dev" in clash[0].message
