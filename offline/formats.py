"""The plan's output formats: a report is a list of sections, and each format prints sections its own way."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from components.catalogue.secrets import secret_shape
from components.settings.base import HIDDEN

DEFAULT_WIDTH = 200  # output to a file or a pipe (a CI log): no terminal to fit
COLUMN_GAP = 2
MIN_COLUMN = 8  # a column is never narrowed below this, so wrapped values stay readable
_BREAK_AFTER = frozenset(" /,.-:;=&?|")  # where a long value may continue on the next line
CSV_COLUMNS: list[str] = ["stack", "section", "name", "kind", "role", "role_guid", "scope", "access", "detail", "urn"]


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    lines: tuple[str, ...] = ()  # findings, one per line


def as_written(value: Any) -> str:
    """A value as a stack file writes it (YAML's flow style): whole numbers without a fraction (the engine hands
    every number over as a float: 1.0 for 1), true/false, null, text unquoted, lists as `[a, b]`, objects as
    `{key: value}`; a secret-shaped text never appears."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, BaseModel):  # an entry of a list inside a list (a blocklist's {pattern, isRegex})
        return as_written(value.model_dump(mode="json", by_alias=True))
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {as_written(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(as_written(item) for item in value) + "]"
    text = str(value)
    return HIDDEN if secret_shape(text) else text


def terminal_width() -> int:
    """The terminal's width (`COLUMNS` when set), or DEFAULT_WIDTH when the output is not a terminal."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def split_text(text: str, width: int, measure: Callable[[str], int] = len) -> list[str]:
    """`text` in pieces of at most `width` (as `measure` counts), broken after a space, `/` or punctuation where it
    can, inside a word where it must: the pieces joined give `text` back, nothing is cut."""
    pieces: list[str] = []
    while measure(text) > width:
        fits = 1
        while fits < len(text) and measure(text[: fits + 1]) <= width:
            fits += 1
        candidates = range(fits // 3 + 1, fits + 1)
        spaces = [n for n in candidates if text[n - 1] == " "]
        breaks = spaces or [n for n in candidates if text[n - 1] in _BREAK_AFTER]
        cut = breaks[-1] if breaks else fits
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def column_widths(natural: Sequence[int], floors: Sequence[int], budget: int) -> list[int]:
    """Narrow the widest column, one character at a time, until the columns fit `budget` or every column is at its
    floor (then the table is wider than the terminal, but no value is ever cut)."""
    widths = list(natural)
    while sum(widths) > budget:
        narrowable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not narrowable:
            break
        widths[max(narrowable, key=lambda i: widths[i])] -= 1
    return widths


def wrap_cell(cell: str, width: int) -> list[str]:
    """A cell's lines at most `width` wide (`split_text`); a cell's indentation (the resource tree's) carries over
    to its continuation lines."""
    lines: list[str] = []
    for paragraph in cell.split("\n"):
        indent = " " * min(len(paragraph) - len(paragraph.lstrip(" ")), max(width - MIN_COLUMN, 0))
        lines += [indent + piece.strip(" ") for piece in split_text(paragraph.lstrip(" "), width - len(indent))]
    return lines


def text_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], width: int | None = None, floors: Sequence[int] = ()
) -> str:
    """A plain-text table that fits `width` (default: the terminal) by wrapping cells, never by cutting them;
    `floors`: the narrowest each column may become (default MIN_COLUMN)."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    natural = [max(len(line) for row in cells for line in row[i].split("\n")) for i in range(len(headers))]
    least = [min(n, floors[i] if i < len(floors) else MIN_COLUMN) for i, n in enumerate(natural)]
    budget = (terminal_width() if width is None else width) - COLUMN_GAP * (len(headers) - 1)
    widths = column_widths(natural, least, budget)
    lines: list[str] = []
    for row in cells:
        wrapped_cells = [wrap_cell(cell, w) for cell, w in zip(row, widths, strict=True)]
        for index in range(max(len(c) for c in wrapped_cells)):
            parts = [(c[index] if index < len(c) else "").ljust(w) for c, w in zip(wrapped_cells, widths, strict=True)]
            lines.append((" " * COLUMN_GAP).join(parts).rstrip())
    header_height = max(len(wrap_cell(c, w)) for c, w in zip(cells[0], widths, strict=True))
    lines.insert(header_height, (" " * COLUMN_GAP).join("-" * w for w in widths))
    return "\n".join(lines)


def wrapped(text: str, first: str = "", indent: str = "  ", width: int | None = None) -> list[str]:
    """`first` + `text` in lines at most `width` wide (default: the terminal), continuation lines starting with
    `indent`."""
    width = terminal_width() if width is None else width
    head, *rest = split_text(text, max(width - len(first), MIN_COLUMN))
    lines = [first + head.rstrip()]
    for piece in split_text("".join(rest), max(width - len(indent), MIN_COLUMN)) if rest else []:
        lines.append(indent + piece.rstrip())
    return lines


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def as_text(sections: Sequence[Section]) -> list[str]:
    out: list[str] = []
    for section in sections:
        out += wrapped(section.title)
        if section.headers:
            out.append(text_table(section.headers, section.rows))
        for line in section.lines:
            out += wrapped(line, first="  ", indent="    ")
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


def write_csv(rows: Iterable[Mapping[str, str]], columns: Sequence[str] = CSV_COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
