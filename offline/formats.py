"""The plan's output formats: a report is a list of sections, and each format prints sections its own way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CSV_COLUMNS: list[str] = ["stack", "section", "name", "kind", "role", "role_guid", "scope", "access", "detail", "urn"]


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    lines: tuple[str, ...] = ()  # shown as they are: the resource tree, findings
    preformatted: bool = False  # markdown: in a code block rather than as bullets


def text_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def as_text(sections: Sequence[Section]) -> list[str]:
    out: list[str] = []
    for section in sections:
        out.append(section.title)
        if section.headers:
            out.append(text_table(section.headers, section.rows))
        out += [f"  {line}" if not section.preformatted else line for line in section.lines]
        out.append("")
    return out


def as_markdown(sections: Sequence[Section], level: str = "###") -> list[str]:
    out: list[str] = []
    for section in sections:
        out += [f"{level} {section.title}", ""]
        if section.headers:
            out += [markdown_table(section.headers, section.rows), ""]
        if section.lines:
            out += (
                ["```", *section.lines, "```", ""] if section.preformatted else [*(f"- {x}" for x in section.lines), ""]
            )
    return out


def write_csv(rows: Iterable[Mapping[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
