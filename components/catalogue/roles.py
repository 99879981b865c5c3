"""Every Azure built-in role this program knows, by GUID, and the guard that decides which may be assigned.

Roles are referenced by their role definition GUID, never by display name: the Foundry roles were renamed in
2026 (Azure AI * -> Foundry *) and only the GUIDs stayed the same.
"""

from __future__ import annotations

from dataclasses import dataclass

# Role definition GUIDs, Entra object ids, subscription ids: one format, checked in one way.
GUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


@dataclass(frozen=True)
class Role:
    name: str
    guid: str
    former_name: str | None = None

    def definition_id(self, subscription_id: str) -> str:
        return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{self.guid}"


FOUNDRY_USER = Role("Foundry User", "53ca6127-db72-4b80-b1b0-d745d6d5456d", "Azure AI User")
FOUNDRY_PROJECT_MANAGER = Role(
    "Foundry Project Manager", "eadc314b-1a2d-4efa-be10-5d325db5065e", "Azure AI Project Manager"
)
FOUNDRY_ACCOUNT_OWNER = Role("Foundry Account Owner", "e47c6f54-e4a2-4754-9501-8e0985b135e1", "Azure AI Account Owner")
FOUNDRY_OWNER = Role("Foundry Owner", "c883944f-8b7b-4483-af10-35834be79c4a", "Azure AI Owner")
READER = Role("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7")
KEY_VAULT_SECRETS_USER = Role("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6")
KEY_VAULT_SECRETS_OFFICER = Role("Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7")
KEY_VAULT_ADMINISTRATOR = Role("Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483")
KEY_VAULT_READER = Role("Key Vault Reader", "21090545-7ca7-4776-b22c-e363652d74d2")
MONITORING_READER = Role("Monitoring Reader", "43d0d8ad-25c7-4714-9337-8ba259a9fe05")
# Despite the name, the role that lets an identity publish any telemetry to Application Insights with Entra auth.
MONITORING_METRICS_PUBLISHER = Role("Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb")
LOG_ANALYTICS_READER = Role("Log Analytics Reader", "73c42c96-874c-492b-b04d-ab87d138a893")
# The standard agent setup's data-plane roles for each project's identity (Microsoft's templates, foundry-samples
# infrastructure-setup-bicep 15 and 41 @ec0972e, and Learn's standard agent setup): on the environment's Storage
# account, AI Search service and Cosmos DB account.
STORAGE_BLOB_DATA_CONTRIBUTOR = Role("Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe")
STORAGE_BLOB_DATA_OWNER = Role("Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b")
SEARCH_INDEX_DATA_CONTRIBUTOR = Role("Search Index Data Contributor", "8ebe5a00-799e-43f5-93ac-243d3dce84a7")
SEARCH_SERVICE_CONTRIBUTOR = Role("Search Service Contributor", "7ca78c08-252a-4471-8644-bb5ff32d4ba0")
COSMOS_DB_OPERATOR = Role("Cosmos DB Operator", "230815da-be43-4aae-9cb4-875f7bd000aa")

