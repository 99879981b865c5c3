"""The state backend, read like a security review: who reaches the state's blobs and the secrets key, how redundant
the state is, how the key is protected, rotated and expires, and which key version the stacks are encrypted with.

Expected values are written out here from their sources, not imported from the code under test: the SKUs from
Learn ("Azure Storage redundancy"), the firewalls' shapes from Learn ("Configure Azure Storage firewalls and virtual
networks"; "Configure Azure Key Vault networking settings"), the service endpoints from Learn ("Virtual network
service endpoints"), the rotation policy's ISO 8601 durations and its 7-day margin from Learn ("Configure
cryptographic key auto-rotation in Azure Key Vault"), the provider URL from Pulumi's docs ("azurekeyvault://
<vault>.vault.azure.net/keys/<key>[/<version>]"). What a stack configures is read from its own settings.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

import pytest

from bootstrap.settings import load_bootstrap_settings
from bootstrap.state import SecretsProviderUrl, StateBackend, StateBackendArgs, secrets_provider_url
from components import clock
from components.catalogue.resource_types import STORAGE_ACCOUNT, VAULT
from offline.render import BOOTSTRAP_DIR, BOOTSTRAP_PROJECT, RenderError, Rendering, render
from tests.bootstrap.conftest import bootstrap_settings_of, render_bootstrap
from tests.config_checks import refused_config_problem
from tests.conftest import CATALOGUE_CHECKED

KEY = "azure-native:keyvault:Key"
VNET = "azure-native:network:VirtualNetwork"

# Zone-redundant and copied to the paired region (Learn, "Azure Storage redundancy").
GEO_REDUNDANT = {"Standard_GZRS", "Standard_RAGZRS"}
# A storage account's and a vault's virtual network rules take a subnet only with the matching service endpoint.
SERVICE_ENDPOINTS = ["Microsoft.Storage", "Microsoft.KeyVault"]
# What Pulumi's azurekeyvault provider does with the key: wrap and unwrap each stack's data key.
KEY_OPERATIONS = {"encrypt", "decrypt", "wrapKey", "unwrapKey"}
KEY_SIZE = 3072
DAY = 24 * 60 * 60
VERSION = re.compile(r"[0-9a-f]{32}")  # Key Vault names a key's version with 32 hex digits
RUNNER_SUBNET = "snet-runners"
SELF_HOSTED: dict[str, object] = {"runnerNetwork": {"kind": "self-hosted"}}
ADMINISTRATORS = ["203.0.113.7/32", "198.51.100.0/24"]


@pytest.fixture(scope="module")
def restricted_dev() -> Rendering:
    """Dev with its state restricted to its runner subnet and two administrator addresses, one written as a /32."""
    return render_bootstrap(
        "dev", {**SELF_HOSTED, "stateNetwork": {"access": "restricted", "administratorAddresses": ADMINISTRATORS}}
    )


@pytest.fixture(scope="module")
def public_with_runners() -> Rendering:
    """Dev with a runner network but its state left public (dev's default)."""
    return render_bootstrap("dev", SELF_HOSTED)


def runner_subnet(rendering: Rendering) -> dict[str, Any]:
    (subnet,) = [s for s in rendering.one(VNET).input("subnets") if s["name"] == RUNNER_SUBNET]
    return subnet


def key_version(rendering: Rendering) -> str:
    return rendering.one(KEY).state["keyUriWithVersion"].rsplit("/", 1)[-1]


def midnight_utc(day: date) -> int:
    return calendar.timegm(day.timetuple())


# -- redundancy --------------------------------------------------------------------------------------------------
def test_each_stack_replicates_its_state_as_configured_and_prod_across_regions(boot: Rendering) -> None:
    replication = bootstrap_settings_of(boot.stack).state_replication
    assert boot.one(STORAGE_ACCOUNT).input("sku") == {"name": replication}
    if boot.stack == "prod":  # a region's loss must not take prod's state (and so every prod resource) with it
        assert replication in GEO_REDUNDANT
    else:
        assert replication == "Standard_ZRS"


def test_prod_may_choose_read_access_geo_redundancy() -> None:
    rendering = render_bootstrap("prod", {"stateReplication": "Standard_RAGZRS"})
    assert rendering.one(STORAGE_ACCOUNT).input("sku") == {"name": "Standard_RAGZRS"}


# -- who reaches the state and the key ---------------------------------------------------------------------------
def test_prod_state_admits_only_the_runner_subnet_and_the_administrators(bootstrapped: dict[str, Rendering]) -> None:
    prod = bootstrapped["prod"]
    network = bootstrap_settings_of("prod").state_network
    assert network.access == "restricted"
    addresses = list(network.administrator_addresses)
    assert addresses  # prod's stack file lists its administrators' egress
    subnet = prod.exports["runnerSubnetId"]
    assert subnet == f"{prod.one(VNET).id}/subnets/{RUNNER_SUBNET}"
    account = prod.one(STORAGE_ACCOUNT)
    # Still the public endpoint (the runners and the administrators reach it), behind a firewall that denies by
    # default and lets no Azure service through.
    assert account.input("publicNetworkAccess") == "Enabled"
    assert account.input("networkRuleSet") == {
        "defaultAction": "Deny",
        "bypass": "None",
        "virtualNetworkRules": [{"virtualNetworkResourceId": subnet, "action": "Allow"}],
        "ipRules": [{"iPAddressOrRange": address, "action": "Allow"} for address in addresses],
    }


def test_prod_secrets_key_admits_only_the_runner_subnet_and_the_administrators(
    bootstrapped: dict[str, Rendering],
) -> None:
    prod = bootstrapped["prod"]
    addresses = list(bootstrap_settings_of("prod").state_network.administrator_addresses)
    properties = prod.one(VAULT).input("properties")
    assert properties["publicNetworkAccess"] == "Enabled"
    assert properties["networkAcls"] == {
        "defaultAction": "Deny",
        "bypass": "None",
        "virtualNetworkRules": [{"id": prod.exports["runnerSubnetId"]}],
        "ipRules": [{"value": address} for address in addresses],
    }


def test_a_public_state_has_no_firewall_and_its_vault_admits_every_network(
    bootstrapped: dict[str, Rendering],
) -> None:
    public = [stack for stack in bootstrapped if bootstrap_settings_of(stack).state_network.access == "public"]
    assert public == ["dev", "staging"]
    for stack in public:
        rendering = bootstrapped[stack]
        assert "networkRuleSet" not in rendering.one(STORAGE_ACCOUNT).inputs, stack
        assert rendering.one(VAULT).input("properties.networkAcls.defaultAction") == "Allow", stack


def test_the_runner_subnet_has_the_state_service_endpoints_only_when_the_state_is_restricted(
    bootstrapped: dict[str, Rendering], public_with_runners: Rendering
) -> None:
    restricted = runner_subnet(bootstrapped["prod"])
    assert sorted(e["service"] for e in restricted["serviceEndpoints"]) == sorted(SERVICE_ENDPOINTS)
    assert all(set(e) == {"service"} for e in restricted["serviceEndpoints"])  # the VNet's own region, no list
    assert "serviceEndpoints" not in runner_subnet(public_with_runners)
    assert "networkRuleSet" not in public_with_runners.one(STORAGE_ACCOUNT).inputs


def test_a_github_hosted_runner_subnet_keeps_its_delegation_beside_the_endpoints() -> None:
    hosted = render_bootstrap("prod", {"runnerNetwork": {"kind": "github-hosted", "githubDatabaseId": "123456789"}})
    subnet = runner_subnet(hosted)
    assert [d["serviceName"] for d in subnet["delegations"]] == ["GitHub.Network/networkSettings"]
    assert sorted(e["service"] for e in subnet["serviceEndpoints"]) == sorted(SERVICE_ENDPOINTS)
    rules = hosted.one(STORAGE_ACCOUNT).input("networkRuleSet")["virtualNetworkRules"]
    assert rules == [{"virtualNetworkResourceId": hosted.exports["runnerSubnetId"], "action": "Allow"}]


def test_the_firewalls_wait_for_the_runner_network(
    bootstrapped: dict[str, Rendering], public_with_runners: Rendering
) -> None:
    prod = bootstrapped["prod"]
    vnet = prod.one(VNET)
    assert prod.depends_on(prod.one(STORAGE_ACCOUNT), vnet)
    assert prod.depends_on(prod.one(VAULT), vnet)
    # A public state does not wait for a network it does not name.
    vnet = public_with_runners.one(VNET)
    assert not public_with_runners.waits_for(public_with_runners.one(STORAGE_ACCOUNT), vnet)
    assert not public_with_runners.waits_for(public_with_runners.one(VAULT), vnet)


def test_restricted_outside_prod_admits_that_stacks_own_runners_and_bare_single_addresses(
    restricted_dev: Rendering,
) -> None:
    subnet = restricted_dev.exports["runnerSubnetId"]
    assert "/resourceGroups/rg-fndry-dev/" in subnet and subnet.endswith(
        f"/vnet-fndry-dev-runners/subnets/{RUNNER_SUBNET}"
    )
    # A /32 is written as the bare address: the storage firewall takes no /32 range.
    addresses = ["203.0.113.7", "198.51.100.0/24"]
    rule_set = restricted_dev.one(STORAGE_ACCOUNT).input("networkRuleSet")
    assert rule_set["defaultAction"] == "Deny" and rule_set["bypass"] == "None"
    assert rule_set["virtualNetworkRules"] == [{"virtualNetworkResourceId": subnet, "action": "Allow"}]
    assert rule_set["ipRules"] == [{"iPAddressOrRange": address, "action": "Allow"} for address in addresses]
    acls = restricted_dev.one(VAULT).input("properties.networkAcls")
    assert acls == {
        "defaultAction": "Deny",
        "bypass": "None",
        "virtualNetworkRules": [{"id": subnet}],
        "ipRules": [{"value": address} for address in addresses],
    }
    assert sorted(e["service"] for e in runner_subnet(restricted_dev)["serviceEndpoints"]) == sorted(SERVICE_ENDPOINTS)


# -- the key's protection ----------------------------------------------------------------------------------------
def test_prod_key_is_hsm_protected_in_a_premium_vault_and_the_others_as_configured(
    bootstrapped: dict[str, Rendering],
) -> None:
    assert bootstrap_settings_of("prod").state_key.hsm
    for stack, rendering in bootstrapped.items():
        hsm = bootstrap_settings_of(stack).state_key.hsm
        assert rendering.one(VAULT).input("properties.sku") == {"family": "A", "name": "premium" if hsm else "standard"}
        assert rendering.one(KEY).input("properties.kty") == ("RSA-HSM" if hsm else "RSA"), stack
    assert bootstrapped["dev"].one(KEY).input("properties.kty") == "RSA"
    assert bootstrapped["dev"].one(VAULT).input("properties.sku.name") == "standard"


def test_a_dev_stack_may_ask_for_an_hsm_key() -> None:
    rendering = render_bootstrap("dev", {"stateKey": {"hsm": True}})
    assert rendering.one(VAULT).input("properties.sku") == {"family": "A", "name": "premium"}
    assert rendering.one(KEY).input("properties.kty") == "RSA-HSM"


def test_the_key_is_3072_bit_and_only_wraps_and_encrypts(boot: Rendering) -> None:
    properties = boot.one(KEY).input("properties")
    assert properties["keySize"] == KEY_SIZE
    assert sorted(properties["keyOps"]) == sorted(KEY_OPERATIONS)  # no sign, verify or import


# -- rotation and expiry -----------------------------------------------------------------------------------------
def rotation_policy(rotate: int, expire: int, notify: int) -> dict[str, Any]:
    return {
        "attributes": {"expiryTime": f"P{expire}D"},
        "lifetimeActions": [
            {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": f"P{rotate}D"}},
            {"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": f"P{notify}D"}},
        ],
    }


def test_the_key_rotates_and_expires_as_its_stack_says(boot: Rendering) -> None:
    key = bootstrap_settings_of(boot.stack).state_key
    expected = rotation_policy(key.rotate_after_days, key.expire_after_days, key.notify_before_days)
    assert boot.one(KEY).input("properties.rotationPolicy") == expected
    # The session runs as of CATALOGUE_CHECKED (tests/conftest.py): the first version expires that many days later.
    expires = boot.one(KEY).input("properties.attributes.expires")
    assert expires == midnight_utc(CATALOGUE_CHECKED) + key.expire_after_days * DAY


def test_the_defaults_are_a_yearly_rotation_two_year_versions_and_a_month_of_notice(boot: Rendering) -> None:
    assert boot.one(KEY).input("properties.rotationPolicy") == rotation_policy(365, 730, 30)


def test_configured_rotation_values_reach_the_policy() -> None:
    rendering = render_bootstrap(
        "dev", {"stateKey": {"rotateAfterDays": 90, "expireAfterDays": 180, "notifyBeforeDays": 14}}
    )
    assert rendering.one(KEY).input("properties.rotationPolicy") == rotation_policy(90, 180, 14)


def test_the_limits_are_inclusive() -> None:
    rendering = render_bootstrap(
        "dev", {"stateKey": {"rotateAfterDays": 93, "expireAfterDays": 100, "notifyBeforeDays": 93}}
    )
    assert rendering.one(KEY).input("properties.rotationPolicy") == rotation_policy(93, 100, 93)


@pytest.mark.parametrize("day", [date(2027, 2, 27), date(2028, 2, 29), date(2030, 12, 31)])
def test_the_first_version_expires_expire_after_days_after_the_day_it_is_made(day: date) -> None:
    with clock.pinned(day):
        rendering = render_bootstrap("dev", {"stateKey": {"expireAfterDays": 400, "rotateAfterDays": 200}})
    expires = rendering.one(KEY).input("properties.attributes.expires")
    assert expires == midnight_utc(day) + 400 * DAY
    assert expires % DAY == 0  # midnight UTC, whatever the hour the bootstrap runs


# -- the secrets provider ----------------------------------------------------------------------------------------
def test_the_secrets_provider_names_the_vault_the_key_and_the_version_it_was_made_with(boot: Rendering) -> None:
    exported = boot.exports["secretsProvider"]
    provider = SecretsProviderUrl.parse(exported)
    assert provider is not None, exported
    vault, key = boot.one(VAULT), boot.one(KEY)
    assert provider.vault == vault.input("vaultName") == bootstrap_settings_of(boot.stack).state_key_vault
    assert provider.key == key.input("keyName") == bootstrap_settings_of(boot.stack).secrets_key_name
    assert provider.version == key_version(boot)
    assert VERSION.fullmatch(provider.version or "")
    assert key.state["keyUriWithVersion"] == (
        f"https://{provider.vault}.vault.azure.net/keys/{provider.key}/{provider.version}"
    )
    assert str(provider) == exported
    assert exported.startswith("azurekeyvault://")


def test_a_recreated_key_is_named_by_its_new_version() -> None:
    made = render_bootstrap("dev")
    recreated = render(
        "dev",
        project_dir=BOOTSTRAP_DIR,
        project_name=BOOTSTRAP_PROJECT,
        recreated=frozenset({(KEY, "dev-state-key")}),
    )
    before, after = (SecretsProviderUrl.parse(r.exports["secretsProvider"]) for r in (made, recreated))
    assert before is not None and after is not None
    assert (after.vault, after.key) == (before.vault, before.key)
    assert after.version != before.version
    assert after.version == key_version(recreated)


def test_provider_urls_parse_only_key_vault_keys() -> None:
    version = "0123456789abcdef0123456789abcdef"
    pinned = f"azurekeyvault://kvs-x-dev-1234.vault.azure.net/keys/pulumi-secrets/{version}"
    assert SecretsProviderUrl.parse(pinned) == SecretsProviderUrl("kvs-x-dev-1234", "pulumi-secrets", version)
    unpinned = "azurekeyvault://kvs-x-dev-1234.vault.azure.net/keys/pulumi-secrets"
    parsed = SecretsProviderUrl.parse(unpinned)
    assert parsed == SecretsProviderUrl("kvs-x-dev-1234", "pulumi-secrets", None)
    assert str(parsed) == unpinned
    for other in (
        "passphrase",
        "awskms://alias/pulumi",
        "azurekeyvault://kvs-x.vault.azure.net/keys/pulumi-secrets/not-a-version",
        "azurekeyvault://kvs-x.vault.azure.net/secrets/pulumi-secrets",
        f"https://kvs-x.vault.azure.net/keys/pulumi-secrets/{version}",
    ):
        assert SecretsProviderUrl.parse(other) is None, other
    assert secrets_provider_url(f"https://kvs-x.vault.azure.net/keys/k/{version}") == (
        f"azurekeyvault://kvs-x.vault.azure.net/keys/k/{version}"
    )


# -- refusals ----------------------------------------------------------------------------------------------------
REFUSED = {
    "prod public": (
        "prod",
        {"stateNetwork": {"access": "public"}},
        "stateNetwork.access",
        ("'public'", "prod allows only 'restricted'"),
    ),
    "prod without hsm": ("prod", {"stateKey": {"hsm": False}}, "stateKey.hsm", ("false", "prod allows only true")),
    "restricted without addresses": (
        "prod",
        {"stateNetwork": {}},
        "stateNetwork.administratorAddresses",
        ("[]", "required with access 'restricted'", "at least one public address or range"),
    ),
    "a private address": (
        "prod",
        {"stateNetwork": {"administratorAddresses": ["203.0.113.0/28", "10.20.0.0/16"]}},
        "stateNetwork.administratorAddresses[1]",
        ("'10.20.0.0/16'", "allowed: a public address or range", "RFC 1918"),
    ),
    "a private single address": (
        "dev",
        {**SELF_HOSTED, "stateNetwork": {"access": "restricted", "administratorAddresses": ["192.168.1.10"]}},
        "stateNetwork.administratorAddresses[0]",
        ("'192.168.1.10'", "allowed: a public address or range", "RFC 1918"),
    ),
    "a /31": (
        "prod",
        {"stateNetwork": {"administratorAddresses": ["203.0.113.8/31"]}},
        "stateNetwork.administratorAddresses[0]",
        ("'203.0.113.8/31'", "a /31 is not taken", "list its two addresses"),
    ),
    "host bits": (
        "prod",
        {"stateNetwork": {"administratorAddresses": ["203.0.113.1/28"]}},
        "stateNetwork.administratorAddresses[0]",
        ("'203.0.113.1/28'", "no host bits set", "'203.0.113.0/28'"),
    ),
    "prod without runners": (
        "prod",
        {"runnerNetwork": None},
        "stateNetwork.access",
        ("'restricted'", "needs runnerNetwork", "set runnerNetwork"),
    ),
    "restricted dev without runners": (
        "dev",
        {"stateNetwork": {"access": "restricted", "administratorAddresses": ["203.0.113.7"]}},
        "stateNetwork.access",
        ("'restricted'", "needs runnerNetwork", "'public' outside prod"),
    ),
    "rotation too late": (
        "dev",
        {"stateKey": {"expireAfterDays": 100, "rotateAfterDays": 94}},
        "stateKey.rotateAfterDays",
        ("94", "at most 93", "expireAfterDays - 7"),
    ),
    "notice too long": (
        "dev",
        {"stateKey": {"expireAfterDays": 100, "rotateAfterDays": 90, "notifyBeforeDays": 94}},
        "stateKey.notifyBeforeDays",
        ("94", "7-93", "expireAfterDays - 7"),
    ),
    "addresses with public": (
        "dev",
        {"stateNetwork": {"access": "public", "administratorAddresses": ["203.0.113.7"]}},
        "stateNetwork.administratorAddresses",
        ('["203.0.113.7"]', "only used with access 'restricted'", "remove it"),
    ),
    "prod within one region": (
        "prod",
        {"stateReplication": "Standard_ZRS"},
        "stateReplication",
        ("'Standard_ZRS'", "prod allows only 'Standard_GZRS' or 'Standard_RAGZRS'", "paired region"),
    ),
    "one address twice": (
        "prod",
        {"stateNetwork": {"administratorAddresses": ["203.0.113.7", "203.0.113.7/32"]}},
        "stateNetwork.administratorAddresses",
        ("'203.0.113.7'", "each address once"),
    ),
    "locally redundant": (
        "dev",
        {"stateReplication": "Standard_LRS"},
        "stateReplication",
        ("'Standard_LRS'", "'Standard_ZRS'", "'Standard_GZRS'", "'Standard_RAGZRS'"),
    ),
}


@pytest.mark.parametrize(("stack", "overrides", "key", "fragments"), REFUSED.values(), ids=list(REFUSED))
def test_a_weaker_state_backend_is_refused_before_anything_is_registered(
    stack: str, overrides: dict[str, object], key: str, fragments: tuple[str, ...]
) -> None:
    problem = refused_config_problem(lambda: render_bootstrap(stack, overrides), key)
    assert [fragment for fragment in fragments if fragment not in problem] == [], problem


def _restricted_state_without_a_subnet() -> None:
    settings = load_bootstrap_settings()
    StateBackend("prod-state", StateBackendArgs(settings, "rg-fndry-prod-delivery", "tenant"))


def test_a_caller_that_skips_the_settings_cannot_build_a_restricted_state_without_its_subnet() -> None:
    with pytest.raises(RenderError) as failure:
        render(
            "prod",
            project_dir=BOOTSTRAP_DIR,
            project_name=BOOTSTRAP_PROJECT,
            program=_restricted_state_without_a_subnet,
        )
    assert isinstance(failure.value.cause, ValueError)
    assert "stateNetwork.access" in str(failure.value.cause)
    assert [r.name for r in failure.value.registrations if r.custom] == []
