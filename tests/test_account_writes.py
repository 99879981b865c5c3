"""Every write under a Foundry account forms one line: Azure takes one at a time (409 RequestConflict otherwise).

The writes are recognised by type here, independently of the program: projects, blocklists and their items,
the guardrail policy, deployments, project connections (the user's and, in the standard agent setup, each project's
three agent connections), the capability hosts, and the private endpoint whose approval writes a private endpoint
connection under the account. Nothing outside that line waits for a member it does not use.
"""

from __future__ import annotations

import itertools

import pytest

from components.catalogue.resource_types import (
    ACCOUNT,
    ACCOUNT_CAPABILITY_HOST,
    COSMOS_SQL_ROLE_ASSIGNMENT,
    PRIVATE_ENDPOINT,
    PROJECT_CAPABILITY_HOST,
    ROLE_ASSIGNMENT,
)
from offline.render import Registration, Rendering, render
from tests.conftest import settings_of

# The kinds of account write, in the order the program chains them.
ORDERED_KINDS = (
    "azure-native:cognitiveservices:Project",
    "azure-native:cognitiveservices:RaiBlocklist|azure-native:cognitiveservices:RaiBlocklistItem",
    "azure-native:cognitiveservices:RaiPolicy",
    "azure-native:cognitiveservices:Deployment",
    "azure-native:cognitiveservices:ProjectConnection",
    ACCOUNT_CAPABILITY_HOST,
    PROJECT_CAPABILITY_HOST,
    PRIVATE_ENDPOINT,
)
# The standard agent setup's connections of each project, `<project>-<purpose>`: files (Storage), vectors (AI
# Search), threads (Cosmos DB).
AGENT_PURPOSES = ("agent-files", "agent-vectors", "agent-threads")


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
    agent_setup = settings.agent_setup is not None
    # With the agent runtime injected into a subnet the service makes the account's capability host itself.
    injected = settings.network is not None and settings.network.agent_subnet_injection
    expected = (
        projects  # the projects
        + 1  # the guardrail policy
        + len(settings.models.deployments)
        + projects  # one Application Insights connection per project
        + len(settings.connections)
        + (len(AGENT_PURPOSES) * projects if agent_setup else 0)  # the agent data connections
        + (1 if agent_setup and not injected else 0)  # the account's capability host
        + (projects if agent_setup else 0)  # each project's capability host
        + (1 if settings.is_private else 0)  # the account's private endpoint
    )
    assert len(line) == expected
    hosts = [r.type for r in line if r.type in (ACCOUNT_CAPABILITY_HOST, PROJECT_CAPABILITY_HOST)]
    account_host = [ACCOUNT_CAPABILITY_HOST] if agent_setup and not injected else []
    assert hosts == account_host + [PROJECT_CAPABILITY_HOST] * (projects if agent_setup else 0)


def test_nothing_outside_the_line_waits_for_a_member_it_does_not_use(stack: Rendering) -> None:
    """Except the grants Microsoft's templates make once the projects' capability hosts exist (Storage Blob Data
    Owner on the agent containers, the Cosmos data role on the agent database the hosts make): those wait for the
    project capability hosts, and for no other account write."""
    writes = account_writes(stack)
    members = {r.urn for r in writes}
    project_hosts = {r.urn for r in writes if r.type == PROJECT_CAPABILITY_HOST}
    for resource in stack.resources:
        if resource.urn in members:
            continue
        explicit = set(resource.dependencies) - {u for urns in resource.property_dependencies.values() for u in urns}
        if resource.type in (ROLE_ASSIGNMENT, COSMOS_SQL_ROLE_ASSIGNMENT):
            explicit -= project_hosts
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
    projects = [project.name for project in settings_of("prod").projects]
    assert projects == ["agents", "evals"]
    agent_connections = [f"{p}-{purpose}" for p in projects for purpose in AGENT_PURPOSES]
    connections = [r.input("connectionName") for r in line if r.type.endswith(":ProjectConnection")]
    # Application Insights first, then the stack file's `connections`, then the standard agent setup's.
    assert connections == [f"{p}-app-insights" for p in projects] + ["docs", *agent_connections]
    hosts = [r.input("projectName") for r in line if r.type == PROJECT_CAPABILITY_HOST]
    assert hosts == projects
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
        *["ProjectConnection"] * len(agent_connections),
        *["ProjectCapabilityHost"] * len(projects),
        "PrivateEndpoint",
    ]


def test_in_public_mode_the_account_capability_host_joins_the_line_before_the_projects() -> None:
    """Without subnet injection the service makes no account capability host: the program declares it, in the
    same line, after the agent connections and before each project's."""
    rendering = render("dev", overrides={"agentSetup": {}})
    assert not settings_of("dev").is_private
    line = assert_one_line(rendering)
    tail = [r.type for r in line if r.type in (ACCOUNT_CAPABILITY_HOST, PROJECT_CAPABILITY_HOST)]
    assert tail == [ACCOUNT_CAPABILITY_HOST] + [PROJECT_CAPABILITY_HOST] * len(settings_of("dev").projects)
    assert line[-len(tail) :] == [r for r in line if r.type in (ACCOUNT_CAPABILITY_HOST, PROJECT_CAPABILITY_HOST)]


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_the_vault_endpoint_is_not_held_up_by_the_account(stack_name: str, rendered: dict[str, Rendering]) -> None:
    rendering = rendered[stack_name]
    members = {r.urn for r in account_writes(rendering)}
    for endpoint in rendering.of_type(PRIVATE_ENDPOINT):
        if endpoint.urn not in members:
            assert not set(endpoint.dependencies) & members, endpoint.name
