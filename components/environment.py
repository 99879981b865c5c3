"""FoundryEnvironment: everything one environment (dev, staging or prod) consists of, and nothing shared."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, resources

from components.access import GROUP_GRANTEES, AccessModel, AccessModelArgs, Grantee
from components.agent_data.capability_hosts import AgentCapabilityHosts, AgentCapabilityHostsArgs
from components.agent_data.grants import grant_agent_database
from components.agent_data.stores import AgentDataStores, AgentDataStoresArgs
from components.catalogue import dns_zones, entra_apps, federation
from components.catalogue.locks import LOCK_SCOPES_OUTPUT
from components.cicd import CiCdIdentity, CiCdIdentityArgs
from components.client_secrets import HeadlessClients, HeadlessClientsArgs
from components.compute import AppCompute, AppComputeArgs, UserAssignedRuntime
from components.connections import ProjectConnections, ProjectConnectionsArgs
from components.foundry import FoundryAccount, FoundryAccountArgs
from components.groups import END_USERS, PeopleGroups, PeopleGroupsArgs
from components.identity import AppIdentity, AppIdentityArgs
from components.models import ModelDeployments, ModelDeploymentsArgs
from components.network import (
    EndpointPlacement,
    PrivateEndpoints,
    PrivateEndpointsArgs,
    PrivateNetwork,
    PrivateNetworkArgs,
)
from components.obo import OnBehalfOfApi, OnBehalfOfApiArgs
from components.observability import Observability, ObservabilityArgs
from components.rbac import Principal
from components.settings import Settings
from components.vault import SecretsVault, SecretsVaultArgs


def warn_if_not_the_deployer(caller: str, deployer: str | None) -> None:
    """An administrator's run by hand is expected; the pipeline's is not, and then `deployerObjectId` is wrong."""
    if deployer and caller.lower() != deployer.lower():
        pulumi.log.warn(
            f"running as {caller}, not as the pipeline deployer named by deployerObjectId ({deployer}); the deployer "
            "stays owner of the Entra objects. If this is the pipeline, deployerObjectId is wrong: set it to the "
            "bootstrap output deployerObjectId, or the deployer loses the app registration it creates"
        )


@dataclass(frozen=True)
class FoundryEnvironmentArgs:
    settings: Settings


class FoundryEnvironment(pulumi.ComponentResource):
    def __init__(self, name: str, args: FoundryEnvironmentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:FoundryEnvironment", name, None, opts)
        settings = args.settings
        place = settings.placement
        child = pulumi.ResourceOptions(parent=self)
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self.tenant_id = client.tenant_id
        self.subscription_id = client.subscription_id

        if settings.create_resource_group:
            group = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=settings.resource_group_name,
                location=settings.location,
                tags=settings.resource_tags,
                opts=pulumi.ResourceOptions(parent=self, protect=settings.protect_stateful_resources),
            )
            resource_group_name: pulumi.Input[str] = group.name
        else:
            resource_group_name = settings.resource_group_name

        # Private mode: the VNet (or existing subnets) and DNS zones first, since the account may inject its
        # agent runtime into a subnet; the endpoints come after the account and vault below.
        zones = dns_zones.BASE_ZONES + (dns_zones.AGENT_DATA_ZONES if settings.agent_setup else ())
        if settings.compute.enabled and settings.web_app_inbound == "private-endpoint":
            zones += dns_zones.WEB_APP_ZONES
        self.network = (
            PrivateNetwork(
                f"{name}-network", PrivateNetworkArgs(place, settings.network, resource_group_name, zones), child
            )
            if settings.network
            else None
        )
        # For the web app's VNet integration (None in public mode).
        self.app_integration_subnet_id: pulumi.Output[str] | None = (
            self.network.app_integration_subnet_id if self.network else None
        )
        self.foundry = FoundryAccount(
            f"{name}-foundry",
            FoundryAccountArgs(
                place,
                settings.account_name,
                settings.projects,
                settings.is_private,
                settings.network.trusted_azure_services if settings.network else False,
                resource_group_name,
                agent_subnet_id=self.network.agent_subnet_id if self.network else None,
                identity=settings.foundry_identity,
            ),
            child,
        )
        app_credentials = settings.app_credentials
        cicd_credentials = tuple(c for c in settings.federated_credentials if c.identity == "cicd")
        self.app_identity = AppIdentity(
            f"{name}-identity", AppIdentityArgs(place, app_credentials, resource_group_name), child
        )
        self.vault = SecretsVault(
            f"{name}-vault",
            SecretsVaultArgs(
                placement=place,
                vault=settings.key_vault,
                vault_name=settings.key_vault_name,
                private=settings.is_private,
                resource_group_name=resource_group_name,
                tenant_id=self.tenant_id,
            ),
            child,
        )
        # Whoever runs `pulumi up`, the pipeline's deployer owns the Entra objects: it manages only what it owns.
        entra_owner: pulumi.Input[str] = settings.deployer_object_id or client.object_id
        if settings.deployer_object_id:
            client.object_id.apply(lambda caller: warn_if_not_the_deployer(caller, settings.deployer_object_id))
        obo = settings.on_behalf_of
        self.people = PeopleGroups(
            f"{name}-groups",
            PeopleGroupsArgs(place, settings.groups, entra_owner, obo.end_users if obo else None),
            child,
        )
        self.headless = (
            HeadlessClients(
                f"{name}-scripts",
                HeadlessClientsArgs(
                    place, settings.client_secrets, resource_group_name, self.vault.vault.name, entra_owner
                ),
                child,
            )
            if settings.client_secrets
            else None
        )
        self.obo_api = (
            OnBehalfOfApi(
                f"{name}-obo",
                OnBehalfOfApiArgs(place, obo, self.tenant_id, self.app_identity.identity.principal_id, entra_owner),
                child,
            )
            if obo
            else None
        )
        self.cicd = CiCdIdentity(
            f"{name}-cicd",
            CiCdIdentityArgs(place, settings.github, settings.platform_repository, cicd_credentials, entra_owner),
            child,
        )
        # Every write under the account joins one chain (the account takes one at a time), in this order:
        # projects, guardrails, deployments, connections, (standard agent setup) the agent connections and capability
        # hosts, private endpoint. The connections come after the deployments because they also wait for Application
        # Insights, which then stays off the chain's path.
        account_writes = self.foundry.writes
        self.models = ModelDeployments(
            f"{name}-models",
            ModelDeploymentsArgs(place, settings.models, resource_group_name, self.foundry.account, account_writes),
            child,
        )
        self.agent_stores = self._agent_stores(name, settings, resource_group_name)
        self.observability = Observability(
            f"{name}-observability",
            ObservabilityArgs(
                place,
                settings.log_retention_days,
                resource_group_name,
                self.foundry.account,
                self.foundry.projects,
                self.vault.vault,
                account_writes,
                self.agent_stores.search_service if self.agent_stores else None,
            ),
            child,
        )
        self._grant_and_run(name, settings, resource_group_name)
        self.connections = ProjectConnections(
            f"{name}-connections",
            ProjectConnectionsArgs(
                settings.connections, resource_group_name, self.foundry.account, self.foundry.projects, account_writes
            ),
            child,
        )
        self.capability_hosts = self._capability_hosts(name, settings, resource_group_name)
        self.private_endpoints = (
            PrivateEndpoints(
                f"{name}-endpoints",
                PrivateEndpointsArgs(
                    placement=place,
                    account_name=settings.account_name,
                    vault_name=settings.key_vault_name,
                    resource_group_name=resource_group_name,
                    network=self.network,
                    account=self.foundry.account,
                    vault=self.vault.vault,
                    account_writes=account_writes,
                ),
                child,
            )
            if self.network
            else None
        )
        self.outputs: dict[str, pulumi.Input[object]] = {
            "environment": settings.environment,
            # What the post-deploy smoke test expects: private addresses in private mode.
            "networkAccess": settings.network_access,
            "resourceGroupName": settings.resource_group_name,
            "accountName": self.foundry.account.name,
            # What the PIM phase (`pim/`) makes its eligibilities on.
            "accountId": self.foundry.account.id,
            "accountEndpoint": self.foundry.endpoint,
            "projectEndpoints": self.foundry.project_endpoints,
            "appIdentityClientId": self.app_identity.identity.client_id,
            "appIdentityPrincipalId": self.app_identity.identity.principal_id,
            "keyVaultUri": self.vault.uri,
            # What the administrator's phase (`pim/`) may put a delete lock on (deleteLocks).
            LOCK_SCOPES_OUTPUT: self._lockable(),
            "groupObjectIds": {role: group.object_id for role, group in self.people.groups.items()},
            "cicdClientId": self.cicd.application.client_id,
            # What the GitHub environment of this stack needs as variables (none of them is a secret).
            "githubActionsVariables": {
                "AZURE_CLIENT_ID": self.cicd.application.client_id,
                "AZURE_TENANT_ID": self.tenant_id,
                "AZURE_SUBSCRIPTION_ID": self.subscription_id,
            },
            "modelDeployments": self.models.summary,
            "raiPolicyName": settings.models.rai_policy_name,
            "appInsightsId": self.observability.app_insights.id,
            "logAnalyticsWorkspaceId": self.observability.workspace.id,
            "projectConnections": self.connections.names,
        }
        if self.compute is not None:
            self.outputs["webAppName"] = self.compute.app.name
        if self.agent_stores is not None:
            # Where the agents' data lives (standard agent setup).
            self.outputs["agentData"] = {
                "storageAccountName": self.agent_stores.storage_account.name,
                "searchServiceName": self.agent_stores.search_service.name,
                "cosmosAccountName": self.agent_stores.cosmos_account.name,
            }
        if self.headless is not None:
            # Where each script finds its secret (the value itself is never an output).
            self.outputs["headlessClients"] = {
                c.config.name: {
                    "clientId": c.application.client_id,
                    "keyVaultSecretName": c.vault_secret.name,
                    "expiresOn": c.config.expires_on,
                    "project": c.config.project,
                }
                for c in self.headless.clients
            }
        if self.obo_api is not None:
            # What the front end's configuration needs, and the administrator's one step (docs/access-model.md).
            self.outputs["onBehalfOf"] = {
                "apiClientId": self.obo_api.application.client_id,
                "identifierUri": self.obo_api.identifier_uri,
                "scope": self.obo_api.scope,
                "endUsersGroupObjectId": self.people.groups[END_USERS].object_id,
                "adminConsent": self.obo_api.application.client_id.apply(
                    lambda client_id: f"az ad app permission admin-consent --id {client_id}"
                ),
            }
        if settings.aks_workload_identity is not None:
            # What the cluster's manifests carry: each service account's annotations, and the pods' label.
            annotations = {
                federation.AKS_CLIENT_ID_ANNOTATION: self.app_identity.identity.client_id,
                federation.AKS_TENANT_ID_ANNOTATION: self.tenant_id,
            }
            self.outputs["aksWorkloadIdentity"] = {
                "serviceAccounts": [f"{a.namespace}/{a.name}" for a in settings.aks_workload_identity.service_accounts],
                "serviceAccountAnnotations": annotations,
                "podLabels": {federation.AKS_USE_LABEL: "true"},
            }
        self.register_outputs(self.outputs)

    def _grant_and_run(self, name: str, settings: Settings, resource_group_name: pulumi.Input[str]) -> None:
        """The role model's grants and the web app, in the order its identity needs: a user-assigned identity's
        grants before the app (it waits for them); a system-assigned identity's after it (it exists only then)."""
        place = settings.placement
        child = pulumi.ResourceOptions(parent=self)
        web_app_runs_as_itself = "system-assigned web app" in settings.opt_ins
        self.compute = self._compute(name, settings, resource_group_name, None) if web_app_runs_as_itself else None
        principals: dict[Grantee, Principal] = {
            "app identity": self.app_identity.principal,
            "CI/CD": self.cicd.principal,
            **{grantee: self.people.principals[key] for grantee, key in GROUP_GRANTEES.items()},
        }
        if self.compute is not None and self.compute.principal is not None:
            principals["web app identity"] = self.compute.principal
        if self.obo_api is not None:
            principals["end users"] = self.people.principals[END_USERS]
        self.access_args = AccessModelArgs(
            placement=place,
            subscription_id=self.subscription_id,
            principals=principals,
            patterns=settings.opt_ins,
            project_principals=self.foundry.project_principals,
            project_scopes=self.foundry.project_scopes,
            account_scope=self.foundry.account_scope,
            vault_scope=self.vault.scope,
            app_insights_scope=self.observability.app_insights_scope,
            per_project={
                "headless scripts": {
                    c.config.name: (c.principal, c.config.project)
                    for c in (self.headless.clients if self.headless else [])
                }
            },
            agent_data_scopes=self.agent_stores.scopes if self.agent_stores else {},
        )
        self.access = AccessModel(f"{name}-access", self.access_args, child)
        if settings.compute.enabled and not web_app_runs_as_itself:
            runtime = UserAssignedRuntime(
                self.app_identity.identity.id,
                self.app_identity.identity.client_id,
                self.access.assignments["app identity"],
            )
            self.compute = self._compute(name, settings, resource_group_name, runtime)

    def _lockable(self) -> dict[str, pulumi.Output[str]]:
        lockable = {"keyVault": self.vault.vault.id}
        if self.agent_stores is not None:
            lockable |= {
                "storageAccount": self.agent_stores.storage_account.id,
                "searchService": self.agent_stores.search_service.id,
                "cosmosAccount": self.agent_stores.cosmos_account.id,
            }
        return lockable

    def _agent_stores(
        self, name: str, settings: Settings, resource_group_name: pulumi.Input[str]
    ) -> AgentDataStores | None:
        """The standard agent setup's stores, where it is on (their scopes are needed by the role model)."""
        names = settings.agent_data_names
        if settings.agent_setup is None or names is None:
            return None
        endpoints = EndpointPlacement(settings.placement, resource_group_name, self.network) if self.network else None
        return AgentDataStores(
            f"{name}-agent-data",
            AgentDataStoresArgs(
                settings.placement, settings.agent_setup, names, settings.is_private, resource_group_name, endpoints
            ),
            pulumi.ResourceOptions(parent=self),
        )

    def _capability_hosts(
        self, name: str, settings: Settings, resource_group_name: pulumi.Input[str]
    ) -> AgentCapabilityHosts | None:
        """The projects' connections to the stores and their capability hosts, then the grants that follow them."""
        if self.agent_stores is None:
            return None
        child = pulumi.ResourceOptions(parent=self)
        hosts = AgentCapabilityHosts(
            f"{name}-capability-hosts",
            AgentCapabilityHostsArgs(
                placement=settings.placement,
                resource_group_name=resource_group_name,
                account=self.foundry.account,
                projects=self.foundry.projects,
                stores=self.agent_stores,
                injected=self.network is not None and self.network.agent_subnet_id is not None,
                account_writes=self.foundry.writes,
                grants=self.access.project_assignments,
            ),
            child,
        )
        # Each project's grants that need its capability host wait for that host only.
        after = {project: [host] for project, host in hosts.project_hosts.items()}
        self.access_after_hosts = AccessModel(
            f"{name}-access-after-hosts",
            dataclasses.replace(self.access_args, after_capability_hosts=True, project_waits=after),
            child,
        )
        self.agent_database_grants = grant_agent_database(
            f"{name}-agent-data",
            hosts,
            self.agent_stores.cosmos_account,
            resource_group_name,
            self.agent_stores.scopes["Cosmos DB account"].key,
            self.foundry.project_principals,
            after,
        )
        return hosts

    def _obo_settings(self) -> dict[str, pulumi.Input[str]]:
        """What the middle tier needs for the OBO exchange: the API it is, the tenant, and what it asks Foundry for."""
        if self.obo_api is None:
            return {}
        return {
            "OBO_API_CLIENT_ID": self.obo_api.application.client_id,
            "OBO_TENANT_ID": self.tenant_id,
            "OBO_FOUNDRY_SCOPE": entra_apps.OBO_FOUNDRY_SCOPE,
        }

    def _compute(
        self,
        name: str,
        settings: Settings,
        resource_group_name: pulumi.Input[str],
        runtime: UserAssignedRuntime | None,
    ) -> AppCompute:
        return AppCompute(
            f"{name}-compute",
            AppComputeArgs(
                placement=settings.placement,
                compute=settings.compute,
                resource_group_name=resource_group_name,
                user_assigned=runtime,
                project_endpoint=self.foundry.project_endpoints[settings.projects[0].name],
                extra_settings=self._obo_settings(),
                integration_subnet_id=self.app_integration_subnet_id,
                endpoints=(
                    EndpointPlacement(settings.placement, resource_group_name, self.network)
                    if self.network is not None and settings.web_app_inbound == "private-endpoint"
                    else None
                ),
            ),
            pulumi.ResourceOptions(parent=self),
        )
