"""The bootstrap's typed, validated configuration (namespace `foundry-platform-bootstrap:`).

Same rules as the main program: every key is read here, every problem is collected, and all of them are
raised together as `ConfigError` before a single resource is declared. Unknown keys are errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components import naming
from components.catalogue import federation
from components.settings import core, project_config
from components.settings.access import GitHubSettings, parse_github
from components.settings.model import EnvironmentName
from components.settings.reader import GUID_PATTERN, ConfigError, ConfigReader, check_int, check_pattern

PROJECT = "foundry-platform-bootstrap"

STORAGE_ACCOUNT_RULE = "3-24 lowercase letters and digits"
CONTAINER_RULE = "lowercase letters, digits and single hyphens, starting and ending with a letter or digit"
KEY_NAME_RULE = "letters, digits and hyphens"

DEFAULT_STATE_CONTAINER = "pulumi-state"
DEFAULT_BOOTSTRAP_CONTAINER = "bootstrap-state"
DEFAULT_SECRETS_KEY = "pulumi-secrets"
DEFAULT_RETENTION_DAYS = 30
PROD_MIN_RETENTION_DAYS = 30


@dataclass(frozen=True)
class BootstrapSettings:
    stack: str
    environment: EnvironmentName
    location: str
    name_prefix: str
    tags: dict[str, str]
    github: GitHubSettings
    resource_group_name: str  # the environment's group, where the main program deploys
    delivery_resource_group_name: str  # state account and secrets vault
    state_storage_account: str
    state_container: str
    bootstrap_container: str
    state_retention_days: int
    state_key_vault: str
    secrets_key_name: str
    state_administrators_group: str | None
    protect: bool

    @property
    def deploy_subject(self) -> str:
        """The OIDC subject of a workflow job that declares `environment: <environment>`."""
        return self.github.environment_subject(self.environment)

    @property
    def preview_subject(self) -> str:
        """The OIDC subject of a pull-request workflow job that declares no environment."""
        g = self.github
        return federation.github_pull_request_subject(g.owner, g.repository, g.owner_id, g.repository_id)

    @property
    def state_backend_url(self) -> str:
        return f"azblob://{self.state_container}?storage_account={self.state_storage_account}"

    @property
    def bootstrap_backend_url(self) -> str:
        return f"azblob://{self.bootstrap_container}?storage_account={self.state_storage_account}"

    @property
    def secrets_provider(self) -> str:
        return f"azurekeyvault://{self.state_key_vault}.vault.azure.net/keys/{self.secrets_key_name}"

    @property
    def resource_tags(self) -> dict[str, str]:
        return {**self.tags, "environment": self.environment, "managed-by": "pulumi/foundry-platform-bootstrap"}


def default_state_account(prefix: str, environment: str, location: str) -> str:
    return f"st{prefix}{naming.ENVIRONMENT_CODES[environment]}{naming.unique_suffix(prefix, environment, location)}"


def default_state_vault(prefix: str, environment: str, location: str) -> str:
    code = naming.ENVIRONMENT_CODES[environment]
    return f"kvs-{prefix}-{code}-{naming.unique_suffix(prefix, environment, location, 4)}"


def _text(reader: ConfigReader, key: str, default: str, pattern: str, low: int, high: int, rule: str) -> str:
    value = reader.text(key)
    if value is None:
        return default
    check_pattern(reader, key, value, pattern, low, high, rule)
    return value


def parse_bootstrap_settings(raw: Mapping[str, str], stack: str) -> BootstrapSettings:
    reader = ConfigReader(raw)
    environment = core.parse_environment(reader, stack)
    location = core.parse_location(reader)
    prefix = core.parse_name_prefix(reader)
    tags = core.parse_tags(reader)
    github = parse_github(reader)
    valid_prefix = prefix != "invalid"
    resource_group = _text(
        reader,
        "resourceGroupName",
        naming.resource_group_name(prefix, environment),
        core.RESOURCE_GROUP_PATTERN,
        1,
        90,
        core.RESOURCE_GROUP_RULE,
    )
    delivery_group = _text(
        reader,
        "deliveryResourceGroupName",
        f"rg-{prefix}-{environment}-delivery",
        core.RESOURCE_GROUP_PATTERN,
        1,
        90,
        core.RESOURCE_GROUP_RULE,
    )
    if delivery_group == resource_group:
        reader.fail(
            "deliveryResourceGroupName",
            delivery_group,
            "must differ from resourceGroupName: the deployer is Contributor there and must not reach its own state",
        )
    account = _text(
        reader,
        "stateStorageAccount",
        default_state_account(prefix, environment, location) if valid_prefix else "invalid",
        r"[a-z0-9]+",
        3,
        24,
        STORAGE_ACCOUNT_RULE,
    )
    container_pattern = r"[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]"
    state_container = _text(reader, "stateContainer", DEFAULT_STATE_CONTAINER, container_pattern, 3, 63, CONTAINER_RULE)
    bootstrap_container = _text(
        reader, "bootstrapContainer", DEFAULT_BOOTSTRAP_CONTAINER, container_pattern, 3, 63, CONTAINER_RULE
    )
    if state_container == bootstrap_container:
        reader.fail(
            "bootstrapContainer",
            bootstrap_container,
            "must differ from stateContainer: the deployer may write the stack state but not the bootstrap's",
        )
    retention_raw = reader.text("stateRetentionDays")
    retention = DEFAULT_RETENTION_DAYS
    if retention_raw is not None:
        retention = check_int(reader, "stateRetentionDays", retention_raw, 7, 365) or DEFAULT_RETENTION_DAYS
        if environment == "prod" and retention < PROD_MIN_RETENTION_DAYS:
            reader.fail(
                "stateRetentionDays",
                retention_raw,
                f"prod allows {PROD_MIN_RETENTION_DAYS}-365: deleted or overwritten prod state must stay recoverable",
            )
    vault = _text(
        reader,
        "stateKeyVault",
        default_state_vault(prefix, environment, location) if valid_prefix else "invalid",
        core.KEY_VAULT_PATTERN,
        3,
        24,
        core.KEY_VAULT_RULE,
    )
    key_name = _text(reader, "secretsKeyName", DEFAULT_SECRETS_KEY, r"[a-zA-Z0-9-]+", 1, 127, KEY_NAME_RULE)
    admins = reader.text("stateAdministratorsGroup")
    if admins is not None:
        check_pattern(
            reader, "stateAdministratorsGroup", admins, GUID_PATTERN, 36, 36, "the object id of an Entra security group"
        )
    protect = core.parse_protection(reader, environment, "protectResources", "the state and its key")
    for key in reader.unread_keys():
        reader.fail(key, raw[key], f"unknown key for project '{PROJECT}' (check its spelling against the README)")
    if reader.problems:
        raise ConfigError(stack, reader.problems)
    return BootstrapSettings(
        stack=stack,
        environment=environment,
        location=location,
        name_prefix=prefix,
        tags=tags,
        github=github,
        resource_group_name=resource_group,
        delivery_resource_group_name=delivery_group,
        state_storage_account=account,
        state_container=state_container,
        bootstrap_container=bootstrap_container,
        state_retention_days=retention,
        state_key_vault=vault,
        secrets_key_name=key_name,
        state_administrators_group=admins.lower() if admins else None,
        protect=protect,
    )


def load_bootstrap_settings() -> BootstrapSettings:
    return parse_bootstrap_settings(project_config(PROJECT), pulumi.get_stack())
