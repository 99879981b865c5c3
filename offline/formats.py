"""The plan's output formats: a report is a list of sections, and each format prints sections its own way."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from components.catalogue.secrets import secret_shape
from components.settings.base import HIDDEN

DEFAULT_WIDTH = 200  # output to a file or a pipe (a CI log): no terminal to fit
COLUMN_GAP = 2
MIN_COLUMN = 8  # a column is never narrowed below this, so wrapped values stay readable
CSV_COLUMNS: list[str] = ["stack", "section", "name", "kind", "role", "role_guid", "scope", "access", "detail", "urn"]


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    lines: tuple[str, ...] = ()  # findings, one per line


def as_written(value: Any) -> str:
    """A value as a stack file writes it: whole numbers without a fraction (the engine hands every number over as
    a float: 1.0 for 1), true/false, lists comma-separated, objects as JSON; a secret-shaped value never appears."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, BaseModel):  # an entry of a list inside a list (a blocklist's {pattern, isRegex})
        return as_written(value.model_dump(mode="json", by_alias=True))
    if isinstance(value, list | tuple):
        return ", ".join(as_written(v) for v in value) if value else "(none)"
    if isinstance(value, Mapping):
        return json.dumps(value) if value else "(none)"
    text = str(value)
    return HIDDEN if secret_shape(text) else text


def terminal_width() -> int:
    """The terminal's width (`COLUMNS` when set), or DEFAULT_WIDTH when the output is not a terminal."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def _column_widths(natural: list[int], floors: list[int], width: int) -> list[int]:
    """Narrow the widest columns, one character at a time, until the row fits in `width` or every column is at
    its floor (then the table is wider than the terminal, but no value is ever cut)."""
    widths = list(natural)
    budget = width - COLUMN_GAP * (len(widths) - 1)
    while sum(widths) > budget:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _wrap(cell: str, width: int) -> list[str]:
    """A cell's lines at most `width` wide: broken after a space or a hyphen where it can, inside a word where it
    must; every character of the value is kept. A cell's indentation (the resource tree's) carries over to its
    continuation lines."""
    lines: list[str] = []
    for paragraph in cell.split("\n"):
        indent = " " * min(len(paragraph) - len(paragraph.lstrip(" ")), max(width - MIN_COLUMN, 0))
        body = textwrap.wrap(paragraph.strip(" "), width - len(indent), break_long_words=True) or [""]
        lines += [indent + line for line in body]
    return lines


def text_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], width: int | None = None) -> str:
    """A plain-text table that fits `width` (default: the terminal) by wrapping cells, never by cutting them."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    natural = [max(len(line) for row in cells for line in row[i].split("\n")) for i in range(len(headers))]
    floors = [min(n, MIN_COLUMN) for n in natural]
    widths = _column_widths(natural, floors, terminal_width() if width is None else width)
    lines: list[str] = []
    for row in cells:
        wrapped = [_wrap(cell, w) for cell, w in zip(row, widths, strict=True)]
        for index in range(max(len(c) for c in wrapped)):
            parts = [(c[index] if index < len(c) else "").ljust(w) for c, w in zip(wrapped, widths, strict=True)]
            lines.append((" " * COLUMN_GAP).join(parts).rstrip())
    header_height = max(len(_wrap(c, w)) for c, w in zip(cells[0], widths, strict=True))
    lines.insert(header_height, (" " * COLUMN_GAP).join("-" * w for w in widths))
    return "\n".join(lines)


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def wrapped(text: str, indent: str = "") -> list[str]:
    """A line of prose (a title, a finding) wrapped to the terminal, continuation lines indented."""
    width = terminal_width()
    lines = textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False)
    return lines or [""]


def as_text(sections: Sequence[Section]) -> list[str]:
    out: list[str] = []
    for section in sections:
        out += wrapped(section.title)
        if section.headers:
            out.append(text_table(section.headers, section.rows))
        for line in section.lines:
            out += wrapped(line, "  ")
        out.append("")
    return out


def as_markdown(sections: Sequence[Section], level: str = "###") -> list[str]:
    out: list[str] = []
    for section in sections:
        out += [f"{level} {section.title}", ""]
        if section.headers:
            out += [markdown_table(section.headers, section.rows), ""]
        if section.lines:
            out += [*(f"- {x}" for x in section.lines), ""]
    return out


def write_csv(rows: Iterable[Mapping[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
