"""What a security review signs off for every stack file of the project, whatever its prefix, projects or models:
derived from each stack's own settings, so that an adopter's edits keep these green and a regression fails them."""

from __future__ import annotations

from components.catalogue.resource_types import ENTRA_APPLICATION, ENTRA_CREDENTIAL, ROLE_ASSIGNMENT
from components.catalogue.secrets import secret_shape
from offline.report import build_report
from tests.invariants.conftest import Stack

# Learn, "Azure built-in roles" (AI + machine learning): the two the role model gives on each project.
FOUNDRY_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"
FOUNDRY_PROJECT_MANAGER = "eadc314b-1a2d-4efa-be10-5d325db5065e"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


def test_every_policy_passes_and_every_identity_holds_its_rights(stack: Stack) -> None:
    report = build_report(stack.environment)
    assert report.violations == []
    assert report.rights_missing == []


def test_foundry_takes_entra_tokens_only_and_no_key_is_exported(stack: Stack) -> None:
    main = stack.environment.main
    account = main.one("azure-native:cognitiveservices:Account")
    assert account.input("properties.disableLocalAuth") is True
    assert account.input("accountName") == stack.settings.account_name
    plain = {key: value for key, value in main.exports.items() if key not in main.secret_exports}
    assert [key for key, value in plain.items() if secret_shape(str(value))] == []


def test_the_network_is_what_the_settings_say(stack: Stack) -> None:
    main, settings = stack.environment.main, stack.settings
    properties = main.one("azure-native:cognitiveservices:Account").input("properties")
    private = settings.is_private
    assert properties["publicNetworkAccess"] == ("Disabled" if private else "Enabled")
    assert properties["networkAcls"]["defaultAction"] == ("Deny" if private else "Allow")
    trusted = settings.network.trusted_azure_services if settings.network else False
    assert properties["networkAcls"]["bypass"] == ("AzureServices" if trusted else "None")
    assert bool(main.of_type("azure-native:network:PrivateEndpoint")) == private


def test_prod_is_private_and_its_state_protected(stack: Stack) -> None:
    if stack.settings.environment != "prod":
        return
    main = stack.environment.main
    assert stack.settings.is_private
    for type_token in (
        "azure-native:cognitiveservices:Account",
        "azure-native:cognitiveservices:Project",
        "azure-native:keyvault:Vault",
        "azure-native:managedidentity:UserAssignedIdentity",
    ):
        assert all(resource.protect for resource in main.of_type(type_token)), type_token


def test_the_app_and_the_pipeline_get_their_role_on_every_project(stack: Stack) -> None:
    main = stack.environment.main
    projects = {p.name for p in stack.settings.projects}
    by_role: dict[str, set[str]] = {}
    for assignment in main.of_type(ROLE_ASSIGNMENT):
        scope = str(assignment.input("scope"))
        if "/projects/" in scope:
            role = str(assignment.input("roleDefinitionId")).rsplit("/", 1)[-1]
            by_role.setdefault(role, set()).add(scope.rsplit("/projects/", 1)[-1])
    assert by_role.get(FOUNDRY_USER, set()) >= projects
    assert by_role.get(FOUNDRY_PROJECT_MANAGER, set()) >= projects
    assert {a.input("principalType") for a in main.of_type(ROLE_ASSIGNMENT)} <= {"ServicePrincipal", "Group"}


def test_the_pipelines_trust_only_this_stacks_github_environment(stack: Stack) -> None:
    settings, main = stack.settings, stack.environment.main
    github = [c for c in main.of_type(ENTRA_CREDENTIAL) if c.input("issuer") == GITHUB_ISSUER]
    # The application repository's jobs in this stack's GitHub environment, and the platform repository's deploy
    # job of this stack (its smoke test): nothing else, no branch, tag or pull request.
    trusted = [settings.github.environment_subject(settings.instance)]
    if settings.platform_repository is not None:
        trusted.append(settings.platform_repository.environment_subject(settings.instance))
    assert [c.input("subject") for c in github] == trusted
    if stack.bootstrap is not None and stack.environment.bootstrap is not None:
        bootstrap = stack.bootstrap
        credentials = stack.environment.bootstrap.of_type(ENTRA_CREDENTIAL)
        subjects = {c.input("subject") for c in credentials}
        assert subjects == {bootstrap.deploy_subject, bootstrap.preview_subject, bootstrap.audit_subject}
        assert bootstrap.deploy_subject.endswith(f":environment:{settings.instance}")
        # Reading prod's state means reading its secrets: prod's previews only from a protected environment.
        if settings.environment == "prod":
            assert bootstrap.preview_subject.endswith(f":environment:{settings.instance}-preview")
        # The drift auditor trusts exactly one subject, the platform repository's `<stack>-audit` environment: no
        # branch, tag or pull request, and no other identity trusts it.
        applications = {a.id: a.input("displayName") for a in stack.environment.bootstrap.of_type(ENTRA_APPLICATION)}
        auditor = f"sp-{bootstrap.name_prefix}-platform-{settings.instance}-audit"
        assert [c.input("subject") for c in credentials if applications[c.input("applicationId")] == auditor] == [
            bootstrap.github.environment_subject(f"{settings.instance}-audit")
        ]
        assert [
            applications[c.input("applicationId")] for c in credentials if c.input("subject") == bootstrap.audit_subject
        ] == [auditor]
        assert bootstrap.audit_subject.endswith(f":environment:{settings.instance}-audit")
        if settings.platform_repository is not None:
            assert settings.platform_repository.environment_subject(settings.instance) == bootstrap.deploy_subject
            assert (
                settings.platform_repository.environment_subject(f"{settings.instance}-audit")
                == bootstrap.audit_subject
            )


def test_the_deployer_owns_every_group(stack: Stack) -> None:
    deployer = stack.settings.deployer_object_id
    if deployer is None:
        return
    for group in stack.environment.main.of_type("azuread:index/group:Group"):
        assert deployer in group.input("owners"), group.name
