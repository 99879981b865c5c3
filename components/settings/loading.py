"""From the config the Pulumi engine passes to a program to a validated model, or a `ConfigError` listing it all.

One path for the three programs (the main one, `bootstrap/`, `pim/`): `load()` reads the running stack's
config, `parse()` does the same from a mapping (the tests and the offline plan). Before the model sees a value:
- every key must sit under this project's namespace or a provider's the program uses: a misspelled namespace
  (`foundry-platfrom:namePrefix`) would otherwise be ignored without a word;
- no plain value may look like a secret, and a provider's credential keys must be Pulumi secrets;
- structured values (lists, objects), which Pulumi passes as JSON, are decoded.
"""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import pulumi
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from components import clock
from components.settings.base import HIDDEN, ConfigError, Context, problem, secret_shape
from components.settings.core import resolve_environment

Model = TypeVar("Model", bound=BaseModel)

# Namespaces besides the project's own that a stack file may use: the two providers and Pulumi's own keys
# (e.g. `pulumi:disable-default-providers`).
PROVIDER_NAMESPACES = ("azure-native", "azuread", "pulumi")
# Provider keys that hold a credential: a Pulumi secret or nothing. Prod signs in with OIDC federation only.
CREDENTIAL_KEYS = ("clientSecret", "clientCertificatePassword", "clientCertificate", "oidcToken", "msiToken")
ENVIRONMENT_KEY = "environment"
# Pydantic's words for what a value should be, where a stack file's author would say it otherwise.
PLAIN_WORDS = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "dict_type": "an object",
    "tuple_type": "a list",
}


