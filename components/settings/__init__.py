"""Typed stack configuration: the one place where config keys are read, defaulted and validated.

`load_settings()` reads the running stack's configuration; `parse_settings()` does the same from a plain
mapping, which is what the tests use. Either raises `ConfigError` listing every bad key before the program
declares a single resource.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date

import pulumi

from components import clock, naming
from components.settings import connections, core, models, observability
from components.settings import network as network_section
from components.settings.access import parse_access
from components.settings.compute import parse_compute
from components.settings.model import KeyVaultSettings, ProjectSettings, Settings
from components.settings.reader import ConfigError, ConfigReader

PROJECT = "foundry-platform"

__all__ = ["ConfigError", "KeyVaultSettings", "ProjectSettings", "Settings", "load_settings", "parse_settings"]


def parse_settings(raw: Mapping[str, str], stack: str, today: date | None = None) -> Settings:
    """Validate `raw` (config key without the project namespace -> raw string value) for `stack`.

    `today` decides which model versions have retired; by default the clock's (`components.clock`).
    """
    today = today or clock.today()
    reader = ConfigReader(raw)
    environment = core.parse_environment(reader, stack)
    location = core.parse_location(reader)
    prefix = core.parse_name_prefix(reader)
    default_account = naming.account_name(prefix, environment, location)
    resource_group, create_resource_group = core.parse_resource_group(
        reader, naming.resource_group_name(prefix, environment)
    )
    network_access = core.parse_network_access(reader, environment)
    projects = core.parse_projects(reader)
    settings = Settings(
        stack=stack,
        environment=environment,
        location=location,
        name_prefix=prefix,
        tags=core.parse_tags(reader),
        projects=projects,
        network_access=network_access,
        key_vault=core.parse_key_vault(reader, environment, naming.key_vault_name(prefix, environment, location)),
        resource_group_name=resource_group,
        create_resource_group=create_resource_group,
        custom_subdomain=core.parse_subdomain(reader, default_account),
        protect_stateful_resources=core.parse_protection(reader, environment),
        access=parse_access(reader, environment, pipeline_deployed=not create_resource_group),
        compute=parse_compute(reader, environment),
        network=network_section.parse_network(reader, network_access == "private", environment),
        models=models.parse_models(reader, environment, prefix, today),
        connections=connections.parse_connections(
            reader, environment, resource_group, tuple(project.name for project in projects)
        ),
        observability=observability.parse_observability(reader, environment),
    )
    for key in reader.unread_keys():
        reader.fail(
            key,
            raw[key],
            "unknown key for project '" + PROJECT + "' (check its spelling against the README's config table)",
        )
    if reader.problems:
        raise ConfigError(stack, reader.problems)
    return dataclasses.replace(settings, warnings=tuple(reader.warnings))


def project_config(project: str = PROJECT) -> dict[str, str]:
    """Every `<project>:*` value the Pulumi engine passed to this program, without the namespace."""
    from pulumi.runtime import config as runtime_config

    merged: dict[str, object] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = project + ":"
    return {key[len(prefix) :]: str(value) for key, value in merged.items() if key.startswith(prefix)}


def load_settings() -> Settings:
    settings = parse_settings(project_config(), pulumi.get_stack())
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    return settings
