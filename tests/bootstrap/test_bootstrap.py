"""The delivery bootstrap, read like a security review: who may do what, on which scope, signed in how."""

from __future__ import annotations

import json
import re

import pytest

from bootstrap import catalogue
from components.catalogue import roles
from components.catalogue.resource_types import (
    ENTRA_APP_ROLE_ASSIGNMENT,
    ENTRA_APPLICATION,
    ENTRA_CREDENTIAL,
    ENTRA_SERVICE_PRINCIPAL,
    PIM_ELIGIBILITY,
    RESOURCE_GROUP,
    ROLE_ASSIGNMENT,
    VAULT,
)
from components.catalogue.roles import Role
from offline.render import FAKE_SUBSCRIPTION_ID, Registration, Rendering
from tests.bootstrap.conftest import bootstrap_settings_of, render_bootstrap
from tests.config_checks import refused_config_problem

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
KEY = "azure-native:keyvault:Key"

# Role GUIDs from Microsoft Learn's built-in roles list (shared/reference/foundry-facts.md and the Storage
# roles page), written out here instead of imported from the code under test.
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
FOUNDRY_ACCOUNT_OWNER = "e47c6f54-e4a2-4754-9501-8e0985b135e1"
FOUNDRY_ROLES = {
    "53ca6127-db72-4b80-b1b0-d745d6d5456d",  # Foundry User
    "eadc314b-1a2d-4efa-be10-5d325db5065e",  # Foundry Project Manager
    FOUNDRY_ACCOUNT_OWNER,
    READER,
    "4633458b-17de-408a-b874-0445c86b69e6",  # Key Vault Secrets User
    "3913510d-42f4-4e42-8a64-420c390055eb",  # Monitoring Metrics Publisher (Learn, built-in roles)
}
# The standard agent setup's roles for the project identities (Learn built-in roles; foundry-samples bicep 15/41).
AGENT_DATA_ROLES = {
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",  # Storage Blob Data Owner
    "8ebe5a00-799e-43f5-93ac-243d3dce84a7",  # Search Index Data Contributor
    "7ca78c08-252a-4471-8644-bb5ff32d4ba0",  # Search Service Contributor
    "230815da-be43-4aae-9cb4-875f7bd000aa",  # Cosmos DB Operator
}
# Microsoft Graph permissions reference: Application.ReadWrite.OwnedBy and Group.Create (application).
# Microsoft Graph permissions reference: Application.ReadWrite.OwnedBy, Group.Create, Directory.Read.All.
APPLICATION_READ_ALL = "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"  # Graph permissions reference
GROUP_MEMBER_READ_ALL = "98830695-27a2-44f7-8c18-0c3ebc9698f6"  # Graph permissions reference
GRAPH_PERMISSIONS = {
    "18a4783c-866b-4cc7-a460-3d5e5662c884",
    "bf7b1a76-6e77-406b-b258-bf5c7720e98f",
    "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
}
GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def role_guid(assignment: Registration) -> str:
    return assignment.input("roleDefinitionId").rsplit("/", 1)[-1]


def grants(boot: Rendering) -> dict[str, Registration]:
    return {r.name.split("-", 1)[1]: r for r in boot.of_type(ROLE_ASSIGNMENT)}


def condition_lists(condition: str) -> dict[str, set[str]]:
    """The GUID set after each `@Request[...]`/`@Resource[...] ... GuidEquals {...}` clause of the condition."""
    found: dict[str, set[str]] = {}
    for source, values in re.findall(r"@(Request|Resource)\[[^\]]+:RoleDefinitionId\][^{]*\{([^}]*)\}", condition):
        found[source] = {v.strip() for v in values.split(",")}
    return found


