"""The building blocks of every config model: strict scalar types, environment defaults, and problem reporting.

Pydantic does the mechanics (types, defaults, unknown keys, every error with its path); this module adds what a
Pulumi stack file needs on top:
- plain values arrive as strings (`modelCapacity: 50` reaches the program as "50"), so numbers and flags accept
  their string form, but only ASCII digits and `true`/`false`: nothing else is coerced;
- some defaults depend on the environment (prod is private by default), read from the validation context;
- a problem reads `key.path: <value> is not allowed; <what is allowed>`, and a secret value is never shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError, core_schema

from components.catalogue.roles import GUID_PATTERN
from components.catalogue.secrets import secret_shape

HIDDEN = "(secret value hidden)"


class ConfigError(pulumi.RunError):
    """Stack configuration that the program refuses; raised before any resource is registered.

    A `pulumi.RunError` is reported by the Pulumi CLI as a plain message without a Python traceback.
    """

    def __init__(self, stack: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"stack '{stack}' has invalid configuration; nothing was created. Fix these keys:\n{lines}")


class ConfigModel(BaseModel):
    """A section of a stack file: camelCase keys, unknown keys refused, immutable once validated."""

    # Defaults are validated too: an environment's default (ByEnvironment) is filled in by validation, and a
    # default model deployment is checked against the model catalogue like a configured one. A field's docstring
    # is its description in the JSON Schema and the config reference; `offline.schema` reads it from the source,
    # so that the program does not parse its own source at every start (pydantic's use_attribute_docstrings).
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True, validate_default=True
    )

    def derived_values(self) -> dict[str, Any]:
        """What the program uses for keys left unset that it computes from other keys, by the key's path as a
        stack file writes it (list entries by name: `modelDeployments[router].capacity`); the offline plan shows
        these as derived values."""
        return {}


# -- what a problem looks like ----------------------------------------------------------------------------------
def describe(value: object, hidden: bool = False) -> str:
    """A value as it appears in a problem; never a secret's, nor a list or object with one inside."""
    if value is None:
        return "(not set)"
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return HIDDEN if hidden or secret_shape(value) or secret_shape(text) else text


def problem(key: str, value: object, allowed: str, hidden: bool = False) -> str:
    if hidden:  # what is allowed may quote other parts of the same secret value
        allowed = re.sub(r"'[^']*'", "'…'", allowed)
    return f"{key}: {describe(value, hidden)} is not allowed; {allowed}"


_INPUT = object()


def refuse(allowed: str, *, at: str = "", value: object = _INPUT) -> NoReturn:
    """Refuse the value being validated. `at` extends the key path (`.name`, `[2].subject`) when the problem is
    in a part of it; `value` replaces the value shown (e.g. the one entry at fault; None shows "(not set)")."""
    details: dict[str, Any] = {"allowed": allowed, "at": at}
    if value is not _INPUT:
        details["value"] = value
    raise PydanticCustomError("not_allowed", "{allowed}", details)


# -- the validation context: the environment, today, and what is reported besides errors -------------------------
@dataclass
class Context:
    """What a stack's validation knows besides its values (passed as pydantic's validation context)."""

    environment: str
    stack: str
    today: Any  # datetime.date
    hidden: frozenset[str]  # this project's keys that are Pulumi secrets: their values are never shown
    warnings: list[str]
    problems: list[str]


def context(info: ValidationInfo) -> Context:
    assert isinstance(info.context, Context), "validate config models through components.settings.loading"
    return info.context


def report(info: ValidationInfo, key: str, value: object, allowed: str) -> None:
    """A problem found by a rule that looks at several keys at once, without stopping the others."""
    state = context(info)
    state.problems.append(problem(key, value, allowed, hidden=re.split(r"[.\[]", key)[0] in state.hidden))


def warn(info: ValidationInfo, key: str, message: str) -> None:
    """Accepted, but the operator must act on it soon (shown by `pulumi preview` and the plan)."""
    context(info).warnings.append(f"{key}: {message}")


# -- scalar types: `Annotated[str, Pattern(...)]`, `Annotated[int, Number(...)]`, `Flag` -------------------------------
@dataclass(frozen=True)
class Pattern:
    """A string of `low`-`high` characters fully matching `pattern`; refused with `rule` as what is allowed."""

    pattern: str
    low: int
    high: int
    rule: str

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        compiled = re.compile(self.pattern)

        def check(value: str) -> str:
            if not (self.low <= len(value) <= self.high and compiled.fullmatch(value)):
                length = f"{self.low}" if self.low == self.high else f"{self.low} to {self.high}"
                refuse(f"allowed: {self.rule} ({length} characters)")
            return value

        def text_only(value: Any) -> Any:
            if isinstance(value, bool | int | float):  # YAML read an unquoted value as a number or a flag
                refuse(f'allowed: {self.rule}, as text: write it in quotes, "{value}" (unquoted it is not text)')
            return value

        checked = core_schema.no_info_after_validator_function(check, core_schema.str_schema(strict=True))
        return core_schema.no_info_before_validator_function(text_only, checked)

    def __get_pydantic_json_schema__(self, _: core_schema.CoreSchema, handler: Any) -> dict[str, Any]:
        written = {"type": "string", "minLength": self.low, "maxLength": self.high, "x-allowed": self.rule}
        if not self.pattern.startswith("(?"):  # editors' regular expressions (ECMA-262) have no inline flags
            written["pattern"] = f"^(?:{self.pattern})$"  # JSON Schema patterns match anywhere unless anchored
        return written


