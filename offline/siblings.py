"""Rules across stack files: what one environment may not share with another.

A `pulumi up` sees only its own stack, so the program itself can refuse only what carries another environment's
name (`components.settings.core.own_environment_only`). What needs the sibling stack files runs here, in
`offline.plan --stack all` (exit 2, bad input) and the tests:
- the resource group: two stacks in one group would overwrite each other's resources;
- the VNet ranges: environments peered to one hub need ranges that do not overlap;
- an existing subnet: delegated and sized for one environment's app and agents;
- a connection's target: dev's agents must not read prod's search index or storage;
- the pipeline's deployer: each stack has its own (its bootstrap stack of the same name), trusting only the stack's
  GitHub environment; one deployer for two stacks would carry one's rights into the other's pipeline.
Globally unique names (the Foundry subdomain, vaults, storage) are compared on the renderings instead
(`offline.azure_rules.check_global_names`), since Azure refuses them whatever config says.

And a stack and its bootstrap (two stack files of one name in two projects) must agree: environment, prefix,
region, the resource group the bootstrap makes for the main program, and the secrets key each project's
`secretsprovider` names, pinned to a version (`agreement_problems`).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date

from bootstrap.settings import PROJECT as BOOTSTRAP_PROJECT
from bootstrap.settings import BootstrapSettings
from bootstrap.state import SECRETS_PROVIDER_SCHEME, SecretsProviderUrl
from components.settings import PROJECT, Settings, parse_settings
from components.settings.base import problem
from components.settings.loading import parse
from offline.render import BOOTSTRAP_DIR, PIM_DIR, PIM_PROJECT, PROJECT_DIR, stack_config, stack_file
from offline.settings_view import ProjectSettings
from offline.stackfile import read as read_stack_file
from pim.settings import PimSettings

# What a rule compares: a stack's settings -> (key, value) pairs; equal or overlapping values clash.
Values = Callable[[Settings], Iterable[tuple[str, str]]]


def _resource_group(s: Settings) -> Iterable[tuple[str, str]]:
    yield ("existingResourceGroup" if s.existing_resource_group else "namePrefix", s.resource_group_name.lower())


def _address_space(s: Settings) -> Iterable[tuple[str, str]]:
    if s.network and s.network.creates_vnet:
        yield from (("network.addressSpace", space) for space in s.network.address_space)


def _subnets(s: Settings) -> Iterable[tuple[str, str]]:
    if s.network and s.network.existing:
        yield from ((f"network.existingSubnetIds.{use}", i.lower()) for use, i in s.network.existing.items())


def _targets(s: Settings) -> Iterable[tuple[str, str]]:
    yield from ((f"connections[{i}].resourceId", c.resource_id.lower()) for i, c in enumerate(s.connections))


def _deployer(s: Settings) -> Iterable[tuple[str, str]]:
    if s.deployer_object_id:
        yield "deployerObjectId", s.deployer_object_id


def _overlap(a: str, b: str) -> bool:
    return ipaddress.IPv4Network(a).overlaps(ipaddress.IPv4Network(b))


RULES: tuple[tuple[Values, Callable[[str, str], bool], str], ...] = (
    (_resource_group, str.__eq__, "two stacks in one resource group overwrite each other's resources"),
    (_address_space, _overlap, "environments peered to one hub need VNet ranges that do not overlap"),
    (_subnets, str.__eq__, "an existing subnet is delegated and sized for one environment"),
    (
        _targets,
        str.__eq__,
        "environments are separated by resource: one environment's connections never reach another's data",
    ),
    (
        _deployer,
        str.__eq__,
        "each stack has its own deployer (bootstrap/Pulumi.<stack>.yaml), so a pipeline holds only its stack's rights",
    ),
)


def stack_settings(
    stack: str, overrides: Mapping[str, object] | None = None, today: date | None = None, file: str | None = None
) -> Settings:
    """A stack's validated settings, from its stack file (or `file`'s) with `overrides` of its keys."""
    namespace = PROJECT + ":"
    config = stack_config(file or stack)
    raw = {key[len(namespace) :]: value for key, value in config.items() if key.startswith(namespace)}
    for key, value in (overrides or {}).items():
        raw.pop(key, None) if value is None else raw.update(
            {key: value if isinstance(value, str) else json.dumps(value)}
        )
    return parse_settings(raw, stack, today)


def sibling_problems(stacks: Mapping[str, Settings]) -> list[str]:
    """Every clash between two stacks, named by the later stack's key and the earlier stack it clashes with."""
    problems: list[str] = []
    names = list(stacks)
    for values, clashes, why in RULES:
        for index, later in enumerate(names):
            for key, value in values(stacks[later]):
                for earlier in names[:index]:
                    hit = next((v for _, v in values(stacks[earlier]) if clashes(value, v)), None)
                    if hit is not None:
                        problems.append(f"stack {later}: " + problem(key, value, f"stack {earlier} has {hit!r}: {why}"))
    return problems


