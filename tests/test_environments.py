"""Environments are separated by resource: nothing is shared between dev, staging and prod."""

from __future__ import annotations

from offline.render import Rendering

STATEFUL = (
    "azure-native:cognitiveservices:Account",
    "azure-native:keyvault:Vault",
    "azure-native:managedidentity:UserAssignedIdentity",
)
PROJECT_SCOPED = ("azure-native:cognitiveservices:ProjectConnection",)
AZURE_NAME_INPUTS = ("resourceGroupName", "accountName", "vaultName", "resourceName", "projectName")


def azure_names(rendering: Rendering) -> set[str]:
    """The Azure names of the resources a stack creates (project names repeat per account by design)."""
    names: set[str] = set()
    for resource in rendering.resources:
        if resource.custom and resource.type != "azure-native:cognitiveservices:Project":
            # Resources inside a project name it by its (per-account, repeating) project name too.
            keys = [k for k in AZURE_NAME_INPUTS if not (k == "projectName" and resource.type in PROJECT_SCOPED)]
            names |= {resource.inputs[k] for k in keys if isinstance(resource.inputs.get(k), str)}
    return names


def test_no_azure_name_is_shared_between_stacks(rendered: dict[str, Rendering]) -> None:
    dev, staging, prod = (azure_names(rendered[s]) for s in ("dev", "staging", "prod"))
    assert dev and staging and prod
    assert not dev & staging and not dev & prod and not staging & prod


def test_prod_inputs_never_mention_another_environment(rendered: dict[str, Rendering]) -> None:
    other_names = azure_names(rendered["dev"]) | azure_names(rendered["staging"])
    for resource in rendered["prod"].resources:
        text = repr(resource.inputs)
        assert not [name for name in other_names if name in text], resource.name


def test_subdomains_differ_between_stacks(rendered: dict[str, Rendering]) -> None:
    subdomains = {
        s: r.one("azure-native:cognitiveservices:Account").input("properties.customSubDomainName")
        for s, r in rendered.items()
    }
    assert len(set(subdomains.values())) == 3


def test_prod_protects_its_stateful_resources(rendered: dict[str, Rendering]) -> None:
    for type_token in STATEFUL:
        assert rendered["prod"].one(type_token).protect, type_token
        assert not rendered["dev"].one(type_token).protect, type_token
    # Projects hold agents, threads and files: a replacement would delete them.
    projects = "azure-native:cognitiveservices:Project"
    assert rendered["prod"].of_type(projects) and all(p.protect for p in rendered["prod"].of_type(projects))
    assert not any(p.protect for p in rendered["dev"].of_type(projects))


def test_every_resource_is_parented_inside_the_environment_component(stack: Rendering) -> None:
    environment = stack.one("foundry-platform:index:FoundryEnvironment")
    by_urn = {r.urn: r for r in stack.resources}
    for resource in stack.resources:
        if resource is environment:
            continue
        ancestor = by_urn.get(resource.parent)
        while ancestor is not None and ancestor is not environment:
            ancestor = by_urn.get(ancestor.parent)
        assert ancestor is environment, resource.name


def test_tags_mark_environment_on_every_azure_resource(stack: Rendering) -> None:
    for resource in stack.resources:
        if resource.type.startswith("azure-native:") and "tags" in resource.inputs:
            assert resource.inputs["tags"]["environment"] == stack.stack
