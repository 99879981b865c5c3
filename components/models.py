"""ModelDeployments: the environment's guardrail (RAI) policy, its optional blocklists, and the model deployments.

Every one of them is a write under the Foundry account, which takes one write at a time (409 RequestConflict
otherwise): blocklists, their items, the policy and the deployments join the account's write chain in that
order (`components.ordering`), so the policy exists before any deployment names it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cognitiveservices

from components.catalogue import guardrails as catalogue
from components.ordering import SerialWrites
from components.settings import Placement
from components.settings.models import GuardrailConfig
from components.settings.stack import ModelSettings


@dataclass(frozen=True)
class ModelDeploymentsArgs:
    placement: Placement
    models: ModelSettings
    resource_group_name: pulumi.Input[str]
    account: cognitiveservices.Account
    account_writes: SerialWrites


def content_filters(guardrails: GuardrailConfig) -> list[cognitiveservices.RaiPolicyContentFilterArgsDict]:
    """Every filter of the custom policy: each is enabled, and each blocks unless config says otherwise."""
    filters: list[cognitiveservices.RaiPolicyContentFilterArgsDict] = []
    for key, filter_name in catalogue.HARM_CATEGORIES.items():
        thresholds = guardrails.harm(key)
        for source, level in ((catalogue.PROMPT, thresholds.prompt), (catalogue.COMPLETION, thresholds.completion)):
            filters.append(
                {
                    "name": filter_name,
                    "source": source,
                    "severity_threshold": level,
                    "enabled": True,
                    "blocking": True,
                }
            )
    for filter_name, source, blocking in (
        (catalogue.JAILBREAK, catalogue.PROMPT, guardrails.jailbreak),
        (catalogue.PROTECTED_MATERIAL_TEXT, catalogue.COMPLETION, guardrails.protected_material_text),
        (catalogue.PROTECTED_MATERIAL_CODE, catalogue.COMPLETION, guardrails.protected_material_code),
    ):
        # Switching one of these off in config keeps detection (annotations) and only stops the blocking.
        filters.append({"name": filter_name, "source": source, "enabled": True, "blocking": blocking})
    return filters


class ModelDeployments(pulumi.ComponentResource):
    rai_policy: cognitiveservices.RaiPolicy
    blocklists: dict[str, cognitiveservices.RaiBlocklist]
    deployments: list[cognitiveservices.Deployment]

    def __init__(self, name: str, args: ModelDeploymentsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:ModelDeployments", name, None, opts)
        place = args.placement
        models = args.models
        guardrails = models.guardrails
        account_name = args.account.name
        writes = args.account_writes

        self.blocklists = {}
        for blocklist in guardrails.blocklists:
            resource = writes.add(
                cognitiveservices.RaiBlocklist(
                    f"{name}-blocklist-{blocklist.name}",
                    account_name=account_name,
                    resource_group_name=args.resource_group_name,
                    rai_blocklist_name=blocklist.name,
                    properties={"description": blocklist.description},
                    tags=place.tags,
                    opts=writes.options(self),
                )
            )
            for index, item in enumerate(blocklist.items):
                writes.add(
                    cognitiveservices.RaiBlocklistItem(
                        f"{name}-blocklist-{blocklist.name}-item-{index}",
                        account_name=account_name,
                        resource_group_name=args.resource_group_name,
                        rai_blocklist_name=resource.name,
                        rai_blocklist_item_name=f"{blocklist.name}-{index}",
                        properties={"pattern": item.pattern, "is_regex": item.is_regex},
                        tags=place.tags,
                        opts=writes.options(self),
                    )
                )
            self.blocklists[blocklist.name] = resource

        self.rai_policy = cognitiveservices.RaiPolicy(
            f"{name}-rai-policy",
            account_name=account_name,
            resource_group_name=args.resource_group_name,
            rai_policy_name=models.rai_policy_name,
            properties={
                "base_policy_name": catalogue.BASE_POLICY_NAME,
                "content_filters": content_filters(guardrails),
                "custom_blocklists": [
                    {"blocklist_name": blocklist_name, "source": source, "blocking": True}
                    for blocklist_name in self.blocklists
                    for source in catalogue.SOURCES
                ],
            },
            tags=place.tags,
            opts=writes.options(self),
        )
        writes.add(self.rai_policy)

        self.deployments = []
        for deployment in models.deployments:
            created = cognitiveservices.Deployment(
                f"{name}-deployment-{deployment.name}",
                account_name=account_name,
                resource_group_name=args.resource_group_name,
                deployment_name=deployment.name,
                sku={"name": deployment.sku, "capacity": deployment.capacity},
                properties={
                    "model": {
                        "format": deployment.model.format,
                        "name": deployment.model.name,
                        "version": deployment.model.version,
                    },
                    "rai_policy_name": models.rai_policy_name,
                    "version_upgrade_option": deployment.version_upgrade_option,
                },
                tags=place.tags,
                opts=writes.options(self, depends_on=[self.rai_policy]),
            )
            self.deployments.append(writes.add(created))

        self.summary = {
            d.name: {
                "model": d.model.name,
                "version": d.model.version,
                "format": d.model.format,
                "sku": d.sku,
                "capacity": d.capacity,
            }
            for d in models.deployments
        }
        self.register_outputs({"raiPolicyName": models.rai_policy_name, "deployments": self.summary})
