"""The main program's stack file, `Pulumi.<stack>.yaml` under `foundry-platform:`: every key, and the sections
the components take (`FoundryEnvironment` hands each component its own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_snake

from components import naming
from components.catalogue import federation
from components.settings import core
from components.settings import models as model_keys
from components.settings.access import (
    AksWorkloadIdentity,
    ExtraCredential,
    GitHubConfig,
    Groups,
    OnBehalfOf,
    OptIn,
    check_credentials,
)
from components.settings.agent_data import AgentSetup
from components.settings.base import (
    ByEnvironment,
    ConfigModel,
    DeployerId,
    Number,
    Pattern,
    Timestamp,
    context,
    empty_section,
    filled_in,
    parse_utc,
    prod_only,
    refuse,
    unique_names,
    warn,
)
from components.settings.compute import ComputeConfig
from components.settings.connections import ACCOUNT_WIDE, Connection, ConnectionGroup, check_connections
from components.settings.network import NetworkConfig

PROJECT = "foundry-platform"
NetworkAccess = Literal["public", "private"]
# Keys that left this program, with where they went.
MOVED_KEYS = {
    "platformAdminEligibility": "moved to pim/Pulumi.<stack>.yaml: PIM eligibilities are made by the PIM phase an "
    "administrator runs (the pipeline's deployer may not write roleEligibilityScheduleRequests)"
}


class Project(ConfigModel):
    """One Foundry project: its name is part of the project endpoint URL, so it should never change."""

    name: core.ProjectName
    display_name: Annotated[str, Field(min_length=1)] = filled_in()
    """Shown in the Foundry portal; default: the name."""
    description: str = filled_in()
    """Default: "Foundry project <name>."."""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            name = data["name"]
            defaults = {"displayName": name, "description": f"Foundry project {name}."}
            return {**{k: v for k, v in defaults.items() if k not in data and to_snake(k) not in data}, **data}
        return data


# Two projects per environment, as the design source recommends: one for the agent runtime, one for
# evaluations and offline experiments, so evaluation connections and quotas never mix with production traffic.
DEFAULT_PROJECTS: tuple[Project, ...] = (
    Project(
        name="agents", display_name="Agent runtime", description="Agents and the Responses API used by the application."
    ),
    Project(
        name="evals",
        display_name="Evaluations",
        description="Evaluations and offline experiments, kept apart from the runtime.",
    ),
)


# Design source 1.5: "short expiry (90 days)"; warn this many days before one ends.
MAX_SECRET_DAYS = 90
SECRET_WARNING_DAYS = 14
# App registration names the program uses itself (`sp-<prefix>-foundry-<stack>-<this>`).
RESERVED_SCRIPT_NAMES = ("cicd",)


class ClientSecret(ConfigModel):
    """A headless script's app registration with a client secret (design source 1.5), outside prod only: for what
    can use neither a managed identity nor federation. The value goes only into the environment's Key Vault."""

    name: Annotated[str, Pattern(r"[a-z][a-z0-9-]*[a-z0-9]", 3, 40, "lowercase letters, digits and '-'")]
    """The script: its app registration is `sp-<prefix>-foundry-<stack>-<name>`, its Key Vault secret
    `<name>-client-secret`."""
    project: core.ProjectName
    """The one project it gets Foundry User on."""
    expires_on: Timestamp
    """When the secret ends: in the future and at most 90 days from the deploy. A new value rotates it (a new
    secret is made, the vault gets its value, then the old secret is removed)."""

    @field_validator("name", mode="after")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_SCRIPT_NAMES:
            refuse(f"a name other than {', '.join(RESERVED_SCRIPT_NAMES)} (the program's own app registrations)")
        return name

    @model_validator(mode="after")
    def _short_lived(self, info: ValidationInfo) -> ClientSecret:
        ends = parse_utc(self.expires_on).date()
        today = context(info).today
        if ends <= today:
            refuse(
                f"the secret has expired or ends today (today is {today}): rotate it with a new expiresOn, at most "
                f"{MAX_SECRET_DAYS} days from today",
                at=".expiresOn",
                value=self.expires_on,
            )
        if (ends - today).days > MAX_SECRET_DAYS:
            refuse(
                f"at most {MAX_SECRET_DAYS} days from today ({today}): the design source's short expiry",
                at=".expiresOn",
                value=self.expires_on,
            )
        if (ends - today).days <= SECRET_WARNING_DAYS:
            warn(
                info,
                f"clientSecrets[{self.name}].expiresOn",
                f"the secret ends on {ends}, in {(ends - today).days} days: rotate it with a new expiresOn",
            )
        return self

    @property
    def end_date(self) -> str:
        return self.expires_on