def bootstrap_settings(stack: str, today: date | None = None) -> BootstrapSettings | None:
    """The validated settings of the stack's bootstrap stack file (the same stack name), or None without one."""
    if not stack_file(stack, BOOTSTRAP_DIR).exists():
        return None
    config = stack_config(stack, BOOTSTRAP_DIR)
    return parse(BootstrapSettings, BOOTSTRAP_PROJECT, config, stack, today)[0]


def pim_settings(stack: str, today: date | None = None) -> PimSettings | None:
    """The validated settings of the stack's PIM stack file, or None without one (only prod-tier stacks)."""
    if not stack_file(stack, PIM_DIR).exists():
        return None
    return parse(PimSettings, PIM_PROJECT, stack_config(stack, PIM_DIR), stack, today)[0]


def project_settings(stack: str, today: date | None = None) -> tuple[ProjectSettings, ...]:
    """Each project's settings for the stack, as the plan shows them: the main program, its bootstrap and its PIM
    phase (those that have a stack file)."""
    found: list[ProjectSettings] = [ProjectSettings(PROJECT, stack_settings(stack, today=today))]
    for project, settings in (
        (BOOTSTRAP_PROJECT, bootstrap_settings(stack, today)),
        (PIM_PROJECT, pim_settings(stack, today)),
    ):
        if settings is not None:
            found.append(ProjectSettings(project, settings))
    return tuple(found)


def agreement_problems(main: Settings, bootstrap: BootstrapSettings) -> list[str]:
    """Where a stack and its bootstrap (the two stack files of one name an adopter edits) disagree: the bootstrap
    makes the resource group and the deployer the main program deploys with; and where they agree but may not
    (the same GitHub repository for the agents' pipeline and the platform's)."""
    stack = main.instance
    pairs = (
        ("environment", main.environment, bootstrap.environment, "the same environment"),
        ("namePrefix", main.name_prefix, bootstrap.name_prefix, "the same prefix in both projects"),
        ("location", main.location, bootstrap.location, "the same region"),
        (
            "existingResourceGroup",
            main.existing_resource_group,
            bootstrap.resource_group_name,
            "the bootstrap's resourceGroupName, the group its deployer may deploy into",
        ),
    )
    if main.platform_repository is not None:
        pairs += (
            (
                "platformRepository",
                main.platform_repository.model_dump(by_alias=True, exclude_none=True),
                bootstrap.github.model_dump(by_alias=True, exclude_none=True),
                "the bootstrap's github, the repository whose deploy job signs in as the CI/CD identity for the smoke "
                "test (with the same subject format and ids)",
            ),
        )
    found = [
        f"stack {stack}: " + problem(key, mine, f"bootstrap/Pulumi.{stack}.yaml has {theirs!r}: {why}")
        for key, mine, theirs, why in pairs
        if mine != theirs
    ]
    found += _runner_problems(main, bootstrap)
    found += secrets_provider_problems(stack, bootstrap)
    application, platform = (f"{g.owner}/{g.repository}".lower() for g in (main.github, bootstrap.github))
    if application == platform:
        # Both identities would trust repo:<owner>/<repo>:environment:<stack>: a job that deploys agents could sign
        # in as the deployer, which may change the whole environment.
        found.append(
            f"stack {stack}: "
            + problem(
                "github",
                application,
                f"bootstrap/Pulumi.{stack}.yaml names the same repository: the application repository (whose "
                "workflows deploy agents) and the platform repository (whose workflows run pulumi up) must differ, "
                "or the agents' workflows could sign in as the deployer",
            )
        )
    return found


