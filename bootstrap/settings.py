"""The bootstrap's stack file (`bootstrap/Pulumi.<stack>.yaml`, namespace `foundry-platform-bootstrap:`).

The keys it shares with the main program (environment, location, prefix, tags, GitHub) are the same models;
the rest say where the state backend lives. Same rules: every problem at once, nothing declared before.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, ValidationInfo, field_validator, model_validator

from bootstrap.catalogue import GITHUB_HOSTED_RUNNER_REGIONS
from components import naming
from components.catalogue import subnets
from components.settings.access import GitHubConfig, NumericId
from components.settings.base import (
    ByEnvironment,
    ConfigModel,
    Flag,
    GroupId,
    Number,
    Pattern,
    context,
    derived,
    empty_section,
    filled_in,
    prod_only,
    refuse,
    report,
)
from components.settings.core import KeyVaultName, NamedEnvironment, Protection, ResourceGroupName, own_environment_only
from components.settings.loading import load
from components.settings.network import DEFAULT_ADDRESS_SPACES, Cidr

PROJECT = "foundry-platform-bootstrap"
PROD_MIN_RETENTION_DAYS = 30
Container = Annotated[
    str,
    Pattern(
        r"[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]",
        3,
        63,
        "lowercase letters, digits and single hyphens, not starting or ending with one",
    ),
]
OwnGroup = Annotated[ResourceGroupName, AfterValidator(own_environment_only)]

RunnerKind = Literal["github-hosted", "self-hosted"]
# The runner network's default range per environment: next to, never inside, the main stack's default
# network.addressSpace of the same tier (components/settings/network.py DEFAULT_ADDRESS_SPACES: 10.40.0.0/22 prod,
# 10.41.0.0/22 staging, 10.42.0.0/22 dev), because Azure peers only VNets whose ranges do not overlap (Learn, "Create,
# change, or delete a virtual network peering", Requirements and constraints).
RUNNER_ADDRESS_SPACES: dict[str, str] = {"prod": "10.40.4.0/24", "staging": "10.41.4.0/24", "dev": "10.42.4.0/24"}
# The runner subnet is the range's first half and Bastion's subnet its last /26, so the range must hold both: /25.
RUNNER_MAX_PREFIX_LENGTH = 25


class RunnerNetworkConfig(ConfigModel):
    """A network inside Azure for the pipeline's runners, created in the environment's resource group, which the
    main stack peers with its own VNet (network.runnerVnetId) so that the runners reach private endpoints."""

    kind: RunnerKind
    """`github-hosted`: GitHub-hosted runners joined to Azure private networking (a subnet delegated to
    GitHub.Network/networkSettings and that resource; GitHub Team or Enterprise plan). `self-hosted`: a subnet for
    your own runner VMs or scale set."""
    address_space: Annotated[
        Cidr,
        ByEnvironment(RUNNER_ADDRESS_SPACES["dev"], RUNNER_ADDRESS_SPACES["staging"], RUNNER_ADDRESS_SPACES["prod"]),
    ] = filled_in()
    """The runner VNet's range, /25 or larger: the runner subnet is its first half, Bastion's subnet its last /26.
    Default per environment: dev 10.42.4.0/24, staging 10.41.4.0/24, prod 10.40.4.0/24, apart from the main
    stack's default network.addressSpace, since peered VNets may not overlap."""
    github_database_id: NumericId | None = None
    """The GitHub organization's numeric databaseId (GitHub.Network/networkSettings' businessId), with
    `github-hosted` only: `gh api graphql -f query='query($login:String!){organization(login:$login){databaseId}}'
    -f login=<org>`."""
    bastion: Flag = False
    """An administrator access path: Azure Bastion (Basic SKU) in the runner VNet, reaching VMs there and in the
    peered environment VNet from the Azure portal."""

    @field_validator("address_space", mode="after")
    @classmethod
    def _fits_and_stays_apart(cls, value: str, info: ValidationInfo) -> str:
        network = ipaddress.IPv4Network(value)
        if network.prefixlen > RUNNER_MAX_PREFIX_LENGTH:
            refuse(
                f"allowed: a /{RUNNER_MAX_PREFIX_LENGTH} or larger range: the runner subnet takes its first half, "
                "Azure Bastion's subnet its last /26"
            )
        environment = context(info).environment
        main = DEFAULT_ADDRESS_SPACES[environment]
        if network.overlaps(ipaddress.IPv4Network(main)):
            refuse(
                f"allowed: a range apart from {environment}'s default network.addressSpace '{main}' (Azure peers only "
                f"VNets whose ranges do not overlap), e.g. the default '{RUNNER_ADDRESS_SPACES[environment]}'"
            )
        return value

    @model_validator(mode="after")
    def _database_id_with_github_hosted(self) -> RunnerNetworkConfig:
        if self.kind == "github-hosted" and self.github_database_id is None:
            refuse(
                "required with kind 'github-hosted': the organization's numeric databaseId, "
                "`gh api graphql -f query='query($login:String!){organization(login:$login){databaseId}}' -f login=<org>`",
                at=".githubDatabaseId",
                value=None,
            )
        if self.kind == "self-hosted" and self.github_database_id is not None:
            refuse(
                "only used with kind 'github-hosted' (self-hosted runners need no GitHub.Network resource); remove it",
                at=".githubDatabaseId",
                value=self.github_database_id,
            )
        return self

    @property
    def runner_subnet(self) -> str:
        """The runner subnet's prefix: the first half of the range."""
        return str(next(ipaddress.IPv4Network(self.address_space).subnets(prefixlen_diff=1)))

    @property
    def bastion_subnet(self) -> str:
        """AzureBastionSubnet's prefix: the last /26 of the range (Bastion needs a /26 or larger)."""
        network = ipaddress.IPv4Network(self.address_space)
        size = 2 ** (32 - subnets.BASTION_MAX_PREFIX_LENGTH)
        return str(
            ipaddress.IPv4Network((int(network.broadcast_address) + 1 - size, subnets.BASTION_MAX_PREFIX_LENGTH))
        )


