"""People through groups only, and CI/CD through GitHub federation only - no passwords, no certificates."""

from __future__ import annotations

import yaml

from components.catalogue.resource_types import ENTRA_CREDENTIAL, ENTRA_GROUP, IDENTITY_CREDENTIAL
from offline.render import FAKE_ADMIN_OBJECT_ID, FAKE_CLIENT_OBJECT_ID, Caller, Rendering, render, stack_file
from tests.conftest import settings_of

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCES = ["api://AzureADTokenExchange"]
ALICE = "6f1c2a4e-0d5b-4d0e-9a7c-2b9d8e1f3a10"
BOB = "9b2e7c1d-3f4a-4b6c-8d0e-1a2b3c4d5e6f"


def github_repository(stack: str, key: str = "github") -> str:
    config = yaml.safe_load(stack_file(stack).read_text())["config"][f"foundry-platform:{key}"]
    return f"{config['owner']}/{config['repository']}"


def test_three_security_groups_named_for_the_environment(stack: Rendering) -> None:
    groups = {g.input("displayName"): g for g in stack.of_type(ENTRA_GROUP)}
    assert sorted(groups) == sorted(
        f"grp-fndry-foundry-{stack.stack}-{suffix}" for suffix in ("developers", "readers", "platform-admins")
    )
    for group in groups.values():
        assert group.input("securityEnabled") is True
        assert group.input("mailEnabled") is False
        # The pipeline deployer named in the stack file, so later runs can manage it (Group.Create: owned only).
        assert group.input("owners") == [settings_of(stack.stack).deployer_object_id]


def test_group_members_and_owners_come_from_config() -> None:
    rendering = render("dev", overrides={"groups": {"developers": {"members": [ALICE], "owners": [BOB]}}})
    developers = next(g for g in rendering.of_type(ENTRA_GROUP) if g.input("displayName").endswith("-developers"))
    assert developers.input("members") == [ALICE]
    # The deployer stays an owner so later runs may still manage the group; configured owners come after it.
    assert developers.input("owners") == [settings_of("dev").deployer_object_id, BOB]


def entra_owners(rendering: Rendering) -> dict[str, list[str]]:
    types = (ENTRA_GROUP, "azuread:index/application:Application", "azuread:index/servicePrincipal:ServicePrincipal")
    return {r.name: r.input("owners") for r in rendering.resources if r.type in types}


def test_the_deployer_stays_owner_when_an_administrator_runs_pulumi_up(rendered: dict[str, Rendering]) -> None:
    """An admin's run by hand must not take the Entra objects away from the pipeline (nor fight it over owners)."""
    deployer = settings_of("prod").deployer_object_id
    assert deployer is not None
    by_admin = render("prod", caller=Caller(FAKE_ADMIN_OBJECT_ID, False, "an administrator"))
    assert entra_owners(by_admin) == entra_owners(rendered["prod"])
    assert set(map(tuple, entra_owners(by_admin).values())) == {(deployer,)}
    # Said out loud, so a pipeline whose stack file names another deployer is noticed on its first preview.
    assert [w for w in by_admin.warnings if "not as the pipeline deployer" in w] != []
    assert rendered["prod"].warnings == []


def test_a_trial_without_the_pipeline_makes_the_caller_the_owner() -> None:
    """No existingResourceGroup: the program makes its own group, the caller owns the Entra objects."""
    rendering = render("dev", overrides={"existingResourceGroup": None, "deployerObjectId": None})
    assert set(map(tuple, entra_owners(rendering).values())) == {(FAKE_CLIENT_OBJECT_ID,)}


def test_group_object_ids_are_exported(stack: Rendering) -> None:
    by_suffix = {g.input("displayName").rsplit("-", 1)[-1]: g.state["objectId"] for g in stack.of_type(ENTRA_GROUP)}
    assert stack.exports["groupObjectIds"] == {
        "developers": by_suffix["developers"],
        "readers": by_suffix["readers"],
        "platformAdmins": by_suffix["admins"],
    }


def test_people_are_never_assigned_roles_directly(stack: Rendering) -> None:
    for assignment in stack.of_type("azure-native:authorization:RoleAssignment"):
        assert assignment.input("principalType") in ("ServicePrincipal", "Group")