def test_abac_condition_lists_exactly_the_roles_the_main_program_assigns(
    bootstrapped: dict[str, Rendering], rendered: dict[str, Rendering]
) -> None:
    assigned_by_main = {
        role_guid(r)
        for rendering in rendered.values()
        for r in (*rendering.of_type(ROLE_ASSIGNMENT), *rendering.of_type(PIM_ELIGIBILITY))
    }
    # Prod's stack file turns the standard agent setup on; the other opt-ins are off in all three.
    assert assigned_by_main == FOUNDRY_ROLES | AGENT_DATA_ROLES
    for environment, boot in bootstrapped.items():
        # Per environment: the roles the role model may assign there as standing assignments, with any opt-in on (so
        # turning one on needs no administrator): what the stack assigns, and the opt-ins' roles besides.
        standing_in_environment = {role_guid(r) for r in rendered[environment].of_type(ROLE_ASSIGNMENT)}
        delegable = FOUNDRY_ROLES - ({FOUNDRY_ACCOUNT_OWNER} if environment == "prod" else set()) | AGENT_DATA_ROLES
        assert standing_in_environment <= delegable
        condition = grants(boot)["deployer-rbac-admin"].input("condition")
        assert condition_lists(condition) == {"Request": delegable, "Resource": delegable}
        assert "Microsoft.Authorization/roleAssignments/write" in condition
        assert "Microsoft.Authorization/roleAssignments/delete" in condition
        assert "{'ServicePrincipal', 'Group'}" in condition


def test_prod_deployer_cannot_make_the_eligible_owner_role_standing(bootstrapped: dict[str, Rendering]) -> None:
    prod_lists = condition_lists(grants(bootstrapped["prod"])["deployer-rbac-admin"].input("condition"))
    assert FOUNDRY_ACCOUNT_OWNER not in prod_lists["Request"]
    dev_lists = condition_lists(grants(bootstrapped["dev"])["deployer-rbac-admin"].input("condition"))
    assert FOUNDRY_ACCOUNT_OWNER in dev_lists["Request"]


def test_condition_version_is_2_and_only_the_rbac_administrator_grant_has_one(boot: Rendering) -> None:
    for name, assignment in grants(boot).items():
        if role_guid(assignment) == RBAC_ADMINISTRATOR:
            assert name == "deployer-rbac-admin"
            assert assignment.input("conditionVersion") == "2.0"
        else:
            assert "condition" not in assignment.inputs, name


def test_no_owner_or_user_access_administrator_anywhere(boot: Rendering) -> None:
    """Granted nowhere; named only by the role guard, which refuses them."""
    guard = ("azure-native:authorization:PolicyDefinition", "azure-native:authorization:PolicyAssignment")
    everything = json.dumps([r.inputs for r in boot.resources if r.type not in guard])
    assert OWNER not in everything
    assert USER_ACCESS_ADMINISTRATOR not in everything
    privileged = boot.one("azure-native:authorization:PolicyAssignment").input("parameters.privilegedRoleIds.value")
    assert OWNER in privileged and USER_ACCESS_ADMINISTRATOR in privileged
    condition = grants(boot)["deployer-rbac-admin"].input("condition")
    assert RBAC_ADMINISTRATOR not in condition


