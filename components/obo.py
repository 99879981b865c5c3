"""The On-Behalf-Of middle tier (design source 1.4): an API app registration that signs in with no secret.

The front end signs a user in and calls the API with a token for `api://<API client id>/access_as_user`; the API
exchanges that token for a Foundry token (`https://ai.azure.com/.default`) on the user's behalf, so Foundry applies
the user's own RBAC, Conditional Access and audit. The exchange needs the API's own credential: here a federated
credential that trusts the app's user-assigned managed identity (the web app asks its identity for a token for
`api://AzureADTokenExchange` and presents it as the client assertion), so no password or certificate exists.

What stays an administrator's step: the tenant-wide consent to the API's delegated permission on the Foundry
resource application (an oauth2PermissionGrant for all users). Granting it takes DelegatedPermissionGrant.ReadWrite.All,
with which the pipeline could grant any delegated permission to any application in the tenant: the deployer does
not hold it (docs/access-model.md, "On-Behalf-Of middle tier").
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.catalogue import entra_apps
from components.entra import FederatedCredential, federated_credentials
from components.naming import deterministic_guid
from components.ordering import SerialWrites
from components.settings import Placement
from components.settings.access import OnBehalfOf

# The credential's name on the API's app registration (unique per application, immutable).
APP_IDENTITY_CREDENTIAL = "app-identity"


def api_display_name(name_prefix: str, instance: str) -> str:
    return f"api-{name_prefix}-foundry-{instance}-obo"


@dataclass(frozen=True)
class OnBehalfOfApiArgs:
    placement: Placement
    config: OnBehalfOf
    tenant_id: pulumi.Input[str]
    # The user-assigned identity the middle tier runs as: the API's only credential trusts its principal id.
    identity_principal_id: pulumi.Input[str]
    # The pipeline's deployer, listed as owner of both Entra objects (Application.ReadWrite.OwnedBy reaches only
    # what it owns, and the azuread provider removes an unlisted creator from the owners).
    deployer_object_id: pulumi.Input[str]


class OnBehalfOfApi(pulumi.ComponentResource):
    application: azuread.Application
    service_principal: azuread.ServicePrincipal
    identifier_uri: pulumi.Output[str]
    scope: pulumi.Output[str]  # what the front end requests

    def __init__(self, name: str, args: OnBehalfOfApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:OnBehalfOfApi", name, None, opts)
        place = args.placement
        display_name = api_display_name(place.name_prefix, place.instance)
        # Known before the application exists, and the same on every run: a new id would replace the scope.
        scope_id = deterministic_guid(display_name, entra_apps.API_SCOPE_VALUE)
        self.application = azuread.Application(
            f"{name}-app",
            display_name=display_name,
            description=f"On-Behalf-Of API of the {place.instance} Foundry environment: calls Foundry as the signed-in "
            "user. No secret: its only credential trusts the environment's app identity.",
            sign_in_audience=args.config.sign_in_audience,
            owners=[args.deployer_object_id],
            prevent_duplicate_names=True,
            api={
                # v2 tokens; also what Entra's default identifier-URI policy expects of new APIs. Declared here, because
                # every update of the application writes the api block and would reset an undeclared version to 1.
                "requested_access_token_version": 2,
                "oauth2_permission_scopes": [
                    {
                        "id": scope_id,
                        "value": entra_apps.API_SCOPE_VALUE,
                        "type": "User",
                        "enabled": True,
                        "admin_consent_display_name": "Call Foundry as the signed-in user",
                        "admin_consent_description": "Lets the application call the environment's Foundry projects "
                        "as the signed-in user, with that user's own roles.",
                        "user_consent_display_name": "Call Foundry as you",
                        "user_consent_description": "Lets the application call Foundry projects as you.",
                    }
                ],
            },
            # Delegated access to the Foundry data plane (`https://ai.azure.com`): the OBO exchange asks for it.
            required_resource_accesses=[
                {
                    "resource_app_id": entra_apps.FOUNDRY_RESOURCE_APP_ID,
                    "resource_accesses": [{"id": entra_apps.FOUNDRY_USER_IMPERSONATION_SCOPE_ID, "type": "Scope"}],
                }
            ],
            # The identifier URI is its own resource below (it names the client id, known only after creation).
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["identifierUris"]),
        )
        self.service_principal = azuread.ServicePrincipal(
            f"{name}-sp",
            client_id=self.application.client_id,
            # Users reach the API through the front end; what they reach in Foundry is decided by Foundry's RBAC
            # (the end-users group), so no app-role assignment gates the sign-in (making one needs
            # AppRoleAssignment.ReadWrite.All, which the deployer must not hold).
            app_role_assignment_required=False,
            owners=[args.deployer_object_id],
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Each write below reads the application, merges its part and writes it back: one at a time, so none reads
        # a version that misses the previous one.
        writes = SerialWrites(self.application)
        self.identifier_uri = self.application.client_id.apply(lambda client_id: f"api://{client_id}")
        writes.add(
            azuread.ApplicationIdentifierUri(
                f"{name}-identifier-uri",
                application_id=self.application.id,
                identifier_uri=self.identifier_uri,
                opts=writes.options(self),
            )
        )
        self.pre_authorized = [
            writes.add(
                azuread.ApplicationPreAuthorized(
                    f"{name}-front-end-{client_id}",
                    application_id=self.application.id,
                    authorized_client_id=client_id,
                    permission_ids=[scope_id],
                    opts=writes.options(self),
                )
            )
            for client_id in args.config.front_end_client_ids
        ]
        self.credentials = federated_credentials(
            self,
            self.application,
            [
                FederatedCredential(
                    f"{name}-{APP_IDENTITY_CREDENTIAL}",
                    APP_IDENTITY_CREDENTIAL,
                    pulumi.Output.from_input(args.tenant_id).apply(
                        lambda tenant: entra_apps.MANAGED_IDENTITY_ISSUER.format(tenant_id=tenant)
                    ),
                    args.identity_principal_id,
                    f"The {place.instance} environment's app identity (user-assigned managed identity)",
                )
            ],
            writes,
        )
        self.scope = self.identifier_uri.apply(lambda uri: f"{uri}/{entra_apps.API_SCOPE_VALUE}")
        self.register_outputs({"clientId": self.application.client_id, "scope": self.scope})
