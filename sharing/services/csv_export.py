"""CSV for spreadsheet programs: files that open correctly in LibreOffice and German Excel, and reading uploads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

BOM = "\ufeff"
SEPARATORS = {"semicolon": ";", "comma": ","}


@dataclass(frozen=True)
class CsvFormat:
    """Separator and decimal mark; German Excel wants `;` and a decimal comma, others `,` and a point."""

    separator: str = ";"
    decimal_comma: bool = True

    @classmethod
    def from_options(cls, separator: str | None, decimal: str | None) -> CsvFormat:
        """The format from query options (unknown values: the German default)."""
        sep = SEPARATORS.get(separator or "", ";")
        comma = decimal != "point"
        if sep == "," and comma and decimal is None:
            comma = False  # a comma separator with decimal commas would need quotes everywhere
        return cls(sep, comma)

    def cell(self, value: object, digits: int = 2) -> str:
        """One value as text: numbers with the chosen decimal mark, dates as ISO."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            text = f"{value:.{digits}f}"
            return text.replace(".", ",") if self.decimal_comma else text
        if isinstance(value, datetime | date):
            return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value.isoformat()
        return str(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], fmt: CsvFormat, digits: int = 2) -> bytes:
    """UTF-8 with BOM (so Excel recognises the encoding), CRLF line ends, cells quoted where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.separator, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_neutralise(fmt.cell(v, digits)) for v in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _neutralise(text: str) -> str:
    """Keep spreadsheet programs from running a name that starts like a formula (CSV injection)."""
    if text[:1] in ("=", "+", "@") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM), else Windows-1252 as Excel writes it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")

