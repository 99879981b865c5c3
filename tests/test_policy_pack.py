"""The policy pack as the Pulumi engine runs it: one mandatory policy per rule, fed the SDK's own argument types."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policy.pack import build_policies

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_POLICIES = {
    "foundry-local-auth-disabled",
    "foundry-custom-subdomain",
    "prod-public-network-access-disabled",
    "key-vault-rbac-authorization",
    "key-vault-soft-delete",
    "key-vault-purge-protection",
    "no-forbidden-role",
    "role-by-guid",
    "no-direct-human-assignment",
    "app-identity-within-project-scope",
    "federated-credential-issuer",
    "federated-credential-audience",
    "federated-credential-environment-subject",
    "no-client-secrets-in-prod",
    "deployment-has-rai-policy",
    "prod-people-reach-data-only-as-end-users",
    "client-secret-short-lived",
    "agent-data-entra-only",
    "cosmos-data-role-scoped",
    "no-standing-elevated-role-in-prod",
    "monitoring-local-auth-disabled",
    "web-app-hardened",
    "guardrails-strong",
    "prod-stateful-protected",
    "private-endpoint-has-dns-zone-group",
    "diagnostic-settings-present",
}
OWNER_GUID = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )


def run_resource_policy(name: str, type_token: str, urn: str, props: dict[str, object]) -> list[str]:
    policy = next(p for p in build_policies() if p.name == name)
    assert isinstance(policy, ResourceValidationPolicy)
    reported: list[str] = []
    args = ResourceValidationArgs(
        type_token, unknown_checking_proxy(props), urn, urn.rsplit("::", 1)[-1], options(), None
    )
    policy.validate(args, lambda message, _urn=None: reported.append(message))
    return reported


def test_one_mandatory_policy_per_rule() -> None:
    policies = build_policies()
    assert {p.name for p in policies} == EXPECTED_POLICIES
    assert all(p.enforcement_level == EnforcementLevel.MANDATORY for p in policies)
    assert [p.name for p in policies if isinstance(p, StackValidationPolicy)] == [
        "app-identity-within-project-scope",
        "prod-people-reach-data-only-as-end-users",
        "no-standing-elevated-role-in-prod",
        "prod-stateful-protected",
        "private-endpoint-has-dns-zone-group",
        "diagnostic-settings-present",
    ]


def test_environment_is_read_from_the_stack_in_the_urn_where_there_are_no_tags() -> None:
    credential = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
    props: dict[str, object] = {
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "repo:contoso/agents:environment:staging",
        "audiences": ["api://AzureADTokenExchange"],
    }
    name = "federated-credential-environment-subject"
    assert run_resource_policy(name, credential, f"urn:pulumi:staging::foundry-platform::{credential}::c", props) == []
    assert run_resource_policy(name, credential, f"urn:pulumi:prod::foundry-platform::{credential}::c", props)


def test_environment_tag_wins_over_the_stack_name() -> None:
    account = "azure-native:cognitiveservices:Account"
    props: dict[str, object] = {
        "properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}},
        "tags": {"environment": "prod"},
    }
    urn = f"urn:pulumi:eu-main::foundry-platform::{account}::a"
    assert len(run_resource_policy("prod-public-network-access-disabled", account, urn, props)) == 2


def test_forbidden_role_policy_reports_through_the_sdk() -> None:
    assignment = "azure-native:authorization:RoleAssignment"
    props: dict[str, object] = {
        "principalType": "Group",
        "principalId": UNKNOWN_STRING_VALUE,  # not needed by this rule, so an unknown id does not stop it
        "roleDefinitionId": f"/subscriptions/00000000-0000-4000-8000-000000000001/providers/Microsoft.Authorization/roleDefinitions/{OWNER_GUID}",
    }
    reported = run_resource_policy("no-forbidden-role", assignment, f"urn:pulumi:dev::p::{assignment}::g", props)
    assert reported == [f"role 'Owner' ({OWNER_GUID}) must never be granted for Foundry work"]


def test_stack_policy_judges_by_property_dependencies_at_preview() -> None:
    """In a first preview the identity's principal id and the scope are unknown; the dependency edges are not."""

    def resource(
        type_token: str, name: str, props: dict[str, object], deps: dict[str, list[PolicyResource]]
    ) -> PolicyResource:
        urn = f"urn:pulumi:prod::foundry-platform::{type_token}::{name}"
        return PolicyResource(type_token, unknown_checking_proxy(props), urn, name, options(), None, None, [], deps)

    identity = resource(
        "azure-native:managedidentity:UserAssignedIdentity", "app", {"principalId": UNKNOWN_STRING_VALUE}, {}
    )
    account = resource("azure-native:cognitiveservices:Account", "account", {"id": UNKNOWN_STRING_VALUE}, {})
    project = resource("azure-native:cognitiveservices:Project", "agents", {"id": UNKNOWN_STRING_VALUE}, {})
    unknown_grant: dict[str, object] = {"principalId": UNKNOWN_STRING_VALUE, "scope": UNKNOWN_STRING_VALUE}
    on_project = resource(
        "azure-native:authorization:RoleAssignment",
        "ok",
        unknown_grant,
        {"principalId": [identity], "scope": [project]},
    )
    on_account = resource(
        "azure-native:authorization:RoleAssignment",
        "too-wide",
        unknown_grant,
        {"principalId": [identity], "scope": [account]},
    )
    policy = next(p for p in build_policies() if isinstance(p, StackValidationPolicy))
    reported: list[tuple[str, str | None]] = []
    # With only the project grant, nothing is reported (and no unknown value is read).
    policy.validate(
        StackValidationArgs([identity, account, project, on_project]), lambda m, u=None: reported.append((m, u))
    )
    assert reported == []
    policy.validate(
        StackValidationArgs([identity, account, project, on_project, on_account]),
        lambda m, u=None: reported.append((m, u)),
    )
    assert [u for _, u in reported] == [on_account.urn]
    assert "above project scope" in reported[0][0]


def test_pack_files_declare_a_python_pack_with_pinned_dependencies() -> None:
    manifest = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    requirements = (ROOT / "policy" / "requirements.txt").read_text().split()
    assert "pulumi-policy==1.21.0" in requirements
    assert "pulumi-policy==1.21.0" in (ROOT / "requirements-dev.txt").read_text().split()


def test_pack_starts_the_way_the_cli_launches_it() -> None:
    """The CLI runs `python -m pulumi.policy <engine> <pack dir>`; a working pack prints its gRPC port."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(ROOT / "policy")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT / "policy",
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline().strip()
    finally:
        process.kill()
        _, errors = process.communicate()
    assert first_line.isdigit(), errors