def _unwrap(annotation: Any) -> Any:
    """The type inside Annotated[...] and Optional[...]."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _fields_by_alias(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {(field.alias or name): field for name, field in model.model_fields.items()}


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the value at `loc` (for the list of fields it knows)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _fields_by_alias(current).get(str(part)) or current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) in (tuple, list, dict):
            current = get_args(current)[-1] if get_origin(current) is dict else get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def key_path(loc: tuple[Any, ...], model: type[BaseModel] | None = None) -> str:
    """`a.b[0].c` for a pydantic location; field names become their stack-file keys."""
    path = ""
    for index, part in enumerate(loc):
        if part == "[key]":  # the key of a mapping entry, not a value under it
            continue
        holder = _model_at(model, loc[:index]) if model and isinstance(part, str) else None
        if holder is not None and part in holder.model_fields:
            part = holder.model_fields[part].alias or part
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _closest(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _explain(error: Any, model: type[BaseModel], project: str, moved: Mapping[str, str]) -> tuple[str, Any]:
    """What is allowed instead, and the value to show, for one pydantic error."""
    kind, loc, details = error["type"], error["loc"], error.get("ctx") or {}
    value = details.get("value", error["input"])
    if kind == "not_allowed":
        return details["allowed"], value
    if kind == "missing":
        return "required", None
    if kind == "extra_forbidden":
        if len(loc) == 1 and loc[0] in moved:
            return moved[loc[0]], value
        parent = _model_at(model, loc[:-1])
        known = list(_fields_by_alias(parent)) if parent else []
        if len(loc) == 1:
            return f"unknown key for project '{project}' (see docs/config.md){_closest(str(loc[0]), known)}", value
        return f"unknown field; known fields of {key_path(loc[:-1], model)}: {', '.join(known)}", value
    if kind == "too_short" and isinstance(value, list | tuple):
        return f"allowed: at least {details['min_length']} entries (remove the key for the defaults)", value
    if kind == "too_long":
        shown = f"{len(value)} entries" if isinstance(value, list | tuple | dict) else value
        return f"allowed: at most {details['max_length']} entries", shown
    if kind in ("model_type", "model_attributes_type"):
        target = _model_at(model, loc)
        return f"allowed: an object with the fields {', '.join(_fields_by_alias(target)) if target else ''}", value
    return f"allowed: {PLAIN_WORDS.get(kind) or str(error['msg']).removeprefix('Input should be ')}", value


def _decoded(text: str) -> Any:
    """A value as the stack file holds it: Pulumi passes lists and objects as JSON, plain values as they are."""
    try:
        return json.loads(text) if text[:1] in "[{" else text
    except json.JSONDecodeError:
        return text


def _strings(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _outside_problems(
    config: Mapping[str, str], project: str, secret_keys: frozenset[str], environment: str
) -> list[str]:
    """Namespaces, plain secrets and provider credentials, checked on the whole stack file."""
    problems: list[str] = []
    for key, text in config.items():
        namespace, _, name = key.partition(":")
        secret = key in secret_keys
        if namespace != project and namespace not in PROVIDER_NAMESPACES:
            known = (project, *PROVIDER_NAMESPACES)
            problems.append(
                problem(
                    key,
                    text,
                    f"the namespace '{namespace}' is neither this project's nor a provider's it uses "
                    f"({', '.join(known)}), so no program would read it{_closest(namespace, known)}",
                    hidden=secret,
                )
            )
        elif namespace in PROVIDER_NAMESPACES and name in CREDENTIAL_KEYS:
            if environment == "prod":
                problems.append(
                    problem(key, text, "prod signs in with OIDC federation only: remove this credential", hidden=True)
                )
            elif not secret:
                problems.append(
                    problem(key, text, f"a credential: set it with `pulumi config set --secret {key}`", hidden=True)
                )
        if secret:
            continue
        for path, string in _strings(_decoded(text), name if namespace == project else key):
            kind = secret_shape(string)
            if kind is not None:
                problems.append(
                    f"{path}: {HIDDEN} looks like {kind} in plain config; secrets never go in stack files: rotate it, "
                    f"and if the program needs it, set it with `pulumi config set --secret`"
                )
    return problems


def parse(
    model: type[Model],
    project: str,
    config: Mapping[str, str],
    stack: str,
    today: date | None = None,
    secret_keys: Iterable[str] = (),
    moved: Mapping[str, str] | None = None,
) -> tuple[Model, tuple[str, ...]]:
    """Validate a stack's `config` (namespaced keys, as the engine passes them) against `model`.

    Returns the model and its warnings; raises `ConfigError` with every problem otherwise. `moved` names keys that
    moved elsewhere, with where to (refused with that advice instead of "unknown key").
    """
    secrets = frozenset(secret_keys)
    prefix = project + ":"
    raw = {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}
    environment = resolve_environment(stack, raw.get(ENVIRONMENT_KEY))
    problems = _outside_problems(config, project, secrets, environment)
    values = {key: _decoded(text) for key, text in raw.items()}
    hidden = frozenset(key[len(prefix) :] for key in secrets if key.startswith(prefix))
    state = Context(environment, stack, today or clock.today(), hidden, [], [])
    result: Model | None = None
    try:
        result = model.model_validate(values, context=state)
    except ValidationError as invalid:
        for error in invalid.errors(include_url=False):
            allowed, value = _explain(error, model, project, moved or {})
            key = key_path(error["loc"], model) + (error.get("ctx") or {}).get("at", "")
            problems.append(problem(key, value, allowed, hidden=bool(error["loc"]) and error["loc"][0] in hidden))
    problems += state.problems
    if problems or result is None:
        order = list(_fields_by_alias(model))
        rank = {alias: index for index, alias in enumerate(order)}
        problems.sort(key=lambda p: rank.get(p.split(":")[0].split(".")[0].split("[")[0], len(order)))
        raise ConfigError(stack, problems)
    return result, tuple(state.warnings)


def engine_config() -> tuple[dict[str, str], frozenset[str]]:
    """Every config value the Pulumi engine passed to this program (namespaced keys), and which are secrets."""
    from pulumi.runtime import config as runtime_config

    merged: dict[str, object] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secrets = {key for key in merged if runtime_config.is_config_secret(key)}
    secrets |= set(runtime_config.get_config_secret_keys_env())
    return {key: str(value) for key, value in merged.items()}, frozenset(secrets)


def load(model: type[Model], project: str, moved: Mapping[str, str] | None = None) -> Model:
    """The running stack's validated config; its warnings go to `pulumi preview`'s output."""
    config, secrets = engine_config()
    settings, warnings = parse(model, project, config, pulumi.get_stack(), secret_keys=secrets, moved=moved)
    for warning in warnings:
        pulumi.log.warn(warning)
    return settings
