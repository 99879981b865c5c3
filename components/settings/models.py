"""Config keys for model deployments and guardrails: `modelDeployments`, `modelCapacity`, `guardrails`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from components.catalogue import guardrails as catalogue
from components.catalogue.models import (
    DEPLOYMENT_SKUS,
    MAX_CAPACITY,
    MIN_CAPACITY,
    RETIREMENT_WARNING_DAYS,
    VERSION_UPGRADE_OPTIONS,
    catalogued,
    deployable,
    versions_of,
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

DEPLOYMENT_NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit"
MODEL_NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit"
MODEL_FORMAT_RULE = "letters, digits and '-', starting with a letter, e.g. 'OpenAI'"
MODEL_VERSION_RULE = 'a quoted string such as "2025-04-14" (unquoted dates are read as dates by YAML)'
BLOCKLIST_NAME_RULE = "letters, digits, '_' and '-', starting with a letter or digit"

# Capacity units per deployment when a deployment does not set its own (thousands of tokens per minute for
# the Standard SKUs). Quota is per region and subscription, so each environment has its own default;
# prod's is also set explicitly in Pulumi.prod.yaml.
DEFAULT_CAPACITY: dict[str, int] = {"dev": 10, "staging": 10, "prod": 50}
DEFAULT_SKU = "GlobalStandard"
DEFAULT_FORMAT = "OpenAI"
# Pinned versions move only when Azure retires them, never silently on a new default.
DEFAULT_UPGRADE_OPTION = "OnceCurrentVersionExpired"

DEPLOYMENT_FIELDS = ("name", "model", "sku", "capacity", "versionUpgradeOption")
MODEL_FIELDS = ("format", "name", "version")
GUARDRAIL_FIELDS = (
    *catalogue.HARM_CATEGORIES,
    "jailbreak",
    "protectedMaterialText",
    "protectedMaterialCode",
    "blocklists",
)
MAX_BLOCKLISTS = 10
MAX_BLOCKLIST_ITEMS = 100


@dataclass(frozen=True)
class ModelSpec:
    format: str
    name: str
    version: str


@dataclass(frozen=True)
class DeploymentSettings:
    """One model deployment; its name is what callers put in API requests, so it should never change."""

    name: str
    model: ModelSpec
    sku: str
    capacity: int
    version_upgrade_option: str


@dataclass(frozen=True)
class HarmThresholds:
    """Severity threshold of one harm category, per source (Prompt / Completion)."""

    prompt: str = catalogue.DEFAULT_SEVERITY
    completion: str = catalogue.DEFAULT_SEVERITY


@dataclass(frozen=True)
class BlocklistItem:
    pattern: str
    is_regex: bool = False


@dataclass(frozen=True)
class BlocklistSettings:
    name: str
    description: str
    items: tuple[BlocklistItem, ...]


@dataclass(frozen=True)
class GuardrailSettings:
    """The environment's custom RAI policy: every filter blocks; thresholds and shields are tunable."""

    harm: dict[str, HarmThresholds] = field(
        default_factory=lambda: {category: HarmThresholds() for category in catalogue.HARM_CATEGORIES}
    )
    jailbreak: bool = True
    protected_material_text: bool = True
    protected_material_code: bool = True
    blocklists: tuple[BlocklistSettings, ...] = ()


@dataclass(frozen=True)
class ModelSettings:
    rai_policy_name: str = "guardrails"
    default_capacity: int = 10
    deployments: tuple[DeploymentSettings, ...] = ()
    guardrails: GuardrailSettings = field(default_factory=GuardrailSettings)


# The design source's pair, a small fast router/orchestrator and a larger tool-calling specialist, picked from
# the model catalogue as versions a new subscription can deploy and that retire last (2028-01-11). The design
# source named gpt-5-mini and gpt-4.1; both are closed to new subscriptions now. Call the specialist through
# the Responses API: Chat Completions refuses function tools with reasoning on GPT-5.4 and later.
DEFAULT_MODELS: dict[str, ModelSpec] = {
    "router": ModelSpec(DEFAULT_FORMAT, "gpt-5.6-luna", "2026-07-09"),
    "specialist": ModelSpec(DEFAULT_FORMAT, "gpt-5.6-sol", "2026-07-09"),
}


def default_deployments(capacity: int) -> tuple[DeploymentSettings, ...]:
    return tuple(
        DeploymentSettings(name, model, DEFAULT_SKU, capacity, DEFAULT_UPGRADE_OPTION)
        for name, model in DEFAULT_MODELS.items()
    )


def rai_policy_name(name_prefix: str, environment: str) -> str:
    return f"{name_prefix}-{environment}-guardrails"


