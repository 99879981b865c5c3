"""The provider registration list covers every resource namespace the projects render, subnet delegations included."""

from __future__ import annotations

import pytest

from bootstrap.providers import ALWAYS_REGISTERED, REQUIRED_PROVIDERS, commands, main
from offline.arm import ARM_TYPES, arm_type_for
from offline.render import Rendering, render, render_pim_phase
from tests.bootstrap.conftest import render_bootstrap

VIRTUAL_NETWORK = "azure-native:network:VirtualNetwork"


def namespaces_of(rendering: Rendering) -> set[str]:
    """Every resource provider a rendering needs: each resource's, and each subnet delegation's."""
    # A generic resource (the runner network's GitHub.Network/networkSettings) takes its type from its inputs.
    found = {arm_type_for(r.type, r.inputs).namespace for r in rendering.resources if r.custom and r.type in ARM_TYPES}
    for network in rendering.of_type(VIRTUAL_NETWORK):
        for subnet in network.inputs.get("subnets", []):
            found |= {d["serviceName"].split("/", 1)[0] for d in subnet.get("delegations", [])}
    return found


@pytest.fixture(scope="module")
def every_feature() -> Rendering:
    """A stack with everything on: private network, agent subnet injection, compute."""
    return render("prod", overrides={"network": {"agentSubnetInjection": True}})


def uncovered(renderings: list[Rendering], registered: set[str]) -> set[str]:
    return set().union(*(namespaces_of(r) for r in renderings)) - set(ALWAYS_REGISTERED) - registered


@pytest.fixture(scope="module")
def everything(
    rendered: dict[str, Rendering], bootstrapped: dict[str, Rendering], every_feature: Rendering
) -> list[Rendering]:
    pim = render_pim_phase(rendered["prod"])
    assert pim is not None
    runners = render_bootstrap(
        "prod", overrides={"runnerNetwork": {"kind": "github-hosted", "githubDatabaseId": "123456"}}
    )
    return [*rendered.values(), *bootstrapped.values(), every_feature, pim, runners]


def test_the_list_covers_every_namespace_rendered(everything: list[Rendering]) -> None:
    assert uncovered(everything, set(REQUIRED_PROVIDERS)) == set()
    assert not set(ALWAYS_REGISTERED) & set(REQUIRED_PROVIDERS)


def test_a_namespace_missing_from_the_list_is_caught(everything: list[Rendering]) -> None:
    # The agent subnet's delegation and the bootstrap's storage account count as much as the resources themselves.
    for namespace in ("Microsoft.App", "Microsoft.Storage", "Microsoft.CognitiveServices", "GitHub.Network"):
        assert uncovered(everything, set(REQUIRED_PROVIDERS) - {namespace}) == {namespace}


def test_the_admin_step_prints_one_register_command_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("   # ")[0] for line in lines] == [" ".join(c) for c in commands()]
    assert all(f"--namespace {n} --wait" in "\n".join(lines) for n in REQUIRED_PROVIDERS)


def test_running_without_the_azure_cli_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert main(["--run"]) == 2
    assert "Azure CLI (az) is not on PATH" in capsys.readouterr().err
