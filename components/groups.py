"""The environment's Entra security groups: the only way people get access to Foundry."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.catalogue.entra_apps import END_USERS_GROUP_SUFFIX
from components.rbac import Principal
from components.settings import Placement
from components.settings.access import GroupMembership, Groups

# Config key under `groups` -> what the group is for (also the group's name suffix).
GROUP_PURPOSES: dict[str, str] = {
    "developers": "build and test agents",
    "readers": "read-only access",
    "platformAdmins": "administer the Foundry resource",
}
# The end users of an On-Behalf-Of API (`onBehalfOf.endUsers`): a group only where that pattern is on.
END_USERS = "endUsers"
END_USERS_PURPOSE = "call Foundry as themselves, through the on-behalf-of API or directly,"


def group_display_name(name_prefix: str, environment: str, role: str) -> str:
    if role == END_USERS:
        return f"grp-{name_prefix}-foundry-{environment}{END_USERS_GROUP_SUFFIX}"
    suffix = "platform-admins" if role == "platformAdmins" else role
    return f"grp-{name_prefix}-foundry-{environment}-{suffix}"


@dataclass(frozen=True)
class PeopleGroupsArgs:
    placement: Placement
    groups: Groups
    # The pipeline's deployer: with Group.Create it manages only the groups it owns, so it is always an owner.
    deployer_object_id: pulumi.Input[str]
    end_users: GroupMembership | None = None  # set: the On-Behalf-Of API's end-users group is made too


class PeopleGroups(pulumi.ComponentResource):
    groups: dict[str, azuread.Group]
    principals: dict[str, Principal]

    def __init__(self, name: str, args: PeopleGroupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:PeopleGroups", name, None, opts)
        place = args.placement
        self.groups = {}
        self.principals = {}
        wanted = [(role, purpose, args.groups[role]) for role, purpose in GROUP_PURPOSES.items()]
        if args.end_users is not None:
            wanted.append((END_USERS, END_USERS_PURPOSE, args.end_users))
        for role, purpose, membership in wanted:
            display_name = group_display_name(place.name_prefix, place.instance, role)
            group = azuread.Group(
                f"{name}-{role}",
                display_name=display_name,
                description=f"People who {purpose} in the {place.instance} Foundry environment ({place.environment}).",
                security_enabled=True,
                mail_enabled=False,
                members=list(membership.members),
                owners=pulumi.Output.all(args.deployer_object_id, *membership.owners).apply(
                    lambda ids: list(dict.fromkeys(ids))
                ),
                prevent_duplicate_names=True,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.groups[role] = group
            self.principals[role] = Principal(
                key=f"entra-group:{display_name}",
                display_name=display_name,
                kind="Entra security group",
                principal_type="Group",
                object_id=group.object_id,
            )
        self.register_outputs({role: group.object_id for role, group in self.groups.items()})
