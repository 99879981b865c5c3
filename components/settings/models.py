"""Model deployments and guardrails: `modelDeployments`, `modelCapacity`, `guardrails`."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from components.catalogue import guardrails
from components.catalogue import models as catalogue
from components.catalogue.models import DeploymentSku, UpgradeOption
from components.settings.base import (
    ConfigModel,
    Flag,
    Number,
    Pattern,
    context,
    empty_section,
    refuse,
    report,
    unique_names,
    warn,
)

NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit"
Name = Annotated[str, Pattern(r"[A-Za-z0-9][A-Za-z0-9._-]*", 2, 64, NAME_RULE)]
Version = Annotated[
    str,
    Pattern(
        r"[A-Za-z0-9][A-Za-z0-9._-]*", 1, 64, 'a version as the model catalogue writes it, e.g. "2026-07-09" or "1"'
    ),
]
Severity = Literal["Low", "Medium", "High"]
Capacity = Annotated[int, Number(catalogue.MIN_CAPACITY, catalogue.MAX_CAPACITY)]
# The custom content filter's name is `<prefix>-<stack>-guardrails`.
RAI_POLICY_SUFFIX = "guardrails"


class ModelSpec(ConfigModel):
    format: Annotated[str, Pattern(r"[A-Za-z][A-Za-z0-9-]*", 2, 64, "letters, digits and '-', e.g. 'OpenAI'")] = (
        "OpenAI"
    )
    """The model's publisher format."""
    name: Annotated[str, Pattern(r"[A-Za-z0-9][A-Za-z0-9._-]*", 1, 128, NAME_RULE)]
    """The model, e.g. gpt-5.6-sol; only models of the model catalogue (components/catalogue/models.py)."""
    version: Version
    """The model version."""


class Deployment(ConfigModel):
    """One model deployment; its name is what callers put in API requests, so it should never change."""

    name: Name
    """The deployment's name, unique in the account."""
    model: ModelSpec
    sku: DeploymentSku = "GlobalStandard"
    """Where requests are processed: GlobalStandard, DataZoneStandard, Standard, or a provisioned SKU (PTUs)."""
    capacity: Capacity | None = None
    """Thousands of tokens per minute (PTUs for provisioned SKUs); default: modelCapacity."""
    version_upgrade_option: UpgradeOption = "OnceCurrentVersionExpired"
    """When Azure moves the deployment to another version; by default only when it retires, never silently."""


Deployments = Annotated[tuple[Deployment, ...], Field(min_length=1), unique_names()]

# The design source's pair, a small fast router/orchestrator and a larger tool-calling specialist, picked from
# the model catalogue as versions a new subscription can deploy and that retire last (2028-01-11). The design
# source named gpt-5-mini and gpt-4.1; both are closed to new subscriptions now. Call the specialist through
# the Responses API: Chat Completions refuses function tools with reasoning on GPT-5.4 and later.
DEFAULT_DEPLOYMENTS: tuple[Deployment, ...] = (
    Deployment(name="router", model=ModelSpec(name="gpt-5.6-luna", version="2026-07-09")),
    Deployment(name="specialist", model=ModelSpec(name="gpt-5.6-sol", version="2026-07-09")),
)


def check_deployments(
    deployments: tuple[Deployment, ...], location: str, capacity: int, configured: bool, info: ValidationInfo
) -> None:
    """Each deployment against the model catalogue: known and not retired (warned when closing or retiring soon),
    offered in the region with its SKU, and provisioned capacity in the sizes Azure sells."""
    for index, deployment in enumerate(deployments):
        key = f"modelDeployments[{index}]" + ("" if configured else " (default)")
        _check_lifecycle(key, deployment, info)
        _check_placement(key, deployment, location, deployment.capacity or capacity, info)


def _check_lifecycle(key: str, deployment: Deployment, info: ValidationInfo) -> None:
    model, today = deployment.model, context(info).today
    entry = catalogue.catalogued(model.name, model.version)
    current = "catalogue.deployable today: " + ", ".join(f"{m.name} {m.version}" for m in catalogue.deployable(today))
    if entry is None:
        known = ", ".join(m.version for m in catalogue.versions_of(model.name))
        known = f"known versions of {model.name}: {known}; " if known else ""
        catalogue_only = "only models in the model catalogue (components/catalogue/models.py) are deployed"
        report(info, f"{key}.model", f"{model.name} {model.version}", f"{known}{catalogue_only}; {current}")
        return
    if entry.retires <= today:
        successor = f" (successor: {entry.replacement})" if entry.replacement else ""
        retired = f"{entry.label} retired on {entry.retires}{successor}: Azure refuses it and answers 410 Gone"
        report(info, f"{key}.model.version", model.version, f"{retired}; {current}")
        return
    closes = entry.closes_to_new_subscriptions
    if closes is not None and closes <= today:
        warn(
            info,
            key,
            f"{entry.label} has been closed to new subscriptions since {closes}: a subscription that never deployed "
            f"it cannot create this deployment (ServiceModelDeprecating); it retires on {entry.retires}",
        )
    days_left = (entry.retires - today).days
    if days_left <= catalogue.RETIREMENT_WARNING_DAYS:
        successor = entry.replacement or "a newer version"
        warn(
            info,
            key,
            f"{entry.label} retires on {entry.retires}, in {days_left} days; move to {successor} and test it in dev and staging before then",
        )


