"""Who gets access: GitHub federation, people's groups, further federated credentials, the deployer, PIM windows."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from components.catalogue import federation
from components.catalogue.entra_apps import SignInAudience
from components.settings.base import ConfigModel, Guid, Pattern, context, empty_section, refuse, report

# What a stack turns on beyond what every environment has: the design source's further identity patterns (section 1;
# every environment has the app's user-assigned identity and GitHub federation for CI/CD) and the standard agent
# setup. Each is off unless its stack file turns it on; the role model's grants for it exist only then.
OptIn = Literal["system-assigned web app", "on-behalf-of", "client secrets", "standard agent setup"]

GitHubOwner = Annotated[
    str,
    Pattern(
        r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*", 1, 39, "a GitHub user or organisation name (single hyphens)"
    ),
]
GitHubRepository = Annotated[
    str, Pattern(r"[A-Za-z0-9._-]+", 1, 100, "a GitHub repository name: letters, digits, '.', '_', '-'")
]
# GitHub's numeric ids; YAML may give them as numbers.
NumericId = Annotated[
    str,
    Pattern(r"[0-9]+", 1, 20, "GitHub's numeric id"),
    BeforeValidator(lambda v: str(v) if type(v) is int else v, json_schema_input_type=int | str),
]
CredentialName = Annotated[str, Pattern(r"[A-Za-z0-9][A-Za-z0-9_-]*", 3, 120, "letters, digits, '-' and '_'")]
Subject = Annotated[
    str,
    Pattern(r"[^\s*]+", 1, 600, "an exact subject without spaces or wildcards (federated credentials match exactly)"),
]
GITHUB_ISSUER_HOST = urlsplit(federation.GITHUB_ACTIONS_ISSUER).hostname or ""
# GitHub's issuer, or an enterprise's own issuer under it (`.../<enterprise>`); written exactly as GitHub sends it.
GITHUB_ISSUER = re.compile(re.escape(federation.GITHUB_ACTIONS_ISSUER) + r"(/[A-Za-z0-9_-]+)?")


class GitHubConfig(ConfigModel):
    """A GitHub repository whose workflows sign in to Azure, and the form of the OIDC subjects GitHub gives them."""

    owner: GitHubOwner
    """The user or organisation that owns the repository."""
    repository: GitHubRepository
    """The repository's name."""
    subject_format: Literal["classic", "immutable"]
    """The form of the `sub` claim GitHub puts in this repository's OIDC tokens, stated, never assumed:
    `immutable` (`repo:OWNER@OWNER_ID/REPO@REPO_ID:...`, needs both ids) is GitHub's default for repositories
    created, renamed or transferred since 2026-07-15; `classic` (`repo:OWNER/REPO:...`) for older ones. The
    runbook (docs/runbook.md) reads the real claim."""
    owner_id: NumericId | None = None
    """GitHub's numeric id of the owner (immutable subjects only)."""
    repository_id: NumericId | None = None
    """GitHub's numeric id of the repository (immutable subjects only)."""

    @model_validator(mode="before")
    @classmethod
    def _format_stated(cls, data: Any) -> Any:
        if isinstance(data, dict) and "subjectFormat" not in data and "subject_format" not in data:
            refuse(
                "required: the form of this repository's OIDC subjects, 'immutable' (with ownerId and repositoryId; "
                "GitHub's default for repositories created, renamed or transferred since 2026-07-15) or 'classic'; "
                "docs/runbook.md shows how to read the claim GitHub sends",
                at=".subjectFormat",
                value=None,
            )
        return data

    def same_repository(self, other: GitHubConfig) -> bool:
        """The same repository, as GitHub compares names (case-insensitively)."""
        return (self.owner.lower(), self.repository.lower()) == (other.owner.lower(), other.repository.lower())

    @model_validator(mode="after")
    def _ids_match_format(self) -> GitHubConfig:
        if self.subject_format == "immutable":
            for key, value in (("ownerId", self.owner_id), ("repositoryId", self.repository_id)):
                if value is None:
                    refuse("required for subjectFormat 'immutable': GitHub's numeric id", at=f".{key}", value=None)
        elif self.owner_id is not None or self.repository_id is not None:
            refuse("set 'immutable' when ownerId/repositoryId are given", at=".subjectFormat", value="classic")
        return self

    @property
    def ids(self) -> tuple[str | None, str | None]:
        return self.owner_id, self.repository_id

    @property
    def claim(self) -> str:
        return federation.github_repository_claim(self.owner, self.repository, *self.ids)

    def environment_subject(self, environment: str) -> str:
        return federation.github_environment_subject(self.owner, self.repository, environment, *self.ids)

    def pull_request_subject(self) -> str:
        return federation.github_pull_request_subject(self.owner, self.repository, *self.ids)


