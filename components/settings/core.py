"""The environment's core keys: who it is, where it lives, what it is called, and its projects and vault."""

from __future__ import annotations

from typing import cast

from components.settings.model import (
    ENVIRONMENTS,
    KEY_VAULT_SKUS,
    NETWORK_ACCESS_MODES,
    EnvironmentName,
    KeyVaultSettings,
    KeyVaultSku,
    NetworkAccess,
    ProjectSettings,
)
from components.settings.reader import (
    ConfigReader,
    check_bool,
    check_choice,
    check_int,
    check_list,
    check_object,
    check_pattern,
    check_unique,
)

DEFAULT_LOCATION = "swedencentral"

# Two projects per environment, as the design source recommends: one for the agent runtime, one for
# evaluations and offline experiments, so evaluation connections and quotas never mix with production traffic.
DEFAULT_PROJECTS: tuple[ProjectSettings, ...] = (
    ProjectSettings("agents", "Agent runtime", "Agents and the Responses API used by the application."),
    ProjectSettings("evals", "Evaluations", "Evaluations and offline experiments, kept apart from the runtime."),
)

NAME_PREFIX_RULE = "lowercase letters and digits, starting with a letter"
PROJECT_NAME_RULE = "lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen"
SUBDOMAIN_RULE = "lowercase letters, digits and hyphens, starting and ending with a letter or digit"
KEY_VAULT_RULE = "letters, digits and hyphens, starting with a letter, ending with a letter or digit, no '--'"
RESOURCE_GROUP_PATTERN = r"[-\w.()]*[-\w()]"
KEY_VAULT_PATTERN = r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]"
RESOURCE_GROUP_RULE = "letters, digits, '-', '_', '.', '(' and ')', not ending with '.'"
LOCATION_RULE = "an Azure region name in lowercase without spaces, e.g. 'swedencentral'"

# Azure's tag limits: 50 tags per resource, names up to 512 and values up to 256 characters, and
# these characters are refused in tag names.
MAX_TAGS = 50
FORBIDDEN_TAG_NAME_CHARS = set("<>%&\\?/")


def parse_environment(reader: ConfigReader, stack: str) -> EnvironmentName:
    """A stack called dev, staging or prod is that environment; any other stack must say which it is."""
    value = reader.text("environment")
    if stack in ENVIRONMENTS:
        if value is not None and value != stack:
            # Otherwise stack 'prod' could be deployed with dev's names and dev's (weaker) defaults.
            reader.fail(
                "environment", value, f"stack '{stack}' is the {stack} environment; allowed: '{stack}' or unset"
            )
        return cast(EnvironmentName, stack)
    if value is None:
        reader.fail("environment", None, "required for stack '" + stack + "'; allowed: " + ", ".join(ENVIRONMENTS))
        return "dev"
    return cast(EnvironmentName, check_choice(reader, "environment", value, ENVIRONMENTS, "dev"))


def parse_location(reader: ConfigReader) -> str:
    value = reader.text("location")
    if value is None:
        return DEFAULT_LOCATION
    check_pattern(reader, "location", value, r"[a-z][a-z0-9]*", 3, 40, LOCATION_RULE)
    return value


def parse_name_prefix(reader: ConfigReader) -> str:
    value = reader.text("namePrefix")
    if value is None:
        reader.fail("namePrefix", None, f"required; {NAME_PREFIX_RULE} (2-10 characters)")
        return "invalid"
    # 10 characters keep 'kv-<prefix>-prd-<6 hex>' within Key Vault's 24.
    if not check_pattern(reader, "namePrefix", value, r"[a-z][a-z0-9]*", 2, 10, NAME_PREFIX_RULE):
        return "invalid"
    return value


def parse_tags(reader: ConfigReader) -> dict[str, str]:
    value = reader.structured("tags")
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.fail("tags", value, "expected an object of tag name to string value")
        return {}
    if len(value) > MAX_TAGS - 2:  # two tags are added by the program
        reader.fail(
            "tags",
            f"{len(value)} tags",
            f"at most {MAX_TAGS - 2} tags (Azure allows {MAX_TAGS}, two are set by this program)",
        )
    tags: dict[str, str] = {}
    for tag_name, tag_value in value.items():
        key = f"tags.{tag_name}"
        if not (1 <= len(tag_name) <= 512) or FORBIDDEN_TAG_NAME_CHARS & set(tag_name):
            reader.fail(key, tag_name, "tag names are 1-512 characters without < > % & \\ ? /")
        elif not isinstance(tag_value, str) or len(tag_value) > 256:
            reader.fail(key, tag_value, "tag values are strings of at most 256 characters")
        else:
            tags[tag_name] = tag_value
    return tags


