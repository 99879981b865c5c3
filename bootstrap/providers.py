"""The resource providers a subscription must have registered before the first deploy, and the admin step that
registers them.

A new subscription has only a few core providers registered (Microsoft.Authorization, Microsoft.Resources and
some billing ones); any other type fails with 409 MissingSubscriptionRegistration. azure-native's client
registers a missing provider when it meets that error, but registration is checked at the subscription
(`<namespace>/register/action`), which the pipeline's deployer, scoped to one resource group, does not have.
So an administrator registers them once, before the bootstrap:

    venv/bin/python -m bootstrap.providers          # prints the az commands
    venv/bin/python -m bootstrap.providers --run    # runs them with the signed-in Azure CLI

The list is the namespaces of every resource type the main program and the bootstrap declare (`offline.arm`,
checked by tests/bootstrap/test_providers.py), plus what Azure needs besides them (the reasons say where).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence

# Namespace -> why it is needed.
REQUIRED_PROVIDERS: dict[str, str] = {
    "Microsoft.CognitiveServices": "the Foundry account, its projects, deployments, guardrails and connections",
    "Microsoft.KeyVault": "the environment's vault and the state backend's secrets key",
    "Microsoft.ManagedIdentity": "the application's user-assigned identity and its federated credentials",
    "Microsoft.Web": "the App Service plan and web app; also a subnet delegated to Microsoft.Web/serverFarms",
    "Microsoft.Network": "virtual network, private endpoints, private DNS zones and their links",
    "Microsoft.OperationalInsights": "the Log Analytics workspace",
    "Microsoft.Insights": "Application Insights and the diagnostic settings",
    "Microsoft.Storage": "the state backend's storage account (bootstrap); the agent files' account (standard agent "
    "setup)",
    "Microsoft.Search": "the AI Search service holding the agents' vector stores (standard agent setup)",
    "Microsoft.DocumentDB": "the Cosmos DB account holding the agents' threads (standard agent setup)",
    "Microsoft.App": "a subnet delegated to Microsoft.App/environments (Foundry agent subnet injection)",
    "Microsoft.ContainerService": "Foundry agent subnet injection refuses a subscription without it and "
    "Microsoft.App (Learn, Foundry Agent Service, 'use a virtual network' how-to)",
    "Microsoft.AlertsManagement": "Application Insights creates its Failure Anomalies alert rule there; without it "
    "that rule's deployment fails beside the component",
    "GitHub.Network": "the bootstrap's runner network with GitHub-hosted runners (runnerNetwork.kind github-hosted): "
    "its GitHub.Network/networkSettings resource and the subnet delegated to it (GitHub docs, 'Configuring private "
    "networking for GitHub-hosted runners in your organization', which registers it first)",
}

# Registered in every subscription from the start (Learn, "Resource providers for Azure services").
ALWAYS_REGISTERED: tuple[str, ...] = ("Microsoft.Authorization", "Microsoft.Resources")


def commands() -> list[list[str]]:
    return [["az", "provider", "register", "--namespace", namespace, "--wait"] for namespace in REQUIRED_PROVIDERS]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bootstrap.providers", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--run", action="store_true", help="run the commands with the signed-in Azure CLI")
    args = parser.parse_args(argv)
    if not args.run:
        for namespace, command in zip(REQUIRED_PROVIDERS, commands(), strict=True):
            print(f"{' '.join(command)}   # {REQUIRED_PROVIDERS[namespace]}")
        return 0
    if shutil.which("az") is None:
        print("the Azure CLI (az) is not on PATH; install it and `az login` as a subscription Owner", file=sys.stderr)
        return 2
    for command in commands():
        print("+", " ".join(command), flush=True)
        completed = subprocess.run(command, check=False)
        if completed.returncode != 0:
            print(f"registering {command[4]} failed (exit {completed.returncode})", file=sys.stderr)
            return completed.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
