"""Private DNS zones and private-link group ids: which zone each private endpoint registers its records in.

A private endpoint only helps if callers resolve the service's public host name to the endpoint's private
address. Azure does that through CNAMEs into these `privatelink.*` zones; the zone group on each endpoint
writes the A records. The Foundry resource answers on three host names (cognitiveservices, openai and
services.ai), so its endpoint registers in all three zones: miss one and calls through that host name still
go to the public address and fail with public access disabled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrivateDnsZone:
    key: str  # the field name under `network.existingDnsZoneIds` in stack config
    name: str  # the zone's DNS name, which is also its Azure resource name


COGNITIVE_SERVICES = PrivateDnsZone("cognitiveServices", "privatelink.cognitiveservices.azure.com")
OPENAI = PrivateDnsZone("openAi", "privatelink.openai.azure.com")
AI_SERVICES = PrivateDnsZone("aiServices", "privatelink.services.ai.azure.com")
KEY_VAULT = PrivateDnsZone("keyVault", "privatelink.vaultcore.azure.net")
# The standard agent setup's data stores (Learn, Foundry Agent Service virtual networks; foundry-samples 15).
STORAGE_BLOB = PrivateDnsZone("storageBlob", "privatelink.blob.core.windows.net")
SEARCH = PrivateDnsZone("search", "privatelink.search.windows.net")
COSMOS_SQL = PrivateDnsZone("cosmos", "privatelink.documents.azure.com")

# The web app's, when it is reached through a private endpoint (its SCM site's records go in the same zone).
WEB_APPS = PrivateDnsZone("webApps", "privatelink.azurewebsites.net")

# Every private environment's zones, those only an environment with the standard agent setup needs, and the web
# app's.
BASE_ZONES: tuple[PrivateDnsZone, ...] = (COGNITIVE_SERVICES, OPENAI, AI_SERVICES, KEY_VAULT)
AGENT_DATA_ZONES: tuple[PrivateDnsZone, ...] = (STORAGE_BLOB, SEARCH, COSMOS_SQL)
WEB_APP_ZONES: tuple[PrivateDnsZone, ...] = (WEB_APPS,)
ALL_ZONES: tuple[PrivateDnsZone, ...] = (*BASE_ZONES, *AGENT_DATA_ZONES, *WEB_APP_ZONES)


@dataclass(frozen=True)
class PrivateLinkTarget:
    """A sub-resource a private endpoint connects to (its group id) and the zones its records go in."""

    group_id: str
    zones: tuple[PrivateDnsZone, ...]


FOUNDRY_ACCOUNT = PrivateLinkTarget("account", (COGNITIVE_SERVICES, OPENAI, AI_SERVICES))
KEY_VAULT_VAULT = PrivateLinkTarget("vault", (KEY_VAULT,))
STORAGE_BLOB_SERVICE = PrivateLinkTarget("blob", (STORAGE_BLOB,))
SEARCH_SERVICE = PrivateLinkTarget("searchService", (SEARCH,))
COSMOS_SQL_API = PrivateLinkTarget("Sql", (COSMOS_SQL,))
WEB_APP_SITES = PrivateLinkTarget("sites", (WEB_APPS,))


def zone_by_key(key: str) -> PrivateDnsZone | None:
    return next((zone for zone in ALL_ZONES if zone.key == key), None)