StateAccess = Literal["public", "restricted"]
StateReplication = Literal["Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"]
# Zone-redundant in the primary region and copied to the paired region (Learn, "Azure Storage redundancy").
GEO_REDUNDANT_REPLICATION = ("Standard_GZRS", "Standard_RAGZRS")
# Key Vault's auto-rotation limits (Learn, "Configure cryptographic key auto-rotation in Azure Key Vault"): a rotation
# at least 7 days after creation and at least 7 days before expiry; a rotated version's expiry at least 28 days out.
KEY_MIN_ROTATE_AFTER_DAYS = 7
KEY_MIN_EXPIRY_DAYS = 28
KEY_ROTATION_MARGIN_DAYS = 7


def _administrator_address(value: str) -> str:
    """A public IPv4 address or CIDR range, written the way both firewalls take it."""
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        refuse(
            "allowed: a public IPv4 address or CIDR range with no host bits set, e.g. '203.0.113.7' or '203.0.113.0/28'"
        )
    address = network.network_address
    if any(network.overlaps(ipaddress.IPv4Network(r)) for r in subnets.PRIVATE_RANGES) or (
        address.is_loopback or address.is_link_local or address.is_multicast or address.is_unspecified
    ):
        # Storage's IP rules take public addresses only (no RFC 1918 range), and ignore requests from the account's
        # own region anyway: what sits inside Azure is admitted by the runner subnet's rule, not by address.
        refuse("allowed: a public address or range; the storage firewall refuses private (RFC 1918) ones")
    if network.prefixlen == 31:
        # The storage firewall takes neither /31 nor /32 ranges (Learn, "Azure Storage network security limitations").
        refuse("a /31 is not taken by the storage firewall: list its two addresses instead")
    return str(network.network_address) if network.prefixlen == 32 else str(network)


AdministratorAddress = Annotated[str, AfterValidator(_administrator_address)]


