"""The `network` key: the private topology of an environment whose `networkAccess` is `private`.

Either the program creates a VNet (`addressSpace`, `subnets`) or it uses subnets that already exist in a
hub-and-spoke network (`useExistingSubnets: true` + `existingSubnetIds`). Private DNS zones are created and
linked, except those given in `existingDnsZoneIds` (zones managed centrally in a hub), which are used as they
are. With `runnerVnetId` (the bootstrap's runner network) the program's VNet is peered with it both ways and the
zones it creates are linked to it too. In public mode nothing here applies and setting the key is an error, so a
forgotten `networkAccess` never looks like a private environment.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel

from components.catalogue import dns_zones, subnets
from components.catalogue.roles import GUID_PATTERN
from components.settings.base import ConfigModel, Flag, Pattern, context, empty_section, refuse, report, warn
from components.settings.core import own_environment_only

KEY = "network"
# The subnets' uses: config key -> attribute of SubnetPrefixes and SubnetIds.
ATTRIBUTES = {"privateEndpoint": "private_endpoint", "appIntegration": "app_integration", "agent": "agent"}
USES = tuple(ATTRIBUTES)
# One default range per environment, so that environments peered to the same hub never overlap.
DEFAULT_ADDRESS_SPACES: dict[str, str] = {"prod": "10.40.0.0/22", "staging": "10.41.0.0/22", "dev": "10.42.0.0/22"}
# Default subnets, carved out of the first address-space range: (offset in addresses, prefix length).
DEFAULT_LAYOUT = {"privateEndpoint": (0, 26), "appIntegration": (64, 26), "agent": (256, 24)}
MAX_PREFIX_LENGTH: dict[str, int] = {
    "privateEndpoint": subnets.PRIVATE_ENDPOINT_MAX_PREFIX_LENGTH,
    "appIntegration": subnets.APP_INTEGRATION_MAX_PREFIX_LENGTH,
    "agent": subnets.AGENT_MAX_PREFIX_LENGTH,
}
_GROUP = r"[-\w.()]{1,90}"
_PROVIDER = rf"/subscriptions/{GUID_PATTERN}/resourceGroups/{_GROUP}/providers/Microsoft\.Network"
_FORM = "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/"
SUBNET_ID_FORM = _FORM + "virtualNetworks/<vnet>/subnets/<subnet>"
ZONE_ID_FORM = _FORM + "privateDnsZones/<zone>"
VNET_ID_FORM = _FORM + "virtualNetworks/<vnet>"
_SUBNET_ID = rf"(?i){_PROVIDER}/virtualNetworks/[-\w.]{{2,64}}/subnets/[-\w.]{{1,80}}"
SubnetId = Annotated[
    str, Pattern(_SUBNET_ID, 40, 600, f"a subnet's ARM id, {SUBNET_ID_FORM}"), AfterValidator(own_environment_only)
]
_VNET_ID = rf"(?i){_PROVIDER}/virtualNetworks/[-\w.]{{2,64}}"
VnetId = Annotated[
    str,
    Pattern(_VNET_ID, 40, 600, f"a virtual network's ARM id, {VNET_ID_FORM}"),
    AfterValidator(own_environment_only),
]


def _private_cidr(value: str) -> str:
    """An IPv4 prefix in CIDR form without host bits, inside the private ranges."""
    try:
        network = ipaddress.IPv4Network(value, strict=True) if "/" in value else None
    except ValueError:
        network = None
    if network is None:
        refuse("allowed: an IPv4 prefix in CIDR form with no host bits set, e.g. '10.40.0.0/22'")
    if not any(network.subnet_of(ipaddress.IPv4Network(r)) for r in subnets.PRIVATE_RANGES):
        refuse("allowed: a private (RFC 1918) range inside " + ", ".join(subnets.PRIVATE_RANGES))
    return str(network)


Cidr = Annotated[str, AfterValidator(_private_cidr)]


class SubnetPrefixes(ConfigModel):
    """Address prefixes of the subnets the program creates; unset ones are carved out of addressSpace."""

    private_endpoint: Cidr | None = None
    """The private endpoints' subnet (/29 or larger)."""
    app_integration: Cidr | None = None
    """The web app's VNet integration subnet (/28 or larger), delegated to App Service."""
    agent: Cidr | None = None
    """Foundry Agent Service's subnet (/27 or larger), delegated to Container Apps; with agentSubnetInjection."""


class SubnetIds(ConfigModel):
    """ARM ids of existing subnets, one per use."""

    private_endpoint: SubnetId | None = None
    """The subnet for the private endpoints."""
    app_integration: SubnetId | None = None
    """A subnet delegated to Microsoft.Web/serverFarms for the web app."""
    agent: SubnetId | None = None
    """A subnet delegated to Microsoft.App/environments for Agent Service (with agentSubnetInjection)."""