def test_deployer_and_preview_grants_are_exactly_these(boot: Rendering) -> None:
    environment_group = next(r for r in boot.of_type(RESOURCE_GROUP) if not r.name.endswith("delivery-rg"))
    containers = {r.input("containerName"): r for r in boot.of_type(CONTAINER)}
    state = containers["pulumi-state"]
    key = boot.one(KEY)
    deployer_sp = next(r for r in boot.of_type(ENTRA_SERVICE_PRINCIPAL) if r.name.endswith("deployer-sp"))
    preview_sp = next(r for r in boot.of_type(ENTRA_SERVICE_PRINCIPAL) if r.name.endswith("preview-sp"))
    auditor_sp = next(r for r in boot.of_type(ENTRA_SERVICE_PRINCIPAL) if r.name.endswith("auditor-sp"))
    expected = {
        "deployer-contributor": (deployer_sp, CONTRIBUTOR, environment_group.id),
        "deployer-rbac-admin": (deployer_sp, RBAC_ADMINISTRATOR, environment_group.id),
        "deployer-state": (deployer_sp, STORAGE_BLOB_DATA_CONTRIBUTOR, state.id),
        "deployer-key": (deployer_sp, KEY_VAULT_CRYPTO_USER, key.id),
        "preview-reader": (preview_sp, READER, environment_group.id),
        "preview-state": (preview_sp, STORAGE_BLOB_DATA_READER, state.id),
        "preview-key": (preview_sp, KEY_VAULT_CRYPTO_USER, key.id),
        # The drift auditor reads the environment, nothing more: no write role, no state, no key operation...
        "auditor-reader": (auditor_sp, READER, environment_group.id),
        # ... and which version of the secrets key is current: Reader on the key, metadata only.
        "auditor-key": (auditor_sp, READER, key.id),
    }
    admins = boot.exports["stateAdministratorsGroup"]
    if admins is not None:  # the people who run the bootstrap and the PIM phase: both containers and the key
        bootstrap_state = containers["bootstrap-state"]
        expected |= {
            "admins-state": (admins, STORAGE_BLOB_DATA_CONTRIBUTOR, state.id),
            "admins-bootstrap": (admins, STORAGE_BLOB_DATA_CONTRIBUTOR, bootstrap_state.id),
            "admins-key": (admins, KEY_VAULT_CRYPTO_USER, key.id),
        }
    actual = grants(boot)
    assert set(actual) == set(expected)
    for name, (principal, guid, scope) in expected.items():
        assignment = actual[name]
        object_id = principal if isinstance(principal, str) else principal.state["objectId"]
        assert assignment.input("principalId") == object_id, name
        assert assignment.input("principalType") == ("Group" if isinstance(principal, str) else "ServicePrincipal")
        assert assignment.input("scope") == scope, name
        assert assignment.input("roleDefinitionId") == (
            f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        )
    auditor_grants = [n for n, a in actual.items() if a.input("principalId") == auditor_sp.state["objectId"]]
    assert sorted(auditor_grants) == ["auditor-key", "auditor-reader"]
    assert environment_group.input("resourceGroupName") == f"rg-fndry-{boot.stack}"
    assert state.id.endswith("/blobServices/default/containers/pulumi-state")
    # Nobody but the state administrators reaches the bootstrap's own state.
    assert all(
        not a.input("scope").endswith("/containers/bootstrap-state")
        for name, a in actual.items()
        if not name.startswith("admins-")
    )


def test_federated_subjects_per_environment_are_exact(boot: Rendering) -> None:
    # Prod's previews read prod's state (and so its secrets): only jobs in the protected `prod-preview` environment.
    preview_name, preview_subject = (
        (
            f"preview-github-environment-{boot.stack}-preview",
            f"repo:contoso/foundry-platform:environment:{boot.stack}-preview",
        )
        if boot.stack == "prod"
        else ("preview-github-pull-request", "repo:contoso/foundry-platform:pull_request")
    )
    # The drift auditor: only the platform repository's jobs in the `<stack>-audit` environment, in every stack.
    audit_name = f"auditor-github-environment-{boot.stack}-audit"
    credentials = {r.name.split("-", 1)[1]: r for r in boot.of_type(ENTRA_CREDENTIAL)}
    assert set(credentials) == {f"deployer-github-environment-{boot.stack}", preview_name, audit_name}
    deployer = credentials[f"deployer-github-environment-{boot.stack}"]
    preview = credentials[preview_name]
    auditor = credentials[audit_name]
    assert deployer.input("subject") == f"repo:contoso/foundry-platform:environment:{boot.stack}"
    assert preview.input("subject") == preview_subject
    assert auditor.input("subject") == f"repo:contoso/foundry-platform:environment:{boot.stack}-audit"
    assert auditor.input("displayName") == f"github-environment-{boot.stack}-audit"
    applications = {r.name.split("-", 1)[1]: r for r in boot.of_type(ENTRA_APPLICATION)}
    assert deployer.input("applicationId") == applications["deployer-app"].id
    assert preview.input("applicationId") == applications["preview-app"].id
    assert auditor.input("applicationId") == applications["auditor-app"].id
    assert applications["auditor-app"].input("displayName") == f"sp-fndry-platform-{boot.stack}-audit"
    for credential in credentials.values():
        assert credential.input("issuer") == "https://token.actions.githubusercontent.com"
        assert credential.input("audiences") == ["api://AzureADTokenExchange"]
    assert boot.exports["deployerSubject"] == deployer.input("subject")
    assert boot.exports["previewSubject"] == preview.input("subject")
    assert boot.exports["auditEnvironment"] == f"{boot.stack}-audit"
    assert boot.exports["auditClientId"] == applications["auditor-app"].state["clientId"]


