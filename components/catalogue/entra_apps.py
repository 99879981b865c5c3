"""Entra applications and scopes the On-Behalf-Of middle tier (design source 1.4) is built from, named once.

The Foundry data plane takes tokens for `https://ai.azure.com`, whose resource application is Microsoft's "Azure
Machine Learning Services" (first-party app id below) with the delegated scope `user_impersonation`: Microsoft's
Foundry sample microsoft-foundry/foundry-agent-webapp (`infra/entra-app.bicep`, f6cb362) requests exactly this
pair for its OBO API, and notes that consenting to Microsoft Cognitive Services (7d312290-...) instead fails at
run time with AADSTS65001. No Learn page names the ids: check them in the tenant before the first deploy with
`az ad sp show --id 18a66f5f-dbdf-4c17-9dd7-1634712a9cbe --query "oauth2PermissionScopes[].{value:value,id:id}"`.
"""

from __future__ import annotations

from typing import Literal

from components.catalogue.endpoints import FOUNDRY_TOKEN_SCOPE

FOUNDRY_RESOURCE_APP_ID = "18a66f5f-dbdf-4c17-9dd7-1634712a9cbe"  # Azure Machine Learning Services
FOUNDRY_USER_IMPERSONATION_SCOPE_ID = "1a7925b5-f871-417a-9b8b-303f9f29fa10"  # its `user_impersonation`
# What the middle tier asks for in the OBO exchange (the design source's sample): the data plane's token scope.
OBO_FOUNDRY_SCOPE = FOUNDRY_TOKEN_SCOPE

# The delegated scope the API exposes; the front end asks for `api://<API client id>/<this>`.
API_SCOPE_VALUE = "access_as_user"

# A user-assigned managed identity as the federated credential of an app registration (Entra, "Configure an
# application to trust a managed identity", 2025-06): its tokens come from the tenant's v2.0 issuer and name the
# identity's principal (object) id as subject. Only user-assigned identities, in the app's own tenant.
MANAGED_IDENTITY_ISSUER = "https://login.microsoftonline.com/{tenant_id}/v2.0"

# Who may sign in to the API: this tenant only, or any Entra tenant where an administrator has consented to it.
SignInAudience = Literal["AzureADMyOrg", "AzureADMultipleOrgs"]

# The environment's end-users group (`grp-<prefix>-foundry-<stack>-end-users`), made only where the OBO API is: in
# prod the only people who hold a Foundry data-plane role, which the policy pack checks by this suffix.
END_USERS_GROUP_SUFFIX = "-end-users"
