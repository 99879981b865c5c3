"""DeliveryFoundation: everything the GitHub Actions delivery of one environment needs before its first run.

- the environment's resource group (the main program deploys into it as `existingResourceGroup`),
- a separate delivery resource group with the state backend and secrets key (`StateBackend`),
- the deployer: Contributor on the environment's group, RBAC Administrator there limited by an ABAC
  condition to the main program's assignable roles, blob data access to the stack state, the secrets key,
  and the two Microsoft Graph permissions the main program's Entra objects need,
- the preview reader: Reader on the environment's group, read-only blob access to the stack state, the
  secrets key (a preview decrypts the stack's secrets to compare them),
- the drift auditor: Reader on the environment's group and on the secrets key (metadata: which version is current),
  Graph read permissions for the declared apps and groups, no state access, trusted only by jobs in the GitHub
  environment `<stack>-audit` (docs/drift.md),
- the role guard (`RoleAssignmentGuard`, bootstrap/role_guard.py): a custom Azure Policy definition at the
  subscription, assigned at the environment's group, refusing (prod) or reporting forbidden and privileged roles,
- optionally, the state administrators' group: the bootstrap's own state and the secrets key,
- optionally (never in prod), a group of people who may preview the stack from a laptop: what the preview reader
  holds on Azure, for a group,
- optionally, the runner network (`RunnerNetwork`, bootstrap/runners.py) in the environment's resource group, where
  the main stack peers it with its VNet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization, resources

from bootstrap import catalogue
from bootstrap.access import grant
from bootstrap.identities import FederatedSubject, GitHubIdentity, GitHubIdentityArgs
from bootstrap.role_guard import RoleAssignmentGuard, RoleAssignmentGuardArgs
from bootstrap.runners import RunnerNetwork, RunnerNetworkArgs
from bootstrap.settings import BootstrapSettings
from bootstrap.state import StateBackend, StateBackendArgs
from components.catalogue.roles import CONTRIBUTOR, RBAC_ADMINISTRATOR, READER, Role
from components.rbac import Principal, Scope


@dataclass(frozen=True)
class DeliveryFoundationArgs:
    settings: BootstrapSettings


class DeliveryFoundation(pulumi.ComponentResource):
    def __init__(self, name: str, args: DeliveryFoundationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:DeliveryFoundation", name, None, opts)
        s = args.settings
        child = pulumi.ResourceOptions(parent=self)
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        subscription_id = client.subscription_id
        repository = f"{s.github.owner}/{s.github.repository}"

        environment_group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=s.resource_group_name,
            location=s.location,
            tags=s.resource_tags,
            opts=pulumi.ResourceOptions(parent=self, protect=s.protect),
        )
        delivery_group = resources.ResourceGroup(
            f"{name}-delivery-rg",
            resource_group_name=s.delivery_resource_group_name,
            location=s.location,
            tags=s.resource_tags,
            opts=pulumi.ResourceOptions(parent=self, protect=s.protect),
        )
        environment_scope = Scope(f"resourceGroups/{s.resource_group_name}", environment_group.id)

        # In the environment's group, not the delivery group: the main stack's deployer, Contributor there, peers this
        # network with the environment's VNet and links the private DNS zones to it. Its outputs exist only with it.
        self.runners = (
            RunnerNetwork(f"{name}-runners", RunnerNetworkArgs(s, s.runner_network, environment_group.name), child)
            if s.runner_network is not None
            else None
        )
        self.state = StateBackend(
            f"{name}-state",
            StateBackendArgs(
                s,
                delivery_group.name,
                client.tenant_id,
                self.runners.runner_subnet_id if self.runners is not None else None,
            ),
            child,
        )
        self.deployer = GitHubIdentity(
            f"{name}-deployer",
            GitHubIdentityArgs(
                display_name=f"sp-{s.name_prefix}-platform-{s.instance}-deployer",
                description=f"Runs `pulumi up --stack {s.instance}` from {repository} (GitHub environment '{s.instance}').",
                subjects=(_environment_subject(repository, s.instance, s.deploy_subject, "Jobs"),),
            ),
            child,
        )
        self.preview = GitHubIdentity(
            f"{name}-preview",
            GitHubIdentityArgs(
                display_name=f"sp-{s.name_prefix}-platform-{s.instance}-preview",
                description=f"Runs `pulumi preview --stack {s.instance}` for pull requests of {repository}; read-only.",
                subjects=(
                    _environment_subject(repository, s.preview_environment, s.preview_subject, "Jobs")
                    if s.preview_environment
                    else FederatedSubject(
                        "github-pull-request", s.preview_subject, f"Pull-request jobs of {repository}"
                    ),
                ),
            ),
            child,
        )

        # The scheduled drift audit (`python -m offline.drift`, docs/drift.md): reads the environment and the declared
        # Entra objects, writes nothing, holds no state access (the audit renders from the repository's stack files).
        self.auditor = GitHubIdentity(
            f"{name}-auditor",
            GitHubIdentityArgs(
                display_name=f"sp-{s.name_prefix}-platform-{s.instance}-audit",
                description=f"Runs the scheduled drift audit of {s.instance} from {repository}; read-only.",
                subjects=(_environment_subject(repository, s.audit_environment, s.audit_subject, "Scheduled jobs"),),
            ),
            child,
        )

        deployer = self.deployer.principal
        preview = self.preview.principal
        state = self.state
        # What a `pulumi preview` reads: the environment's resources, the stack state, and the key for its secrets.
        previewing: list[tuple[str, Role, Scope]] = [
            ("reader", READER, environment_scope),
            ("state", catalogue.STORAGE_BLOB_DATA_READER, state.state_scope),
            ("key", catalogue.KEY_VAULT_CRYPTO_USER, state.key_scope),
        ]
        grants: list[tuple[str, Principal, Role, Scope, str | None]] = [
            ("deployer-contributor", deployer, CONTRIBUTOR, environment_scope, None),
            (
                "deployer-rbac-admin",
                deployer,
                RBAC_ADMINISTRATOR,
                environment_scope,
                catalogue.assignable_roles_condition(s.environment),
            ),
            ("deployer-state", deployer, catalogue.STORAGE_BLOB_DATA_CONTRIBUTOR, state.state_scope, None),
            ("deployer-key", deployer, catalogue.KEY_VAULT_CRYPTO_USER, state.key_scope, None),
            *((f"preview-{label}", preview, role, scope, None) for label, role, scope in previewing),
            ("auditor-reader", self.auditor.principal, READER, environment_scope, None),
            # Which version of the secrets key is current (its metadata through ARM; Reader grants no key operation).
            ("auditor-key", self.auditor.principal, READER, state.key_scope, None),
        ]
        if s.state_administrators_group:
            admins = _configured_group(s.state_administrators_group, "state administrators")
            grants += [
                ("admins-state", admins, catalogue.STORAGE_BLOB_DATA_CONTRIBUTOR, state.state_scope, None),
                ("admins-bootstrap", admins, catalogue.STORAGE_BLOB_DATA_CONTRIBUTOR, state.bootstrap_scope, None),
                ("admins-key", admins, catalogue.KEY_VAULT_CRYPTO_USER, state.key_scope, None),
            ]
        if s.local_preview_group:
            # Laptop previews: what the CI preview reader holds, given to a group of people instead of a workload.
            previewers = _configured_group(s.local_preview_group, "local preview group")
            grants += [(f"local-preview-{label}", previewers, role, scope, None) for label, role, scope in previewing]
        self.assignments = {
            label: grant(f"{name}-{label}", principal, role, scope, subscription_id, child, condition)
            for label, principal, role, scope, condition in grants
        }
        # Azure Policy's role guard at the environment's group: between deploys, a forbidden role given by hand is
        # refused or reported. The deployer is the one exception it allows. It does not wait for the grants: were a
        # replaced deployer's new grant refused by the old assignment, the assignment must still be updated, so that
        # the next run goes through (docs/azure-policy.md).
        self.role_guard = RoleAssignmentGuard(
            f"{name}-role-guard",
            RoleAssignmentGuardArgs(
                s,
                environment_group.id,
                pulumi.Output.from_input(deployer.object_id).apply(lambda object_id: [object_id]),
            ),
            child,
        )

        # The main program creates Entra groups and app registrations: the deployer holds these Microsoft Graph
        # application permissions (each one's reason is in the catalogue), managing only the objects it owns; the
        # preview reader and the drift auditor hold read permissions.
        graph = azuread.get_service_principal_output(
            client_id=catalogue.MICROSOFT_GRAPH_APP_ID, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.graph_permissions = [
            azuread.AppRoleAssignment(
                f"{name}-{who}-graph-{permission.name.lower().replace('.', '-')}",
                app_role_id=permission.app_role_id,
                principal_object_id=identity.service_principal.object_id,
                resource_object_id=graph.object_id,
                opts=child,
            )
            for who, identity, permissions in (
                ("deployer", self.deployer, catalogue.DEPLOYER_GRAPH_PERMISSIONS),
                ("preview", self.preview, catalogue.PREVIEW_GRAPH_PERMISSIONS),
                ("auditor", self.auditor, catalogue.AUDITOR_GRAPH_PERMISSIONS),
            )
            for permission in permissions
        ]

        self.outputs: dict[str, pulumi.Input[object]] = {
            "environment": s.environment,
            "githubEnvironment": s.instance,
            "resourceGroupName": s.resource_group_name,
            "tenantId": client.tenant_id,
            "subscriptionId": subscription_id,
            "deployerClientId": self.deployer.application.client_id,
            # The main stack's `deployerObjectId`: it makes the deployer owner of the Entra objects it creates.
            "deployerObjectId": self.deployer.service_principal.object_id,
            "deployerSubject": s.deploy_subject,
            "previewClientId": self.preview.application.client_id,
            "previewSubject": s.preview_subject,
            "previewEnvironment": s.preview_environment,
            "auditClientId": self.auditor.application.client_id,
            "auditEnvironment": s.audit_environment,
            "stateBackendUrl": s.state_backend_url,
            # Who may read and write both containers and use the key besides the deployer (None: nobody).
            "stateAdministratorsGroup": s.state_administrators_group,
            # Who may run `pulumi preview` of this stack from a laptop (None: nobody; never in prod).
            "localPreviewGroup": s.local_preview_group,
            "bootstrapBackendUrl": s.bootstrap_backend_url,
            # Pinned to the key's current version (bootstrap/state.py); re-keying after a rotation: docs/runbook.md.
            "secretsProvider": self.state.secrets_provider,
        }
        if self.runners is not None:
            self.outputs.update(self.runners.outputs)
        self.register_outputs(self.outputs)


def _configured_group(object_id: str, display_name: str) -> Principal:
    """An Entra group the stack file names by object id (the bootstrap does not create it)."""
    return Principal(
        key=f"entra-group:{object_id}",
        display_name=display_name,
        kind="Entra security group",
        principal_type="Group",
        object_id=object_id,
    )


def _environment_subject(repository: str, environment: str, subject: str, jobs: str) -> FederatedSubject:
    """The credential that trusts the jobs of `repository` running in its GitHub environment `environment`."""
    return FederatedSubject(
        f"github-environment-{environment}",
        subject,
        f"{jobs} of {repository} in its GitHub environment '{environment}'",
    )