class KeyVaultConfig(ConfigModel):
    name: Annotated[core.KeyVaultName, AfterValidator(core.own_environment_only)] | None = None
    """The vault's globally unique name; default `kv-<prefix>-<env code>-<hash>`."""
    sku: Literal["standard", "premium"] = "standard"
    soft_delete_retention_days: Annotated[int, Number(7, 90)] = 90
    """Days a deleted vault or secret stays recoverable; prod allows only 90."""

    @field_validator("soft_delete_retention_days", mode="after")
    @classmethod
    def _prod_keeps_90(cls, days: int, info: ValidationInfo) -> int:
        if context(info).environment == "prod" and days != 90:
            refuse("prod allows only 90: a shorter window weakens recovery of deleted secrets")
        return days


@dataclass(frozen=True)
class Placement:
    """Where and under which names an environment's resources go: what every component needs."""

    environment: core.EnvironmentName  # the tier: which rules and defaults apply
    instance: str  # the stack name: what names, groups and the GitHub environment are made of
    name_prefix: str
    location: str
    resource_group_name: str
    tags: dict[str, str]  # the configured tags plus the two the program sets
    protect: bool  # `protect` on stateful resources


@dataclass(frozen=True)
class AgentDataNames:
    storage: str
    search: str
    cosmos: str


@dataclass(frozen=True)
class ModelSettings:
    rai_policy_name: str
    default_capacity: int
    deployments: tuple[model_keys.Deployment, ...]
    guardrails: model_keys.GuardrailConfig


def _required_when_pipeline_deployed(value: object, info: ValidationInfo, what: str) -> None:
    if value is None and info.data.get("existing_resource_group"):
        refuse(f"required with existingResourceGroup (a stack the pipeline deploys): {what}")