def test_cicd_trusts_only_this_environments_github_jobs(stack: Rendering) -> None:
    credentials = {c.input("displayName"): c for c in stack.of_type(ENTRA_CREDENTIAL)}
    assert set(credentials) == {f"github-{stack.stack}", f"platform-{stack.stack}"}
    agents, platform = credentials[f"github-{stack.stack}"], credentials[f"platform-{stack.stack}"]
    assert agents.input("subject") == f"repo:{github_repository(stack.stack)}:environment:{stack.stack}"
    # The platform repository's deploy job of this stack, for its smoke test (the deployer holds no data-plane role).
    assert platform.input("subject") == (
        f"repo:{github_repository(stack.stack, 'platformRepository')}:environment:{stack.stack}"
    )
    application = stack.one("azuread:index/application:Application")
    for credential in credentials.values():
        assert credential.input("issuer") == GITHUB_ISSUER
        assert credential.input("audiences") == AUDIENCES
        assert credential.input("applicationId") == application.state["id"]


def test_cicd_has_no_password_or_certificate(stack: Rendering) -> None:
    application = stack.one("azuread:index/application:Application")
    assert "passwords" not in application.inputs
    assert not [r for r in stack.resources if "Password" in r.type or "Certificate" in r.type]


def test_cicd_outputs_are_what_a_workflow_needs(stack: Rendering) -> None:
    client_id = stack.one("azuread:index/application:Application").state["clientId"]
    assert stack.exports["cicdClientId"] == client_id
    variables = stack.exports["githubActionsVariables"]
    assert variables["AZURE_CLIENT_ID"] == client_id
    assert set(variables) == {"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID"}
    assert not stack.secret_exports


def test_immutable_github_subject_form() -> None:
    rendering = render(
        "staging",
        overrides={
            "github": {
                "owner": "contoso",
                "repository": "foundry-agents",
                "subjectFormat": "immutable",
                "ownerId": 1234,
                "repositoryId": "98765",
            }
        },
    )
    subjects = {c.input("displayName"): c.input("subject") for c in rendering.of_type(ENTRA_CREDENTIAL)}
    assert subjects["github-staging"] == "repo:contoso@1234/foundry-agents@98765:environment:staging"


def test_extra_credentials_on_the_app_identity_are_created_one_at_a_time() -> None:
    extras = [
        {
            "name": f"aks-worker-{i}",
            "identity": "app",
            "issuer": "https://oidc.aks.example/abc",
            "subject": f"system:serviceaccount:ns:sa{i}",
        }
        for i in range(3)
    ] + [
        {
            # Another pipeline (an Azure DevOps service connection): only GitHub subjects are tied to the repository.
            "name": "ado-evals",
            "identity": "cicd",
            "issuer": "https://vstoken.dev.azure.com/7d5a1c9e-0b3f-4e2a-9c6d-1f8e2b4a6c01",
            "subject": "sc://contoso/foundry/evals-dev",
        }
    ]
    rendering = render("dev", overrides={"federatedCredentials": extras})
    uami = rendering.one("azure-native:managedidentity:UserAssignedIdentity")
    chain = sorted(rendering.of_type(IDENTITY_CREDENTIAL), key=lambda r: r.name)
    assert [c.input("subject") for c in chain] == [f"system:serviceaccount:ns:sa{i}" for i in range(3)]
    for credential in chain:
        assert credential.input("resourceName") == uami.input("resourceName")
        assert credential.input("audiences") == AUDIENCES
    assert not [c for c in chain if rendering.depends_on(chain[0], c)]
    assert rendering.depends_on(chain[1], chain[0]) and rendering.depends_on(chain[2], chain[1])
    ado, github, platform = sorted(rendering.of_type(ENTRA_CREDENTIAL), key=lambda r: r.input("displayName"))
    assert (github.input("displayName"), platform.input("displayName")) == ("github-dev", "platform-dev")
    assert ado.input("subject") == "sc://contoso/foundry/evals-dev"
    # One at a time on the application: the program's own credentials first, then the extra one.
    assert rendering.depends_on(platform, github) and rendering.depends_on(ado, platform)