# Kubernetes names: a namespace is an RFC 1123 label, a service account an RFC 1123 subdomain (Kubernetes docs,
# "Object Names and IDs").
K8sNamespace = Annotated[
    str, Pattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", 1, 63, "a Kubernetes namespace: lowercase letters, digits, '-'")
]
K8sName = Annotated[
    str,
    Pattern(
        r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
        1,
        253,
        "a Kubernetes service account name: lowercase letters, digits, '-' and '.'",
    ),
]


class ServiceAccount(ConfigModel):
    namespace: K8sNamespace
    """The service account's namespace."""
    name: K8sName
    """The service account's name."""

    @property
    def subject(self) -> str:
        return federation.AKS_SERVICE_ACCOUNT_SUBJECT.format(namespace=self.namespace, name=self.name)

    @property
    def credential_name(self) -> str:
        """`aks-<namespace>-<name>`, as Entra allows credential names (letters, digits, '-', '_'; at most 120)."""
        return f"aks-{self.namespace}-{self.name}".replace(".", "-")[:120]


class AksWorkloadIdentity(ConfigModel):
    """AKS workload identity (design source 1.3): pods of one cluster sign in as the app's user-assigned identity."""

    issuer: Annotated[str, Pattern(r"\S+", 9, 600, "the cluster's https:// OIDC issuer URL")]
    """The cluster's OIDC issuer URL, exactly: `az aks show -g <rg> -n <cluster> --query oidcIssuerProfile.issuerUrl`."""
    service_accounts: Annotated[tuple[ServiceAccount, ...], Field(min_length=1)]
    """The service accounts whose pods may sign in as the app identity, each {namespace, name}; one federated
    credential each (no wildcards: Entra matches subjects exactly)."""

    @field_validator("issuer", mode="after")
    @classmethod
    def _https(cls, issuer: str) -> str:
        _https_issuer(issuer)
        return issuer

    @field_validator("service_accounts", mode="after")
    @classmethod
    def _each_once(cls, accounts: tuple[ServiceAccount, ...]) -> tuple[ServiceAccount, ...]:
        names = [account.credential_name.lower() for account in accounts]
        for index, account in enumerate(accounts):
            if names[index] in names[:index]:
                refuse(
                    "each service account once (their credential names compared case-insensitively)",
                    at=f"[{index}]",
                    value=f"{account.namespace}/{account.name}",
                )
        return accounts

    def credentials(self) -> tuple[ExtraCredential, ...]:
        """One federated credential on the app identity per service account."""
        return tuple(
            ExtraCredential.model_construct(
                name=account.credential_name, identity="app", issuer=self.issuer, subject=account.subject
            )
            for account in self.service_accounts
        )


class GroupMembership(ConfigModel):
    members: tuple[Guid, ...] = ()
    """Object ids of the group's members (users or groups)."""
    owners: tuple[Guid, ...] = ()
    """Object ids of further owners; the pipeline's deployer is always one."""


class OnBehalfOf(ConfigModel):
    """An On-Behalf-Of middle tier (design source 1.4): an API app registration the front end signs users in to,
    which exchanges their token for a Foundry token, so Foundry sees the user (their RBAC, audit, Conditional
    Access). Its credential is the app's user-assigned identity (a federated credential): no secret."""

    front_end_client_ids: Annotated[tuple[Guid, ...], Field(min_length=1, max_length=20)]
    """Client ids of the front-end app registrations (the team's own) pre-authorized for the API's scope, so their
    users are never asked to consent to it."""
    sign_in_audience: SignInAudience = "AzureADMyOrg"
    """Who may sign in to the API: AzureADMyOrg (this tenant, guests included) or AzureADMultipleOrgs (any Entra
    tenant whose administrator consents; see docs/access-model.md for what partner-tenant users can and cannot
    reach)."""
    end_users: GroupMembership = empty_section()
    """Members and owners of the environment's end-users group, which holds Foundry User on each project (prod
    too): the API reaches Foundry as them."""

    @field_validator("front_end_client_ids", mode="after")
    @classmethod
    def _each_once(cls, client_ids: tuple[str, ...]) -> tuple[str, ...]:
        lowered = [c.lower() for c in client_ids]
        for index, client_id in enumerate(lowered):
            if client_id in lowered[:index]:
                refuse("each front end once", at=f"[{index}]", value=client_ids[index])
        return tuple(lowered)


class Groups(ConfigModel):
    """The environment's Entra groups, the only way people get access."""

    developers: GroupMembership = empty_section()
    """Build and test agents (Project Manager in dev, User in staging, read-only in prod)."""
    readers: GroupMembership = empty_section()
    """Read-only access."""
    platform_admins: GroupMembership = empty_section()
    """Administer the Foundry resource (PIM-eligible only, in prod)."""

    def __getitem__(self, role: str) -> GroupMembership:
        return {"developers": self.developers, "readers": self.readers, "platformAdmins": self.platform_admins}[role]


