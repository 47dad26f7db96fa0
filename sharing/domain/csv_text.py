"""Reading the text of an uploaded CSV file: separator, numbered rows."""

from __future__ import annotations

import csv


def sniff_separator(first_line: str) -> str:
    """`;` or tab if the first line uses them, else `,` (a decimal comma then needs quotes)."""
    if ";" in first_line:
        return ";"
    return "\t" if "\t" in first_line else ","


def numbered_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number from 1, cells) of every line that is neither blank nor a # comment."""
    lines = [(n, line) for n, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return []
    separator = sniff_separator(lines[0][1])
    return [(n, next(csv.reader([line], delimiter=separator))) for n, line in lines]