def _check_placement(key: str, deployment: Deployment, location: str, capacity: int, info: ValidationInfo) -> None:
    name, sku = deployment.model.name, deployment.sku
    regions = catalogue.MODEL_REGIONS.get((name, sku))
    if location in catalogue.NOT_OFFERED.get((name, sku), ()) or (regions is not None and location not in regions):
        where = f"; it is in {', '.join(sorted(regions))}" if regions else ""
        report(info, f"{key}.sku", sku, f"{name} is not offered as {sku} in {location} (model catalogue){where}")
    elif regions is None:
        warn(
            info,
            key,
            f"the model catalogue does not record where {name} is offered as {sku}: check `az cognitiveservices model list -l {location}`",
        )
    sizing = catalogue.provisioned_sizing(name, sku)
    if sku in catalogue.PROVISIONED_SKUS and sizing is None:
        warn(info, key, f"the model catalogue has no provisioned sizing for {name}: Azure may refuse {capacity} PTUs")
    elif sizing and sku in catalogue.PROVISIONED_SKUS and (capacity < sizing.minimum or capacity % sizing.increment):
        steps = f"{name} as {sku} takes at least {sizing.minimum} PTUs, in steps of {sizing.increment}"
        report(info, f"{key}.capacity", capacity, steps)


# -- guardrails ---------------------------------------------------------------------------------------------------
def _both_sources(value: Any) -> Any:
    if isinstance(value, str) and value not in get_args(Severity):
        refuse("allowed: one of Low, Medium, High, or {prompt, completion} with those levels")
    return {"prompt": value, "completion": value} if isinstance(value, str) else value


class Thresholds(ConfigModel):
    """A harm category's severity threshold per source; one level (a string) sets both."""

    prompt: Severity = "Medium"
    completion: Severity = "Medium"


Harm = Annotated[Thresholds, BeforeValidator(_both_sources, json_schema_input_type=Severity | Thresholds)]


class BlocklistItem(ConfigModel):
    pattern: Annotated[str, Field(min_length=1, max_length=1000)]
    """A term, or a regular expression with isRegex (at most 1,000 characters)."""
    is_regex: Flag = False
    """Whether pattern is a regular expression (case-sensitive) rather than an exact term."""

    @model_validator(mode="after")
    def _compiles(self) -> BlocklistItem:
        if not self.pattern.strip():
            refuse("a non-empty term or pattern", at=".pattern", value=self.pattern)
        try:
            # Azure does not document its regex dialect; Python's parser catches what any dialect refuses
            # (unbalanced groups, dangling quantifiers, bad ranges). Keep to classes, alternation and quantifiers.
            re.compile(self.pattern) if self.is_regex else None
        except re.error as wrong:
            invalid = f"not a valid regular expression ({wrong}); escape special characters or set isRegex: false"
            refuse(invalid, at=".pattern", value=self.pattern)
        return self


Term = Annotated[
    BlocklistItem,
    BeforeValidator(lambda v: {"pattern": v} if isinstance(v, str) else v, json_schema_input_type=str | BlocklistItem),
]


class Blocklist(ConfigModel):
    name: Annotated[str, Pattern(r"[A-Za-z0-9][A-Za-z0-9_-]*", 2, 64, "letters, digits, '_' and '-'")]
    """The blocklist's name, unique in the account."""
    description: str = ""
    items: Annotated[tuple[Term, ...], Field(min_length=1, max_length=100)]
    """1-100 terms, or {pattern, isRegex}."""


class GuardrailConfig(ConfigModel):
    """The environment's custom content filter (RAI policy): every filter blocks; thresholds and shields are tunable."""

    hate: Harm = empty_section()
    """Block hateful content at this severity or above: Low (strictest), Medium or High, or {prompt, completion}."""
    sexual: Harm = empty_section()
    """As hate, for sexual content."""
    violence: Harm = empty_section()
    """As hate, for violent content."""
    selfharm: Harm = empty_section()
    """As hate, for content about self-harm."""
    jailbreak: Flag = True
    """Prompt Shields against jailbreak attempts."""
    protected_material_text: Flag = True
    protected_material_code: Flag = True
    blocklists: Annotated[tuple[Blocklist, ...], Field(max_length=10), unique_names()] = ()
    """Up to 10 custom blocklists, on prompts and completions."""

    def harm(self, category: str) -> Thresholds:
        assert category in guardrails.HARM_CATEGORIES, category
        return getattr(self, category)
