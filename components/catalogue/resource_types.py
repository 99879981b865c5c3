"""The Pulumi type tokens of the resources the programs declare, named once: the policy pack, the offline harness
(strict Azure rules, rights, rehearsal, inventory, report) and the tests that look resources up by type read them
from here."""

from __future__ import annotations

# azure-native
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
ACCOUNT = "azure-native:cognitiveservices:Account"
PROJECT = "azure-native:cognitiveservices:Project"
DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
CONNECTION = "azure-native:cognitiveservices:ProjectConnection"
VAULT = "azure-native:keyvault:Vault"
APP_INSIGHTS = "azure-native:applicationinsights:Component"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
PRIVATE_DNS_ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
WORKSPACE = "azure-native:operationalinsights:Workspace"
RAI_POLICY = "azure-native:cognitiveservices:RaiPolicy"
WEB_APP_FTP_ALLOWED = "azure-native:web:WebAppFtpAllowed"
WEB_APP_SCM_ALLOWED = "azure-native:web:WebAppScmAllowed"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
PIM_ELIGIBILITY = "azure-native:authorization:PimRoleEligibilitySchedule"
MANAGEMENT_LOCK = "azure-native:authorization:ManagementLockByScope"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
USER_ASSIGNED_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
IDENTITY_CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
WEB_APP = "azure-native:web:WebApp"
ACCOUNT_CAPABILITY_HOST = "azure-native:cognitiveservices:AccountCapabilityHost"
PROJECT_CAPABILITY_HOST = "azure-native:cognitiveservices:ProjectCapabilityHost"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
SEARCH_SERVICE = "azure-native:search:Service"
COSMOS_ACCOUNT = "azure-native:cosmosdb:DatabaseAccount"
# A Cosmos DB data-plane role assignment: the account's own RBAC, not Microsoft.Authorization.
COSMOS_SQL_ROLE_ASSIGNMENT = "azure-native:cosmosdb:SqlResourceSqlRoleAssignment"
VAULT_SECRET = "azure-native:keyvault:Secret"
VAULT_KEY = "azure-native:keyvault:Key"

# azuread (Entra ID)
ENTRA_APPLICATION = "azuread:index/application:Application"
ENTRA_CREDENTIAL = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
ENTRA_FLEXIBLE_CREDENTIAL = (
    "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential"
)
ENTRA_IDENTIFIER_URI = "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri"
ENTRA_PRE_AUTHORIZED = "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized"
ENTRA_APPLICATION_PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
ENTRA_SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
ENTRA_SERVICE_PRINCIPAL_PASSWORD = "azuread:index/servicePrincipalPassword:ServicePrincipalPassword"
ENTRA_APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
ENTRA_GROUP = "azuread:index/group:Group"
ENTRA_GROUP_MEMBER = "azuread:index/groupMember:GroupMember"
ENTRA_USER = "azuread:index/user:User"

# Writes into an application registration made by their own resources (the provider reads the application, merges
# its part and writes it back): what the application's owner manages, one write at a time.
ENTRA_APPLICATION_PARTS = frozenset(
    {ENTRA_CREDENTIAL, ENTRA_IDENTIFIER_URI, ENTRA_PRE_AUTHORIZED, ENTRA_APPLICATION_PASSWORD}
)
