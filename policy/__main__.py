"""Entry point of the policy pack: `pulumi preview --policy-pack policy` runs this file.

The rules reuse the project's role catalogue, so the project root goes on the import path first.
"""

import sys
from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402 - after the path is set

from policy.pack import PACK_NAME, build_policies  # noqa: E402 - after the path is set

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="foundry-platform design rules: Entra-only Foundry, private prod, recoverable RBAC-only vaults, "
    "least-privilege grants by GUID, keyless per-environment federation, guardrails on every deployment.",
)