class Settings(core.NamedEnvironment):
    """One environment's configuration (`foundry-platform:` keys), validated."""

    github: GitHubConfig
    """The application repository, whose workflows deploy agents: the CI/CD identity (Foundry Project Manager on
    the projects) trusts its GitHub environment named after the stack. Not the platform repository (the
    bootstrap's `github`), whose workflows run `pulumi up`."""

    existing_resource_group: Annotated[core.ResourceGroupName, AfterValidator(core.own_environment_only)] | None = None
    """Deploy into this existing group (the bootstrap's) instead of creating `rg-<prefix>-<stack>`."""
    deployer_object_id: DeployerId | None = None
    """The pipeline deployer's service principal (bootstrap output deployerObjectId); required with
    existingResourceGroup: it owns the Entra objects it manages, whoever runs `pulumi up`."""
    platform_repository: GitHubConfig | None = None
    """The platform repository, exactly as the bootstrap's `github`: the CI/CD identity also trusts its GitHub
    environment named after the stack, so that the deploy job's smoke test (scripts/smoke_test.py) calls the
    projects as an identity with a data-plane role (the deployer has none). Required with existingResourceGroup."""
    custom_subdomain: Annotated[core.Subdomain, AfterValidator(core.own_environment_only)] | None = None
    """The Foundry resource's globally unique name and subdomain; default `<prefix>-<stack>-<hash>`."""
    network_access: Annotated[
        NetworkAccess,
        ByEnvironment("public", "public", "private"),
        prod_only(
            "private",
            why="public network access would open the production Foundry resource and Key Vault to the internet",
        ),
    ] = filled_in()
    """public, or private (private endpoints only); prod allows only private."""
    protect_stateful_resources: core.Protection = filled_in()
    """Pulumi `protect` on the account, projects, vault and identity; prod allows only true."""
    projects: Annotated[tuple[Project, ...], Field(min_length=1), unique_names()] = DEFAULT_PROJECTS
    """The Foundry projects (a list replaces the default agents and evals)."""
    foundry_identity: Literal["system-assigned", "user-assigned"] = "system-assigned"
    """The managed identity of the Foundry resource and of each project: their own system-assigned ones, or a
    user-assigned identity each (`id-<prefix>-<stack>-foundry`, `id-<prefix>-<stack>-project-<name>`) that outlives
    them. Azure does not change it on an existing account or project: decide before the first deploy (prod's
    especially); the plan refuses a change."""
    key_vault: KeyVaultConfig = empty_section()
    """The environment's Key Vault (RBAC, purge protection always on)."""
    groups: Groups = empty_section()
    """Members and owners of the environment's Entra groups."""
    federated_credentials: Annotated[tuple[ExtraCredential, ...], unique_names()] = ()
    """Federated credentials beyond the GitHub one."""
    aks_workload_identity: AksWorkloadIdentity | None = None
    """Pods of an AKS cluster sign in as the app's user-assigned identity (workload identity): the cluster's OIDC
    issuer and the service accounts, one federated credential each. Off unless set."""
    compute: ComputeConfig = empty_section()
    """The application's App Service plan and web app."""
    client_secrets: Annotated[tuple[ClientSecret, ...], Field(max_length=5), unique_names()] = ()
    """Headless scripts' app registrations with a client secret (at most 90 days; the value only in the
    environment's Key Vault), each with Foundry User on one project. Refused in prod. None unless listed."""
    on_behalf_of: OnBehalfOf | None = None
    """An On-Behalf-Of middle tier: an API app registration (no secret: it trusts the app's user-assigned identity)
    whose callers reach Foundry as themselves, and an end-users group with Foundry User on each project. Off
    unless set."""
    network: NetworkConfig | None = None
    """The private network (networkAccess private only)."""
    agent_setup: AgentSetup | None = None
    """The standard agent setup: agent threads, files and vectors in the environment's own Cosmos DB, Storage and
    AI Search (Entra only, private in private mode), and each project's capability host naming them. Off unless
    set; in private mode it needs network.agentSubnetInjection."""
    model_capacity: Annotated[model_keys.Capacity, ByEnvironment(10, 10, 50)] = filled_in()
    """Capacity of a deployment that does not set its own (thousands of tokens per minute, or PTUs)."""
    model_deployments: model_keys.Deployments = filled_in()
    """The model deployments, made one after another in this order (a list replaces the default router and
    specialist)."""
    guardrails: model_keys.GuardrailConfig = empty_section()
    """The content filter applied to every deployment."""
    connection_resource_groups: tuple[ConnectionGroup, ...] = ()
    """Further resource groups of this environment that connections may point into."""
    connections: Annotated[tuple[Connection, ...], Field(max_length=50), unique_names(ACCOUNT_WIDE)] = ()
    """Project connections to this environment's Storage, AI Search or Cosmos DB (Entra auth)."""
    log_retention_days: Annotated[int, Number(30, 730), ByEnvironment(30, 30, 90)] = filled_in()
    """Interactive retention of the Log Analytics workspace (30 included, up to 730)."""

    @field_validator("deployer_object_id", mode="after")
    @classmethod
    def _named_when_pipeline_deployed(cls, value: str | None, info: ValidationInfo) -> str | None:
        _required_when_pipeline_deployed(
            value,
            info,
            "the object id of the deployer's service principal, bootstrap output deployerObjectId; it must own the "
            "Entra objects it manages",
        )
        return value

    @field_validator("platform_repository", mode="after")
    @classmethod
    def _the_pipelines_own(cls, value: GitHubConfig | None, info: ValidationInfo) -> GitHubConfig | None:
        _required_when_pipeline_deployed(
            value,
            info,
            "the platform repository, as in bootstrap/Pulumi.<stack>.yaml's github, whose deploy job runs the smoke "
            "test as the CI/CD identity",
        )
        github = info.data.get("github")
        if value is not None and github is not None and value.same_repository(github):
            refuse(
                "the platform repository (whose workflows run pulumi up) must differ from github, the application "
                "repository (whose workflows deploy agents)"
            )
        return value

    @field_validator("federated_credentials", mode="after")
    @classmethod
    def _federation_rules(cls, credentials: tuple[ExtraCredential, ...], info: ValidationInfo) -> Any:
        if "github" in info.data:
            check_credentials(credentials, info.data["github"], info.data.get("platform_repository"), info)
        return credentials

    @field_validator("aks_workload_identity", mode="after")
    @classmethod
    def _room_on_the_identity(cls, aks: AksWorkloadIdentity | None, info: ValidationInfo) -> AksWorkloadIdentity | None:
        extras = [c for c in info.data.get("federated_credentials", ()) if c.identity == "app"]
        if aks is None:
            return aks
        taken = {c.name.lower() for c in extras}
        for index, account in enumerate(aks.service_accounts):
            if account.credential_name.lower() in taken:
                refuse(
                    f"its credential name '{account.credential_name}' is taken by federatedCredentials",
                    at=f".serviceAccounts[{index}]",
                    value=f"{account.namespace}/{account.name}",
                )
        count = len(extras) + len(aks.service_accounts)
        if count > federation.MAX_CREDENTIALS_PER_IDENTITY:
            refuse(
                f"{count} federated credentials on the app identity with federatedCredentials; at most "
                f"{federation.MAX_CREDENTIALS_PER_IDENTITY} per identity (Entra's limit)",
                at=".serviceAccounts",
                value=len(aks.service_accounts),
            )
        return aks

    @field_validator("client_secrets", mode="after")
    @classmethod
    def _outside_prod_on_own_projects(
        cls, secrets: tuple[ClientSecret, ...], info: ValidationInfo
    ) -> tuple[ClientSecret, ...]:
        if secrets and context(info).environment == "prod":
            refuse(
                "prod allows no client secrets (design source 1.5: a secret on a production workload is a wrong "
                "turn): use the app's managed identity, a federated credential (federatedCredentials, "
                "aksWorkloadIdentity) or onBehalfOf",
                value=", ".join(secret.name for secret in secrets),
            )
        projects = {project.name for project in info.data.get("projects", ())}
        for index, secret in enumerate(secrets):
            if projects and secret.project not in projects:
                refuse(
                    f"one of this stack's projects: {', '.join(sorted(projects))}",
                    at=f"[{index}].project",
                    value=secret.project,
                )
        return secrets

    @field_validator("compute", mode="after")
    @classmethod
    def _inbound_decided(cls, compute: ComputeConfig, info: ValidationInfo) -> ComputeConfig:
        mode = info.data.get("network_access")
        if not compute.enabled or mode is None or compute.inbound is None:
            return compute
        if compute.inbound == "private-endpoint" and mode == "public":
            refuse("only in private mode (a private endpoint needs the network)", at=".inbound", value=compute.inbound)
        if compute.inbound == "public" and context(info).environment == "prod":
            refuse(
                "prod allows only 'private-endpoint': its app is not reachable from the internet",
                at=".inbound",
                value=compute.inbound,
            )
        return compute

    @field_validator("on_behalf_of", mode="after")
    @classmethod
    def _trusts_a_user_assigned_identity(cls, obo: OnBehalfOf | None, info: ValidationInfo) -> OnBehalfOf | None:
        compute = info.data.get("compute")
        if obo is not None and compute is not None and compute.enabled and compute.identity == "system-assigned":
            refuse(
                "the API's credential is a federated credential trusting the app's user-assigned identity, and Entra "
                "accepts only user-assigned managed identities there; with compute.identity system-assigned the web "
                "app could not use it. Allowed: compute.identity user-assigned, or no onBehalfOf",
                value="compute.identity: system-assigned",
            )
        return obo

    @field_validator("agent_setup", mode="after")
    @classmethod
    def _reachable_in_private_mode(cls, setup: AgentSetup | None, info: ValidationInfo) -> AgentSetup | None:
        network = info.data.get("network")
        injected = network is not None and network.agent_subnet_injection
        if setup is not None and info.data.get("network_access") == "private" and not injected:
            refuse(
                "in private mode the agent runtime must run in the environment's agent subnet to reach the private "
                "Storage, AI Search and Cosmos DB: set network.agentSubnetInjection: true (and its subnet)"
            )
        return setup

    @field_validator("network", mode="before")
    @classmethod
    def _private_only(cls, value: Any, info: ValidationInfo) -> Any:
        mode = info.data.get("network_access")
        if mode == "public" and value is not None:
            refuse("only used when networkAccess is 'private'; public mode creates no network resources")
        return {} if mode == "private" and value is None else value

    @field_validator("model_deployments", mode="wrap")
    @classmethod
    def _catalogued(cls, value: Any, handler: Any, info: ValidationInfo) -> tuple[model_keys.Deployment, ...]:
        deployments = handler(model_keys.DEFAULT_DEPLOYMENTS if value is None else value)
        if "location" in info.data and "model_capacity" in info.data:
            model_keys.check_deployments(
                deployments, info.data["location"], info.data["model_capacity"], value is not None, info
            )
        return deployments

    @field_validator("connections", mode="after")
    @classmethod
    def _within_environment(cls, connections: tuple[Connection, ...], info: ValidationInfo) -> tuple[Connection, ...]:
        data = info.data
        needed = ("projects", "connection_resource_groups", "existing_resource_group", "name_prefix")
        if all(key in data for key in needed):
            own = data["existing_resource_group"] or naming.resource_group_name(
                data["name_prefix"], context(info).stack
            )
            projects = tuple(p.name for p in data["projects"])
            check_connections(connections, projects, (own, *data["connection_resource_groups"]), info)
        return connections

    # -- derived values and the components' sections ------------------------------------------------------------
    @property
    def resource_group_name(self) -> str:
        return self.existing_resource_group or naming.resource_group_name(self.name_prefix, self.instance)

    @property
    def create_resource_group(self) -> bool:
        return self.existing_resource_group is None

    @property
    def account_name(self) -> str:
        """The Foundry resource's name, which is also its custom subdomain (globally unique)."""
        return self.custom_subdomain or naming.account_name(self.name_prefix, self.instance, self.location)

    @property
    def key_vault_name(self) -> str:
        return self.key_vault.name or naming.key_vault_name(
            self.name_prefix, self.instance, self.environment, self.location
        )

    @property
    def app_credentials(self) -> tuple[ExtraCredential, ...]:
        """Every federated credential on the app identity: the configured ones, then the AKS service accounts'."""
        configured = tuple(c for c in self.federated_credentials if c.identity == "app")
        return configured + (self.aks_workload_identity.credentials() if self.aks_workload_identity else ())

    @property
    def opt_ins(self) -> frozenset[OptIn]:
        """What this stack turns on beyond every environment's baseline (their grants are in the role model)."""
        on: set[OptIn] = set()
        if self.compute.enabled and self.compute.identity == "system-assigned":
            on.add("system-assigned web app")
        if self.on_behalf_of is not None:
            on.add("on-behalf-of")
        if self.client_secrets:
            on.add("client secrets")
        if self.agent_setup is not None:
            on.add("standard agent setup")
        return frozenset(on)

    @property
    def web_app_inbound(self) -> Literal["private-endpoint", "public"]:
        """How the web app is reached: as configured, else by the network mode."""
        return self.compute.inbound or ("private-endpoint" if self.is_private else "public")

    @property
    def is_private(self) -> bool:
        return self.network_access == "private"

    @property
    def resource_tags(self) -> dict[str, str]:
        """The configured tags plus the two the program always sets."""
        return {**self.tags, "environment": self.environment, "managed-by": f"pulumi/{PROJECT}"}

    @property
    def placement(self) -> Placement:
        where = (self.environment, self.instance, self.name_prefix, self.location, self.resource_group_name)
        return Placement(*where, self.resource_tags, self.protect_stateful_resources)

    @property
    def agent_data_names(self) -> AgentDataNames | None:
        """The standard agent setup's store names (configured or derived), or None when it is off."""
        setup = self.agent_setup
        if setup is None:
            return None
        where = (self.name_prefix, self.instance, self.location)
        return AgentDataNames(
            setup.storage_account_name
            or naming.storage_account_name(self.name_prefix, self.instance, self.environment, self.location),
            setup.search_service_name or naming.search_service_name(*where),
            setup.cosmos_account_name or naming.cosmos_account_name(*where),
        )

    def derived_values(self) -> dict[str, Any]:
        derived: dict[str, Any] = {"customSubdomain": self.account_name, "keyVault.name": self.key_vault_name}
        if (names := self.agent_data_names) is not None:
            derived |= {
                "agentSetup.storageAccountName": names.storage,
                "agentSetup.searchServiceName": names.search,
                "agentSetup.cosmosAccountName": names.cosmos,
            }
        derived |= {f"modelDeployments[{d.name}].capacity": d.capacity for d in self.models.deployments}
        if self.network is not None and self.network.creates_vnet:
            prefixes = self.network.prefixes.model_dump(by_alias=True)
            derived |= {f"network.subnets.{use}": prefix for use, prefix in prefixes.items() if prefix}
        return derived

    @property
    def models(self) -> ModelSettings:
        # A deployment without its own capacity takes modelCapacity.
        deployments = tuple(
            d if d.capacity else d.model_copy(update={"capacity": self.model_capacity}) for d in self.model_deployments
        )
        policy = f"{self.name_prefix}-{self.instance}-{model_keys.RAI_POLICY_SUFFIX}"
        return ModelSettings(policy, self.model_capacity, deployments, self.guardrails)