def parse_models(reader: ConfigReader, environment: str, name_prefix: str, today: date) -> ModelSettings:
    default_capacity = _parse_capacity_default(reader, environment)
    deployments = _parse_deployments(reader, default_capacity)
    for index, deployment in enumerate(deployments):
        check_lifecycle(reader, f"modelDeployments[{index}]", deployment, today)
    return ModelSettings(
        rai_policy_name=rai_policy_name(name_prefix, environment),
        default_capacity=default_capacity,
        deployments=deployments,
        guardrails=_parse_guardrails(reader),
    )


def check_lifecycle(reader: ConfigReader, key: str, deployment: DeploymentSettings, today: date) -> None:
    """Refuse a model the catalogue does not know or that has retired; warn when it is closing or retiring soon."""
    model = deployment.model
    where = key if reader.has("modelDeployments") else f"{key} (default)"
    entry = catalogued(model.name, model.version)
    current = ", ".join(f"{m.name} {m.version}" for m in deployable(today))
    if entry is None:
        known = ", ".join(m.version for m in versions_of(model.name))
        reader.fail(
            f"{where}.model",
            f"{model.name} {model.version}",
            (f"known versions of {model.name}: {known}; " if known else "")
            + "only models in the model catalogue (components/catalogue/models.py) are deployed, with their retirement "
            f"dates; deployable today: {current}",
        )
        return
    if entry.retires <= today:
        successor = f" (successor: {entry.replacement})" if entry.replacement else ""
        reader.fail(
            f"{where}.model.version",
            model.version,
            f"{entry.label} retired on {entry.retires}{successor}: Azure refuses deployments of it and answers every "
            f"call with 410 Gone; deployable today: {current}",
        )
        return
    closes = entry.closes_to_new_subscriptions
    if closes is not None and closes <= today:
        reader.warn(
            where,
            f"{entry.label} has been closed to new subscriptions since {closes}: a subscription that never deployed "
            f"it cannot create this deployment (ServiceModelDeprecating); it retires on {entry.retires}",
        )
    days_left = (entry.retires - today).days
    if days_left <= RETIREMENT_WARNING_DAYS:
        reader.warn(
            where,
            f"{entry.label} retires on {entry.retires}, in {days_left} days; move to "
            f"{entry.replacement or 'a newer version'} and test it in dev and staging before then",
        )


def _parse_capacity_default(reader: ConfigReader, environment: str) -> int:
    default = DEFAULT_CAPACITY[environment]
    value = reader.text("modelCapacity")
    if value is None:
        return default
    return check_int(reader, "modelCapacity", value, MIN_CAPACITY, MAX_CAPACITY) or default


def _parse_deployments(reader: ConfigReader, default_capacity: int) -> tuple[DeploymentSettings, ...]:
    value = reader.structured("modelDeployments")
    if value is None:
        return default_deployments(default_capacity)
    entries = check_list(reader, "modelDeployments", value)
    if isinstance(value, list) and not entries:
        reader.fail("modelDeployments", value, "at least one deployment is required (remove the key for the defaults)")
    deployments: list[DeploymentSettings] = []
    for index, entry in enumerate(entries):
        parsed = _parse_deployment(reader, f"modelDeployments[{index}]", entry, default_capacity)
        if parsed is not None:
            deployments.append(parsed)
    check_unique(reader, "modelDeployments[].name", [d.name for d in deployments])
    return tuple(deployments)


def _parse_deployment(reader: ConfigReader, key: str, entry: Any, default_capacity: int) -> DeploymentSettings | None:
    problems_before = len(reader.problems)
    fields = check_object(reader, key, entry, DEPLOYMENT_FIELDS)
    if not fields and not isinstance(entry, dict):
        return None
    name = fields.get("name")
    check_pattern(reader, f"{key}.name", name, r"[A-Za-z0-9][A-Za-z0-9._-]*", 2, 64, DEPLOYMENT_NAME_RULE)
    model = check_object(reader, f"{key}.model", fields.get("model"), MODEL_FIELDS)
    if "model" not in fields:
        reader.fail(f"{key}.model", None, "required: {format?, name, version}")
    model_format = model.get("format", DEFAULT_FORMAT)
    check_pattern(reader, f"{key}.model.format", model_format, r"[A-Za-z][A-Za-z0-9-]*", 2, 64, MODEL_FORMAT_RULE)
    model_name = model.get("name")
    check_pattern(reader, f"{key}.model.name", model_name, r"[A-Za-z0-9][A-Za-z0-9._-]*", 1, 128, MODEL_NAME_RULE)
    version = model.get("version")
    check_pattern(reader, f"{key}.model.version", version, r"[A-Za-z0-9][A-Za-z0-9._-]*", 1, 64, MODEL_VERSION_RULE)
    sku = check_choice(reader, f"{key}.sku", fields.get("sku", DEFAULT_SKU), DEPLOYMENT_SKUS, DEFAULT_SKU)
    capacity = check_int(
        reader, f"{key}.capacity", fields.get("capacity", default_capacity), MIN_CAPACITY, MAX_CAPACITY
    )
    upgrade = check_choice(
        reader,
        f"{key}.versionUpgradeOption",
        fields.get("versionUpgradeOption", DEFAULT_UPGRADE_OPTION),
        VERSION_UPGRADE_OPTIONS,
        DEFAULT_UPGRADE_OPTION,
    )
    if len(reader.problems) > problems_before or capacity is None:
        return None
    return DeploymentSettings(
        name=str(name),
        model=ModelSpec(str(model_format), str(model_name), str(version)),
        sku=sku,
        capacity=capacity,
        version_upgrade_option=upgrade,
    )