def _zone(zone: dns_zones.PrivateDnsZone) -> Any:
    """The ARM id of an existing private DNS zone named `zone.name`."""
    form = f"a private DNS zone's ARM id, {ZONE_ID_FORM.replace('<zone>', zone.name)}"

    def same_zone(value: str) -> str:
        name = value.rsplit("/", 1)[-1]
        if name.lower() != zone.name:
            refuse(f"this is the zone '{name}', not '{zone.name}'; allowed: {form}")
        return value

    return AfterValidator(same_zone)


_ZONE_ID = Pattern(rf"(?i){_PROVIDER}/privateDnsZones/[^/]+", 40, 600, f"a private DNS zone's ARM id, {ZONE_ID_FORM}")


class ExistingZones(ConfigModel):
    """ARM ids of private DNS zones that already exist (e.g. in a hub), used instead of creating them."""

    cognitive_services: Annotated[str, _ZONE_ID, _zone(dns_zones.COGNITIVE_SERVICES)] | None = None
    open_ai: Annotated[str, _ZONE_ID, _zone(dns_zones.OPENAI)] | None = None
    ai_services: Annotated[str, _ZONE_ID, _zone(dns_zones.AI_SERVICES)] | None = None
    key_vault: Annotated[str, _ZONE_ID, _zone(dns_zones.KEY_VAULT)] | None = None
    storage_blob: Annotated[str, _ZONE_ID, _zone(dns_zones.STORAGE_BLOB)] | None = None
    """The blob zone (standard agent setup only)."""
    search: Annotated[str, _ZONE_ID, _zone(dns_zones.SEARCH)] | None = None
    """The AI Search zone (standard agent setup only)."""
    cosmos: Annotated[str, _ZONE_ID, _zone(dns_zones.COSMOS_SQL)] | None = None
    """The Cosmos DB (NoSQL) zone (standard agent setup only)."""
    web_apps: Annotated[str, _ZONE_ID, _zone(dns_zones.WEB_APPS)] | None = None
    """The web apps' zone (with the web app reached through its private endpoint)."""


def _one_or_more(value: Any) -> Any:
    """One range may be written without a list; it is checked here so that the problem names the key itself."""
    return [_private_cidr(value)] if isinstance(value, str) else value