def test_immutable_subject_format() -> None:
    github = {
        "owner": "contoso",
        "repository": "foundry-platform",
        "subjectFormat": "immutable",
        "ownerId": "1234",
        "repositoryId": "98765",
    }
    boot = render_bootstrap("staging", overrides={"github": github})
    subjects = {r.input("subject") for r in boot.of_type(ENTRA_CREDENTIAL)}
    assert subjects == {
        "repo:contoso@1234/foundry-platform@98765:environment:staging",
        "repo:contoso@1234/foundry-platform@98765:pull_request",
        "repo:contoso@1234/foundry-platform@98765:environment:staging-audit",
    }


def test_nobody_owns_the_pipeline_identities(boot: Rendering) -> None:
    """An owner of the deployer's app registration could add a secret to it and act as the deployer: the
    administrator who runs the bootstrap manages both apps through directory roles, and the azuread provider
    removes it from the owners it starts with (no `owners` listed)."""
    for resource in boot.of_type(ENTRA_APPLICATION) + boot.of_type(ENTRA_SERVICE_PRINCIPAL):
        assert resource.input("owners") == [], resource.name
    assert boot.caller is not None and not boot.caller.graph_rights_owned_only


def test_applications_have_no_password_and_no_certificate(boot: Rendering) -> None:
    for application in boot.of_type(ENTRA_APPLICATION):
        assert "password" not in application.inputs
        assert "keyCredentials" not in application.inputs
        assert application.input("signInAudience") == "AzureADMyOrg"
    types = {r.type for r in boot.resources}
    assert not {t for t in types if "Password" in t or "Certificate" in t}
    for principal in boot.of_type(ENTRA_SERVICE_PRINCIPAL):
        assert principal.input("appRoleAssignmentRequired") is True


def graph_permissions_of(boot: Rendering, principal_suffix: str) -> set[str]:
    principal = next(r for r in boot.of_type(ENTRA_SERVICE_PRINCIPAL) if r.name.endswith(principal_suffix))
    return {
        p.input("appRoleId")
        for p in boot.of_type(ENTRA_APP_ROLE_ASSIGNMENT)
        if p.input("principalObjectId") == principal.state["objectId"]
    }


def test_graph_permissions_are_exactly_what_each_identity_needs(boot: Rendering) -> None:
    assert graph_permissions_of(boot, "deployer-sp") == GRAPH_PERMISSIONS
    # The preview reader reads app registrations only: `pulumi preview` runs the duplicate-name lookup.
    assert graph_permissions_of(boot, "preview-sp") == {APPLICATION_READ_ALL}
    # The drift auditor reads the declared app registrations' credentials and the declared groups' owners.
    assert graph_permissions_of(boot, "auditor-sp") == {APPLICATION_READ_ALL, GROUP_MEMBER_READ_ALL}
    assert {p.name for p in boot.of_type(ENTRA_APP_ROLE_ASSIGNMENT) if "-auditor-" in p.name} == {
        f"{boot.stack}-auditor-graph-application-read-all",
        f"{boot.stack}-auditor-graph-groupmember-read-all",
    }
    assert len(boot.of_type(ENTRA_APP_ROLE_ASSIGNMENT)) == len(GRAPH_PERMISSIONS) + 1 + 2


def test_state_storage_is_entra_only_versioned_and_recoverable(boot: Rendering) -> None:
    account = boot.one(STORAGE_ACCOUNT)
    assert account.input("allowSharedKeyAccess") is False
    assert account.input("defaultToOAuthAuthentication") is True
    assert account.input("allowBlobPublicAccess") is False
    assert account.input("minimumTlsVersion") == "TLS1_2"
    assert account.input("enableHttpsTrafficOnly") is True
    assert account.input("resourceGroupName") == f"rg-fndry-{boot.stack}-delivery"
    service = boot.one(BLOB_SERVICE)
    assert service.input("isVersioningEnabled") is True
    assert service.input("deleteRetentionPolicy") == {"enabled": True, "days": 30}
    assert service.input("containerDeleteRetentionPolicy") == {"enabled": True, "days": 30}
    for container in boot.of_type(CONTAINER):
        assert container.input("publicAccess") == "None"
    assert boot.exports["stateBackendUrl"] == f"azblob://pulumi-state?storage_account={account.input('accountName')}"