class StateNetworkConfig(ConfigModel):
    """Which networks reach the state account's and the secrets vault's data planes: blobs, and the key's
    encrypt and decrypt. Their control planes (ARM) are not affected, so the bootstrap manages them from anywhere."""

    access: Annotated[
        StateAccess,
        ByEnvironment("public", "public", "restricted"),
        prod_only(
            "restricted",
            why="prod's state holds every resource and its encrypted secrets, so only the deploy runners' subnet and "
            "the administrators' addresses may reach it",
        ),
    ] = filled_in()
    """`restricted`: both firewalls deny by default and admit only the runner subnet (`runnerNetwork`, through its
    Microsoft.Storage and Microsoft.KeyVault service endpoints) and `administratorAddresses`. `public`: any
    network, with Entra authorization only; what GitHub-hosted runners outside Azure need. Prod allows only
    `restricted`."""
    administrator_addresses: tuple[AdministratorAddress, ...] = ()
    """With `restricted`: the public IPv4 addresses or ranges the administrators work from (the bootstrap, the PIM
    phase and state repairs read and write the state), e.g. the office's or VPN's egress. At least one."""

    @model_validator(mode="after")
    def _addresses_with_restricted(self) -> StateNetworkConfig:
        if self.access == "restricted" and not self.administrator_addresses:
            refuse(
                "required with access 'restricted': at least one public address or range the administrators work "
                "from; without one, nobody outside the runner subnet could run the bootstrap or repair the state",
                at=".administratorAddresses",
                value=[],
            )
        seen: list[str] = []
        for address in self.administrator_addresses:
            if address in seen:
                refuse(
                    "each address once: the firewalls take a rule per address",
                    at=".administratorAddresses",
                    value=address,
                )
            seen.append(address)
        if self.access == "public" and self.administrator_addresses:
            refuse(
                "only used with access 'restricted' (a public state account takes every network); remove it",
                at=".administratorAddresses",
                value=list(self.administrator_addresses),
            )
        return self


class StateKeyConfig(ConfigModel):
    """The key that wraps each stack's data key (Pulumi's azurekeyvault secrets provider)."""

    hsm: Annotated[
        Flag,
        ByEnvironment(False, False, True),
        prod_only(True, why="prod's secrets key is HSM-protected (Premium vault)"),
    ] = filled_in()
    """An RSA-HSM key in a Premium vault (the key never leaves the HSM) instead of a software-protected RSA key in
    a Standard vault. Fixed at creation: Azure never changes an existing key (docs/delivery.md, "The secrets key").
    Prod allows only true."""
    rotate_after_days: Annotated[int, Number(KEY_MIN_ROTATE_AFTER_DAYS, 3650)] = 365
    """Key Vault makes a new version this many days after the current one was made. The stacks stay pinned to
    their version until re-keyed (docs/runbook.md, "Re-key the stacks")."""
    expire_after_days: Annotated[int, Number(KEY_MIN_EXPIRY_DAYS, 3650)] = 730
    """Each version's expiry, in days after it was made; an expired version still decrypts (recovery), but wraps
    no new data key."""
    notify_before_days: Annotated[int, Number(KEY_ROTATION_MARGIN_DAYS, 3650)] = 30
    """Key Vault's near-expiry event (Event Grid) this many days before a version expires."""

    @model_validator(mode="after")
    def _rotation_before_expiry(self) -> StateKeyConfig:
        latest = self.expire_after_days - KEY_ROTATION_MARGIN_DAYS
        if self.rotate_after_days > latest:
            refuse(
                f"allowed: at most {latest} (expireAfterDays - {KEY_ROTATION_MARGIN_DAYS}): Key Vault rotates at "
                f"least {KEY_ROTATION_MARGIN_DAYS} days before a version expires",
                at=".rotateAfterDays",
                value=self.rotate_after_days,
            )
        if self.notify_before_days > latest:
            refuse(
                f"allowed: {KEY_ROTATION_MARGIN_DAYS}-{latest} (expireAfterDays - {KEY_ROTATION_MARGIN_DAYS}): the "
                "notice comes at least a week after a version is made and at least a week before it expires",
                at=".notifyBeforeDays",
                value=self.notify_before_days,
            )
        return self