class NetworkConfig(ConfigModel):
    address_space: Annotated[
        tuple[Cidr, ...], BeforeValidator(_one_or_more, json_schema_input_type=str | list[str])
    ] = ()
    """The VNet's ranges (a CIDR or a list). Default per environment: dev 10.42.0.0/22, staging 10.41.0.0/22,
    prod 10.40.0.0/22, so environments peered to one hub never overlap."""
    subnets: SubnetPrefixes = empty_section()
    """The subnets' prefixes inside addressSpace; unset ones take the default layout (/26, /26 and /24)."""
    use_existing_subnets: Flag = False
    """Use subnets that exist (existingSubnetIds) instead of creating a VNet."""
    existing_subnet_ids: SubnetIds | None = None
    """The existing subnets, with useExistingSubnets."""
    agent_subnet_injection: Flag = False
    """Inject Foundry Agent Service's runtime into the agent subnet."""
    existing_dns_zone_ids: ExistingZones = empty_section()
    """Private DNS zones to use instead of creating them, by zone key."""
    trusted_azure_services: Flag = False
    """Let Azure's trusted services (Foundry Tools, Azure Machine Learning, AI Search) past the account's network
    rules with their own identity (`networkAcls.bypass: AzureServices`). Off: nothing here needs it."""
    runner_vnet_id: VnetId | None = None
    """The pipeline runners' VNet (the bootstrap's output runnerVnetId), in this environment's resource group:
    peered both ways with the environment's VNet, and every private DNS zone the program creates linked to it, so
    that the deploy job's runners reach and resolve the private endpoints (docs/runner-network.md). Not with
    useExistingSubnets."""

    @property
    def wanted(self) -> tuple[str, ...]:
        return tuple(use for use in USES if use != "agent" or self.agent_subnet_injection)

    @property
    def creates_vnet(self) -> bool:
        return not self.use_existing_subnets

    @property
    def zone_ids(self) -> dict[str, str]:
        """Zone DNS name -> ARM id of an existing zone to use instead of creating one."""
        given = self.existing_dns_zone_ids.model_dump(by_alias=True)
        return {zone.name: given[zone.key] for zone in dns_zones.ALL_ZONES if given.get(zone.key)}

    def subnet_prefix(self, use: str) -> str:
        """The prefix of a subnet the program creates: as configured, or carved out of the first range."""
        configured = getattr(self.subnets, ATTRIBUTES[use])
        if configured:
            return configured
        offset, length = DEFAULT_LAYOUT[use]
        base = ipaddress.IPv4Network(self.address_space[0])
        return str(ipaddress.IPv4Network((int(base.network_address) + offset, length)))

    @property
    def prefixes(self) -> SubnetPrefixes:
        """Every wanted subnet's prefix, defaults filled in (when the program creates the VNet)."""
        return SubnetPrefixes.model_construct(
            private_endpoint=self.subnet_prefix("privateEndpoint"),
            app_integration=self.subnet_prefix("appIntegration"),
            agent=self.subnet_prefix("agent") if self.agent_subnet_injection else None,
        )

    @property
    def existing(self) -> dict[str, str] | None:
        """Use -> ARM id of each existing subnet (with useExistingSubnets), else None."""
        if not self.use_existing_subnets:
            return None
        return {use: subnet_id for use in self.wanted if (subnet_id := self.subnet_id(use))}

    def subnet_id(self, use: str) -> str | None:
        return getattr(self.existing_subnet_ids, ATTRIBUTES[use]) if self.existing_subnet_ids else None

    @model_validator(mode="before")
    @classmethod
    def _default_range(cls, data: Any, info: ValidationInfo) -> Any:
        if (
            isinstance(data, dict)
            and "addressSpace" not in data
            and data.get("useExistingSubnets") not in (True, "true")
        ):
            return {**data, "addressSpace": DEFAULT_ADDRESS_SPACES[context(info).environment]}
        return data

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> NetworkConfig:
        def say(key: str, value: object, allowed: str) -> None:
            report(info, f"{KEY}.{key}", value, allowed)

        given = self.model_dump(by_alias=True, exclude_none=True)
        if self.runner_vnet_id is not None and self.use_existing_subnets:
            say(
                "runnerVnetId",
                self.runner_vnet_id,
                "not used with network.useExistingSubnets: true (the program creates no VNet to peer); peer the "
                "runner VNet with your hub and link the hub's zones to it there, or remove it",
            )
        elif self.runner_vnet_id is not None and self.zone_ids:
            warn(
                info,
                f"{KEY}.runnerVnetId",
                "the zones in network.existingDnsZoneIds are not linked to the runner VNet by this program; link them "
                "where they are managed, or the runners resolve those names publicly",
            )
        for part in ("subnets", "existingSubnetIds"):
            if "agent" in given.get(part, {}) and not self.agent_subnet_injection:
                say(
                    f"{part}.agent",
                    given[part]["agent"],
                    "only used with network.agentSubnetInjection: true; set that too, or remove this",
                )
        if not self.use_existing_subnets:
            if "existingSubnetIds" in given:
                say(
                    "existingSubnetIds",
                    given["existingSubnetIds"],
                    "only used with network.useExistingSubnets: true; set that too, or remove it",
                )
            return self._check_layout(say)
        for field in ("address_space", "subnets"):
            if field in self.model_fields_set:
                say(
                    to_camel(field),
                    given[to_camel(field)],
                    "not used with network.useExistingSubnets: true (the existing subnets' VNet defines the addresses); remove it",
                )
        ids = {use: self.subnet_id(use) for use in self.wanted}
        for use in (use for use, subnet_id in ids.items() if subnet_id is None):
            say(
                f"existingSubnetIds.{use}",
                None,
                f"required with network.useExistingSubnets: true; an existing subnet's ARM id: {SUBNET_ID_FORM}",
            )
        present = [subnet_id.lower() for subnet_id in ids.values() if subnet_id]
        if len(set(present)) < len(present):
            say("existingSubnetIds", ids, "each use needs its own subnet (the app and agent subnets are delegated)")
        return self

    def _check_layout(self, say: Any) -> NetworkConfig:
        ranges = [ipaddress.IPv4Network(r) for r in self.address_space]
        if not ranges:
            say("addressSpace", [], "allowed: a CIDR prefix or a non-empty list of them")
            return self
        for index, network in enumerate(ranges):
            clash = next((other for other in ranges[:index] if network.overlaps(other)), None)
            if clash is not None:
                say(
                    f"addressSpace[{index}]",
                    str(network),
                    f"ranges of the address space must not overlap; it overlaps '{clash}'",
                )
        chosen: dict[str, ipaddress.IPv4Network] = {}
        for use in self.wanted:
            network = ipaddress.IPv4Network(self.subnet_prefix(use))
            derived = not getattr(self.subnets, ATTRIBUTES[use])
            origin = (
                f" (the default derived from network.addressSpace '{ranges[0]}'; set network.subnets.{use})"
                if derived
                else ""
            )
            clash = next((other for other, prefix in chosen.items() if network.overlaps(prefix)), None)
            if network.prefixlen > MAX_PREFIX_LENGTH[use]:
                say(f"subnets.{use}", str(network), f"allowed: a /{MAX_PREFIX_LENGTH[use]} or larger subnet{origin}")
            elif not any(network.subnet_of(space) for space in ranges):
                spaces = ", ".join(f"'{space}'" for space in ranges)
                say(f"subnets.{use}", str(network), f"allowed: a prefix inside network.addressSpace ({spaces}){origin}")
            elif clash is not None:
                say(
                    f"subnets.{use}",
                    str(network),
                    f"subnets must not overlap; it overlaps network.subnets.{clash} ('{chosen[clash]}'){origin}",
                )
            else:
                chosen[use] = network
        return self
