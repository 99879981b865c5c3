"""A GitHub Actions identity: an app registration and its service principal, signed in to only by federation.

No password and no certificate exist on the application: GitHub's OIDC token for one exact subject is
exchanged for an Entra token. The bootstrap makes three per environment: the deployer (subject: jobs in the
environment's GitHub environment), the preview reader (subject: pull-request jobs, or prod's `prod-preview`) and the
drift auditor (subject: jobs in `<stack>-audit`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.catalogue import federation
from components.entra import FederatedCredential, federated_application, federated_credentials
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
        # No owners. An owner of the deployer's application could add a secret to it and act as the deployer;
        # the administrator who runs the bootstrap manages these applications through directory roles instead
        # (Cloud Application Administrator, Privileged Role Administrator), which are PIM-activated and audited.
        # With no owner listed, the azuread provider leaves none: it removes the caller it started with.
        self.application, self.service_principal = federated_application(
            self, name, args.display_name, owners=[], description=args.description
        )
        self.credentials = federated_credentials(
            self,
            self.application,
            [
                FederatedCredential(
                    f"{name}-{subject.name}",
                    subject.name,
                    federation.GITHUB_ACTIONS_ISSUER,
                    subject.subject,
                    subject.description,
                )
                for subject in args.subjects
            ],
        )
        self.principal = Principal(
            key=f"service-principal:{args.display_name}",
            display_name=args.display_name,
            kind="GitHub Actions service principal (federated)",
            principal_type="ServicePrincipal",
            object_id=self.service_principal.object_id,
        )
        self.register_outputs({"clientId": self.application.client_id})
