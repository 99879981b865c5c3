"""The docs say about rights, prerequisites and the runbook only what the code evaluates; the README stays a short
entry page that links every page; every relative link resolves; the runbook's commands can be pasted as written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bootstrap.catalogue import ADMINISTRATORS, DEPLOYER_GRAPH_PERMISSIONS, PREVIEW_GRAPH_PERMISSIONS
from offline.render import Rendering
from offline.rights import docs
from offline.rights.holders import DIRECTORY_ROLES, GRAPH_PERMISSIONS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text()
ACCESS_MODEL = (DOCS / "access-model.md").read_text()
RUNBOOK = (DOCS / "runbook.md").read_text()
# The topic pages split out of the README: held to the facts below. Other pages (the generated config.md, pages
# other engineers write) are only link-checked.
TOPIC_PAGES = (
    "access-model.md",
    "architecture.md",
    "configuration.md",
    "delivery.md",
    "models-and-observability.md",
    "networking.md",
    "offline-plan.md",
    "policy-pack.md",
    "runbook.md",
)
README_MAX_WORDS = 1500
SETUP_COMMANDS = (
    "python3 -m venv venv && venv/bin/pip install -r requirements-dev.txt",
    "venv/bin/python -m pytest",
)
GRAPH_PERMISSION_NAME = re.compile(
    r"\b(?:Application|Group|GroupMember|Directory|User|AppRoleAssignment)\.[A-Za-z]+(?:\.[A-Za-z]+)*\b"
)
FENCE = re.compile(r"^ *```[^\n]*\n.*?^ *```[ \t]*$", re.MULTILINE | re.DOTALL)
BASH_BLOCK = re.compile(r"^ *```bash\n(.*?)^ *```[ \t]*$", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def own_text() -> str:
    return "\n".join([README, *((DOCS / page).read_text() for page in TOPIC_PAGES)])


def prose(text: str) -> str:
    """Markdown without fenced code blocks and inline code: what GitHub renders as links and headings."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: link and code markup dropped, lowercase, punctuation other than '-' and '_'
    removed, spaces to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a page, numbered as GitHub numbers repeated ones (`name`, `name-1`, ...)."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", FENCE.sub("", path.read_text()), re.MULTILINE):
        base = slug(heading)
        found.add(base if base not in counts else f"{base}-{counts[base]}")
        counts[base] = counts.get(base, 0) + 1
    return found


# -- facts the rights check evaluates ----------------------------------------------------------------------------
def test_the_rights_table_is_the_one_the_rights_check_writes(bootstrapped: dict[str, Rendering]) -> None:
    assert docs.block(bootstrapped) in ACCESS_MODEL


def test_the_runbook_asks_the_administrator_for_exactly_the_required_roles() -> None:
    admin = ADMINISTRATORS["bootstrap"]
    azure = "; ".join(f"{role} on the {where}" for role, where in admin.azure_roles)
    sentence = f"holds, activated for the run: {azure}; directory roles {', '.join(admin.directory_roles)}."
    assert sentence in RUNBOOK


def test_every_graph_permission_the_docs_name_is_one_the_check_knows() -> None:
    named = set(GRAPH_PERMISSION_NAME.findall(own_text()))
    assert named <= set(GRAPH_PERMISSIONS), named - set(GRAPH_PERMISSIONS)
    granted = {p.name for p in (*DEPLOYER_GRAPH_PERMISSIONS, *PREVIEW_GRAPH_PERMISSIONS)}
    assert granted <= set(GRAPH_PERMISSION_NAME.findall(ACCESS_MODEL))


def test_the_deployers_graph_permissions_are_stated_as_granted() -> None:
    paragraph = ACCESS_MODEL[ACCESS_MODEL.index("The deployer's Microsoft Graph permissions are exactly") :]
    paragraph = paragraph.split("\n\n")[0]
    assert set(GRAPH_PERMISSION_NAME.findall(paragraph)) == {p.name for p in DEPLOYER_GRAPH_PERMISSIONS}
    assert "exactly three" in paragraph and len(DEPLOYER_GRAPH_PERMISSIONS) == 3


def test_directory_roles_the_docs_rely_on_are_ones_the_check_knows() -> None:
    for admin in ADMINISTRATORS.values():
        assert set(admin.directory_roles) <= set(DIRECTORY_ROLES)


