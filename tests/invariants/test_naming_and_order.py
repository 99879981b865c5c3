"""Names, tags and order for every stack file of the project, derived from its settings."""

from __future__ import annotations

import itertools

from components.settings.core import other_environment_token
from tests.invariants.conftest import Stack

NAME_INPUTS = ("accountName", "vaultName", "resourceName", "resourceGroupName", "name", "displayName", "workspaceName")


def test_every_resource_is_in_the_stacks_group_and_carries_its_environment(stack: Stack) -> None:
    settings, main = stack.settings, stack.environment.main
    for resource in main.resources:
        group = resource.inputs.get("resourceGroupName")
        if isinstance(group, str):
            assert group == settings.resource_group_name, resource.name
        tags = resource.inputs.get("tags")
        if isinstance(tags, dict):
            assert tags.get("environment") == settings.environment, resource.name
            assert {k: tags.get(k) for k in settings.tags} == settings.tags, resource.name


def test_no_name_carries_another_environment(stack: Stack) -> None:
    environment = stack.settings.environment
    for resource in stack.environment.main.resources:
        for key in NAME_INPUTS:
            value = resource.inputs.get(key)
            if isinstance(value, str):
                assert other_environment_token(value, environment) is None, (resource.name, key, value)


def test_the_configured_models_are_deployed_in_order_under_the_guardrails(stack: Stack) -> None:
    main, models = stack.environment.main, stack.settings.models
    deployments = main.of_type("azure-native:cognitiveservices:Deployment")
    assert [d.input("deploymentName") for d in deployments] == [d.name for d in models.deployments]
    assert {d.input("properties.raiPolicyName") for d in deployments} == {models.rai_policy_name}
    for earlier, later in itertools.pairwise(deployments):
        assert main.depends_on(later, earlier)


def test_the_web_app_and_its_identitys_roles_come_in_the_order_the_identity_allows(stack: Stack) -> None:
    """A user-assigned identity's grants exist before the app starts; a system-assigned identity exists only with
    the app, so its grants follow the app (and the app waits for none)."""
    main = stack.environment.main
    if not stack.settings.compute.enabled:
        return
    app = main.one("azure-native:web:WebApp")
    roles = main.of_type("azure-native:authorization:RoleAssignment")
    if stack.settings.compute.identity == "system-assigned":
        principal = app.state["identity"]["principalId"]
    else:
        principal = main.one("azure-native:managedidentity:UserAssignedIdentity").state["principalId"]
    grants = [a for a in roles if a.input("principalId") == principal]
    # Foundry User on each project, and the identity's roles on the vault and Application Insights.
    assert len(grants) == len(stack.settings.projects) + 2
    if stack.settings.compute.identity == "system-assigned":
        assert all(app.urn in grant.dependencies for grant in grants)
        assert not {r.urn for r in roles} & set(app.dependencies)
    else:
        assert all(grant.urn in app.dependencies for grant in grants)
