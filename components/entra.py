"""App registrations that sign in only through federation: the application, its service principal, and its
federated credentials. Used for the CI/CD identity here and for the pipeline identities of `bootstrap/`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.catalogue import federation
from components.ordering import SerialWrites


@dataclass(frozen=True)
class FederatedCredential:
    resource_name: str
    display_name: str  # unique per application, and immutable: a new name replaces the credential
    issuer: pulumi.Input[str]
    subject: pulumi.Input[str]  # exact: federated credentials match no wildcards
    description: str | None = None


def federated_application(
    parent: pulumi.Resource,
    name: str,
    display_name: str,
    owners: Sequence[pulumi.Input[str]],
    description: str | None = None,
) -> tuple[azuread.Application, azuread.ServicePrincipal]:
    """The app registration (no password, no certificate) and its service principal, with the same owners.

    The azuread provider creates both with its caller as owner and then removes the caller unless `owners`
    lists it: whoever must keep managing them (with Graph rights reaching only what it owns) is listed here.
    """
    options = pulumi.ResourceOptions(parent=parent)
    application = azuread.Application(
        f"{name}-app",
        display_name=display_name,
        description=description,
        sign_in_audience="AzureADMyOrg",
        owners=list(owners),
        prevent_duplicate_names=True,
        opts=options,
    )
    service_principal = azuread.ServicePrincipal(
        f"{name}-sp",
        client_id=application.client_id,
        app_role_assignment_required=True,
        owners=list(owners),
        opts=options,
    )
    return application, service_principal


def federated_credentials(
    parent: pulumi.Resource,
    application: azuread.Application,
    credentials: Sequence[FederatedCredential],
    writes: SerialWrites | None = None,
) -> list[azuread.ApplicationFederatedIdentityCredential]:
    """The credentials, one at a time (an application takes one credential write at a time; 409 otherwise), in
    `writes` when the application's other writes are chained there too."""
    if len(credentials) > federation.MAX_CREDENTIALS_PER_IDENTITY:
        raise ValueError(f"at most {federation.MAX_CREDENTIALS_PER_IDENTITY} federated credentials per application")
    writes = writes or SerialWrites(application)
    return [
        writes.add(
            azuread.ApplicationFederatedIdentityCredential(
                credential.resource_name,
                application_id=application.id,
                display_name=credential.display_name,
                description=credential.description,
                issuer=credential.issuer,
                subject=credential.subject,
                audiences=list(federation.AUDIENCES),
                # A new display name replaces a credential (it is immutable), and the azuread provider replaces
                # create-first (pulumi-azuread sets no DeleteBeforeReplace): the new one would collide with the old
                # on issuer and subject, which are unique per application. So the old one goes first.
                opts=writes.options(parent, delete_before_replace=True),
            )
        )
        for credential in credentials
    ]