def test_secrets_key_lives_in_an_rbac_purge_protected_vault(boot: Rendering) -> None:
    vault = boot.one(VAULT)
    properties = vault.input("properties")
    assert properties["enableRbacAuthorization"] is True
    assert properties["enablePurgeProtection"] is True
    assert "accessPolicies" not in properties
    key = boot.one(KEY)
    # An HSM-protected key where the stack asks for one (prod always does), a software-protected one otherwise.
    hsm = bootstrap_settings_of(boot.stack).state_key.hsm
    assert hsm or boot.stack != "prod"
    assert key.input("properties")["kty"] == ("RSA-HSM" if hsm else "RSA")
    assert {"encrypt", "decrypt"} <= set(key.input("properties")["keyOps"])
    name = vault.input("vaultName")
    assert 3 <= len(name) <= 24
    # Pinned to the version the key was made with (32 hex digits): Pulumi would otherwise use the newest version.
    version = key.state["keyUriWithVersion"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"[0-9a-f]{32}", version)
    assert boot.exports["secretsProvider"] == f"azurekeyvault://{name}.vault.azure.net/keys/pulumi-secrets/{version}"


def test_prod_protects_state_key_and_groups(bootstrapped: dict[str, Rendering]) -> None:
    for type_token in (STORAGE_ACCOUNT, VAULT, KEY):
        assert bootstrapped["prod"].one(type_token).protect
        assert not bootstrapped["dev"].one(type_token).protect
    assert all(r.protect for r in bootstrapped["prod"].of_type(RESOURCE_GROUP))
    assert all(r.protect for r in bootstrapped["prod"].of_type(CONTAINER))


def test_prod_mentions_nothing_of_the_other_environments(bootstrapped: dict[str, Rendering]) -> None:
    prod = json.dumps([r.inputs for r in bootstrapped["prod"].resources])
    for other in ("dev", "staging"):
        names = {r.input("accountName") for r in bootstrapped[other].of_type(STORAGE_ACCOUNT)}
        names |= {r.input("vaultName") for r in bootstrapped[other].of_type(VAULT)}
        names |= {f"rg-fndry-{other}", f"environment:{other}"}
        assert not [n for n in names if n in prod]


def test_state_administrators_reach_both_containers_and_the_key() -> None:
    group = "11111111-2222-3333-4444-555555555555"
    boot = render_bootstrap("dev", overrides={"stateAdministratorsGroup": group})
    admin_grants = [r for r in boot.of_type(ROLE_ASSIGNMENT) if r.input("principalId") == group]
    assert {(role_guid(r), r.input("scope").rsplit("/", 1)[-1]) for r in admin_grants} == {
        (STORAGE_BLOB_DATA_CONTRIBUTOR, "pulumi-state"),
        (STORAGE_BLOB_DATA_CONTRIBUTOR, "bootstrap-state"),
        (KEY_VAULT_CRYPTO_USER, "pulumi-secrets"),
    }
    assert all(r.input("principalType") == "Group" for r in admin_grants)


BAD_CONFIG = [
    ("dev", {"stateStorageAccount": "State_Account"}, "stateStorageAccount", "'State_Account'"),
    ("dev", {"stateContainer": "bootstrap-state"}, "bootstrapContainer", "'bootstrap-state'"),
    ("dev", {"deliveryResourceGroupName": "rg-fndry-dev"}, "deliveryResourceGroupName", "'rg-fndry-dev'"),
    ("dev", {"stateRetentionDays": "3"}, "stateRetentionDays", "3"),
    ("dev", {"stateAdministratorsGroup": "platform-admins"}, "stateAdministratorsGroup", "'platform-admins'"),
    ("dev", {"stateKeyVault": "kv--x"}, "stateKeyVault", "'kv--x'"),
    ("dev", {"github": None}, "github", "(not set)"),
    ("dev", {"githubb": {"owner": "x"}}, "githubb", "owner"),
    ("prod", {"stateRetentionDays": "7"}, "stateRetentionDays", "'7'"),
    ("prod", {"protectResources": "false"}, "protectResources", "'false'"),
]


@pytest.mark.parametrize(("stack", "overrides", "key", "value"), BAD_CONFIG, ids=[f"{c[0]}:{c[2]}" for c in BAD_CONFIG])
def test_bad_bootstrap_config_fails_before_anything_is_registered(
    stack: str, overrides: dict[str, object], key: str, value: str
) -> None:
    problem = refused_config_problem(lambda: render_bootstrap(stack, overrides=overrides), key)
    assert value in problem


