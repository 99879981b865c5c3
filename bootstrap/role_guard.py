"""RoleAssignmentGuard: Azure Policy's counterpart of the policy pack's `no-forbidden-role`, between deploys.

No built-in definition judges a role assignment's role, so this is the repository's one custom definition
(policy/azure_policy.py ROLE_GUARD). Definitions live at the subscription, which only the bootstrap's administrator
(the subscription's Owner) may write, so the bootstrap makes it, once per stack (`foundry-<prefix>-<stack>-role-guard`:
stacks sharing a subscription keep their own), and assigns it at the environment's resource group: Deny in prod,
Audit elsewhere (`roleAssignmentGuard`). The deployer is the one service principal allowed a privileged role
there (Contributor, and Role Based Access Control Administrator with its condition); people are left out, since a
PIM activation is a role assignment to a user.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization

from bootstrap.settings import BootstrapSettings
from policy import azure_policy


@dataclass(frozen=True)
class RoleAssignmentGuardArgs:
    settings: BootstrapSettings
    environment_group_id: pulumi.Input[str]
    # Service principals that may hold a privileged role at the group: the deployer's.
    allowed_principal_ids: pulumi.Input[list[str]]


class RoleAssignmentGuard(pulumi.ComponentResource):
    definition: authorization.PolicyDefinition
    assignment: authorization.PolicyAssignment

    def __init__(self, name: str, args: RoleAssignmentGuardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:RoleAssignmentGuard", name, None, opts)
        s = args.settings
        guard = azure_policy.ROLE_GUARD
        parameters = azure_policy.role_guard_parameters()
        self.definition = authorization.PolicyDefinition(
            f"{name}-definition",
            policy_definition_name=definition_name(s),
            display_name=guard.display_name,
            description=f"The policy pack's no-forbidden-role between deploys, for stack {s.instance}.",
            policy_type=authorization.PolicyType.CUSTOM,
            # Role assignments carry no tags or location: `Indexed` would never evaluate them (Learn, "Azure Policy
            # definition structure basics", mode).
            mode="All",
            parameters={key: _definition_parameter(parameter) for key, parameter in parameters.items()},
            policy_rule=azure_policy.role_guard_rule(),
            metadata={"category": "Authorization", "managedBy": "foundry-platform-bootstrap"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        effect = "Deny" if s.role_assignment_guard == "deny" else "Audit"
        self.assignment = authorization.PolicyAssignment(
            f"{name}-assignment",
            policy_assignment_name=definition_name(s),
            scope=args.environment_group_id,
            policy_definition_id=self.definition.id,
            display_name=guard.display_name,
            description=f"foundry-platform: the policy pack's 'no-forbidden-role' between deploys ({effect})",
            enforcement_mode=authorization.EnforcementMode.DEFAULT,
            parameters={
                "effect": {"value": effect},
                "forbiddenRoleIds": {"value": parameters["forbiddenRoleIds"].default},
                "privilegedRoleIds": {"value": parameters["privilegedRoleIds"].default},
                "allowedPrincipalIds": {"value": args.allowed_principal_ids},
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"roleGuardDefinitionId": self.definition.id, "roleGuardEffect": effect})


def definition_name(settings: BootstrapSettings) -> str:
    return f"foundry-{settings.name_prefix}-{settings.instance}-{azure_policy.ROLE_GUARD.name}"


def _definition_parameter(parameter: azure_policy.GuardParameter) -> authorization.ParameterDefinitionsValueArgsDict:
    declared: authorization.ParameterDefinitionsValueArgsDict = {
        "type": parameter.kind,
        "default_value": parameter.default,
    }
    if parameter.allowed:
        declared["allowed_values"] = list(parameter.allowed)
    return declared
