"""Keys for who gets access: GitHub federation, people's groups, the prod eligibility window, extra credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, cast

from components.catalogue import federation
from components.settings.model import EnvironmentName
from components.settings.reader import (
    GUID_PATTERN,
    ConfigReader,
    check_choice,
    check_list,
    check_object,
    check_pattern,
    check_unique,
)

# GitHub: owners are 1-39 characters of letters, digits and single hyphens; repository names allow '.', '_' too.
GITHUB_OWNER_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
GITHUB_REPOSITORY_PATTERN = r"[A-Za-z0-9._-]{1,100}"
CREDENTIAL_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]*"

DEPLOYER_KEY = "deployerObjectId"

SubjectFormat = Literal["classic", "immutable"]
CredentialTarget = Literal["app", "cicd"]
GROUP_ROLES = ("developers", "readers", "platformAdmins")


@dataclass(frozen=True)
class GitHubSettings:
    owner: str
    repository: str
    subject_format: SubjectFormat = "classic"
    owner_id: str | None = None
    repository_id: str | None = None

    def environment_subject(self, environment: str) -> str:
        return federation.github_environment_subject(
            self.owner, self.repository, environment, self.owner_id, self.repository_id
        )


@dataclass(frozen=True)
class GroupMembership:
    members: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()


# PIM's default policy for Azure resource roles requires eligibilities to expire, at most 365 days after they start.
MAX_ELIGIBILITY_DAYS = 365
ELIGIBILITY_KEY = "platformAdminEligibility"


@dataclass(frozen=True)
class EligibilityWindow:
    """When platform admins may activate Foundry Account Owner in prod, and why."""

    justification: str
    starts_on: str  # ISO 8601 UTC, e.g. 2026-12-01T00:00:00Z
    expires_on: str

    @property
    def duration(self) -> str:
        """The window as an ISO 8601 duration from `starts_on`, e.g. `P364D` or `P30DT12H`.

        This, not `expires_on`, is what reaches Azure: azure-native's PimRoleEligibilitySchedule sends the start
        and the expiration's `type` and `duration` and drops `endDateTime` (its custom resource's request builder).
        """
        length = _parse_utc(self.expires_on) - _parse_utc(self.starts_on)
        hours, rest = divmod(length.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
        return f"P{length.days}D" + (f"T{time}" if time else "")


def _parse_utc(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


@dataclass(frozen=True)
class ExtraCredential:
    """A federated credential beyond the GitHub one, e.g. an AKS service account on the application identity."""

    name: str
    identity: CredentialTarget
    issuer: str
    subject: str


@dataclass(frozen=True)
class AccessSettings:
    github: GitHubSettings
    groups: dict[str, GroupMembership]
    extra_credentials: tuple[ExtraCredential, ...]
    # The pipeline deployer's service principal: owner of every Entra object the stack creates, whoever runs
    # `pulumi up`. None: the identity running it (a trial from a workstation).
    deployer_object_id: str | None = None


def _object_ids(reader: ConfigReader, key: str, value: object) -> tuple[str, ...]:
    ids = check_list(reader, key, value)
    for index, object_id in enumerate(ids):
        check_pattern(reader, f"{key}[{index}]", object_id, GUID_PATTERN, 36, 36, "an Entra object id (GUID)")
    return tuple(str(i).lower() for i in ids)


def parse_github(reader: ConfigReader) -> GitHubSettings:
    fields = check_object(
        reader,
        "github",
        reader.structured("github"),
        ("owner", "repository", "subjectFormat", "ownerId", "repositoryId"),
    )
    if not fields:
        reader.fail(
            "github", None, "required: {owner, repository}; the CI/CD identity trusts that repository's environments"
        )
        return GitHubSettings("invalid", "invalid")
    owner = fields.get("owner")
    repository = fields.get("repository")
    check_pattern(reader, "github.owner", owner, GITHUB_OWNER_PATTERN, 1, 39, "a GitHub user or organisation name")
    check_pattern(
        reader, "github.repository", repository, GITHUB_REPOSITORY_PATTERN, 1, 100, "a GitHub repository name"
    )
    subject_format = check_choice(
        reader, "github.subjectFormat", fields.get("subjectFormat", "classic"), ("classic", "immutable"), "classic"
    )
    owner_id = fields.get("ownerId")
    repository_id = fields.get("repositoryId")
    if subject_format == "immutable":
        for key, value in (("github.ownerId", owner_id), ("github.repositoryId", repository_id)):
            if not (isinstance(value, int | str) and str(value).isdigit()):
                reader.fail(key, value, "required for subjectFormat 'immutable': GitHub's numeric id")
    elif owner_id is not None or repository_id is not None:
        reader.fail("github.subjectFormat", subject_format, "set 'immutable' when ownerId/repositoryId are given")
    return GitHubSettings(
        owner=str(owner),
        repository=str(repository),
        subject_format=cast(SubjectFormat, subject_format),
        owner_id=str(owner_id) if subject_format == "immutable" else None,
        repository_id=str(repository_id) if subject_format == "immutable" else None,
    )


def parse_groups(reader: ConfigReader) -> dict[str, GroupMembership]:
    fields = check_object(reader, "groups", reader.structured("groups"), GROUP_ROLES)
    groups: dict[str, GroupMembership] = {}
    for role in GROUP_ROLES:
        entry = check_object(reader, f"groups.{role}", fields.get(role), ("members", "owners"))
        groups[role] = GroupMembership(
            members=_object_ids(reader, f"groups.{role}.members", entry.get("members")),
            owners=_object_ids(reader, f"groups.{role}.owners", entry.get("owners")),
        )
    return groups


def _timestamp(reader: ConfigReader, key: str, value: object) -> datetime | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value):
        try:
            return _parse_utc(value)
        except ValueError:
            pass
    reader.fail(key, value, "allowed: a UTC timestamp like 2026-12-01T00:00:00Z")
    return None


# Warn this many days before an eligibility ends: time to renew it (PIM sends no reminder for Azure roles here).
ELIGIBILITY_WARNING_DAYS = 30


def parse_eligibility(reader: ConfigReader, today: date) -> EligibilityWindow | None:
    """The PIM phase's window for the eligible grants (`pim/`): required, expiring at most 365 days after it starts,
    not ended yet (as of `today`); a warning when it ends within ELIGIBILITY_WARNING_DAYS."""
    key = ELIGIBILITY_KEY
    fields = check_object(reader, key, reader.structured(key), ("justification", "startsOn", "expiresOn"))
    if not fields:
        reader.fail(
            key, None, "required: {justification, startsOn, expiresOn}, the window PIM grants the eligibility for"
        )
        return None
    justification = fields.get("justification")
    if not isinstance(justification, str) or len(justification.strip()) < 10:
        reader.fail(f"{key}.justification", justification, "a justification of at least 10 characters")
    start = _timestamp(reader, f"{key}.startsOn", fields.get("startsOn"))
    end = _timestamp(reader, f"{key}.expiresOn", fields.get("expiresOn"))
    if start and end and not (start < end and (end - start).total_seconds() <= MAX_ELIGIBILITY_DAYS * 86400):
        reader.fail(
            f"{key}.expiresOn",
            fields.get("expiresOn"),
            f"after startsOn and at most {MAX_ELIGIBILITY_DAYS} days after it (PIM's default policy for Azure roles)",
        )
    elif end and end.date() <= today:
        reader.fail(
            f"{key}.expiresOn",
            fields.get("expiresOn"),
            f"the window has ended (today is {today}): set a new startsOn and expiresOn, at most "
            f"{MAX_ELIGIBILITY_DAYS} days apart",
        )
    elif end and (end.date() - today).days <= ELIGIBILITY_WARNING_DAYS:
        reader.warn(
            f"{key}.expiresOn",
            f"the eligibility ends on {end.date()}, in {(end.date() - today).days} days: renew it with a new window "
            "(startsOn and expiresOn) before then",
        )
    return EligibilityWindow(str(justification), str(fields.get("startsOn")), str(fields.get("expiresOn")))


def refuse_moved_eligibility(reader: ConfigReader) -> None:
    """The eligibility left the main program: its deployer cannot write PIM requests, an administrator can."""
    raw = reader.structured(ELIGIBILITY_KEY)
    if raw is not None:
        reader.fail(
            ELIGIBILITY_KEY,
            raw,
            "moved to pim/Pulumi.<stack>.yaml: PIM eligibilities are made by the PIM phase an administrator runs "
            "(the pipeline's deployer may not write roleEligibilityScheduleRequests)",
        )


def parse_extra_credentials(reader: ConfigReader, environment: EnvironmentName) -> tuple[ExtraCredential, ...]:
    entries = check_list(reader, "federatedCredentials", reader.structured("federatedCredentials"))
    credentials: list[ExtraCredential] = []
    for index, entry in enumerate(entries):
        key = f"federatedCredentials[{index}]"
        fields = check_object(reader, key, entry, ("name", "identity", "issuer", "subject"))
        name = fields.get("name")
        issuer = fields.get("issuer")
        subject = fields.get("subject")
        ok = check_pattern(reader, f"{key}.name", name, CREDENTIAL_NAME_PATTERN, 3, 120, "letters, digits, '-' and '_'")
        target = check_choice(reader, f"{key}.identity", fields.get("identity"), ("app", "cicd"), "app")
        ok &= check_pattern(reader, f"{key}.issuer", issuer, r"https://\S+", 9, 600, "an https:// issuer URL")
        ok &= check_pattern(reader, f"{key}.subject", subject, r"\S+", 1, 600, "a subject without spaces, no wildcards")
        if ok and "*" in str(subject):
            reader.fail(f"{key}.subject", subject, "an exact subject: federated credentials do not match wildcards")
            ok = False
        github_job = ok and issuer == federation.GITHUB_ACTIONS_ISSUER
        if github_job and not str(subject).endswith(f":environment:{environment}"):
            # A branch, tag or pull-request subject would let a job skip the environment's protection rules.
            reader.fail(
                f"{key}.subject",
                subject,
                f"GitHub credentials must name this stack's GitHub environment: 'repo:<owner>/<repo>:environment:{environment}'",
            )
            ok = False
        if ok:
            credentials.append(ExtraCredential(str(name), cast(CredentialTarget, target), str(issuer), str(subject)))
    check_unique(reader, "federatedCredentials[].name", [c.name for c in credentials])
    for target, builtin in (("app", 0), ("cicd", 1)):
        count = builtin + sum(1 for c in credentials if c.identity == target)
        if count > federation.MAX_CREDENTIALS_PER_IDENTITY:
            reader.fail(
                "federatedCredentials",
                f"{count} credentials on the {target} identity",
                f"at most {federation.MAX_CREDENTIALS_PER_IDENTITY} per identity (Entra's limit), including the GitHub one",
            )
    pairs = [(c.identity, c.issuer, c.subject) for c in credentials]
    if len(set(pairs)) != len(pairs):
        reader.fail(
            "federatedCredentials", "a repeated issuer and subject", "issuer+subject must be unique per identity"
        )
    return tuple(credentials)


def parse_deployer(reader: ConfigReader, pipeline_deployed: bool) -> str | None:
    """`deployerObjectId`: required where the pipeline deploys the stack (into the bootstrap's resource group).

    The deployer manages Entra objects only while it owns them (Graph's Application.ReadWrite.OwnedBy and
    Group.Create), and the azuread provider drops from an application's and a service principal's owners
    whoever is not listed. Naming the deployer keeps it an owner also when an administrator runs `pulumi up`.
    """
    value = reader.text(DEPLOYER_KEY)
    if value is None:
        if pipeline_deployed:
            reader.fail(
                DEPLOYER_KEY,
                None,
                "required with existingResourceGroup (a stack the pipeline deploys): the object id of the deployer's "
                "service principal, bootstrap output deployerObjectId; it must own the Entra objects it manages",
            )
        return None
    if check_pattern(reader, DEPLOYER_KEY, value, GUID_PATTERN, 36, 36, "the deployer service principal's object id"):
        return value.lower()
    return None


def parse_access(reader: ConfigReader, environment: EnvironmentName, pipeline_deployed: bool) -> AccessSettings:
    refuse_moved_eligibility(reader)
    return AccessSettings(
        github=parse_github(reader),
        groups=parse_groups(reader),
        extra_credentials=parse_extra_credentials(reader, environment),
        deployer_object_id=parse_deployer(reader, pipeline_deployed),
    )
