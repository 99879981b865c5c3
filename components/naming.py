"""Deterministic Azure resource names for one environment.

Names are derived from the naming prefix, the instance (the stack's name) and the location only, so they are
known at preview time, identical on every run, and different between stacks. Globally unique names (the Foundry
custom subdomain, the Key Vault, the web app) carry a short hash of those three values; where a length limit
leaves no room for the instance (Key Vault), the environment's short code stands in for it.
"""

from __future__ import annotations

import hashlib
import uuid

from components.catalogue.connections import CONNECTION_NAME_MAX

# Short environment codes keep globally-unique names inside Azure's length limits (Key Vault: 24).
ENVIRONMENT_CODES: dict[str, str] = {"dev": "dev", "staging": "stg", "prod": "prd"}

# Namespace for role-assignment and eligibility-request names; any fixed UUID works, it must just never change.
ASSIGNMENT_NAMESPACE = uuid.UUID("4f1f8e57-6a0e-4c53-9d3e-0b6c2b1f7a11")


def unique_suffix(name_prefix: str, environment: str, location: str, length: int = 6) -> str:
    seed = f"{name_prefix}|{environment}|{location}".encode()
    return hashlib.sha256(seed).hexdigest()[:length]


def resource_group_name(name_prefix: str, environment: str) -> str:
    return f"rg-{name_prefix}-{environment}"


def account_name(name_prefix: str, environment: str, location: str) -> str:
    """Also the account's custom subdomain, which must be globally unique."""
    return f"{name_prefix}-{environment}-{unique_suffix(name_prefix, environment, location)}"


def key_vault_name(name_prefix: str, instance: str, environment: str, location: str) -> str:
    """Key Vault allows 24 characters: the environment's short code, and a hash that tells instances apart."""
    code = ENVIRONMENT_CODES[environment]
    return f"kv-{name_prefix}-{code}-{unique_suffix(name_prefix, instance, location)}"


def app_identity_name(name_prefix: str, environment: str) -> str:
    return f"id-{name_prefix}-{environment}-app"


def foundry_identity_name(name_prefix: str, instance: str, project: str | None = None) -> str:
    """The Foundry resource's user-assigned identity, or a project's (3-128 characters)."""
    return f"id-{name_prefix}-{instance}-" + (f"project-{project}" if project else "foundry")


def deterministic_guid(*parts: str) -> str:
    """A UUID that depends only on `parts`: the same scope, principal and role give the same name."""
    return str(uuid.uuid5(ASSIGNMENT_NAMESPACE, "|".join(parts)))


def app_service_plan_name(name_prefix: str, environment: str) -> str:
    return f"asp-{name_prefix}-{environment}"


def web_app_name(name_prefix: str, environment: str, location: str) -> str:
    """Web app names are global (they become <name>.azurewebsites.net)."""
    return f"app-{name_prefix}-{environment}-{unique_suffix(name_prefix, environment, location)}"


def virtual_network_name(name_prefix: str, environment: str) -> str:
    return f"vnet-{name_prefix}-{environment}"


PRIVATE_ENDPOINT_NAME_MAX = 64


def bounded_name(template: str, variable: str, limit: int) -> str:
    """`template` with `{}` replaced by `variable`, at most `limit` characters.

    A variable part too long for that is cut and followed by a hash of its full value, so the result stays
    unique and deterministic.
    """
    name = template.format(variable)
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(variable.encode()).hexdigest()[:6]
    keep = limit - len(template.format(f"-{digest}"))
    return template.format(f"{variable[:keep].rstrip('-')}-{digest}")


def private_endpoint_name(target_name: str, group_id: str) -> str:
    """`pe-<target>-<group>`: one endpoint per target resource and sub-resource, within Azure's 64 characters
    (a custom subdomain alone may have 64)."""
    return bounded_name(f"pe-{{}}-{group_id}", target_name, PRIVATE_ENDPOINT_NAME_MAX)


def project_connection_name(project: str, purpose: str) -> str:
    """`<project>-<purpose>`: connection names are unique per Foundry account, so the project is part of them."""
    return bounded_name(f"{{}}-{purpose}", project, CONNECTION_NAME_MAX)


# The standard agent setup's data stores: global DNS names, so each carries the hash that tells stacks apart.
# (The offline plan's global-name-unique rule compares them with the bootstrap's names too.)
def storage_account_name(name_prefix: str, instance: str, environment: str, location: str) -> str:
    """3-24 lowercase letters and digits, no hyphen (at most 4 + 10 + 3 + 6 here): `stag`, the prefix, the
    environment's code, and a hash of prefix, instance and location. `stag`, not `st`: the bootstrap's state account
    is `st<prefix><code><hash>` of the same three values, and Azure has one account per name."""
    return f"stag{name_prefix}{ENVIRONMENT_CODES[environment]}{unique_suffix(name_prefix, instance, location)}"


def search_service_name(name_prefix: str, instance: str, location: str) -> str:
    """2-60 lowercase letters, digits and single inner hyphens."""
    return f"srch-{name_prefix}-{instance}-{unique_suffix(name_prefix, instance, location)}"


def cosmos_account_name(name_prefix: str, instance: str, location: str) -> str:
    """3-44 lowercase letters, digits and hyphens (at most 7 + 10 + 1 + 16 + 1 + 6 = 41 here)."""
    return f"cosmos-{name_prefix}-{instance}-{unique_suffix(name_prefix, instance, location)}"
