"""The README says about rights and prerequisites only what the rights check evaluates."""

from __future__ import annotations

import re
from pathlib import Path

from bootstrap.catalogue import ADMINISTRATORS, DEPLOYER_GRAPH_PERMISSIONS, PREVIEW_GRAPH_PERMISSIONS
from offline.render import Rendering
from offline.rights import docs
from offline.rights.holders import DIRECTORY_ROLES, GRAPH_PERMISSIONS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
GRAPH_PERMISSION_NAME = re.compile(
    r"\b(?:Application|Group|GroupMember|Directory|User|AppRoleAssignment)\.[A-Za-z]+(?:\.[A-Za-z]+)*\b"
)


def test_the_rights_table_is_the_one_the_rights_check_writes(bootstrapped: dict[str, Rendering]) -> None:
    assert docs.block(bootstrapped) in README


def test_the_runbook_asks_the_administrator_for_exactly_the_required_roles() -> None:
    admin = ADMINISTRATORS["bootstrap"]
    azure = "; ".join(f"{role} on the {where}" for role, where in admin.azure_roles)
    sentence = f"holds, activated for the run: {azure}; directory roles {', '.join(admin.directory_roles)}."
    assert sentence in README


def test_every_graph_permission_the_readme_names_is_one_the_check_knows() -> None:
    named = set(GRAPH_PERMISSION_NAME.findall(README))
    assert named <= set(GRAPH_PERMISSIONS), named - set(GRAPH_PERMISSIONS)
    granted = {p.name for p in (*DEPLOYER_GRAPH_PERMISSIONS, *PREVIEW_GRAPH_PERMISSIONS)}
    assert granted <= named


def test_the_deployers_graph_permissions_are_stated_as_granted() -> None:
    paragraph = README[README.index("The deployer's Microsoft Graph permissions are exactly") :].split("\n\n")[0]
    assert set(GRAPH_PERMISSION_NAME.findall(paragraph)) == {p.name for p in DEPLOYER_GRAPH_PERMISSIONS}
    assert "exactly three" in paragraph and len(DEPLOYER_GRAPH_PERMISSIONS) == 3


def test_directory_roles_the_readme_relies_on_are_ones_the_check_knows() -> None:
    for admin in ADMINISTRATORS.values():
        assert set(admin.directory_roles) <= set(DIRECTORY_ROLES)