def _parse_guardrails(reader: ConfigReader) -> GuardrailSettings:
    fields = check_object(reader, "guardrails", reader.structured("guardrails"), GUARDRAIL_FIELDS)
    harm = {
        category: _parse_thresholds(reader, f"guardrails.{category}", fields.get(category))
        for category in catalogue.HARM_CATEGORIES
    }

    def flag(name: str) -> bool:
        checked = check_bool(reader, f"guardrails.{name}", fields.get(name, True))
        return True if checked is None else checked

    return GuardrailSettings(
        harm=harm,
        jailbreak=flag("jailbreak"),
        protected_material_text=flag("protectedMaterialText"),
        protected_material_code=flag("protectedMaterialCode"),
        blocklists=_parse_blocklists(reader, fields.get("blocklists")),
    )


def _parse_thresholds(reader: ConfigReader, key: str, value: object) -> HarmThresholds:
    """A category takes one level for both sources, or `{prompt, completion}` to set them separately."""
    levels = catalogue.SEVERITY_LEVELS
    default = catalogue.DEFAULT_SEVERITY
    if value is None:
        return HarmThresholds()
    if isinstance(value, str):
        level = check_choice(reader, key, value, levels, default)
        return HarmThresholds(level, level)
    if not isinstance(value, dict):
        reader.fail(key, value, "allowed: one of " + ", ".join(levels) + ", or {prompt, completion} with those levels")
        return HarmThresholds()
    fields = check_object(reader, key, value, ("prompt", "completion"))
    return HarmThresholds(
        prompt=check_choice(reader, f"{key}.prompt", fields.get("prompt", default), levels, default),
        completion=check_choice(reader, f"{key}.completion", fields.get("completion", default), levels, default),
    )


def _parse_blocklists(reader: ConfigReader, value: object) -> tuple[BlocklistSettings, ...]:
    blocklists: list[BlocklistSettings] = []
    for index, entry in enumerate(check_list(reader, "guardrails.blocklists", value, MAX_BLOCKLISTS)):
        key = f"guardrails.blocklists[{index}]"
        fields = check_object(reader, key, entry, ("name", "description", "items"))
        name = fields.get("name")
        if not check_pattern(reader, f"{key}.name", name, r"[A-Za-z0-9][A-Za-z0-9_-]*", 2, 64, BLOCKLIST_NAME_RULE):
            continue
        description = fields.get("description", f"Custom blocklist {name}.")
        if not isinstance(description, str):
            reader.fail(f"{key}.description", description, "a string")
            continue
        items: list[BlocklistItem] = []
        raw_items = check_list(reader, f"{key}.items", fields.get("items"), MAX_BLOCKLIST_ITEMS)
        if not raw_items:
            reader.fail(f"{key}.items", fields.get("items"), "at least one item: a term, or {pattern, isRegex}")
        for item_index, raw in enumerate(raw_items):
            item = _parse_item(reader, f"{key}.items[{item_index}]", raw)
            if item is not None:
                items.append(item)
        blocklists.append(BlocklistSettings(str(name), description, tuple(items)))
    check_unique(reader, "guardrails.blocklists[].name", [b.name for b in blocklists])
    return tuple(blocklists)


def _parse_item(reader: ConfigReader, key: str, raw: object) -> BlocklistItem | None:
    if isinstance(raw, str):
        raw = {"pattern": raw}
    fields = check_object(reader, key, raw, ("pattern", "isRegex"))
    pattern = fields.get("pattern")
    if not isinstance(pattern, str) or not 1 <= len(pattern.strip()) <= 1000:
        reader.fail(f"{key}.pattern", pattern, "allowed: a non-empty term or pattern of at most 1000 characters")
        return None
    is_regex = check_bool(reader, f"{key}.isRegex", fields.get("isRegex", False))
    return BlocklistItem(pattern, bool(is_regex))