@dataclass(frozen=True)
class Number:
    """A whole number from `low` to `high`; a string of ASCII digits is read as one (plain config values are)."""

    low: int
    high: int

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        allowed = f"allowed: a whole number from {self.low:,} to {self.high:,}"

        def read(value: object) -> object:
            number = value
            if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
                number = int(value)
            elif isinstance(value, str) and any(character.isdigit() for character in value):
                # int() would read fullwidth or Arabic-Indic digits as 50; stack files write numbers with 0-9 only.
                refuse(f"{allowed}, written with the digits 0-9")
            if isinstance(number, int) and not isinstance(number, bool) and not self.low <= number <= self.high:
                refuse(allowed)
            return number

        return core_schema.no_info_before_validator_function(read, core_schema.int_schema(strict=True))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: Any) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.low, "maximum": self.high}


def _flag(value: object) -> object:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


Flag = Annotated[bool, Strict(), BeforeValidator(_flag), WithJsonSchema({"type": "boolean"})]
# Entra object ids (GUIDs, kept lower-case), each rule saying where to get one.
_ID = "an Entra object id, a GUID: "
Guid = Annotated[
    str,
    Pattern(
        GUID_PATTERN,
        36,
        36,
        _ID + "`az ad user show --id <user@domain> --query id -o tsv`, or for a group "
        "`az ad group show --group <name> --query id -o tsv`",
    ),
    AfterValidator(str.lower),
]
GroupId = Annotated[
    str,
    Pattern(GUID_PATTERN, 36, 36, _ID + "`az ad group show --group <name> --query id -o tsv`"),
    AfterValidator(str.lower),
]
DeployerId = Annotated[
    str,
    Pattern(GUID_PATTERN, 36, 36, _ID + "the bootstrap's output, `pulumi stack output deployerObjectId` in bootstrap/"),
    AfterValidator(str.lower),
]


def filled_in() -> Any:
    """The declared default of a field whose value validation fills in (from ByEnvironment or a validator)."""
    return Field(None)


def derived() -> Any:
    """The declared default of a field the model's own validator fills in from other keys when it is not set."""
    return Field(None, validate_default=False)


def empty_section() -> Any:
    """The default of a nested section: an empty object, validated like a configured one, so that its own
    defaults see the environment."""
    return Field({})


def unique_names(where: str = "") -> Any:
    """A list whose entries' `name`s differ, compared case-insensitively (as Azure compares names)."""

    def check(entries: tuple[Any, ...]) -> tuple[Any, ...]:
        names = [entry.name.lower() for entry in entries]
        for index, entry in enumerate(entries):
            if names[index] in names[:index]:
                refuse(f"names must be unique{where} (compared case-insensitively)", at="[].name", value=entry.name)
        return entries

    return AfterValidator(check)


def prod_only(*allowed: object, why: str) -> AfterValidator:
    """A key's values in prod: any of `allowed`, refused otherwise with `why` (other tiers take any valid value)."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if context(info).environment == "prod" and value not in allowed:
            shown = " or ".join("true" if a is True else "false" if a is False else describe(a) for a in allowed)
            refuse(f"prod allows only {shown}: {why}")
        return value

    return AfterValidator(check)


@dataclass(frozen=True)
class ByEnvironment:
    """A default that depends on the environment: `Annotated[T, ByEnvironment(dev, staging, prod)] = UNSET`.

    The field's declared default is `filled_in()`; an unset key then takes this environment's value.
    """

    dev: Any
    staging: Any
    prod: Any

    def value(self, environment: str) -> Any:
        return getattr(self, environment)

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        def fill(value: Any, info: ValidationInfo) -> Any:
            return self.value(context(info).environment) if value is None else value

        return core_schema.with_info_before_validator_function(fill, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: Any) -> dict[str, Any]:
        json_schema = handler(schema)
        json_schema["x-default-by-environment"] = {"dev": self.dev, "staging": self.staging, "prod": self.prod}
        return json_schema


# -- timestamps: written with a zone, kept in UTC -----------------------------------------------------------------
TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})")


def _utc_timestamp(value: Any) -> str:
    """An ISO 8601 timestamp with a zone, as UTC `YYYY-MM-DDTHH:MM:SSZ` (what PIM and Microsoft Graph are sent)."""
    if isinstance(value, datetime):  # an unquoted YAML timestamp
        value = value.isoformat()
    if not isinstance(value, str) or not TIMESTAMP.fullmatch(value):
        refuse("allowed: a timestamp with its zone, like 2026-12-01T00:00:00Z or 2026-12-01T09:00:00+01:00")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as wrong:  # e.g. 2027-02-29: not a leap year
        refuse(f"not a date on the calendar ({wrong})")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Timestamp = Annotated[str, BeforeValidator(_utc_timestamp)]


def parse_utc(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