class BootstrapSettings(NamedEnvironment):
    """One environment's delivery foundation: the deployer, the state backend and its encryption key."""

    github: GitHubConfig
    """The platform repository, whose workflows run `pulumi up` and `pulumi preview`: the deployer trusts its
    GitHub environment named after the stack, the preview reader its pull requests. Not the application repository
    (the main stack's `github`), whose workflows deploy agents."""

    resource_group_name: OwnGroup = derived()
    """The environment's resource group, where the main program deploys; default `rg-<prefix>-<stack>`."""
    delivery_resource_group_name: OwnGroup = derived()
    """The state account's and secrets vault's group; default `rg-<prefix>-<stack>-delivery`."""
    state_storage_account: Annotated[str, Pattern(r"[a-z0-9]+", 3, 24, "lowercase letters and digits")] = derived()
    """The state backend's storage account (globally unique); default `st<prefix><env code><hash>`."""
    state_container: Container = "pulumi-state"
    """The container of the main program's and the PIM phase's state."""
    bootstrap_container: Container = "bootstrap-state"
    """The bootstrap's own state container, which the deployer may not write."""
    state_retention_days: Annotated[int, Number(7, 365)] = 30
    """Days deleted or overwritten state stays recoverable (soft delete and versions); prod at least 30."""
    state_key_vault: KeyVaultName = derived()
    """The vault holding the secrets provider's key; default `kvs-<prefix>-<env code>-<hash>`."""
    secrets_key_name: Annotated[str, Pattern(r"[a-zA-Z0-9-]+", 1, 127, "letters, digits and hyphens")] = (
        "pulumi-secrets"
    )
    """The key that encrypts the stacks' secrets."""
    state_administrators_group: GroupId | None = None
    """An Entra group whose members administer the state (break-glass), by object id."""
    local_preview_group: GroupId | None = None
    """An Entra group whose members may run `pulumi preview --stack <stack>` from a laptop, by object id: Reader on
    the environment's group, read access to the stack state and use of the secrets key (so they can read the
    stack's secrets). Usually the main stack's developers group (its output groupObjectIds.developers), set after
    the main stack's first deploy. Not in prod: prod previews run only in CI."""
    runner_network: RunnerNetworkConfig | None = None
    """A network for the pipeline's runners in the environment's resource group (docs/runner-network.md), which the
    main stack peers with its VNet (network.runnerVnetId): prod refuses public traffic, so its deploy job and smoke
    test need runners inside. Off by default."""
    state_replication: Annotated[
        StateReplication,
        ByEnvironment("Standard_ZRS", "Standard_ZRS", "Standard_GZRS"),
        prod_only(
            *GEO_REDUNDANT_REPLICATION,
            why="prod's state must survive the loss of its region (a copy in the paired region)",
        ),
    ] = filled_in()
    """The state account's redundancy: ZRS keeps it through a zone's loss, GZRS (read-access: RAGZRS) also through
    the region's, copied to the paired region. Changed in place (a one-time egress charge). Prod allows only GZRS
    or RAGZRS; the region must offer both zones and a pair."""
    state_network: StateNetworkConfig = empty_section()
    """Which networks reach the state's blobs and the secrets key (docs/delivery.md, "Who reaches the state")."""
    state_key: StateKeyConfig = empty_section()
    """The secrets key's protection, rotation and expiry (docs/delivery.md, "The secrets key")."""
    role_assignment_guard: Annotated[
        Literal["deny", "audit"],
        ByEnvironment("audit", "audit", "deny"),
        prod_only("deny", why="a forbidden role given by hand in prod is refused, not just reported"),
    ] = filled_in()
    """The role assignment guard at the environment's resource group (docs/azure-policy.md): `deny` refuses a new
    assignment of a Cognitive Services role or Azure AI Developer, or of Owner, Contributor, User Access
    Administrator or Role Based Access Control Administrator to a service principal or group other than the
    deployer; `audit` reports it. Prod allows only deny."""
    protect_resources: Protection = filled_in()
    """Pulumi `protect` on the state account, its containers and the key; prod allows only true."""

    @model_validator(mode="after")
    def _derived_names(self, info: ValidationInfo) -> BootstrapSettings:
        """The names not configured, made from the prefix, the stack's name and location like the main program's."""
        prefix, instance, location = self.name_prefix, self.instance, self.location
        code, suffix = naming.ENVIRONMENT_CODES[self.environment], naming.unique_suffix(prefix, instance, location)
        defaults = {
            "resource_group_name": naming.resource_group_name(prefix, instance),
            "delivery_resource_group_name": f"rg-{prefix}-{instance}-delivery",
            "state_storage_account": f"st{prefix}{code}{suffix}",
            "state_key_vault": f"kvs-{prefix}-{code}-{naming.unique_suffix(prefix, instance, location, 4)}",
        }
        filled = self.model_copy(update={key: value for key, value in defaults.items() if getattr(self, key) is None})
        if filled.state_network.access == "restricted" and filled.runner_network is None:
            report(
                info,
                "stateNetwork.access",
                "restricted",
                "needs runnerNetwork: the restricted firewalls admit the deploy runners by their subnet; set "
                "runnerNetwork, or 'public' outside prod",
            )
        if filled.delivery_resource_group_name == filled.resource_group_name:
            report(
                info,
                "deliveryResourceGroupName",
                filled.delivery_resource_group_name,
                "must differ from resourceGroupName: the deployer is Contributor there and must not reach its own state",
            )
        return filled

    @field_validator("bootstrap_container", mode="after")
    @classmethod
    def _apart_from_the_state(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("state_container"):
            refuse("must differ from stateContainer: the deployer may write the stack state but not the bootstrap's")
        return value

    @field_validator("local_preview_group", mode="after")
    @classmethod
    def _never_prod(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and context(info).environment == "prod":
            refuse(
                "prod allows none: reading prod's state means reading its secrets, so prod previews run only in CI "
                "(the protected <stack>-preview environment)"
            )
        return value

    @field_validator("runner_network", mode="after")
    @classmethod
    def _runners_where_github_has_them(
        cls, value: RunnerNetworkConfig | None, info: ValidationInfo
    ) -> RunnerNetworkConfig | None:
        location = info.data.get("location")
        known = location is not None  # an invalid location is reported on its own key
        if (
            value is not None
            and value.kind == "github-hosted"
            and known
            and location not in GITHUB_HOSTED_RUNNER_REGIONS
        ):
            refuse(
                f"in location {location!r} allowed: 'self-hosted'; GitHub-hosted runners use Azure private networking "
                "only in " + ", ".join(GITHUB_HOSTED_RUNNER_REGIONS),
                at=".kind",
                value=value.kind,
            )
        return value

    @field_validator("state_retention_days", mode="after")
    @classmethod
    def _prod_keeps_state(cls, days: int, info: ValidationInfo) -> int:
        if context(info).environment == "prod" and days < PROD_MIN_RETENTION_DAYS:
            refuse(
                f"prod allows {PROD_MIN_RETENTION_DAYS}-365: deleted or overwritten prod state must stay recoverable"
            )
        return days

    @property
    def protect(self) -> bool:
        return self.protect_resources

    @property
    def deploy_subject(self) -> str:
        """The OIDC subject of a workflow job that declares `environment: <this stack's name>`."""
        return self.github.environment_subject(self.instance)

    @property
    def preview_environment(self) -> str | None:
        """The GitHub environment prod's previews run in (`<stack>-preview`, protected by required reviewers):
        reading prod's state means reading its secrets, so not every pull request may. None outside prod: those
        previews run for every same-repository pull request."""
        return f"{self.instance}-preview" if self.environment == "prod" else None

    @property
    def preview_subject(self) -> str:
        """The OIDC subject the preview reader trusts: its protected GitHub environment in prod, else a
        pull-request job that declares no environment."""
        environment = self.preview_environment
        return self.github.environment_subject(environment) if environment else self.github.pull_request_subject()

    @property
    def audit_environment(self) -> str:
        """The GitHub environment the scheduled drift audit's jobs run in (`<stack>-audit`): the only subject the
        auditor trusts, not the pull-request one."""
        return f"{self.instance}-audit"

    @property
    def audit_subject(self) -> str:
        return self.github.environment_subject(self.audit_environment)

    @property
    def state_backend_url(self) -> str:
        return f"azblob://{self.state_container}?storage_account={self.state_storage_account}"

    @property
    def bootstrap_backend_url(self) -> str:
        return f"azblob://{self.bootstrap_container}?storage_account={self.state_storage_account}"

    @property
    def runner_vnet_name(self) -> str:
        return f"{naming.virtual_network_name(self.name_prefix, self.instance)}-runners"

    @property
    def resource_tags(self) -> dict[str, str]:
        return {**self.tags, "environment": self.environment, "managed-by": f"pulumi/{PROJECT}"}


def load_bootstrap_settings() -> BootstrapSettings:
    return load(BootstrapSettings, PROJECT)
