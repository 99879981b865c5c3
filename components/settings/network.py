"""The `network` key: the private topology of an environment whose `networkAccess` is `private`.

Either the program creates a VNet (`addressSpace`, `subnets`) or it uses subnets that already exist in a
hub-and-spoke network (`useExistingSubnets: true` + `existingSubnetIds`). Private DNS zones are created and
linked, except those given in `existingDnsZoneIds` (zones managed centrally in a hub), which are used as they
are. In public mode nothing here applies and setting the key is an error, so a forgotten `networkAccess`
never looks like a private environment.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.catalogue import dns_zones, subnets
from components.settings.reader import GUID_PATTERN, ConfigReader, check_bool, check_object

KEY = "network"
FIELDS = (
    "addressSpace",
    "subnets",
    "useExistingSubnets",
    "existingSubnetIds",
    "agentSubnetInjection",
    "existingDnsZoneIds",
    "trustedAzureServices",
)
SUBNET_FIELDS = ("privateEndpoint", "appIntegration", "agent")

# One default range per environment, so that environments peered to the same hub never overlap.
DEFAULT_ADDRESS_SPACES: dict[str, str] = {"prod": "10.40.0.0/22", "staging": "10.41.0.0/22", "dev": "10.42.0.0/22"}
# Default subnets, carved out of the first address-space range: (offset in addresses, prefix length).
DEFAULT_LAYOUT: dict[str, tuple[int, int]] = {
    "privateEndpoint": (0, 26),
    "appIntegration": (64, 26),
    "agent": (256, 24),
}
MAX_PREFIX_LENGTH: dict[str, int] = {
    "privateEndpoint": subnets.PRIVATE_ENDPOINT_MAX_PREFIX_LENGTH,
    "appIntegration": subnets.APP_INTEGRATION_MAX_PREFIX_LENGTH,
    "agent": subnets.AGENT_MAX_PREFIX_LENGTH,
}

_GROUP = r"[-\w.()]{1,90}"
SUBNET_ID_PATTERN = re.compile(
    rf"/subscriptions/{GUID_PATTERN}/resourceGroups/{_GROUP}/providers/Microsoft\.Network/virtualNetworks/[-\w.]{{2,64}}/subnets/[-\w.]{{1,80}}",
    re.IGNORECASE,
)
ZONE_ID_PATTERN = re.compile(
    rf"/subscriptions/{GUID_PATTERN}/resourceGroups/{_GROUP}/providers/Microsoft\.Network/privateDnsZones/([^/]+)",
    re.IGNORECASE,
)
SUBNET_ID_FORM = "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>"
ZONE_ID_FORM = "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/"


@dataclass(frozen=True)
class Subnets:
    """Either address prefixes (subnets the program creates) or ARM ids (subnets that exist); agent optional."""

    private_endpoint: str
    app_integration: str
    agent: str | None = None


@dataclass(frozen=True)
class NetworkSettings:
    private: bool = False
    address_space: tuple[str, ...] = ()
    subnet_prefixes: Subnets | None = None  # set when the program creates the VNet
    existing_subnet_ids: Subnets | None = None  # set when useExistingSubnets is true
    agent_subnet_injection: bool = False
    # Zone DNS name -> ARM id of an existing zone to use instead of creating one.
    existing_dns_zone_ids: Mapping[str, str] = field(default_factory=dict)
    # Let Azure's trusted services (Foundry Tools, Azure Machine Learning, AI Search) past the account's network
    # rules with their own managed identity (`networkAcls.bypass: AzureServices`). Off: nothing this program
    # builds needs it, and each such service's identity would become a caller from outside the VNet.
    trusted_azure_services: bool = False

    @property
    def creates_vnet(self) -> bool:
        return self.private and self.existing_subnet_ids is None


def parse_network(reader: ConfigReader, private: bool, environment: str) -> NetworkSettings:
    raw = reader.structured(KEY)
    if not private:
        if raw is not None:
            reader.fail(KEY, raw, "only used when networkAccess is 'private'; public mode creates no network resources")
        return NetworkSettings()
    fields = check_object(reader, KEY, raw, FIELDS)

    injection = _flag(reader, fields, "agentSubnetInjection")
    use_existing = _flag(reader, fields, "useExistingSubnets")
    trusted = _flag(reader, fields, "trustedAzureServices")
    zone_ids = _existing_zone_ids(reader, fields.get("existingDnsZoneIds"))

    if use_existing:
        for unused in ("addressSpace", "subnets"):
            if unused in fields:
                reader.fail(
                    f"{KEY}.{unused}",
                    fields[unused],
                    "not used with network.useExistingSubnets: true (the existing subnets' VNet defines the addresses); remove it",
                )
        return NetworkSettings(
            private=True,
            existing_subnet_ids=_existing_subnet_ids(reader, fields.get("existingSubnetIds"), injection),
            agent_subnet_injection=injection,
            existing_dns_zone_ids=zone_ids,
            trusted_azure_services=trusted,
        )

    if "existingSubnetIds" in fields:
        reader.fail(
            f"{KEY}.existingSubnetIds",
            fields["existingSubnetIds"],
            "only used with network.useExistingSubnets: true; set that too, or remove this to let the program create the VNet",
        )
    address_space = _address_space(reader, fields.get("addressSpace", DEFAULT_ADDRESS_SPACES[environment]))
    prefixes = _subnet_prefixes(reader, fields.get("subnets"), address_space, injection)
    return NetworkSettings(
        private=True,
        address_space=tuple(str(network) for network in address_space),
        subnet_prefixes=prefixes,
        agent_subnet_injection=injection,
        existing_dns_zone_ids=zone_ids,
        trusted_azure_services=trusted,
    )


def _flag(reader: ConfigReader, fields: Mapping[str, Any], name: str) -> bool:
    if name not in fields:
        return False
    return bool(check_bool(reader, f"{KEY}.{name}", fields[name]))


def _cidr(reader: ConfigReader, key: str, value: object) -> ipaddress.IPv4Network | None:
    """An IPv4 prefix in CIDR form without host bits, inside the private ranges; None (and a problem) otherwise."""
    try:
        if not isinstance(value, str) or "/" not in value:
            raise ValueError
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        reader.fail(key, value, "allowed: an IPv4 prefix in CIDR form with no host bits set, e.g. '10.40.0.0/22'")
        return None
    if not any(network.subnet_of(ipaddress.IPv4Network(r)) for r in subnets.PRIVATE_RANGES):
        reader.fail(key, value, "allowed: a private (RFC 1918) range inside " + ", ".join(subnets.PRIVATE_RANGES))
        return None
    return network


def _address_space(reader: ConfigReader, value: object) -> list[ipaddress.IPv4Network]:
    key = f"{KEY}.addressSpace"
    entries = value if isinstance(value, list) else [value]
    if not entries:
        reader.fail(key, value, "allowed: a CIDR prefix or a non-empty list of them")
        return []
    ranges: list[ipaddress.IPv4Network] = []
    for index, entry in enumerate(entries):
        entry_key = f"{key}[{index}]" if isinstance(value, list) else key
        network = _cidr(reader, entry_key, entry)
        if network is None:
            continue
        clash = next((other for other in ranges if network.overlaps(other)), None)
        if clash is not None:
            reader.fail(entry_key, entry, f"ranges of the address space must not overlap; it overlaps '{clash}'")
            continue
        ranges.append(network)
    return ranges


def _subnet_prefixes(
    reader: ConfigReader, value: object, address_space: list[ipaddress.IPv4Network], injection: bool
) -> Subnets | None:
    fields = check_object(reader, f"{KEY}.subnets", value, SUBNET_FIELDS)
    wanted = [name for name in SUBNET_FIELDS if name != "agent" or injection]
    if "agent" in fields and not injection:
        reader.fail(
            f"{KEY}.subnets.agent",
            fields["agent"],
            "only used with network.agentSubnetInjection: true; set that too, or remove this",
        )
    chosen: dict[str, ipaddress.IPv4Network] = {}
    for name in wanted:
        key = f"{KEY}.subnets.{name}"
        if name in fields:
            network = _cidr(reader, key, fields[name])
            origin = ""
        elif address_space:
            offset, length = DEFAULT_LAYOUT[name]
            base = address_space[0]
            network = ipaddress.IPv4Network((int(base.network_address) + offset, length))
            origin = f" (the default derived from network.addressSpace '{base}'; set {key} explicitly)"
        else:
            continue  # the address space itself is wrong; that problem is already reported
        if network is None:
            continue
        if network.prefixlen > MAX_PREFIX_LENGTH[name]:
            reader.fail(key, str(network), f"allowed: a /{MAX_PREFIX_LENGTH[name]} or larger subnet{origin}")
            continue
        if address_space and not any(network.subnet_of(space) for space in address_space):
            spaces = ", ".join(f"'{space}'" for space in address_space)
            reader.fail(key, str(network), f"allowed: a prefix inside network.addressSpace ({spaces}){origin}")
            continue
        clash = next((other for other, prefix in chosen.items() if network.overlaps(prefix)), None)
        if clash is not None:
            reader.fail(
                key,
                str(network),
                f"subnets must not overlap; it overlaps network.subnets.{clash} ('{chosen[clash]}'){origin}",
            )
            continue
        chosen[name] = network
    if any(name not in chosen for name in wanted):
        return None
    return Subnets(
        private_endpoint=str(chosen["privateEndpoint"]),
        app_integration=str(chosen["appIntegration"]),
        agent=str(chosen["agent"]) if injection else None,
    )


def _existing_subnet_ids(reader: ConfigReader, value: object, injection: bool) -> Subnets | None:
    key = f"{KEY}.existingSubnetIds"
    fields = check_object(reader, key, value, SUBNET_FIELDS)
    wanted = [name for name in SUBNET_FIELDS if name != "agent" or injection]
    if "agent" in fields and not injection:
        reader.fail(
            f"{key}.agent",
            fields["agent"],
            "only used with network.agentSubnetInjection: true; set that too, or remove this",
        )
    ids: dict[str, str] = {}
    for name in wanted:
        subnet_id = fields.get(name)
        if subnet_id is None:
            reader.fail(
                f"{key}.{name}",
                None,
                f"required with network.useExistingSubnets: true; the ARM id of an existing subnet: {SUBNET_ID_FORM}",
            )
        elif not isinstance(subnet_id, str) or not SUBNET_ID_PATTERN.fullmatch(subnet_id):
            reader.fail(f"{key}.{name}", subnet_id, f"allowed: a subnet's ARM id, {SUBNET_ID_FORM}")
        else:
            ids[name] = subnet_id
    if len({subnet_id.lower() for subnet_id in ids.values()}) < len(ids):
        reader.fail(key, ids, "each use needs its own subnet (the app and agent subnets are delegated)")
        return None
    if any(name not in ids for name in wanted):
        return None
    return Subnets(ids["privateEndpoint"], ids["appIntegration"], ids.get("agent"))


def _existing_zone_ids(reader: ConfigReader, value: object) -> dict[str, str]:
    key = f"{KEY}.existingDnsZoneIds"
    fields = check_object(reader, key, value, [zone.key for zone in dns_zones.ALL_ZONES])
    ids: dict[str, str] = {}
    for field_name, zone_id in fields.items():
        zone = dns_zones.zone_by_key(field_name)
        if zone is None:
            continue  # reported by check_object as an unknown field
        expected = ZONE_ID_FORM + zone.name
        match = ZONE_ID_PATTERN.fullmatch(zone_id) if isinstance(zone_id, str) else None
        if match is None:
            reader.fail(f"{key}.{field_name}", zone_id, f"allowed: a private DNS zone's ARM id, {expected}")
        elif match.group(1).lower() != zone.name:
            reader.fail(
                f"{key}.{field_name}",
                zone_id,
                f"this is the zone '{match.group(1)}', not '{zone.name}'; allowed: {expected}",
            )
        else:
            ids[zone.name] = zone_id
    return ids
