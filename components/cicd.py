"""The CI/CD identity: an app registration and service principal that GitHub Actions signs in as, keylessly.

It has no password and no certificate: GitHub's OIDC token for a job in this environment's GitHub
environment is exchanged for an Entra token through a federated credential.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.catalogue import federation
from components.entra import FederatedCredential, federated_application, federated_credentials
from components.rbac import Principal
from components.settings import Placement
from components.settings.access import GITHUB_CREDENTIAL, PLATFORM_CREDENTIAL, ExtraCredential, GitHubConfig


@dataclass(frozen=True)
class CiCdIdentityArgs:
    placement: Placement
    github: GitHubConfig
    # The platform repository, whose deploy job runs the smoke test as this identity (none: no such credential).
    platform: GitHubConfig | None
    # Credentials beyond the GitHub one (federatedCredentials with identity cicd).
    credentials: tuple[ExtraCredential, ...]
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
        place = args.placement
        github = args.github
        display_name = f"sp-{place.name_prefix}-foundry-{place.instance}-cicd"
        self.application, self.service_principal = federated_application(
            self, name, display_name, [args.deployer_object_id]
        )
        # Jobs in this stack's GitHub environment: the application repository's, and the platform repository's deploy
        # job (its smoke test), each through its own credential.
        repositories = [(GITHUB_CREDENTIAL, github, "GitHub Actions jobs in the '{stack}' environment of {repo}")]
        if args.platform is not None:
            repositories.append(
                (PLATFORM_CREDENTIAL, args.platform, "The smoke test of the '{stack}' deploy job in {repo}")
            )
        trusted = [
            FederatedCredential(
                f"{name}-{credential_name.format(environment=place.instance)}",
                credential_name.format(environment=place.instance),
                federation.GITHUB_ACTIONS_ISSUER,
                source.environment_subject(place.instance),
                about.format(stack=place.instance, repo=f"{source.owner}/{source.repository}"),
            )
            for credential_name, source, about in repositories
        ]
        trusted += [
            FederatedCredential(f"{name}-{extra.name}", extra.name, extra.issuer, extra.subject)
            for extra in args.credentials
        ]
        self.credentials = federated_credentials(self, self.application, trusted)
        self.principal = Principal(
            key=f"service-principal:{display_name}",
            display_name=display_name,
            kind="CI/CD service principal (federated)",
            principal_type="ServicePrincipal",
            object_id=self.service_principal.object_id,
        )
        self.register_outputs({"clientId": self.application.client_id})
