"""Every project's `secretsprovider` names the bootstrap's secrets key and one version of it.

`pulumi stack init --secrets-provider` and `pulumi stack change-secrets-provider` write the URL into each stack file.
Without a version, Pulumi decrypts the stack's data key with the key's newest version, which fails as soon as Key
Vault rotates the key; a URL naming another vault or key would point the stack at keys nobody grants it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bootstrap.state import SecretsProviderUrl
from offline.render import stack_files
from offline.siblings import agreement_problems, bootstrap_settings, stack_settings
from tests.conftest import EXAMPLES

VERSION = "0123456789abcdef0123456789abcdef"


def problems_with(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """The prod stack's disagreements with its bootstrap once `files` (path under the stacks -> URL) carry a URL."""
    copy = tmp_path / "stacks"
    shutil.copytree(EXAMPLES, copy)
    for relative, url in files.items():
        path = copy / relative
        path.write_text(path.read_text() + f"secretsprovider: {url}\n")
    with stack_files(copy):
        bootstrap = bootstrap_settings("prod")
        assert bootstrap is not None
        return agreement_problems(stack_settings("prod"), bootstrap)


def prod_key(version: str | None = VERSION) -> SecretsProviderUrl:
    with stack_files(EXAMPLES):
        bootstrap = bootstrap_settings("prod")
    assert bootstrap is not None
    return SecretsProviderUrl(bootstrap.state_key_vault, bootstrap.secrets_key_name, version)


@pytest.mark.parametrize("file", ["Pulumi.prod.yaml", "pim/Pulumi.prod.yaml", "bootstrap/Pulumi.prod.yaml"])
def test_a_pinned_url_of_the_bootstraps_key_agrees(tmp_path: Path, file: str) -> None:
    assert problems_with(tmp_path, {file: str(prod_key())}) == []


@pytest.mark.parametrize("file", ["Pulumi.prod.yaml", "pim/Pulumi.prod.yaml", "bootstrap/Pulumi.prod.yaml"])
def test_an_unpinned_url_is_refused_naming_the_file_and_the_rekeying_step(tmp_path: Path, file: str) -> None:
    unpinned = str(prod_key(version=None))
    (found,) = problems_with(tmp_path, {file: unpinned})
    assert f"secretsprovider ({file})" in found and repr(unpinned) in found
    assert "change-secrets-provider" in found


def test_another_vaults_key_is_refused_naming_the_bootstraps(tmp_path: Path) -> None:
    key = prod_key()
    elsewhere = str(SecretsProviderUrl("kvs-fndry-s-other", key.key, VERSION))
    (found,) = problems_with(tmp_path, {"Pulumi.prod.yaml": elsewhere})
    assert repr(elsewhere) in found and f"vault {key.vault!r}, key {key.key!r}" in found


def test_the_bootstraps_temporary_passphrase_is_not_a_key_url(tmp_path: Path) -> None:
    """Runbook step 6 starts the bootstrap with a passphrase; step 7 moves it to the key."""
    assert problems_with(tmp_path, {"bootstrap/Pulumi.prod.yaml": "passphrase"}) == []


def test_the_url_parses_and_prints_back() -> None:
    url = f"azurekeyvault://kvs-fndry-p-1a2b.vault.azure.net/keys/pulumi-secrets/{VERSION}"
    parsed = SecretsProviderUrl.parse(url)
    assert parsed == SecretsProviderUrl("kvs-fndry-p-1a2b", "pulumi-secrets", VERSION)
    assert str(parsed) == url
    assert SecretsProviderUrl.parse("azurekeyvault://kvs-fndry-p-1a2b.vault.azure.net/keys/pulumi-secrets/v2") is None
    assert SecretsProviderUrl.parse("passphrase") is None
