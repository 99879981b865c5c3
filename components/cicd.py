"""The CI/CD identity: an app registration and service principal that GitHub Actions signs in as, keylessly.

It has no password and no certificate: GitHub's OIDC token for a job in this environment's GitHub
environment is exchanged for an Entra token through a federated credential.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.catalogue import federation
from components.ordering import SerialWrites
from components.rbac import Principal
from components.settings import Settings


@dataclass(frozen=True)
class CiCdIdentityArgs:
    settings: Settings
    # The pipeline's deployer. With Application.ReadWrite.OwnedBy it may create the service principal and the
    # federated credentials only on an application it owns, and the azuread provider removes from the owners
    # whoever creates the application unless `owners` lists it: the deployer is listed on both objects.
    deployer_object_id: pulumi.Input[str]


class CiCdIdentity(pulumi.ComponentResource):
    application: azuread.Application
    service_principal: azuread.ServicePrincipal
    principal: Principal

    def __init__(self, name: str, args: CiCdIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:CiCdIdentity", name, None, opts)
        settings = args.settings
        github = settings.access.github
        display_name = f"sp-{settings.name_prefix}-foundry-{settings.environment}-cicd"
        child = pulumi.ResourceOptions(parent=self)
        owners = [args.deployer_object_id]
        self.application = azuread.Application(
            f"{name}-app",
            display_name=display_name,
            sign_in_audience="AzureADMyOrg",
            owners=owners,
            prevent_duplicate_names=True,
            opts=child,
        )
        self.service_principal = azuread.ServicePrincipal(
            f"{name}-sp",
            client_id=self.application.client_id,
            app_role_assignment_required=True,
            owners=owners,
            opts=child,
        )
        subject = github.environment_subject(settings.environment)
        # Credentials on one application are written one at a time; Entra answers 409 otherwise.
        writes = SerialWrites(self.application)
        self.credentials = [
            writes.add(
                azuread.ApplicationFederatedIdentityCredential(
                    f"{name}-github-{settings.environment}",
                    application_id=self.application.id,
                    display_name=f"github-{settings.environment}",
                    description=f"GitHub Actions jobs in the '{settings.environment}' environment of {github.owner}/{github.repository}",
                    issuer=federation.GITHUB_ACTIONS_ISSUER,
                    subject=subject,
                    audiences=list(federation.AUDIENCES),
                    opts=writes.options(self, delete_before_replace=federation.REPLACE_CREDENTIALS_DELETE_FIRST),
                )
            )
        ]
        for extra in (c for c in settings.access.extra_credentials if c.identity == "cicd"):
            self.credentials.append(
                writes.add(
                    azuread.ApplicationFederatedIdentityCredential(
                        f"{name}-{extra.name}",
                        application_id=self.application.id,
                        display_name=extra.name,
                        issuer=extra.issuer,
                        subject=extra.subject,
                        audiences=list(federation.AUDIENCES),
                        opts=writes.options(self, delete_before_replace=federation.REPLACE_CREDENTIALS_DELETE_FIRST),
                    )
                )
            )
        self.principal = Principal(
            key=f"service-principal:{display_name}",
            display_name=display_name,
            kind="CI/CD service principal (federated)",
            principal_type="ServicePrincipal",
            object_id=self.service_principal.object_id,
        )
        self.register_outputs({"clientId": self.application.client_id})
