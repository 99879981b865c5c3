"""PrivilegedAccess: the role model's PIM eligibilities of one environment, on what its main stack created.

The main program cannot make them: creating a PIM eligibility needs `roleEligibilityScheduleRequests/write`,
which neither Contributor nor Role Based Access Control Administrator has, and a role that has it would let the
pipeline make itself eligible for anything (ABAC conditions limit role assignments, not PIM requests). So an
administrator who holds User Access Administrator on the environment's resource group (itself activated
through PIM) runs this phase once the main stack exists, and again to renew the window. The principals and
scopes come from the main stack's outputs, so nothing is typed in twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from components.access import GROUP_GRANTEES, Grant, eligible_grants
from components.catalogue.locks import LOCK_NAME, LOCK_SCOPES_OUTPUT
from components.rbac import Principal, Scope, make_eligible
from pim.settings import PimSettings
from policy import azure_policy

# The main stack's outputs this phase reads: the account's ARM id, the groups' object ids, the resource group.
ACCOUNT_OUTPUT = "accountId"
GROUPS_OUTPUT = "groupObjectIds"
GROUP_OUTPUT = "resourceGroupName"


@dataclass(frozen=True)
class PrivilegedAccessArgs:
    settings: PimSettings


class PrivilegedAccess(pulumi.ComponentResource):
    eligibilities: list[authorization.PimRoleEligibilitySchedule]

    def __init__(self, name: str, args: PrivilegedAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:PrivilegedAccess", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        main = pulumi.StackReference(f"{name}-main", stack_name=settings.main_stack, opts=child)
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        account = Scope(f"{ACCOUNT_OUTPUT} of {settings.main_stack}", main.require_output(ACCOUNT_OUTPUT))
        groups = main.require_output(GROUPS_OUTPUT)
        window = settings.window
        self.eligibilities = [
            make_eligible(
                f"{name}-{group_key(grant)}-{grant.role.name.lower().replace(' ', '-')}",
                group_principal(grant, groups),
                grant.role,
                account,
                client.subscription_id,
                window,
                child,
            )
            for grant in eligible_grants(settings.environment)
            if window is not None  # required by the settings wherever a grant is eligible
        ]
        # Delete locks on the main stack's stores (`deleteLocks`): the pipeline's deployer cannot write locks
        # (Contributor excludes Microsoft.Authorization/*/Write), and whoever can write one can lift it, so they are
        # made here, by the administrator who holds User Access Administrator for the run.
        scopes = main.require_output(LOCK_SCOPES_OUTPUT)
        self.locks = [
            authorization.ManagementLockByScope(
                f"{name}-lock-{target}",
                scope=scopes.apply(lambda ids, target=target: lock_scope(ids, target, settings.main_stack)),
                lock_name=LOCK_NAME,
                level=authorization.LockLevel.CAN_NOT_DELETE,
                notes=f"{target} of {settings.main_stack}: lifted only for a planned change (docs/runbook.md), then "
                "restored by this phase",
                opts=child,
            )
            for target in settings.delete_locks
        ]
        # The design rules between deploys: the built-in Azure Policy definitions that match the policy pack's rules,
        # assigned at the environment's resource group (policy/azure_policy.py).
        group_id = pulumi.Output.all(client.subscription_id, main.require_output(GROUP_OUTPUT)).apply(
            lambda values: f"/subscriptions/{values[0]}/resourceGroups/{values[1]}"
        )
        self.policy_assignments = [
            authorization.PolicyAssignment(
                f"{name}-policy-{builtin.guid[:8]}",
                policy_assignment_name=f"foundry-{builtin.guid}",
                scope=group_id,
                policy_definition_id=builtin.definition_id,
                display_name=builtin.display_name[:128],
                description=f"foundry-platform: the policy pack's '{rule}' between deploys ({effect})",
                enforcement_mode=authorization.EnforcementMode.DEFAULT,
                parameters={
                    "effect": {"value": effect},
                    **{key: {"value": value} for key, value in builtin.parameters.items()},
                },
                opts=child,
            )
            for rule, builtin, effect in azure_policy.assignments(
                settings.azure_policy == "deny", settings.private_network_rules
            )
        ]
        self.outputs: dict[str, pulumi.Input[object]] = {
            "environment": settings.environment,
            "mainStack": settings.main_stack,
            "eligibleUntil": window.expires_on if window else None,
        }
        self.register_outputs(self.outputs)


def lock_scope(ids: Any, target: str, main_stack: str) -> str:
    """The ARM id the main stack exports for `target`; a clear error when it exports none (e.g. no agentSetup)."""
    if not isinstance(ids, dict) or target not in ids:
        raise ValueError(
            f"deleteLocks names {target}, but {main_stack} exports no such resource in {LOCK_SCOPES_OUTPUT} "
            f"(it has: {', '.join(sorted(ids)) if isinstance(ids, dict) else 'nothing'}); remove it from deleteLocks"
        )
    return str(ids[target])


def group_key(grant: Grant) -> str:
    """Only the environment's groups are made eligible: PIM activation needs a person, who is in a group."""
    if grant.grantee not in GROUP_GRANTEES or grant.scope != "Foundry resource":
        raise ValueError(
            f"the PIM phase makes groups eligible on the Foundry resource, not {grant.grantee} on {grant.scope}"
        )
    return GROUP_GRANTEES[grant.grantee]


def group_principal(grant: Grant, groups: pulumi.Output[Any]) -> Principal:
    key = group_key(grant)
    return Principal(
        key=f"entra-group:{key}",
        display_name=f"{grant.grantee} group ({GROUPS_OUTPUT}.{key} of the main stack)",
        kind="Entra security group",
        principal_type="Group",
        object_id=groups.apply(lambda ids: str(ids[key])),
    )
