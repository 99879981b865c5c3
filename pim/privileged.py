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
from components.rbac import Principal, Scope, make_eligible
from pim.settings import PimSettings

# The main stack's outputs this phase reads: the account's ARM id and the groups' object ids.
ACCOUNT_OUTPUT = "accountId"
GROUPS_OUTPUT = "groupObjectIds"


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
        self.eligibilities = [
            make_eligible(
                f"{name}-{group_key(grant)}-{grant.role.name.lower().replace(' ', '-')}",
                group_principal(grant, groups),
                grant.role,
                account,
                client.subscription_id,
                settings.window,
                child,
            )
            for grant in eligible_grants(settings.environment)
        ]
        self.outputs: dict[str, pulumi.Input[object]] = {
            "environment": settings.environment,
            "mainStack": settings.main_stack,
            "eligibleUntil": settings.window.expires_on,
        }
        self.register_outputs(self.outputs)


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
