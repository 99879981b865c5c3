"""The plan's output formats: values read as a stack file writes them, long values wrapped and never cut, tables
that fit the terminal."""

from __future__ import annotations

import re

from components.settings.base import HIDDEN, ConfigModel
from offline.formats import as_written, split_text, text_table, wrapped


class Blocklisted(ConfigModel):
    pattern: str
    is_regex: bool


def test_values_read_as_a_stack_file_writes_them() -> None:
    assert [as_written(v) for v in (90.0, 0.5, 3, True, False, None, "text")] == [
        "90",
        "0.5",
        "3",
        "true",
        "false",
        "null",
        "text",
    ]
    assert as_written({"a": 1.0, "b": [True, "x", None]}) == "{a: 1, b: [true, x, null]}"
    assert as_written(Blocklisted(pattern="acme", is_regex=False)) == "{pattern: acme, isRegex: false}"
    assert as_written((50.0, [])) == "[50, []]"
    assert as_written("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" + "A" * 86 + "==") == HIDDEN


def test_split_text_breaks_at_slashes_and_spaces_and_loses_nothing() -> None:
    arm_id = "rg-fndry-{env}/Microsoft.Network/virtualNetworks/vnet-fndry-{env}/subnets/snet-app-integration"
    pieces = split_text(arm_id, 40)
    assert "".join(pieces) == arm_id and all(len(p) <= 40 for p in pieces)
    assert all(p.endswith("/") for p in pieces[:-1])
    key = "{env}-models-deployment-router [azure-native:cognitiveservices:Deployment]"
    assert split_text(key, 50) == ["{env}-models-deployment-router ", "[azure-native:cognitiveservices:Deployment]"]
    assert "".join(split_text("x" * 95, 20)) == "x" * 95


def columns_of(table: str) -> list[slice]:
    """Each column's character range, read from the table's rule of dashes."""
    rule = next(line for line in table.splitlines() if set(line) <= {"-", " "} and "-" in line)
    return [slice(m.start(), m.end()) for m in re.finditer(r"-+", rule)]


def test_a_wide_table_wraps_to_the_width_and_keeps_every_character() -> None:
    scope = "/subscriptions/0000/resourceGroups/rg-fndry-prod/providers/Microsoft.KeyVault/vaults/kv-fndry-prd-fd048b"
    rows = [("    prod-vault-kv (protected)", "keyvault:Vault", scope), ("short", "x", "Foundry project agents")]
    table = text_table(("Resource", "Type", "Scope"), rows, width=60)
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= 60
    spans = columns_of(table)
    body = lines[lines.index(next(line for line in lines if line.startswith("-"))) + 1 :]
    cells: list[list[str]] = [["" for _ in spans] for _ in rows]
    row = -1
    for line in body:
        if line[spans[1]].strip():  # the Type column never wraps here: a row starts where it has text
            row += 1
        for index, span in enumerate(spans):
            cells[row][index] += line[span].strip() + " "
    rebuilt = [tuple("".join(cell.split()) for cell in rebuilt_row) for rebuilt_row in cells]
    assert rebuilt == [tuple("".join(cell.split()) for cell in original) for original in rows]
    assert lines[2].startswith("    prod-vault-kv") and lines[3].startswith("    ")  # the tree's indent carries over


def test_a_table_that_fits_is_not_wrapped() -> None:
    table = text_table(("Key", "Value"), [("logRetentionDays", "90")], width=200)
    assert table.splitlines() == ["Key               Value", "----------------  -----", "logRetentionDays  90"]


def test_prose_wraps_with_its_indent_and_keeps_every_word() -> None:
    text = "the pipeline deployer lacks prod-endpoints-vault-dns: Microsoft.Network/privateDnsZones/join/action"
    lines = wrapped(text, first="  ", indent="    ", width=40)
    assert all(len(line) <= 40 for line in lines) and lines[0].startswith("  the") and lines[1].startswith("    ")
    assert "".join("".join(lines).split()) == "".join(text.split())  # broken at a space or after '/', no character lost
