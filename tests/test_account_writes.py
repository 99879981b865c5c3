"""Every write under a Foundry account forms one line: Azure takes one at a time (409 RequestConflict otherwise).

The writes are recognised by type here, independently of the program: projects, blocklists and their items,
the guardrail policy, deployments, project connections, and the private endpoint whose approval writes a
private endpoint connection under the account. Nothing outside that line waits for a member it does not use.
"""

from __future__ import annotations

import itertools

import pytest

from components.catalogue.resource_types import ACCOUNT, PRIVATE_ENDPOINT
from offline.render import Registration, Rendering, render
from tests.conftest import settings_of

# The kinds of account write, in the order the program chains them.
ORDERED_KINDS = (
    "azure-native:cognitiveservices:Project",
    "azure-native:cognitiveservices:RaiBlocklist|azure-native:cognitiveservices:RaiBlocklistItem",
    "azure-native:cognitiveservices:RaiPolicy",
    "azure-native:cognitiveservices:Deployment",
    "azure-native:cognitiveservices:ProjectConnection",
    PRIVATE_ENDPOINT,
)


NOT_AN_ACCOUNT_WRITE = -1


def kind_rank(resource: Registration) -> int:
    for rank, kinds in enumerate(ORDERED_KINDS):
        if resource.type in kinds.split("|"):
            if resource.type == PRIVATE_ENDPOINT:
                groups = resource.input("privateLinkServiceConnections")[0]["groupIds"]
                return rank if groups == ["account"] else NOT_AN_ACCOUNT_WRITE
            return rank
    return NOT_AN_ACCOUNT_WRITE


def account_writes(rendering: Rendering) -> list[Registration]:
    return [r for r in rendering.resources if kind_rank(r) != NOT_AN_ACCOUNT_WRITE]


def as_line(rendering: Rendering, members: list[Registration]) -> list[Registration]:
    """The members in dependency order, asserting that exactly one can start at each step."""
    remaining = list(members)
    line: list[Registration] = []
    while remaining:
        ready = [m for m in remaining if not any(rendering.waits_for(m, o) for o in remaining if o is not m)]
        assert len(ready) == 1, f"{[r.name for r in ready]} could be written to the account at the same time"
        line.append(ready[0])
        remaining.remove(ready[0])
    return line


def assert_one_line(rendering: Rendering) -> list[Registration]:
    account = rendering.one(ACCOUNT)
    line = as_line(rendering, account_writes(rendering))
    assert rendering.depends_on(line[0], account)
    for previous, current in itertools.pairwise(line):
        assert previous.urn in current.dependencies, f"{current.name} does not wait for {previous.name}"
    ranks = [kind_rank(r) for r in line]
    assert ranks == sorted(ranks), [r.name for r in line]
    return line


def test_every_account_write_of_each_stack_is_in_one_line(stack: Rendering) -> None:
    line = assert_one_line(stack)
    settings = settings_of(stack.stack)
    projects = len(settings.projects)
    expected = (
        projects  # the projects
        + 1  # the guardrail policy
        + len(settings.models.deployments)
        + projects  # one Application Insights connection per project
        + len(settings.connections)
        + (1 if settings.is_private else 0)  # the account's private endpoint
    )
    assert len(line) == expected


def test_nothing_outside_the_line_waits_for_a_member_it_does_not_use(stack: Rendering) -> None:
    members = {r.urn for r in account_writes(stack)}
    for resource in stack.resources:
        if resource.urn in members:
            continue
        explicit = set(resource.dependencies) - {u for urns in resource.property_dependencies.values() for u in urns}
        assert not explicit & members, f"{resource.name} waits for an account write it takes nothing from"


def test_blocklists_connections_and_extra_deployments_join_the_same_line() -> None:
    rendering = render(
        "prod",
        overrides={
            "guardrails": {"blocklists": [{"name": "rivals", "items": ["a", "b"]}, {"name": "codes", "items": ["c"]}]},
            "modelDeployments": [
                {"name": "router", "model": {"name": "gpt-5-mini", "version": "2025-08-07"}},
                {"name": "embeddings", "model": {"name": "text-embedding-3-large", "version": "1"}},
                {"name": "specialist", "model": {"name": "gpt-4.1", "version": "2025-04-14"}},
            ],
            "connections": [
                {
                    "name": "docs",
                    "project": "evals",
                    "resourceId": "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-fndry-prod"
                    "/providers/Microsoft.Storage/storageAccounts/stdocs",
                }
            ],
        },
    )
    line = assert_one_line(rendering)
    kinds = [r.type.rsplit(":", 1)[-1] for r in line]
    assert kinds == [
        "Project",
        "Project",
        "RaiBlocklist",
        "RaiBlocklistItem",
        "RaiBlocklistItem",
        "RaiBlocklist",
        "RaiBlocklistItem",
        "RaiPolicy",
        "Deployment",
        "Deployment",
        "Deployment",
        "ProjectConnection",
        "ProjectConnection",
        "ProjectConnection",
        "PrivateEndpoint",
    ]


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_the_vault_endpoint_is_not_held_up_by_the_account(stack_name: str, rendered: dict[str, Rendering]) -> None:
    rendering = rendered[stack_name]
    members = {r.urn for r in account_writes(rendering)}
    for endpoint in rendering.of_type(PRIVATE_ENDPOINT):
        if endpoint.urn not in members:
            assert not set(endpoint.dependencies) & members, endpoint.name
