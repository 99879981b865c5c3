"""Workload identity federation: the issuers, the audience and the subject forms this program trusts."""

from __future__ import annotations

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
# The only audience Entra accepts for federated credentials in the public cloud.
ENTRA_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
AUDIENCES: tuple[str, ...] = (ENTRA_TOKEN_EXCHANGE_AUDIENCE,)

# Entra allows at most 20 federated credentials per application or user-assigned identity.
MAX_CREDENTIALS_PER_IDENTITY = 20


def github_repository_claim(
    owner: str, repository: str, owner_id: str | None = None, repository_id: str | None = None
) -> str:
    """`OWNER/REPO`, or GitHub's immutable `OWNER@OWNER_ID/REPO@REPO_ID` form when the ids are given."""
    if owner_id and repository_id:
        return f"{owner}@{owner_id}/{repository}@{repository_id}"
    return f"{owner}/{repository}"


def github_environment_subject(
    owner: str, repository: str, environment: str, owner_id: str | None = None, repository_id: str | None = None
) -> str:
    """The subject of a job that declares `environment: <environment>` (exact and case-sensitive)."""
    return f"repo:{github_repository_claim(owner, repository, owner_id, repository_id)}:environment:{environment}"


def github_pull_request_subject(
    owner: str, repository: str, owner_id: str | None = None, repository_id: str | None = None
) -> str:
    return f"repo:{github_repository_claim(owner, repository, owner_id, repository_id)}:pull_request"


# AKS workload identity (Learn, "Use Microsoft Entra Workload ID with Azure Kubernetes Service"): a pod's projected
# service-account token has this subject; the service account names the identity it signs in as by annotation, and
# pods opt in by label. The cluster's issuer is its OIDC issuer URL (`az aks show --query oidcIssuerProfile.issuerUrl`).
AKS_SERVICE_ACCOUNT_SUBJECT = "system:serviceaccount:{namespace}:{name}"
AKS_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
AKS_TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id"
AKS_USE_LABEL = "azure.workload.identity/use"