@pytest.mark.parametrize(
    "role", [roles.OWNER, roles.USER_ACCESS_ADMINISTRATOR, roles.FOUNDRY_OWNER, Role("Owner", OWNER.upper())]
)
def test_bootstrap_guard_refuses_roles_outside_its_catalogue(role: Role) -> None:
    with pytest.raises(catalogue.BootstrapRoleError):
        catalogue.require_bootstrap_assignable(role, condition="anything")


@pytest.mark.parametrize("never", [roles.OWNER, roles.USER_ACCESS_ADMINISTRATOR])
def test_a_never_granted_role_put_into_the_bootstraps_list_is_still_refused(
    monkeypatch: pytest.MonkeyPatch, never: Role
) -> None:
    """Someone adds Owner or User Access Administrator to the bootstrap's assignable roles: still refused."""
    monkeypatch.setattr(catalogue, "BOOTSTRAP_ASSIGNABLE_ROLES", (*catalogue.BOOTSTRAP_ASSIGNABLE_ROLES, never))
    with pytest.raises(catalogue.BootstrapRoleError, match="never granted"):
        catalogue.require_bootstrap_assignable(never, condition="anything")


def test_rbac_administrator_needs_a_condition() -> None:
    with pytest.raises(catalogue.BootstrapRoleError, match="condition"):
        catalogue.require_bootstrap_assignable(roles.RBAC_ADMINISTRATOR, condition=None)
    assert catalogue.require_bootstrap_assignable(roles.RBAC_ADMINISTRATOR, "x").guid == RBAC_ADMINISTRATOR


@pytest.mark.parametrize("elevating", [roles.OWNER, roles.USER_ACCESS_ADMINISTRATOR, roles.RBAC_ADMINISTRATOR])
def test_condition_refuses_to_delegate_a_self_elevating_role(monkeypatch: pytest.MonkeyPatch, elevating: Role) -> None:
    monkeypatch.setattr(roles, "ASSIGNABLE_ROLES", (*roles.ASSIGNABLE_ROLES, elevating))
    with pytest.raises(catalogue.BootstrapRoleError, match=elevating.guid):
        catalogue.assignable_roles_condition("dev")


def test_condition_guids_are_well_formed() -> None:
    condition = catalogue.assignable_roles_condition("dev")
    for guids in condition_lists(condition).values():
        assert all(re.fullmatch(GUID, g) for g in guids)


PREVIEWERS = "8b1f2c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d"


def test_a_local_preview_group_gets_exactly_what_a_preview_reads() -> None:
    boot = render_bootstrap("dev", overrides={"localPreviewGroup": PREVIEWERS})
    granted = {
        a.name.removeprefix("dev-"): (a.input("roleDefinitionId").rsplit("/", 1)[-1], a.input("scope"))
        for a in boot.of_type(ROLE_ASSIGNMENT)
        if a.input("principalId") == PREVIEWERS
    }
    preview = {
        a.name.removeprefix("dev-preview-"): (a.input("roleDefinitionId").rsplit("/", 1)[-1], a.input("scope"))
        for a in boot.of_type(ROLE_ASSIGNMENT)
        if a.name.startswith("dev-preview-")
    }
    # The same roles at the same scopes as the CI preview reader: the environment's group, the state, the key.
    assert granted == {f"local-preview-{label}": grant for label, grant in preview.items()}
    assert {role for role, _ in granted.values()} == {
        roles.READER.guid,
        catalogue.STORAGE_BLOB_DATA_READER.guid,
        catalogue.KEY_VAULT_CRYPTO_USER.guid,
    }
    assert all(
        a.input("principalType") == "Group"
        for a in boot.of_type(ROLE_ASSIGNMENT)
        if a.input("principalId") == PREVIEWERS
    )
    assert boot.exports["localPreviewGroup"] == PREVIEWERS


def test_nobody_previews_prod_from_a_laptop() -> None:
    problem = refused_config_problem(
        lambda: render_bootstrap("prod", overrides={"localPreviewGroup": PREVIEWERS}), "localPreviewGroup"
    )
    assert "prod allows none: reading prod's state means reading its secrets" in problem