def _runner_problems(main: Settings, bootstrap: BootstrapSettings) -> list[str]:
    """The bootstrap's runner network and the stack's network must fit together: peered VNets may not overlap
    (Azure refuses the peering), the stack peers with its own bootstrap's runner VNet, and a private stack whose
    bootstrap made runners peers with them (or its deploy job's smoke test cannot reach the private endpoints)."""
    stack, runners, network = main.instance, bootstrap.runner_network, main.network
    where = f"bootstrap/Pulumi.{stack}.yaml"
    found: list[str] = []
    if runners is not None and network is not None and network.creates_vnet:
        for space in network.address_space:
            if _overlap(runners.address_space, space):
                found.append(
                    f"stack {stack}: "
                    + problem(
                        "network.addressSpace",
                        space,
                        f"{where} has runnerNetwork.addressSpace {runners.address_space!r}: peered VNets may not "
                        "overlap (Azure refuses the peering)",
                    )
                )
    runner_vnet_id = network.runner_vnet_id if network is not None else None
    expected = (
        f"/resourceGroups/{bootstrap.resource_group_name}/providers/Microsoft.Network/virtualNetworks/"
        f"{bootstrap.runner_vnet_name}"
    )
    if runner_vnet_id is not None and (runners is None or not runner_vnet_id.lower().endswith(expected.lower())):
        made = f"makes {expected.rsplit('/', 1)[-1]} in {bootstrap.resource_group_name}" if runners else "makes none"
        found.append(
            f"stack {stack}: "
            + problem("network.runnerVnetId", runner_vnet_id, f"{where} {made}: peer with the stack's own runners")
        )
    if runners is not None and main.is_private and runner_vnet_id is None:
        found.append(
            f"stack {stack}: "
            + problem(
                "network.runnerVnetId",
                None,
                f"{where} makes runners ({bootstrap.runner_vnet_name}): set it to that VNet's id (bootstrap output "
                "runnerVnetId), or the deploy job's smoke test cannot reach the private endpoints",
            )
        )
    return found


def written_secrets_providers(stack: str) -> list[tuple[str, str]]:
    """(file, URL) of each project's Key Vault `secretsprovider` for the stack: main, PIM phase, bootstrap. A file
    without one (the runbook has not written it yet) or with the bootstrap's temporary passphrase is left out."""
    found: list[tuple[str, str]] = []
    for project_dir in (PROJECT_DIR, PIM_DIR, BOOTSTRAP_DIR):
        path = stack_file(stack, project_dir)
        written = read_stack_file(path).get("secretsprovider") if path.exists() else None
        if isinstance(written, str) and written.startswith(SECRETS_PROVIDER_SCHEME):
            found.append((f"{path.parent.name}/{path.name}" if project_dir != PROJECT_DIR else path.name, written))
    return found


def secrets_provider_problems(stack: str, bootstrap: BootstrapSettings) -> list[str]:
    """Each project's `secretsprovider` (written by `pulumi stack init` or `change-secrets-provider`) must name the
    bootstrap's vault and key and one version of it: an unpinned URL decrypts with the newest version, which fails
    for a data key wrapped by an older one as soon as Key Vault rotates the key (pulumi/pulumi#22338)."""
    found: list[str] = []
    for where, written in written_secrets_providers(stack):
        url = SecretsProviderUrl.parse(written)
        expected = f"vault {bootstrap.state_key_vault!r}, key {bootstrap.secrets_key_name!r}"
        if url is None or (url.vault, url.key) != (bootstrap.state_key_vault, bootstrap.secrets_key_name):
            found.append(
                f"stack {stack}: "
                + problem(f"secretsprovider ({where})", written, f"the bootstrap's secrets key: {expected}")
            )
        elif url.version is None:
            found.append(
                f"stack {stack}: "
                + problem(
                    f"secretsprovider ({where})",
                    written,
                    "a URL ending in the key's version (the bootstrap's output secretsProvider): re-key with `pulumi "
                    "stack change-secrets-provider` before the key rotates (docs/runbook.md, 'Re-key the stacks')",
                )
            )
    return found
