"""The adoption check: a team's first edits keep the invariant tests green, and a security regression still fails them.

    venv/bin/python -m tests.adoption         # `.ci/run` runs it; about 20 s, so not part of the test suite
    venv/bin/python -m tests.adoption --all   # also the example tests on the adopted copy (about a minute): they
                                              # read tests/examples/stacks, so the adopter's edits leave them green

On a clean copy of the project (the files git tracks) it applies the edits every adopting team makes first, runs
`pytest tests/invariants` (must pass), then seeds a named regression into the program and runs it again (must
fail, and in the tests that guard that property). Exit 0 when both hold.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MAIN, BOOTSTRAP = "foundry-platform:", "foundry-platform-bootstrap:"
PLATFORM = {
    "owner": "acme-corp",
    "repository": "acme-platform",
    "subjectFormat": "immutable",
    "ownerId": "51234567",
    "repositoryId": "998877665",
}


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a stack file's config, keeping its first line (the schema reference) as a person editing it would."""
    first, _, _ = path.read_text().partition("\n")
    document = yaml.safe_load(path.read_text())
    change(document["config"])
    path.write_text(first + "\n\n" + yaml.safe_dump(document, sort_keys=False))


def _main_stack(stack: str) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config[MAIN + "namePrefix"] = "acme"
        config[MAIN + "github"] = {"owner": "acme-corp", "repository": "acme-agents", "subjectFormat": "classic"}
        # A repository created since 2026-07-15: GitHub sends immutable subjects.
        config[MAIN + "platformRepository"] = PLATFORM
        config[MAIN + "existingResourceGroup"] = f"rg-acme-{stack}"
        config[MAIN + "projects"] = [{"name": "agents"}, {"name": "evals"}, {"name": "research"}]
        config[MAIN + "modelDeployments"] = [
            {"name": "router", "model": {"name": "gpt-5.6-luna", "version": "2026-07-09"}},
            {"name": "specialist", "model": {"name": "gpt-5.6-sol", "version": "2026-07-09"}},
            {"name": "embeddings", "model": {"name": "text-embedding-3-large", "version": "1"}, "sku": "Standard"},
        ]
        if stack == "staging":
            config[MAIN + "networkAccess"] = "private"
        network = config.get(MAIN + "network")
        if isinstance(network, dict) and "runnerVnetId" in network:
            # The bootstrap's runner network under the new prefix (runbook step 9 sets its real id).
            subscription = network["runnerVnetId"].split("/")[2]
            network["runnerVnetId"] = (
                f"/subscriptions/{subscription}/resourceGroups/rg-acme-{stack}/providers/Microsoft.Network/"
                f"virtualNetworks/vnet-acme-{stack}-runners"
            )

    return change


def _bootstrap(config: dict[str, Any]) -> None:
    config[BOOTSTRAP + "namePrefix"] = "acme"
    config[BOOTSTRAP + "github"] = PLATFORM


def adopt(project: Path) -> None:
    """Another prefix in both projects, another GitHub org and repositories, a third project, a third deployment,
    a private staging, and a new stack `sandbox` (another instance of dev, with its own bootstrap and deployer)."""
    for stack in ("dev", "staging", "prod"):
        _edit(project / f"Pulumi.{stack}.yaml", _main_stack(stack))
        _edit(project / "bootstrap" / f"Pulumi.{stack}.yaml", _bootstrap)
    for folder in ("", "bootstrap"):
        shutil.copy(project / folder / "Pulumi.dev.yaml", project / folder / "Pulumi.sandbox.yaml")

    def sandbox(config: dict[str, Any]) -> None:
        _main_stack("sandbox")(config)
        config[MAIN + "deployerObjectId"] = "7e4b2a91-3c5d-4f6e-8a7b-9c0d1e2f3a44"

    _edit(project / "Pulumi.sandbox.yaml", sandbox)


# The regression the invariant tests must catch, and the test that guards it.
REGRESSION = "local auth turned back on (API keys valid again)"
REGRESSION_FILE = Path("components/foundry.py")
REGRESSION_EDIT = ('"disable_local_auth": True', '"disable_local_auth": False')
GUARD = "test_foundry_takes_entra_tokens_only_and_no_key_is_exported"


def copy_project(target: Path) -> Path:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return target


def invariants(project: Path, everything: bool = False) -> subprocess.CompletedProcess[str]:
    """The invariant tests (or, `everything`, the whole suite on both cores) run on the copy."""
    where, options = ("tests", "addopts=-n auto") if everything else ("tests/invariants", "addopts=")
    command = [sys.executable, "-m", "pytest", where, "-q", "-p", "no:cacheprovider", "-o", options]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)


def _summary(run: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in run.stdout.splitlines() if " passed" in line or " failed" in line]
    return lines[-1].strip() if lines else "no result"


def main(argv: list[str] | None = None) -> int:
    everything = "--all" in (sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="adoption-") as folder:
        project = copy_project(Path(folder))
        adopt(project)
        adopted = invariants(project, everything)
        kind = "every test" if everything else "invariant tests"
        print(f"adopted copy: {kind} {'pass' if adopted.returncode == 0 else 'FAIL'}: {_summary(adopted)}")
        if adopted.returncode != 0:
            print(adopted.stdout[-4000:])
            return 1
        source = project / REGRESSION_FILE
        before, after = REGRESSION_EDIT
        assert before in source.read_text(), f"the regression no longer applies to {REGRESSION_FILE}"
        source.write_text(source.read_text().replace(before, after))
        regressed = invariants(project)
        caught = regressed.returncode != 0 and GUARD in regressed.stdout
        print(
            f"seeded regression, {REGRESSION}: {'caught by ' + GUARD if caught else 'NOT CAUGHT'}: {_summary(regressed)}"
        )
        return 0 if caught else 1


if __name__ == "__main__":
    sys.exit(main())
