"""Headless scripts' app registrations with a client secret (design source 1.5), outside prod only.

For what can use neither a managed identity nor federation. Each script gets its own app registration and service
principal (owned by the pipeline's deployer, like every Entra object here), one password that ends on the date the
stack file gives (at most 90 days after the deploy that makes it), and nothing else: the password's value goes
only into the environment's Key Vault as a secret, never into an output or a log (it stays in the stack's state,
encrypted as a Pulumi secret, since the provider must keep it to write the vault).

Rotation is a new `expiresOn`: the end date cannot be changed on an existing password, so the provider makes a new
one first, the vault's secret gets the new value as a new version, and the old password is removed last (azuread
replaces create-first; an application may hold several passwords). A stack file's date, not a clock in the program:
the plan shows the exact expiry before anything happens, and a run without a change never rotates by surprise.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import keyvault

from components.entra import federated_application
from components.ordering import SerialWrites
from components.rbac import Principal
from components.settings import Placement
from components.settings.base import parse_utc
from components.settings.stack import ClientSecret

SECRET_NAME_SUFFIX = "-client-secret"


def script_display_name(name_prefix: str, instance: str, script: str) -> str:
    return f"sp-{name_prefix}-foundry-{instance}-{script}"


def vault_secret_name(script: str) -> str:
    """Key Vault secret names: 1-127 letters, digits and '-', unique per vault."""
    return f"{script}{SECRET_NAME_SUFFIX}"


@dataclass(frozen=True)
class HeadlessClientsArgs:
    placement: Placement
    secrets: Sequence[ClientSecret]
    resource_group_name: pulumi.Input[str]
    vault_name: pulumi.Input[str]
    deployer_object_id: pulumi.Input[str]


@dataclass(frozen=True)
class HeadlessClient:
    config: ClientSecret
    application: azuread.Application
    principal: Principal
    password: azuread.ApplicationPassword
    vault_secret: keyvault.Secret


class HeadlessClients(pulumi.ComponentResource):
    clients: list[HeadlessClient]

    def __init__(self, name: str, args: HeadlessClientsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:HeadlessClients", name, None, opts)
        place = args.placement
        self.clients = []
        for secret in args.secrets:
            display_name = script_display_name(place.name_prefix, place.instance, secret.name)
            application, service_principal = federated_application(
                self,
                f"{name}-{secret.name}",
                display_name,
                [args.deployer_object_id],
                description=f"Headless script '{secret.name}' of the {place.instance} Foundry environment: signs in "
                f"with a client secret ending {secret.expires_on}, kept in the environment's Key Vault.",
            )
            writes = SerialWrites(application)  # a password is a write into the application
            password = writes.add(
                azuread.ApplicationPassword(
                    f"{name}-{secret.name}-password",
                    application_id=application.id,
                    display_name=f"{secret.name} until {secret.expires_on}",
                    end_date=secret.expires_on,
                    opts=writes.options(self, additional_secret_outputs=["value"]),
                )
            )
            vault_secret = keyvault.Secret(
                f"{name}-{secret.name}-secret",
                secret_name=vault_secret_name(secret.name),
                vault_name=args.vault_name,
                resource_group_name=args.resource_group_name,
                properties={
                    # A secret in the state (encrypted) whatever the provider marks: it never appears in plain text.
                    "value": pulumi.Output.secret(password.value),
                    "content_type": f"client secret of {display_name}",
                    # The vault shows the same end; seconds since 1970 (UTC).
                    "attributes": {
                        "enabled": True,
                        "expires": calendar.timegm(parse_utc(secret.expires_on).timetuple()),
                    },
                },
                tags=place.tags,
                # azure-native deletes a secret through the vault's data plane, which the deployer has no role on and,
                # in private mode, no network path to; and a deleted name stays taken for the vault's retention. The
                # secret is therefore left in the vault when the script is removed (its password is deleted: the
                # value no longer signs in). azure-native will not create a secret that exists, so a script re-added
                # under the same name needs that secret deleted first (docs/access-model.md).
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
            principal = Principal(
                key=f"service-principal:{display_name}",
                display_name=display_name,
                kind="headless script service principal (client secret)",
                principal_type="ServicePrincipal",
                object_id=service_principal.object_id,
            )
            self.clients.append(HeadlessClient(secret, application, principal, password, vault_secret))
        self.register_outputs({})
