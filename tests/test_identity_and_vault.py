"""The application identity and the Key Vault: RBAC-only vault, recoverable, the identity reads secrets only."""

from __future__ import annotations

import uuid

from components.catalogue.resource_types import ROLE_ASSIGNMENT, USER_ASSIGNED_IDENTITY, VAULT
from offline.render import FAKE_SUBSCRIPTION_ID, Rendering

# From Microsoft Learn's built-in roles list (shared/reference/foundry-facts.md), not from the code.
KEY_VAULT_SECRETS_USER_GUID = "4633458b-17de-408a-b874-0445c86b69e6"


def test_one_user_assigned_identity_named_for_the_environment(stack: Rendering) -> None:
    identity = stack.one(USER_ASSIGNED_IDENTITY)
    assert identity.input("resourceName") == f"id-fndry-{stack.stack}-app"
    assert stack.exports["appIdentityClientId"] == identity.state["clientId"]
    assert stack.exports["appIdentityPrincipalId"] == identity.state["principalId"]


def test_vault_is_rbac_only_soft_deleted_and_purge_protected(stack: Rendering) -> None:
    properties = stack.one(VAULT).input("properties")
    assert properties["enableRbacAuthorization"] is True
    assert properties["enableSoftDelete"] is True
    assert properties["softDeleteRetentionInDays"] == 90
    assert properties["enablePurgeProtection"] is True
    assert "accessPolicies" not in properties


def test_vault_name_follows_key_vault_rules(stack: Rendering) -> None:
    name = stack.one(VAULT).input("vaultName")
    assert 3 <= len(name) <= 24
    assert name[0].isalpha() and name.replace("-", "").isalnum() and "--" not in name
    assert stack.exports["keyVaultUri"] == f"https://{name}.vault.azure.net/"


def test_app_identity_is_key_vault_secrets_user_on_the_vault_only(stack: Rendering) -> None:
    identity = stack.one(USER_ASSIGNED_IDENTITY)
    vault = stack.one(VAULT)
    grants = [
        r for r in stack.of_type(ROLE_ASSIGNMENT) if r.input("roleDefinitionId").endswith(KEY_VAULT_SECRETS_USER_GUID)
    ]
    assert len(grants) == 1
    grant = grants[0]
    assert grant.input("principalId") == identity.state["principalId"]
    assert grant.input("principalType") == "ServicePrincipal"
    assert grant.input("scope") == vault.id
    assert grant.input("roleDefinitionId") == (
        f"/subscriptions/{FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/{KEY_VAULT_SECRETS_USER_GUID}"
    )
    uuid.UUID(grant.input("roleAssignmentName"))


def test_private_mode_closes_the_vault(rendered: dict[str, Rendering]) -> None:
    prod_vault = rendered["prod"].one(VAULT).input("properties")
    assert prod_vault["publicNetworkAccess"] == "Disabled"
    assert prod_vault["networkAcls"]["defaultAction"] == "Deny"
    dev_vault = rendered["dev"].one(VAULT).input("properties")
    assert dev_vault["publicNetworkAccess"] == "Enabled"
