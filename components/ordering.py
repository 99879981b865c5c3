"""Writes that Azure refuses to run side by side under one parent, declared as one chain.

Some parents accept one write at a time to their children: a Foundry account answers 409 RequestConflict
("Another operation is being performed on the parent resource") when projects, connections, guardrail
policies, blocklists, deployments or a private endpoint connection are written to it in parallel
(Azure/azure-dev #9398, hashicorp/terraform-provider-azurerm #22607, Azure/terraform-azurerm-avm-res-
cognitiveservices-account #125), and a user-assigned identity or an app registration refuses concurrent
federated credential writes. Pulumi runs independent resources in parallel, so every write under such a
parent waits for the one declared before it; the first waits for the parent. Nothing outside the chain is
slowed down: only the chain's members wait for each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import pulumi

R = TypeVar("R", bound=pulumi.Resource)


class SerialWrites:
    """The writes under one parent, in the order they are declared."""

    def __init__(self, parent: pulumi.Resource) -> None:
        self.parent = parent
        self.members: list[pulumi.Resource] = []

    @property
    def last(self) -> pulumi.Resource:
        """What a resource that must come after every write so far depends on."""
        return self.members[-1] if self.members else self.parent

    def options(
        self,
        parent: pulumi.Resource,
        depends_on: Sequence[pulumi.Resource] = (),
        additional_secret_outputs: Sequence[str] | None = None,
        delete_before_replace: bool | None = None,
        protect: bool | None = None,
    ) -> pulumi.ResourceOptions:
        """Resource options for the next write: it waits for the previous one (and for `depends_on`)."""
        return pulumi.ResourceOptions(
            parent=parent,
            depends_on=[self.last, *depends_on],
            additional_secret_outputs=list(additional_secret_outputs) if additional_secret_outputs else None,
            delete_before_replace=delete_before_replace,
            protect=protect,
        )

    def add(self, resource: R) -> R:
        """Record a write declared with `options()`; the next one waits for it."""
        self.members.append(resource)
        return resource
