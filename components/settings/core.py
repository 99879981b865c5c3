"""Who the environment is and where it lives: environment, region, name prefix, tags, GitHub repository.

`EnvironmentBound` and `NamedEnvironment` hold the keys the three programs share (main, bootstrap, PIM).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from components.catalogue.models import FOUNDRY_REGIONS
from components.settings.access import GitHubConfig
from components.settings.base import (
    ByEnvironment,
    ConfigModel,
    Flag,
    Pattern,
    context,
    empty_section,
    filled_in,
    prod_only,
    refuse,
    report,
)

EnvironmentName = Literal["dev", "staging", "prod"]
ENVIRONMENTS: tuple[EnvironmentName, ...] = get_args(EnvironmentName)
# Every way an environment's name appears in resource names: its full name and its short code (naming.py).
ENVIRONMENT_TOKENS = {"dev": ("dev",), "staging": ("staging", "stg"), "prod": ("prod", "prd")}
# The tags the program sets on every resource; config may not set them (they would be overwritten silently).
PROGRAM_TAGS = ("environment", "managed-by")

LOWER = "lowercase letters, digits and '-', starting with a letter"
NamePrefix = Annotated[str, Pattern(r"[a-z][a-z0-9]*", 2, 10, "lowercase letters and digits, starting with a letter")]
ProjectName = Annotated[str, Pattern(r"[a-z][a-z0-9-]*[a-z0-9]", 2, 64, LOWER + ", not ending with '-'")]
Subdomain = Annotated[str, Pattern(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", 2, 64, "lowercase letters, digits, inner '-'")]
ResourceGroupName = Annotated[str, Pattern(r"[-\w.()]*[-\w()]", 1, 90, "letters, digits, - _ . ( ), no final '.'")]
KeyVaultName = Annotated[
    str, Pattern(r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]", 3, 24, "letters, digits, inner single '-'")
]
Location = Annotated[str, Pattern(r"[a-z][a-z0-9]*", 3, 40, "an Azure region name, lowercase without spaces")]
TagName = Annotated[str, Pattern(r"[^<>%&\\?/]+", 1, 512, "tag names without < > % & \\ ? /")]
TagValue = Annotated[str, Pattern(r"(?s).*", 0, 256, "a string")]


def resolve_environment(stack: str, configured: object) -> EnvironmentName:
    """The environment a stack is: its name when that is one, else its `environment` key (dev when unreadable)."""
    for candidate in (stack, configured):
        if candidate in ENVIRONMENTS:
            return candidate  # type: ignore[return-value]
    return "dev"


def other_environment_token(name: str, environment: str) -> str | None:
    """Another environment's name or code if `name` carries one as a segment (split on - _ . ( ) /)."""
    segments = {segment.lower() for segment in re.split(r"[-_.()/]", name) if segment}
    for other, tokens in ENVIRONMENT_TOKENS.items():
        if other != environment:
            hit = next((token for token in tokens if token in segments), None)
            if hit is not None:
                return hit
    return None


def own_environment_only(name: str, info: ValidationInfo) -> str:
    """Refuse a name that carries another environment's name: a copied stack file would reach that environment."""
    environment = context(info).environment
    token = other_environment_token(name, environment)
    if token is not None:
        refuse(f"the name carries another environment ('{token}'); {environment} uses only its own resources")
    return name


# A stack's name is part of its resource names, group names and GitHub environment (the longest, a group name,
# stays far below Entra's 256 characters; the name of a Foundry account below its 64).
INSTANCE = re.compile(r"[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?")
INSTANCE_RULE = "lowercase letters, digits and inner '-', starting with a letter, at most 16 characters"


class EnvironmentBound(ConfigModel):
    """A stack is an instance (its name: resource names, groups, GitHub environment) of an environment (its tier:
    the rules and defaults of dev, staging or prod). The stacks dev, staging and prod are their own environment."""

    environment: EnvironmentName = filled_in()
    """dev, staging or prod. Required when the stack is not named after one; otherwise it must match the name."""
    _instance: str = PrivateAttr("")

    @property
    def instance(self) -> str:
        """The stack's name, which the environment's resource names, groups and GitHub environment are made of."""
        return self._instance

    @model_validator(mode="after")
    def _named_by_its_stack(self, info: ValidationInfo) -> Self:
        stack = context(info).stack
        token = other_environment_token(stack, self.environment)
        if not INSTANCE.fullmatch(stack):
            report(
                info,
                "stack",
                stack,
                f"names, groups and the GitHub environment are made of the stack name: {INSTANCE_RULE}",
            )
        elif token is not None:
            report(
                info, "stack", stack, f"a {self.environment} stack's names would carry another environment ('{token}')"
            )
        self._instance = stack
        return self

    @field_validator("environment", mode="before")
    @classmethod
    def _named_or_declared(cls, value: Any, info: ValidationInfo) -> Any:
        stack = context(info).stack
        if stack in ENVIRONMENTS:
            if value is not None and value != stack:
                # Otherwise stack 'prod' could be deployed with dev's names and dev's (weaker) defaults.
                refuse(f"stack '{stack}' is the {stack} environment; allowed: '{stack}' or unset")
            return stack
        if value is None:
            refuse(f"required for stack '{stack}'; allowed: " + ", ".join(ENVIRONMENTS))
        return value


class NamedEnvironment(EnvironmentBound):
    """The keys every stack file of an environment has, whichever program reads it."""

    location: Location = "swedencentral"
    """The Azure region of every resource: one that offers Foundry projects and Agent Service."""
    name_prefix: NamePrefix
    """The first part of every resource name (2-10 characters: Key Vault names allow 24 in all)."""
    tags: Annotated[dict[TagName, TagValue], Field(max_length=50 - len(PROGRAM_TAGS))] = empty_section()
    """Tags on every resource, besides `environment` and `managed-by`, which the program sets."""
    github: GitHubConfig
    """A GitHub repository whose workflows' OIDC tokens this stack's identities trust (which one: see each
    program's key)."""

    @field_validator("location", mode="after")
    @classmethod
    def _offers_foundry(cls, value: str) -> str:
        if value not in FOUNDRY_REGIONS:
            refuse("allowed: a region that offers Foundry projects and Agent Service: " + ", ".join(FOUNDRY_REGIONS))
        return value

    @field_validator("tags", mode="after")
    @classmethod
    def _not_the_programs(cls, tags: dict[str, str]) -> dict[str, str]:
        for name in tags:
            if name.lower() in PROGRAM_TAGS:
                refuse(f"the program sets the tag '{name.lower()}' itself; use another name", at=f".{name}", value=name)
        return tags


# `protect` on stateful resources: on by default in prod, where turning it off is refused.
Protection = Annotated[
    Flag,
    prod_only(True, why="stateful resources must not be deletable by a stray `pulumi destroy`"),
    ByEnvironment(False, False, True),
]