def parse_projects(reader: ConfigReader) -> tuple[ProjectSettings, ...]:
    value = reader.structured("projects")
    if value is None:
        return DEFAULT_PROJECTS
    entries = check_list(reader, "projects", value)
    if isinstance(value, list) and not entries:
        reader.fail("projects", value, "at least one project is required")
        return DEFAULT_PROJECTS
    projects: list[ProjectSettings] = []
    for index, entry in enumerate(entries):
        key = f"projects[{index}]"
        fields = check_object(reader, key, entry, ("name", "displayName", "description"))
        name = fields.get("name")
        if not check_pattern(reader, f"{key}.name", name, r"[a-z][a-z0-9-]*[a-z0-9]", 2, 64, PROJECT_NAME_RULE):
            continue
        display_name = fields.get("displayName", name)
        description = fields.get("description", f"Foundry project {name}.")
        if not isinstance(display_name, str) or not display_name.strip():
            reader.fail(f"{key}.displayName", display_name, "a non-empty string")
            continue
        if not isinstance(description, str):
            reader.fail(f"{key}.description", description, "a string")
            continue
        projects.append(ProjectSettings(cast(str, name), display_name, description))
    check_unique(reader, "projects[].name", [project.name for project in projects])
    return tuple(projects)


def parse_network_access(reader: ConfigReader, environment: EnvironmentName) -> NetworkAccess:
    default: NetworkAccess = "private" if environment == "prod" else "public"
    mode = cast(NetworkAccess, reader.choice("networkAccess", NETWORK_ACCESS_MODES, default))
    if environment == "prod" and mode != "private":
        reader.fail(
            "networkAccess",
            mode,
            "prod allows only 'private': public network access would open the production Foundry resource and Key Vault to the internet",
        )
    return mode


def parse_key_vault(reader: ConfigReader, environment: EnvironmentName, default_name: str) -> KeyVaultSettings:
    fields = check_object(reader, "keyVault", reader.structured("keyVault"), ("name", "sku", "softDeleteRetentionDays"))
    name = fields.get("name", default_name)
    check_pattern(reader, "keyVault.name", name, KEY_VAULT_PATTERN, 3, 24, KEY_VAULT_RULE)
    sku = check_choice(reader, "keyVault.sku", fields.get("sku", "standard"), KEY_VAULT_SKUS, "standard")
    retention = check_int(reader, "keyVault.softDeleteRetentionDays", fields.get("softDeleteRetentionDays", 90), 7, 90)
    if environment == "prod" and retention is not None and retention != 90:
        reader.fail(
            "keyVault.softDeleteRetentionDays",
            retention,
            "prod allows only 90: a shorter window weakens recovery of deleted secrets",
        )
    return KeyVaultSettings(name=str(name), sku=cast(KeyVaultSku, sku), soft_delete_retention_days=retention or 90)


def parse_subdomain(reader: ConfigReader, default: str) -> str:
    value = reader.text("customSubdomain")
    if value is None:
        return default
    check_pattern(reader, "customSubdomain", value, r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", 2, 64, SUBDOMAIN_RULE)
    return value


def parse_resource_group(reader: ConfigReader, default: str) -> tuple[str, bool]:
    """Returns the group's name and whether this program creates it (False when it is an existing one)."""
    value = reader.text("existingResourceGroup")
    if value is None:
        return default, True
    if check_pattern(reader, "existingResourceGroup", value, RESOURCE_GROUP_PATTERN, 1, 90, RESOURCE_GROUP_RULE):
        return value, False
    return default, True


def parse_protection(
    reader: ConfigReader,
    environment: EnvironmentName,
    key: str = "protectStatefulResources",
    protected: str = "the account, its projects, the vault and the identity",
) -> bool:
    """`protect` for stateful resources: on by default in prod, and prod refuses to turn it off."""
    default = environment == "prod"
    value = reader.text(key)
    protect = default if value is None else check_bool(reader, key, value)
    if environment == "prod" and protect is False:
        reader.fail(key, value, f"prod allows only true: {protected} must not be deletable by a stray `pulumi destroy`")
    return default if protect is None else protect