# -- the README as an entry page ---------------------------------------------------------------------------------
def test_the_readme_is_short_and_keeps_the_setup_commands() -> None:
    assert len(README.split()) <= README_MAX_WORDS
    for command in SETUP_COMMANDS:
        assert command in README, command


def test_the_readme_links_every_page_of_docs() -> None:
    linked = {target.split("#")[0] for target in LINK.findall(prose(README))}
    missing = {f"docs/{page.name}" for page in DOCS.glob("*.md")} - linked
    assert not missing, f"README's 'Where to read more' lacks {sorted(missing)}"


def test_the_slug_is_githubs() -> None:
    assert slug("`foundry-platform-bootstrap:` (bootstrap/Pulumi.<stack>.yaml)") == (
        "foundry-platform-bootstrap-bootstrappulumistackyaml"
    )
    assert (
        slug("Azure's own rules, offline (`offline/azure_rules.py`)") == "azures-own-rules-offline-offlineazure_rulespy"
    )
    assert slug("4. Read each repository's OIDC subject") == "4-read-each-repositorys-oidc-subject"


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved.relative_to(ROOT)}")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, broken


# -- the runbook's commands ----------------------------------------------------------------------------------------
# project -> (its schema file, its config namespace)
PROJECTS = {
    "main": ("stack", "foundry-platform"),
    "bootstrap": ("bootstrap", "foundry-platform-bootstrap"),
    "pim": ("pim", "foundry-platform-pim"),
}


def bash_blocks(text: str) -> list[str]:
    return BASH_BLOCK.findall(text)


def schema_of(project: str) -> tuple[str, Any]:
    name, namespace = PROJECTS[project]
    return namespace, json.loads((ROOT / "schema" / f"{name}.schema.json").read_text())


def test_runbook_commands_have_no_placeholders() -> None:
    for block in bash_blocks(RUNBOOK):
        assert not re.search(r"<[A-Za-z][\w .:/-]*>", block), block


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_local_backend_folder_exists_before_the_login(page: Path) -> None:
    for block in bash_blocks(page.read_text()):
        for folder in re.findall(r'pulumi login "?file://([^"\s]+)', block):
            login = block.index(f"file://{folder}")
            assert re.search(rf'mkdir -p "?{re.escape(folder)}"?', block[:login]), f"mkdir -p {folder} first"


def test_runbook_runs_only_what_exists() -> None:
    commands = "\n".join(bash_blocks(RUNBOOK))
    for module in set(re.findall(r"venv/bin/python -m ([\w.]+)", commands)):
        path = ROOT / module.replace(".", "/")
        assert path.with_suffix(".py").exists() or (path / "__main__.py").exists(), module
    for script, arguments in re.findall(r"bash (scripts/[\w.-]+\.sh)([^\n]*)", commands):
        source = (ROOT / script).read_text()
        for flag in re.findall(r"(--[a-z-]+)", arguments):
            assert flag in source, f"{script} has no {flag}"


def test_runbook_sets_only_keys_the_projects_declare() -> None:
    """`pulumi config set` keys, and the GitHub keys `set_repository` writes, exist in the stack files' schemas."""
    setter = RUNBOOK[RUNBOOK.index("set_repository() {") :].split("\n}\n")[0]
    github_keys = set(re.findall(r'--path "\$2\.(\w+)"', setter))
    assert github_keys == {"owner", "repository", "subjectFormat", "ownerId", "repositoryId"}
    checked = 0
    for block in bash_blocks(RUNBOOK):
        project = "main"
        for line in block.splitlines():
            if move := re.match(r"\s*cd (bootstrap|pim|\.\.)\b", line):
                project = "main" if move.group(1) == ".." else move.group(1)
            namespace, schema = schema_of(project)
            properties = schema["properties"]["config"]["properties"]
            if key := re.search(r"pulumi config set --stack \S+ (?:--path )?(\w+)[\w.]* ", line):
                assert f"{namespace}:{key.group(1)}" in properties, (project, key.group(1))
                checked += 1
            if call := re.match(r'\s*set_repository "\$\w+" (\w+) (platform|app)\s*$', line):
                declared = json.dumps(properties[f"{namespace}:{call.group(1)}"])
                assert '"#/$defs/GitHubConfig"' in declared, (project, call.group(1))
                assert github_keys <= set(schema["$defs"]["GitHubConfig"]["properties"])
                checked += 1
    assert checked >= 9