# Known only so the guard can name them when someone tries to use them.
OWNER = Role("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
CONTRIBUTOR = Role("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c")
USER_ACCESS_ADMINISTRATOR = Role("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")
RBAC_ADMINISTRATOR = Role("Role Based Access Control Administrator", "f58310d9-a9f6-439a-9e8d-f62e7b41a168")
AZURE_AI_DEVELOPER = Role("Azure AI Developer", "64702f94-c441-49e6-a78b-ef80e0188fee")
COGNITIVE_SERVICES_USER = Role("Cognitive Services User", "a97b65f3-24c7-4388-baec-2e87135dc908")
COGNITIVE_SERVICES_OPENAI_USER = Role("Cognitive Services OpenAI User", "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd")
COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR = Role(
    "Cognitive Services OpenAI Contributor", "a001fd3d-188f-4b5d-821b-7da978bf7442"
)
COGNITIVE_SERVICES_CONTRIBUTOR = Role("Cognitive Services Contributor", "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68")
# Every built-in "Cognitive Services *" role, by GUID: Azure Policy cannot match a role by its name, so the role guard
# lists them (MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/ai-machine-learning.md,
# commit 51eb312). A role Microsoft adds later is not here; the policy pack's name-prefix rule still refuses it.
COGNITIVE_SERVICES_ROLES: tuple[Role, ...] = (
    COGNITIVE_SERVICES_CONTRIBUTOR,
    Role("Cognitive Services Custom Vision Contributor", "c1ff6cc2-c111-46fe-8896-e0ef812ad9f3"),
    Role("Cognitive Services Custom Vision Deployment", "5c4089e1-6d96-4d2f-b296-c1bc7137275f"),
    Role("Cognitive Services Custom Vision Labeler", "88424f51-ebe7-446f-bc41-7fa16989e96c"),
    Role("Cognitive Services Custom Vision Reader", "93586559-c37d-4a6b-ba08-b9f0940c2d73"),
    Role("Cognitive Services Custom Vision Trainer", "0a5ae4ab-0d65-4eeb-be61-29fc9b54394b"),
    Role("Cognitive Services Data Reader (Preview)", "b59867f0-fa02-499b-be73-45a86b5b3e1c"),
    Role("Cognitive Services Face Recognizer", "9894cab4-e18a-44aa-828b-cb588cd6f2d7"),
    Role("Cognitive Services Metrics Advisor Administrator", "cb43c632-a144-4ec5-977c-e80c4affc34a"),
    COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR,
    COGNITIVE_SERVICES_OPENAI_USER,
    Role("Cognitive Services QnA Maker Editor", "f4cc2bf9-21be-47a1-bdf1-5c5804381025"),
    Role("Cognitive Services QnA Maker Reader", "466ccd10-b268-4a11-b098-b4849f024126"),
    Role("Cognitive Services Usages Reader", "bba48692-92b0-4667-a9ad-c31c7b334ac2"),
    COGNITIVE_SERVICES_USER,
)

# The Foundry roles that act on the data plane (call models, read and change agents, threads and files): their
# definitions grant `Microsoft.CognitiveServices/*` data actions (tests/test_capabilities.py derives this from them).
# In prod, people hold one only as the On-Behalf-Of API's end users.
DATA_PLANE_ROLES: tuple[Role, ...] = (FOUNDRY_USER, FOUNDRY_PROJECT_MANAGER, FOUNDRY_OWNER)

# The roles the Foundry program may hand out. Anything else is refused by `require_assignable`.
ASSIGNABLE_ROLES: tuple[Role, ...] = (
    FOUNDRY_USER,
    FOUNDRY_PROJECT_MANAGER,
    FOUNDRY_ACCOUNT_OWNER,
    READER,
    KEY_VAULT_SECRETS_USER,
    MONITORING_METRICS_PUBLISHER,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_OWNER,
    SEARCH_INDEX_DATA_CONTRIBUTOR,
    SEARCH_SERVICE_CONTRIBUTOR,
    COSMOS_DB_OPERATOR,
)

# Never assigned by this program, whatever the caller asks: the Cognitive Services * roles and Azure AI
# Developer do not apply to Foundry projects (Learn, Foundry RBAC), and Owner, Contributor and User Access
# Administrator are broader than any Foundry identity needs.
FORBIDDEN_ROLES: tuple[Role, ...] = (
    OWNER,
    CONTRIBUTOR,
    USER_ACCESS_ADMINISTRATOR,
    RBAC_ADMINISTRATOR,
    AZURE_AI_DEVELOPER,
    *COGNITIVE_SERVICES_ROLES,
)
FORBIDDEN_NAME_PREFIX = "Cognitive Services"

KNOWN_ROLES: tuple[Role, ...] = (
    *ASSIGNABLE_ROLES,
    FOUNDRY_OWNER,
    KEY_VAULT_SECRETS_OFFICER,
    KEY_VAULT_ADMINISTRATOR,
    KEY_VAULT_READER,
    MONITORING_READER,
    LOG_ANALYTICS_READER,
    *FORBIDDEN_ROLES,
)


class ForbiddenRoleError(ValueError):
    """A role outside the catalogue's assignable set was about to be assigned."""


def role_by_guid(guid: str) -> Role | None:
    return next((role for role in KNOWN_ROLES if role.guid == guid.lower()), None)


def require_assignable(role: Role) -> Role:
    """Return `role` if this program may assign it; otherwise raise with the role's name and GUID."""
    known = role_by_guid(role.guid)
    label = f"'{role.name}' ({role.guid})"
    if role.name.startswith(FORBIDDEN_NAME_PREFIX) or (
        known is not None and known.name.startswith(FORBIDDEN_NAME_PREFIX)
    ):
        raise ForbiddenRoleError(
            f"role {label} is a Cognitive Services role; these do not apply to Foundry and are never assigned"
        )
    if known in FORBIDDEN_ROLES:
        raise ForbiddenRoleError(
            f"role {label} is forbidden: it grants more than any Foundry identity needs, or does not apply to Foundry"
        )
    if known is None or known not in ASSIGNABLE_ROLES:
        allowed = ", ".join(r.name for r in ASSIGNABLE_ROLES)
        raise ForbiddenRoleError(f"role {label} is not in the assignable catalogue; allowed: {allowed}")
    if known.name != role.name:
        raise ForbiddenRoleError(f"role {label} does not match the catalogue, where {role.guid} is '{known.name}'")
    return known


@dataclass(frozen=True)
class CosmosDataRole:
    """A Cosmos DB for NoSQL data-plane role: not an Azure role, but the account's own SQL role definition, assigned
    by a `sqlRoleAssignments` resource under the account (Learn, "Use data plane role-based access control with
    Azure Cosmos DB for NoSQL")."""

    name: str
    id: str

    def definition_id(self, account_id: str) -> str:
        return f"{account_id}/sqlRoleDefinitions/{self.id}"


COSMOS_DATA_CONTRIBUTOR = CosmosDataRole("Cosmos DB Built-in Data Contributor", "00000000-0000-0000-0000-000000000002")
# The only Cosmos data role the program assigns: the agent service reads and writes its threads with it.
ASSIGNABLE_COSMOS_DATA_ROLES: tuple[CosmosDataRole, ...] = (COSMOS_DATA_CONTRIBUTOR,)