def _https_issuer(issuer: str) -> str:
    parts = urlsplit(issuer)
    if parts.scheme.lower() == "https" and parts.hostname and not (parts.query or parts.fragment):
        return issuer
    refuse("allowed: an https:// issuer URL without query or fragment")


class ExtraCredential(ConfigModel):
    """A federated credential beyond the GitHub one, e.g. an AKS service account on the application identity."""

    name: CredentialName
    """The credential's name, unique per identity."""
    identity: Literal["app", "cicd"]
    """Which identity trusts it: the application's managed identity or the CI/CD app registration."""
    issuer: Annotated[str, Pattern(r"\S+", 9, 600, "an https:// issuer URL")]
    """The token issuer, exactly as it appears in the tokens' `iss` claim."""
    subject: Subject
    """The exact `sub` claim of the workload's tokens."""

    @field_validator("issuer", mode="after")
    @classmethod
    def _exact_issuer(cls, issuer: str) -> str:
        _https_issuer(issuer)
        host = (urlsplit(issuer).hostname or "").lower()
        if host == GITHUB_ISSUER_HOST and not GITHUB_ISSUER.fullmatch(issuer):
            # Entra compares issuers exactly: another spelling never matches a token, and would slip past the rules
            # on GitHub subjects below.
            refuse(
                f"GitHub's issuer is exactly '{federation.GITHUB_ACTIONS_ISSUER}' (or an enterprise's issuer under it)"
            )
        return issuer

    @property
    def from_github(self) -> bool:
        return GITHUB_ISSUER.fullmatch(self.issuer) is not None


def _github_subject_problem(credential: ExtraCredential, github: GitHubConfig, environment: str) -> str | None:
    """Why a GitHub credential's subject is refused, or None. Only this stack's repository and GitHub environment
    are trusted: a branch, tag or pull-request subject would let a job skip the environment's protection rules."""
    expected = github.environment_subject(environment)
    claim = credential.subject.removeprefix("repo:").split(":", 1)[0]
    if credential.subject == expected:
        return None
    if claim.lower() != github.claim.lower():
        return f"the subject names the repository '{claim}', not this stack's '{github.claim}' (allowed: '{expected}')"
    if ":environment:" not in credential.subject:
        return f"GitHub credentials must name this stack's GitHub environment: '{expected}'"
    return f"allowed: '{expected}' exactly (GitHub environment and letter case as configured)"


# The name of the built-in GitHub credential on the CI/CD app registration: per stack, like its GitHub environment.
GITHUB_CREDENTIAL = "github-{environment}"
# The CI/CD identity's credential for the platform repository's deploy job (the post-deploy smoke test).
PLATFORM_CREDENTIAL = "platform-{environment}"


def check_credentials(
    credentials: tuple[ExtraCredential, ...],
    github: GitHubConfig,
    platform: GitHubConfig | None,
    info: ValidationInfo,
) -> None:
    """Across `federatedCredentials`: GitHub subjects of this repository and environment only; names and
    issuer+subject unique per identity (the built-in GitHub credentials included); Entra's 20 per identity.
    The GitHub environment is the stack's name, as in the workflows (`environment: <stack>`)."""
    environment = context(info).stack
    builtins = {GITHUB_CREDENTIAL.format(environment=environment)}
    pairs = {("cicd", federation.GITHUB_ACTIONS_ISSUER, github.environment_subject(environment))}
    if platform is not None:
        builtins.add(PLATFORM_CREDENTIAL.format(environment=environment))
        pairs.add(("cicd", federation.GITHUB_ACTIONS_ISSUER, platform.environment_subject(environment)))
    for index, credential in enumerate(credentials):
        key = f"federatedCredentials[{index}]"
        why = _github_subject_problem(credential, github, environment) if credential.from_github else None
        if why is not None:
            report(info, f"{key}.subject", credential.subject, why)
        if credential.name.lower() in builtins:
            report(
                info,
                f"{key}.name",
                credential.name,
                "the program names its GitHub credentials so (compared case-insensitively)",
            )
        pair = (credential.identity, credential.issuer, credential.subject)
        if pair in pairs:
            report(
                info,
                f"{key}.subject",
                credential.subject,
                "issuer+subject must be unique per identity (the CI/CD identity already trusts this stack's GitHub environment)",
            )
        pairs.add(pair)
    for identity, builtin in (("app", 0), ("cicd", len(builtins))):
        count = builtin + sum(1 for c in credentials if c.identity == identity)
        if count > federation.MAX_CREDENTIALS_PER_IDENTITY:
            report(
                info,
                "federatedCredentials",
                f"{count} credentials on the {identity} identity",
                f"at most {federation.MAX_CREDENTIALS_PER_IDENTITY} per identity (Entra's limit), including the GitHub one",
            )
