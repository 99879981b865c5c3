"""Public host names under which a Foundry resource answers, keyed by what they are for."""

from __future__ import annotations

# The Foundry (AI Services) endpoint that agents, projects and the Responses API use.
FOUNDRY_HOST_SUFFIX = "services.ai.azure.com"
# The ARM-registered endpoint of a Cognitive Services account.
COGNITIVE_SERVICES_HOST_SUFFIX = "cognitiveservices.azure.com"
# The Azure OpenAI-compatible inference endpoint.
OPENAI_HOST_SUFFIX = "openai.azure.com"

KEY_VAULT_HOST_SUFFIX = "vault.azure.net"

# Scope of the Entra access token that data-plane callers request.
FOUNDRY_TOKEN_SCOPE = "https://ai.azure.com/.default"


def account_endpoint(subdomain: str) -> str:
    return f"https://{subdomain}.{COGNITIVE_SERVICES_HOST_SUFFIX}/"


def project_endpoint(subdomain: str, project_name: str) -> str:
    return f"https://{subdomain}.{FOUNDRY_HOST_SUFFIX}/api/projects/{project_name}"


def key_vault_uri(vault_name: str) -> str:
    return f"https://{vault_name}.{KEY_VAULT_HOST_SUFFIX}/"
