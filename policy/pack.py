"""Adapters from the plain rules in `policy/rules.py` to the Pulumi policy SDK, all enforced as mandatory.

A resource policy gets the resource's inputs (camelCase, as the engine sees them); the environment is the
resource's `environment` tag, or the stack name read from the URN where there is no tag (prod's rules apply
where that name is not a tier: fail safe). During a preview an
input that is not known yet makes the SDK skip that one check with a notice; the rules touch only what they need.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.rules import (
    RESOURCE_RULES,
    STACK_RULES,
    ResourceRule,
    ResourceView,
    StackRule,
    environment_of,
    stack_of_urn,
)

PACK_NAME = "foundry-platform-security"


def resource_policy(rule: ResourceRule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.types:
            return
        environment = environment_of(args.props, stack_of_urn(args.urn))
        for message in rule.evaluate(args.resource_type, args.props, environment):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def stack_policy(rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        views = [
            ResourceView(
                urn=resource.urn,
                type=resource.resource_type,
                props=resource.props,
                property_dependencies={
                    prop: [dependency.urn for dependency in dependencies]
                    for prop, dependencies in resource.property_dependencies.items()
                },
                protect=bool(resource.opts.protect),
            )
            for resource in args.resources
        ]
        for violation in rule.check(views):
            report_violation(violation.message, violation.urn)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def build_policies() -> list[Policy]:
    return [*(resource_policy(rule) for rule in RESOURCE_RULES), *(stack_policy(rule) for rule in STACK_RULES)]
