"""A GitHub Actions identity: an app registration and its service principal, signed in to only by federation.

No password and no certificate exist on the application: GitHub's OIDC token for one exact subject is
exchanged for an Entra token. The bootstrap makes two per environment: the deployer (subject: jobs in the
environment's GitHub environment) and the preview reader (subject: pull-request jobs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.catalogue import federation
from components.ordering import SerialWrites
from components.rbac import Principal


@dataclass(frozen=True)
class FederatedSubject:
    name: str  # the credential's display name, unique per application
    subject: str
    description: str


@dataclass(frozen=True)
class GitHubIdentityArgs:
    display_name: str
    description: str
    subjects: tuple[FederatedSubject, ...]


class GitHubIdentity(pulumi.ComponentResource):
    application: azuread.Application
    service_principal: azuread.ServicePrincipal
    credentials: list[azuread.ApplicationFederatedIdentityCredential]
    principal: Principal

    def __init__(self, name: str, args: GitHubIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:GitHubIdentity", name, None, opts)
        if len(args.subjects) > federation.MAX_CREDENTIALS_PER_IDENTITY:
            raise ValueError(f"{args.display_name}: at most {federation.MAX_CREDENTIALS_PER_IDENTITY} credentials")
        child = pulumi.ResourceOptions(parent=self)
        # No owners. An owner of the deployer's application could add a secret to it and act as the deployer;
        # the administrator who runs the bootstrap manages these applications through directory roles instead
        # (Cloud Application Administrator, Privileged Role Administrator), which are PIM-activated and audited.
        # The azuread provider creates the application with its caller as owner and removes the caller again
        # when `owners` does not list it, so an empty list leaves no owner at all.
        no_owners: list[str] = []
        self.application = azuread.Application(
            f"{name}-app",
            display_name=args.display_name,
            description=args.description,
            sign_in_audience="AzureADMyOrg",
            owners=no_owners,
            prevent_duplicate_names=True,
            opts=child,
        )
        self.service_principal = azuread.ServicePrincipal(
            f"{name}-sp",
            client_id=self.application.client_id,
            app_role_assignment_required=True,
            owners=no_owners,
            opts=child,
        )
        self.credentials = []
        # One credential at a time on the same application.
        writes = SerialWrites(self.application)
        for subject in args.subjects:
            self.credentials.append(
                writes.add(
                    azuread.ApplicationFederatedIdentityCredential(
                        f"{name}-{subject.name}",
                        application_id=self.application.id,
                        display_name=subject.name,
                        description=subject.description,
                        issuer=federation.GITHUB_ACTIONS_ISSUER,
                        subject=subject.subject,
                        audiences=list(federation.AUDIENCES),
                        opts=writes.options(self, delete_before_replace=federation.REPLACE_CREDENTIALS_DELETE_FIRST),
                    )
                )
            )
        self.principal = Principal(
            key=f"service-principal:{args.display_name}",
            display_name=args.display_name,
            kind="GitHub Actions service principal (federated)",
            principal_type="ServicePrincipal",
            object_id=self.service_principal.object_id,
        )
        self.register_outputs({"clientId": self.application.client_id})
