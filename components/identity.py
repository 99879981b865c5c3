"""The application's user-assigned managed identity: durable, shareable, and the only identity on the compute."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import managedidentity

from components import naming
from components.catalogue import federation
from components.ordering import SerialWrites
from components.rbac import Principal
from components.settings import Placement
from components.settings.access import ExtraCredential


@dataclass(frozen=True)
class AppIdentityArgs:
    placement: Placement
    # The federated credentials this identity trusts (beyond none by default), e.g. AKS service accounts.
    credentials: tuple[ExtraCredential, ...]
    resource_group_name: pulumi.Input[str]


class AppIdentity(pulumi.ComponentResource):
    identity: managedidentity.UserAssignedIdentity
    principal: Principal

    def __init__(self, name: str, args: AppIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:AppIdentity", name, None, opts)
        place = args.placement
        identity_name = naming.app_identity_name(place.name_prefix, place.instance)
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-uami",
            resource_name_=identity_name,
            resource_group_name=args.resource_group_name,
            location=place.location,
            tags=place.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=place.protect),
        )
        self.principal = Principal(
            key=f"managed-identity:resourceGroups/{place.resource_group_name}/{identity_name}",
            display_name=identity_name,
            kind="user-assigned managed identity",
            principal_type="ServicePrincipal",
            object_id=self.identity.principal_id,
        )
        # Credentials under one user-assigned identity must be written one at a time (409 otherwise): chain them.
        writes = SerialWrites(self.identity)
        self.credentials: list[managedidentity.FederatedIdentityCredential] = []
        for extra in args.credentials:
            self.credentials.append(
                writes.add(
                    managedidentity.FederatedIdentityCredential(
                        f"{name}-{extra.name}",
                        federated_identity_credential_resource_name=extra.name,
                        resource_name_=self.identity.name,
                        resource_group_name=args.resource_group_name,
                        issuer=extra.issuer,
                        subject=extra.subject,
                        audiences=list(federation.AUDIENCES),
                        opts=writes.options(self),
                    )
                )
            )
        self.register_outputs({"clientId": self.identity.client_id, "principalId": self.identity.principal_id})
